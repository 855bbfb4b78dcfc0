"""The Export dialog proposes a folder that exists: the last one used, else Pictures if
present, else home; and it remembers the folder of each export in the settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.export.export_folder import proposed_folder, remember_folder
from app.shell.user_files import data_directory


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    """A home folder with nothing in it (no Pictures), as on a fresh machine."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # no user-dirs.dirs
    return home


def test_the_proposed_folder_always_exists(qapp, fresh_home, tmp_path):
    assert proposed_folder() == fresh_home
    pictures = fresh_home / "Pictures"
    pictures.mkdir()
    assert proposed_folder() == pictures
    talk = tmp_path / "talk" / "figures"
    talk.mkdir(parents=True)
    remember_folder(talk)
    assert proposed_folder() == talk
    assert str(talk) in (data_directory() / "settings.ini").read_text(encoding="utf-8")
    shutil.rmtree(talk)  # the remembered folder is gone: back to Pictures, then home
    assert proposed_folder() == pictures
    pictures.rmdir()
    assert proposed_folder() == fresh_home


def test_the_dialog_proposes_an_existing_folder_and_remembers_the_last(
    main_window, qtbot, fresh_home, tmp_path
):
    actions = main_window.export_actions
    dialog = actions.open_dialog()
    dialog.select("cells")
    proposed = Path(dialog.path_edit.text())
    assert proposed.parent == fresh_home and proposed.suffix == ".png"
    dialog.accept()  # the first export of a fresh machine works
    assert QImage(str(proposed)).width() > 0
    assert not dialog.isVisible()

    figures = tmp_path / "figures"
    figures.mkdir()
    dialog = actions.open_dialog()
    dialog.select("cells")
    dialog.path_edit.setText(str(figures / "cells.svg"))
    dialog.accept()
    assert (figures / "cells.svg").stat().st_size > 0
    dialog = actions.open_dialog()
    assert Path(dialog.path_edit.text()).parent == figures
    dialog.reject()
