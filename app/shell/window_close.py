"""Run a page's clean-up when the window it sits in closes.

Child widgets get no ``closeEvent`` when their window closes, yet a page with a VTK view
must let VTK go of its native window before that window is gone. A
:class:`WindowCloseWatcher` follows the page into whatever window it is shown in (tabs,
a floating dock, its own window) and calls back when that window closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class WindowCloseWatcher(QObject):
    """Calls ``on_close()`` when the window of ``page`` closes (a child of ``page``)."""

    def __init__(self, page: QWidget, on_close: Callable[[], None]) -> None:
        super().__init__(page)
        self._page = page
        self._on_close = on_close
        self._window: QWidget | None = None
        page.installEventFilter(self)

    def _follow_window(self) -> None:
        window = self._page.window()  # the page itself when it is a window of its own
        if window is self._window:
            return
        if self._window is not None and self._window is not self._page:
            self._window.removeEventFilter(self)
        window.installEventFilter(self)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._page and kind in (QEvent.Type.ParentChange, QEvent.Type.Show):
            self._follow_window()
        elif watched is self._window and kind == QEvent.Type.Close:
            self._on_close()
        return False
