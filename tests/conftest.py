"""Shared fixtures of the GUI tests: a real main window with its first partition drawn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

#: Generous: the first partition of the default network takes well under a second.
PARTITION_TIMEOUT_MS = 30_000

#: The suite's longest files (``--durations``), started first: xdist hands whole files to
#: its two workers in collection order, and the every-view run (almost four minutes)
#: collected in the middle left one worker idle for the last minute or two of the suite.
LONGEST_FILES_FIRST = (
    "tests/export/test_every_view.py",
    "tests/export/test_tick_labels.py",
    "tests/export/test_cli_export.py",
    "tests/export/test_deck_waits_for_presets.py",
    "tests/export/test_deck_figure_history.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    """Run the files of :data:`LONGEST_FILES_FIRST` first, in that order; every other test
    keeps its place."""
    rank = {name: place for place, name in enumerate(LONGEST_FILES_FIRST)}
    root = config.rootpath

    def place(item) -> int:
        return rank.get(item.path.relative_to(root).as_posix(), len(rank))

    items.sort(key=place)


@pytest.fixture
def main_window(qtbot) -> Iterator[object]:
    """The Splinescope window, shown, after its first partition has been drawn."""
    from app.shell.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(
        lambda: window.page("cells").canvas.partition is not None, timeout=PARTITION_TIMEOUT_MS
    )
    yield window
    window.close()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch) -> None:
    """No test reads or writes the user's Splinescope files (settings, autosave, crash
    markers, appearance), and tests running side by side never share them."""
    from app.shell.user_files import DATA_DIR_VARIABLE

    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path_factory.mktemp("splinescope-data")))


@pytest.fixture(autouse=True)
def _private_result_cache(tmp_path_factory, monkeypatch) -> None:
    """Exports run by tests (in subprocesses too) keep their result cache in a folder of
    the test session's own, never the user's ``~/.cache/splinescope``."""
    from engine.result_cache import CACHE_FOLDER_VARIABLE

    monkeypatch.setenv(CACHE_FOLDER_VARIABLE, str(tmp_path_factory.mktemp("splinescope-cache")))


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test(request) -> Iterator[None]:
    """Every GUI test must leave the thread pool idle (pyvistaqt checks VTK objects alike)."""
    yield
    if "qtbot" not in request.fixturenames:
        return
    from PySide6.QtCore import QThreadPool

    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(PARTITION_TIMEOUT_MS), "a worker thread is still running"
