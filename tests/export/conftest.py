"""Export tests write no settings of the user's: the data directory (and with it the
settings file, where the Export dialog remembers its folder) is a temporary folder."""

from __future__ import annotations

import pytest

from app.shell.user_files import DATA_DIR_VARIABLE


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))
