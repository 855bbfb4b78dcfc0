"""The Playground's canvas: a CellCanvas with class colours, sampled cells and the data.

:class:`PlaygroundCanvas` keeps a :class:`widgets.canvas.cell_canvas.CellCanvas` for the exact
cells, their edges by layer and the exact decision boundary, and adds its own items on
the same plot:

- class fills (one path per shade) over the canvas's pattern fills, when cells are
  coloured by predicted class: a cell the decision boundary crosses is filled piece by
  piece, each exact class piece in its own class's colour;
- an image of sampled activation patterns, for views where no exact polygon exists,
  with the legend saying "sampled";
- the training points (filled) and test points (hollow);
- a legend of the classes and of whether the cells are exact or sampled.

Like the CellCanvas it only draws what it is given: all geometry comes from the engine.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.cell_statistics import CellPredictions
from engine.class_pieces import ClassPieces
from engine.decision import DecisionBoundary
from engine.partition2d import Partition2D
from engine.sampled_cells import SampledCells
from widgets.canvas.cell_canvas import CellCanvas, CellFillItem
from widgets.common.class_colours import class_point_colours, value_point_colours
from widgets.common.theme import Theme, current_theme, follow_theme
from widgets.playground.fills import CellDrawing, cell_drawing, cell_shades

COLOUR_BY_CLASS = "class"
COLOUR_BY_PATTERN = "pattern"
_Z_CLASS_FILLS = 1
_Z_SAMPLED = 2
_Z_TEST_POINTS = 190
_Z_TRAIN_POINTS = 200
_POINT_SIZE = 8
_OUTLINE = (35, 35, 40)


class _LegendSample(pg.ItemSample):
    """A legend sample that only shows its item's symbol (clicks do not hide anything)."""

    def mouseClickEvent(self, event: object) -> None:
        event.accept()


def _symbol(brush, pen, symbol: str = "o", size: int = 10) -> pg.ScatterPlotItem:
    """A stand-alone scatter item whose only use is to be drawn as a legend sample."""
    return pg.ScatterPlotItem(symbol=symbol, size=size, pen=pen, brush=brush)


