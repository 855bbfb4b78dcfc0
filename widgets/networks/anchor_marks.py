"""The three images a slice goes through, marked A, B and C on a cell canvas."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont

from widgets.common.digit_gallery import MARK_RGB

#: Above the cells, their edges and the decision boundary.
_Z_MARKS = 150


class AnchorMarks:
    """A dot and a letter for each anchor, on top of ``plot`` (a pyqtgraph PlotItem)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._dots = pg.ScatterPlotItem(size=13, pen=pg.mkPen("w", width=2))
        self._dots.setZValue(_Z_MARKS)
        plot.addItem(self._dots)
        self._labels = []
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(13)
        for name in "ABC":
            label = pg.TextItem(name, color=QColor(*MARK_RGB[name]), anchor=(-0.25, 1.1))
            label.setFont(font)
            label.setZValue(_Z_MARKS + 1)
            plot.addItem(label)
            self._labels.append(label)
        self._points = np.zeros((0, 2))

    @property
    def points(self) -> np.ndarray:
        """(3, 2) the marked (s, t), empty before :meth:`set_points`."""
        return self._points.copy()

    def set_points(self, points: np.ndarray) -> None:
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self._points = points
        brushes = [pg.mkBrush(*MARK_RGB[name]) for name in "ABC"[: len(points)]]
        self._dots.setData(points[:, 0], points[:, 1], brush=brushes)
        for label, point in zip(self._labels, points, strict=False):
            label.setPos(float(point[0]), float(point[1]))
