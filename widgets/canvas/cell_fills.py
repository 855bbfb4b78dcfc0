"""Cell fills of a 2-D partition: one filled path per colour, drawn as one item."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath

from engine.partition2d import Partition2D


class CellFillItem(pg.GraphicsObject):
    """All cell fills of a partition: one filled ``QPainterPath`` per palette colour."""

    def __init__(self) -> None:
        super().__init__()
        self._fills: list[tuple[QBrush, QPainterPath]] = []
        self._rect = QRectF()

    def set_fills(self, fills: list[tuple[QColor, QPainterPath]], rect: QRectF) -> None:
        """Replace the fills; ``rect`` bounds them all, in data coordinates."""
        self.prepareGeometryChange()
        self._fills = [(QBrush(colour), path) for colour, path in fills]
        self._rect = QRectF(rect)
        self.update()

    def colours_at(self, x: float, y: float) -> list[tuple[int, int, int]]:
        """The colours of the fills covering the data point ``(x, y)``, in drawing order."""
        point = QPointF(x, y)
        return [brush.color().getRgb()[:3] for brush, path in self._fills if path.contains(point)]

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter: QPainter, option: object, widget: object = None) -> None:
        # Fills are drawn without antialiasing: adjacent cells then meet without
        # background-coloured seams, and the antialiased edges on top hide the steps.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for brush, path in self._fills:
            painter.fillPath(path, brush)


def grouped_fills(
    partition: Partition2D, colour_of_cell: np.ndarray, colours: np.ndarray
) -> list[tuple[QColor, QPainterPath]]:
    """One path per colour holding every cell ``r`` of colour ``colours[colour_of_cell[r]]``
    ((R,) int indices into (k, 3) RGB), for :meth:`CellFillItem.set_fills`."""
    offsets = np.asarray(partition.offsets, np.int64)
    lengths = np.diff(offsets)
    cell_of_position = np.repeat(np.arange(partition.n_regions), lengths)
    # A stable sort keeps every ring contiguous and in order inside its colour group.
    order = np.argsort(colour_of_cell[cell_of_position], kind="stable")
    points = partition.vertices[partition.indices[order]]
    is_ring_end = np.zeros(int(offsets[-1]), bool)
    is_ring_end[offsets[1:][lengths > 0] - 1] = True
    connect = (~is_ring_end[order]).astype(np.int32)
    group_colour = colour_of_cell[cell_of_position[order]]
    starts = np.flatnonzero(np.r_[True, group_colour[1:] != group_colour[:-1]])
    ends = np.r_[starts[1:], len(order)]
    fills = []
    for start, end in zip(starts, ends, strict=True):
        path = pg.arrayToQPath(
            points[start:end, 0], points[start:end, 1], connect=connect[start:end]
        )
        r, g, b = (int(v) for v in colours[group_colour[start]])
        fills.append((QColor(r, g, b), path))
    return fills