class PlaygroundCanvas(QWidget):
    """Exact or sampled cells of the network being trained, with the data on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundCanvas")
        self.canvas = CellCanvas(self)
        # The cells through training, under the cells (so animation frames carry them).
        self.counts_caption = QLabel("", self)
        self.counts_caption.setObjectName("playgroundCellCounts")
        self.counts_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.counts_caption.setStyleSheet("color: #282828; background: white; padding: 2px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas)
        layout.addWidget(self.counts_caption)
        plot = self.canvas.getPlotItem()
        self._class_fills = CellFillItem()
        self._class_fills.setZValue(_Z_CLASS_FILLS)
        self._sampled = pg.ImageItem(axisOrder="row-major")
        self._sampled.setZValue(_Z_SAMPLED)
        self._test_points = pg.ScatterPlotItem(size=_POINT_SIZE - 1, pxMode=True)
        self._test_points.setZValue(_Z_TEST_POINTS)
        self._train_points = pg.ScatterPlotItem(size=_POINT_SIZE, pxMode=True)
        self._train_points.setZValue(_Z_TRAIN_POINTS)
        for item in (self._class_fills, self._sampled, self._test_points, self._train_points):
            plot.addItem(item)
        self._legend = pg.LegendItem(
            offset=(-12, -12),
            brush=pg.mkBrush(255, 255, 255, 225),
            pen=pg.mkPen(190, 190, 190),
            labelTextColor=(30, 30, 30),
            labelTextSize="11pt",
            verSpacing=-4,
            sampleType=_LegendSample,
        )
        self._legend.setParentItem(plot)
        self._legend.setZValue(1000)
        self._colour_by = COLOUR_BY_CLASS
        self._axis_names: tuple[str, str] | None = None
        self._show_test = True
        self._n_classes = 2
        self._exact = True
        self._sampled_cells: SampledCells | None = None
        self._predictions: CellPredictions | None = None
        self._legend_key: tuple | None = None
        self._shown: tuple | None = None  # the last show_* call and its arguments
        self._points: tuple | None = None  # the last set_points arguments
        follow_theme(self, self._apply_theme)

    # -- public API --------------------------------------------------------------------

    @property
    def partition(self) -> Partition2D | None:
        """The exact partition on screen (the bare domain when the cells are sampled)."""
        return self.canvas.partition

    @property
    def is_exact(self) -> bool:
        """Whether the cells on screen are exact polygons (False: sampled on a grid)."""
        return self._exact

    @property
    def colour_by(self) -> str:
        return self._colour_by

    def legend_labels(self) -> list[str]:
        """The texts of this canvas's legend, top to bottom."""
        return [label.text for _sample, label in self._legend.items]

    def class_colours_at(self, x: float, y: float) -> list[tuple[int, int, int]]:
        """The class fill colours drawn at the data point ``(x, y)`` (none when the cells
        are coloured by pattern or sampled)."""
        if not self._class_fills.isVisible():
            return []
        return self._class_fills.colours_at(x, y)

    def set_colour_by(self, mode: str) -> None:
        """Colour cells by predicted class (shaded by confidence) or by activation pattern."""
        if mode not in (COLOUR_BY_CLASS, COLOUR_BY_PATTERN):
            raise ValueError(f"unknown colouring {mode!r}")
        self._colour_by = mode
        self._class_fills.setVisible(self._exact and mode == COLOUR_BY_CLASS)
        self.canvas.set_pattern_fills_visible(not self._class_fills.isVisible())
        if self._sampled_cells is not None and not self._exact:
            self._draw_sampled(self._sampled_cells)

    @property
    def test_points_visible(self) -> bool:
        """Whether the test points are shown (hollow markers over the cells)."""
        return self._show_test

    def set_test_points_visible(self, visible: bool) -> None:
        self._show_test = bool(visible)
        self._test_points.setVisible(self._show_test)

    def show_exact(
        self,
        partition: Partition2D,
        boundary: DecisionBoundary | None,
        predictions: CellPredictions,
        n_classes: int,
        *,
        pieces: ClassPieces | None = None,
        axis_names: tuple[str, str] = ("x₁", "x₂"),
        equal_axes: bool = True,
        drawing: CellDrawing | None = None,
    ) -> None:
        """Draw exact cells: pattern fills and edges (CellCanvas), class shades on top.

        ``pieces``, the exact class pieces of a classifier's cells, are shaded by their
        class (cut cells piece by piece); without them every cell takes the shade of its
        centre's prediction. ``equal_axes`` keeps one unit the same length on both axes
        (input coordinates); feature coordinates of different kinds (r, θ) fill the
        canvas instead. ``drawing``, the same partition's edges and class fill paths
        built by :func:`cell_drawing` in a worker, leaves the GUI thread only the paint.
        """
        self._shown = (
            self.show_exact,
            (partition, boundary, predictions, n_classes),
            {
                "pieces": pieces,
                "axis_names": axis_names,
                "equal_axes": equal_axes,
                "drawing": drawing,
            },
        )
        if drawing is None or drawing.theme is not current_theme():
            drawing = cell_drawing(partition, predictions, pieces, n_classes)
        self._exact, self._n_classes = True, n_classes
        self._sampled_cells, self._predictions = None, predictions
        self._sampled.setVisible(False)
        self._set_equal_axes(equal_axes)
        # Class shades cover every cell: the pattern fills beneath would never be seen.
        self.canvas.set_pattern_fills_visible(self._colour_by != COLOUR_BY_CLASS)
        self.canvas.set_partition(partition, boundary, edges=drawing.edges)
        self.set_axis_names(*axis_names)
        xmin, xmax, ymin, ymax = (float(v) for v in partition.bounds)
        self._class_fills.set_fills(
            drawing.class_fills, QRectF(xmin, ymin, xmax - xmin, ymax - ymin)
        )
        self._class_fills.setVisible(self._colour_by == COLOUR_BY_CLASS)
        self._rebuild_legend()

    def show_sampled(
        self,
        outline: Partition2D,
        sampled: SampledCells,
        n_classes: int,
        *,
        axis_names: tuple[str, str] = ("x₁", "x₂"),
    ) -> None:
        """Draw activation patterns sampled on a grid; ``outline`` is the bare domain."""
        self._shown = (self.show_sampled, (outline, sampled, n_classes), {"axis_names": axis_names})
        self._exact, self._n_classes = False, n_classes
        self._sampled_cells, self._predictions = sampled, None
        self._set_equal_axes(True)
        self.canvas.set_pattern_fills_visible(True)
        self.canvas.set_partition(outline)
        self.set_axis_names(*axis_names)
        self._class_fills.setVisible(False)
        self._draw_sampled(sampled)
        self._sampled.setVisible(True)
        self._rebuild_legend()

    def set_points(
        self,
        train_xy: np.ndarray,
        train_labels: np.ndarray,
        test_xy: np.ndarray,
        test_labels: np.ndarray,
        n_classes: int,
    ) -> None:
        """Show the data: (N, 2) training points and (M, 2) test points in plot coordinates."""
        self._points = (train_xy, train_labels, test_xy, test_labels, n_classes)
        self._n_classes = n_classes
        for item, xy, labels, hollow in (
            (self._train_points, train_xy, train_labels, False),
            (self._test_points, test_xy, test_labels, True),
        ):
            if n_classes == 0:
                colours = value_point_colours(labels)
            else:
                colours = class_point_colours(n_classes)[np.asarray(labels, dtype=np.intp)]
            brushes = [pg.mkBrush(255, 255, 255) if hollow else pg.mkBrush(*c) for c in colours]
            pens = [
                pg.mkPen(*c, width=2.2) if hollow else pg.mkPen(*_OUTLINE, width=1) for c in colours
            ]
            item.setData(pos=np.asarray(xy, float), brush=brushes, pen=pens, symbol="o")
        self._test_points.setVisible(self._show_test)
        self._rebuild_legend()

    def set_axis_names(self, x_name: str, y_name: str) -> None:
        if (x_name, y_name) == self._axis_names:
            return
        self._axis_names = (x_name, y_name)
        plot = self.canvas.getPlotItem()
        for side, name in (("bottom", x_name), ("left", y_name)):
            plot.getAxis(side).setLabel(name, **current_theme().label_style(13))

    # -- drawing -----------------------------------------------------------------------

    def _set_equal_axes(self, equal: bool) -> None:
        view = self.canvas.getPlotItem().getViewBox()
        if view.state["aspectLocked"] is not False and not equal:
            view.setAspectLocked(False)
        elif equal and view.state["aspectLocked"] is False:
            view.setAspectLocked(True)

    def _draw_sampled(self, sampled: SampledCells) -> None:
        palette = current_theme().palette
        if self._colour_by == COLOUR_BY_PATTERN:
            cell_rgb = palette.cell_fills[palette.cell_colour_index(sampled.keys)]
        else:
            shade, colours = cell_shades(
                sampled.cell_predicted,
                sampled.cell_confidence,
                sampled.cell_outputs,
                self._n_classes,
            )
            cell_rgb = colours[shade]
        height, width = sampled.shape
        rgba = np.empty((height, width, 4), np.uint8)
        rgba[..., 3] = 255
        rgba[..., :3] = cell_rgb[sampled.cell]
        n_layers = len(sampled.patterns_per_layer)
        edges = sampled.edge_layer >= 0
        rgba[edges, :3] = palette.layer_edge_colours(n_layers)[sampled.edge_layer[edges]]
        if self._n_classes:
            top = sampled.outputs.argmax(axis=2)
            decision = np.zeros((height, width), bool)
            decision[:, :-1] |= top[:, :-1] != top[:, 1:]
            decision[:-1] |= top[:-1] != top[1:]
            decision[:, 1:] |= decision[:, :-1].copy()  # two pixels wide
            rgba[decision, :3] = palette.decision
        self._sampled.setImage(rgba, autoLevels=False)
        xmin, xmax, ymin, ymax = (float(v) for v in sampled.bounds)
        self._sampled.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def _rebuild_legend(self) -> None:
        n_layers = len(self._sampled_cells.patterns_per_layer) if self._sampled_cells else 0
        grid = self._sampled_cells.shape[1] if self._sampled_cells else 0
        key = (self._n_classes, self._exact, n_layers, grid)
        if key == self._legend_key:
            # Rebuilding a legend costs milliseconds: only when it changes. The column
            # must be claimed again, the CellCanvas sets it on every partition.
            self._reserve_legend_column()
            return
        self._legend_key = key
        legend = self._legend
        legend.clear()
        if self._n_classes:
            colours = class_point_colours(self._n_classes)
            for k, colour in enumerate(colours):
                legend.addItem(_symbol(pg.mkBrush(*colour), pg.mkPen(*_OUTLINE)), f"class {k}")
            grey = (120, 120, 120)
            legend.addItem(_symbol(pg.mkBrush(255, 255, 255), pg.mkPen(*grey, width=2.2)), "test")
        else:
            mid = value_point_colours(np.array([0.6]))[0]
            legend.addItem(_symbol(pg.mkBrush(*mid), pg.mkPen(*_OUTLINE)), "train")
            legend.addItem(_symbol(pg.mkBrush(255, 255, 255), pg.mkPen(*mid, width=2.2)), "test")
        if self._exact:
            legend.addItem(
                _symbol(pg.mkBrush(235, 235, 240), pg.mkPen(60, 60, 90), "s", 14), "cells: exact"
            )
        else:
            theme = current_theme()
            for layer, rgb in enumerate(theme.palette.layer_edge_colours(n_layers)):
                legend.addItem(
                    pg.PlotDataItem(pen=theme.pen([int(v) for v in rgb], 2)),
                    f"layer {layer + 1} edges",
                )
            if self._n_classes:
                legend.addItem(
                    pg.PlotDataItem(pen=theme.pen(theme.palette.decision, 3)), "decision boundary"
                )
            legend.addItem(
                _symbol(pg.mkBrush(235, 235, 240), pg.mkPen(160, 60, 60, width=1.5), "s", 14),
                f"cells: sampled ({grid}² grid)",
            )
        legend.updateSize()
        self._reserve_legend_column()

    def _apply_theme(self, theme: Theme, previous: Theme) -> None:
        """Redraw the class shades, the points and the legend in ``theme``."""
        self._legend.setLabelTextSize(f"{theme.pt(11):g}pt")
        self._legend.setBrush(pg.mkBrush(*theme.background, 225))
        self._legend_key = None
        self._axis_names = None
        for item, size in ((self._train_points, _POINT_SIZE), (self._test_points, _POINT_SIZE - 1)):
            item.setSize(size * min(theme.line_scale, 1.5))
        if self._shown is not None:
            show, args, kwargs = self._shown
            show(*args, **kwargs)
        if self._points is not None:
            self.set_points(*self._points)

    def _reserve_legend_column(self) -> None:
        # The CellCanvas keeps a column right of the data for its legend; make it wide
        # enough for this legend too, so that neither covers the cells.
        layout = self.canvas.getPlotItem().layout
        needed = max(layout.columnMinimumWidth(2), self._legend.width() + 24)
        layout.setColumnFixedWidth(2, needed)
