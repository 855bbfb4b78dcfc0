"""The three images a slice goes through, marked A, B and C on a cell canvas.

Each letter sits up and right of its dot, unless that would run past the plot area's edge
(an anchor at the top or the right of a domain framed tight to it): then it takes the
first of the other diagonal places that stays inside, so that no letter is cut.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont

from widgets.common.digit_gallery import MARK_RGB

#: Above the cells, their edges and the decision boundary.
_Z_MARKS = 150
#: TextItem anchors of a letter: up-right of its dot (preferred), up-left, down-right,
#: down-left.
LABEL_PLACES = ((-0.25, 1.1), (1.25, 1.1), (-0.25, -0.1), (1.25, -0.1))


class AnchorMarks:
    """A dot and a letter for each anchor, on top of ``plot`` (a pyqtgraph PlotItem)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._view = plot.getViewBox()
        self._dots = pg.ScatterPlotItem(size=13, pen=pg.mkPen("w", width=2))
        self._dots.setZValue(_Z_MARKS)
        plot.addItem(self._dots)
        self._labels = []
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(13)
        for name in "ABC":
            label = pg.TextItem(name, color=QColor(*MARK_RGB[name]), anchor=LABEL_PLACES[0])
            label.setFont(font)
            label.setZValue(_Z_MARKS + 1)
            plot.addItem(label)
            self._labels.append(label)
        self._points = np.zeros((0, 2))
        self._view.sigTransformChanged.connect(self._keep_labels_inside)

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
        self._keep_labels_inside()

    def label_rects(self) -> list[QRectF]:
        """Where the letters of the marked anchors are drawn, in scene pixels."""
        return [
            self._label_rect(label, label.anchor) for label in self._labels[: len(self._points)]
        ]

    def _label_rect(self, label: pg.TextItem, anchor) -> QRectF:
        """The scene rectangle ``label`` covers when placed by ``anchor`` at its point."""
        point = self._view.mapViewToScene(label.pos())
        size = label.textItem.boundingRect().size()
        return QRectF(
            point.x() - anchor[0] * size.width(),
            point.y() - anchor[1] * size.height(),
            size.width(),
            size.height(),
        )

    def _keep_labels_inside(self, *_args) -> None:
        """Give each letter the first of :data:`LABEL_PLACES` inside the plot area."""
        area = self._view.sceneBoundingRect()
        if area.isEmpty():
            return
        for label in self._labels[: len(self._points)]:
            inside = [a for a in LABEL_PLACES if area.contains(self._label_rect(label, a))]
            anchor = inside[0] if inside else LABEL_PLACES[0]
            if tuple(label.anchor) != anchor:
                label.setAnchor(anchor)
