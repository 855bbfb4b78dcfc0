"""A pyqtgraph canvas that draws the exact cells of a 2-D partition.

The canvas maps a :class:`engine.partition2d.Partition2D` (plain arrays) to a handful of
batched graphics items, whatever the number of cells:

- one :class:`CellFillItem` holding one ``QPainterPath`` per palette colour;
- one ``PlotCurveItem`` of segment pairs per hidden layer for the cell edges, plus one
  for the domain boundary;
- one ``PlotCurveItem`` (with a white halo underneath) for the decision boundary.

It never computes geometry: every coordinate comes from the partition.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath

from engine.partition2d import Partition2D, pattern_colour_keys
from widgets.palettes import (
    CELL_PALETTE,
    DECISION_HALO_RGB,
    DECISION_RGB,
    DOMAIN_EDGE_RGB,
    cell_colour_index,
    layer_edge_colours,
    layer_edge_widths,
)

DECISION_WIDTH = 3.0
_Z_FILLS = 0
_Z_EDGES = 10
_Z_DECISION = 100
_MAX_LAYERS = 80  # edge z-values stay below the decision boundary up to this depth


class SegmentSet(Protocol):
    """Anything with ``segments``: (S, 2, 2) float64 line segments, e.g. a DecisionBoundary."""

    segments: np.ndarray


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

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter: QPainter, option: object, widget: object = None) -> None:
        # Fills are drawn without antialiasing: adjacent cells then meet without
        # background-coloured seams, and the antialiased edges on top hide the steps.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for brush, path in self._fills:
            painter.fillPath(path, brush)


def _ring_successors(offsets: np.ndarray) -> np.ndarray:
    """For every ring position, the position of the next vertex of the same ring."""
    n = int(offsets[-1])
    successor = np.arange(1, n + 1, dtype=np.int64)
    lengths = np.diff(offsets)
    closing = offsets[1:][lengths > 0] - 1
    successor[closing] = offsets[:-1][lengths > 0]
    return successor


def _pairs_xy(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interleave (M, 2) segment starts and ends into x, y arrays for ``connect='pairs'``."""
    points = np.empty((2 * len(start), 2))
    points[0::2] = start
    points[1::2] = end
    return points[:, 0].copy(), points[:, 1].copy()


