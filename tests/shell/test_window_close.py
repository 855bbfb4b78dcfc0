"""A page learns that the window it sits in closes, wherever it has been moved."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget

from app.shell.window_close import WindowCloseWatcher


def test_the_watcher_follows_the_page_into_its_current_window(qtbot):
    closed = []
    page = QWidget()
    WindowCloseWatcher(page, lambda: closed.append(page.window()))
    first, second = QMainWindow(), QMainWindow()
    for window in (first, second):
        qtbot.addWidget(window)
    first.setCentralWidget(page)
    first.show()
    qtbot.waitExposed(first)

    second.setCentralWidget(page)  # moved: the first window is not its window any more
    second.show()
    qtbot.waitExposed(second)
    first.close()
    assert closed == []
    second.close()
    assert closed == [second]


def test_a_page_that_is_its_own_window_is_told_too(qtbot):
    closed = []
    page = QWidget()
    qtbot.addWidget(page)
    WindowCloseWatcher(page, lambda: closed.append(True))
    page.show()
    qtbot.waitExposed(page)
    page.close()
    assert closed == [True]
