"""The cell canvas's view box: a left-drag pans, or draws a path segment when asked to."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import Signal


class PathDrawingViewBox(pg.ViewBox):
    """A ViewBox whose left-drag draws a segment instead of panning when asked to.

    ``draws_path(event)`` decides at the start of every drag; while drawing it emits
    ``path_dragged(start, end)`` in data coordinates.
    """

    path_dragged = Signal(object, object)

    def __init__(self, draws_path: Callable[[object], bool]) -> None:
        super().__init__()
        self._draws_path = draws_path
        self._drawing = False

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.isStart():
            self._drawing = axis is None and self._draws_path(ev)
        if not self._drawing:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos())
        end = self.mapSceneToView(ev.scenePos())
        self.path_dragged.emit((start.x(), start.y()), (end.x(), end.y()))
        if ev.isFinish():
            self._drawing = False