class CellCanvas(pg.PlotWidget):
    """Draws a partition's cells, its edges by layer and a decision boundary."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setObjectName("cellCanvas")
        plot = self.getPlotItem()
        plot.setAspectLocked(True)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        tick_font = QFont()
        tick_font.setPointSizeF(10)
        for side, name in (("bottom", "x<sub>1</sub>"), ("left", "x<sub>2</sub>")):
            axis = plot.getAxis(side)
            axis.setPen(pg.mkPen(90, 90, 90))
            axis.setTextPen(pg.mkPen(40, 40, 40))
            axis.setTickFont(tick_font)
            axis.enableAutoSIPrefix(False)
            axis.setLabel(name, **{"font-size": "13pt", "color": "#282828"})
        self._fill_item = CellFillItem()
        self._fill_item.setZValue(_Z_FILLS)
        plot.addItem(self._fill_item)
        self._edge_items: dict[int, pg.PlotCurveItem] = {}
        self._decision_halo = pg.PlotCurveItem(
            connect="pairs",
            antialias=True,
            pen=pg.mkPen(*DECISION_HALO_RGB, width=DECISION_WIDTH + 3),
        )
        self._decision_line = pg.PlotCurveItem(
            connect="pairs", antialias=True, pen=pg.mkPen(*DECISION_RGB, width=DECISION_WIDTH)
        )
        for z, item in enumerate((self._decision_halo, self._decision_line)):
            item.setZValue(_Z_DECISION + z)
            plot.addItem(item)
        # Hiding the line from the legend hides its halo too.
        self._decision_line.visibleChanged.connect(
            lambda: self._decision_halo.setVisible(self._decision_line.isVisible())
        )
        self._legend = pg.LegendItem(
            offset=(-12, 12),
            brush=pg.mkBrush(255, 255, 255, 225),
            pen=pg.mkPen(190, 190, 190),
            labelTextColor=(30, 30, 30),
            labelTextSize="11pt",
            verSpacing=-4,
        )
        # The legend sits in a column reserved right of the data, never over the cells.
        self._legend.setParentItem(plot)
        self._legend.setZValue(_Z_DECISION + 10)
        self._legend_column = 0.0
        self._partition: Partition2D | None = None

    @property
    def partition(self) -> Partition2D | None:
        """The partition on screen, or None before the first one."""
        return self._partition

    def widget_position(self, point: tuple[float, float]) -> QPointF:
        """Where the data point ``(x1, x2)`` is drawn, in this widget's pixel coordinates."""
        scene = self.getPlotItem().getViewBox().mapViewToScene(QPointF(*point))
        return QPointF(self.mapFromScene(scene))

    def set_partition(self, partition: Partition2D, boundary: SegmentSet | None = None) -> None:
        """Show ``partition``; draw ``boundary.segments`` on top if given."""
        bounds_changed = self._partition is None or not np.array_equal(
            self._partition.bounds, partition.bounds
        )
        self._partition = partition
        self._draw_fills(partition)
        self._draw_edges(partition)
        segments = np.zeros((0, 2, 2)) if boundary is None else np.asarray(boundary.segments)
        x, y = _pairs_xy(segments[:, 0], segments[:, 1])
        for item in (self._decision_halo, self._decision_line):
            item.setData(x, y, connect="pairs")
            item.setVisible(len(segments) > 0)
        self._rebuild_legend(has_decision=len(segments) > 0)
        if bounds_changed:
            xmin, xmax, ymin, ymax = (float(v) for v in partition.bounds)
            self.getPlotItem().getViewBox().setRange(
                xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.03
            )

    def _draw_fills(self, partition: Partition2D) -> None:
        offsets = np.asarray(partition.offsets, np.int64)
        lengths = np.diff(offsets)
        colour_of_cell = cell_colour_index(pattern_colour_keys(partition.patterns))
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
            r, g, b = (int(v) for v in CELL_PALETTE[group_colour[start]])
            fills.append((QColor(r, g, b), path))
        xmin, xmax, ymin, ymax = (float(v) for v in partition.bounds)
        self._fill_item.set_fills(fills, QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def _edge_item(self, layer: int) -> pg.PlotCurveItem:
        """The curve of the edges made by ``layer`` (-1: domain boundary), made on first use."""
        item = self._edge_items.get(layer)
        if item is None:
            item = pg.PlotCurveItem(connect="pairs", antialias=True, skipFiniteCheck=True)
            # The first layer's long straight lines go on top of the deeper layers' bends.
            item.setZValue(_Z_EDGES + (1 if layer < 0 else 2 + _MAX_LAYERS - layer))
            self.getPlotItem().addItem(item)
            self._edge_items[layer] = item
        return item

    def _draw_edges(self, partition: Partition2D) -> None:
        start = partition.vertices[partition.indices]
        end = partition.vertices[partition.indices[_ring_successors(partition.offsets)]]
        # Every interior edge is in two rings, traversed in opposite directions (both
        # counter-clockwise): keep the copy pointing right (or up, if vertical).
        direction = end - start
        tolerance = 1e-12 * max(1.0, float(np.abs(partition.bounds).max()))
        keep = (direction[:, 0] > tolerance) | (
            (np.abs(direction[:, 0]) <= tolerance) & (direction[:, 1] > 0)
        )
        edge_layer = np.asarray(partition.edge_layer)
        keep |= edge_layer < 0
        # Colours spread over all the network's layers, so a layer keeps its colour
        # whatever the number of layers partitioned.
        colours = layer_edge_colours(partition.n_layers_total)
        # Many cells: thinner edges, so that the fills still show between them.
        thinning = float(np.clip((2000 / max(partition.n_regions, 1)) ** 0.25, 0.55, 1.0))
        widths = layer_edge_widths(partition.n_layers_total) * thinning
        styles = {-1: (DOMAIN_EDGE_RGB, 1.0)}
        for layer in range(partition.n_layers):
            styles[layer] = (tuple(int(v) for v in colours[layer]), float(widths[layer]))
        for layer in sorted(set(styles) | set(self._edge_items)):
            item = self._edge_item(layer)
            if layer in styles:
                rgb, width = styles[layer]
                mask = keep & (edge_layer == layer)
                item.setPen(pg.mkPen(*rgb, width=width))
                item.setData(*_pairs_xy(start[mask], end[mask]), connect="pairs")
            else:
                item.setData([], [])

    def _rebuild_legend(self, *, has_decision: bool) -> None:
        self._legend.clear()
        for layer in range(self._partition.n_layers):
            self._legend.addItem(self._edge_items[layer], f"layer {layer + 1} edges")
        if has_decision:
            self._legend.addItem(self._decision_line, "decision boundary")
        self._legend.setVisible(bool(self._legend.items))
        self._legend.updateSize()
        # The reserved column only grows, so the cells do not jump sideways between
        # partitions with and without a decision boundary.
        self._legend_column = max(self._legend_column, self._legend.width() + 24)
        self.getPlotItem().layout.setColumnFixedWidth(2, self._legend_column)

    def keyPressEvent(self, event: object) -> None:
        """``Home`` resets the view to the partition's bounds."""
        if event.key() == Qt.Key.Key_Home and self._partition is not None:
            xmin, xmax, ymin, ymax = (float(v) for v in self._partition.bounds)
            self.getPlotItem().getViewBox().setRange(
                xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.03
            )
            event.accept()
            return
        super().keyPressEvent(event)
