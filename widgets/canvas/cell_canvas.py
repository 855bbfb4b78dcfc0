"""A pyqtgraph canvas that draws the exact cells of a 2-D partition.

The canvas maps a :class:`engine.partition2d.Partition2D` (plain arrays) to a handful of
batched graphics items, whatever the number of cells:

- one :class:`CellFillItem` holding one ``QPainterPath`` per palette colour;
- one ``PlotCurveItem`` of segment pairs per hidden layer for the cell edges, plus one
  for the domain boundary;
- one ``PlotCurveItem`` (with a white halo underneath) for the decision boundary;
- on request, a probe: a draggable marker, its highlighted cell, a path with its
  crossings and the matched-filter arrows (:mod:`widgets.probe.overlay`).

It never computes geometry: every coordinate comes from the partition or the caller.
User gestures come out as requests: ``probe_moved(x, y)`` when the probe is dragged or
nudged with the arrow keys, ``path_changed(ax, ay, bx, by)`` when a path is drawn
(Shift-drag, or any drag with the path tool on) or one of its ends is dragged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent

from engine.cell_edges import unique_edges
from engine.partition2d import Partition2D
from widgets.canvas.cell_fills import CellFillItem, grouped_fills
from widgets.canvas.path_viewbox import PathDrawingViewBox
from widgets.common.palettes import DOMAIN_EDGE_RGB, layer_edge_widths
from widgets.common.theme import Theme, current_theme, follow_theme, style_plot_axes
from widgets.probe.overlay import ProbeOverlay

DECISION_WIDTH = 3.0
TICK_PT = 10
AXIS_LABEL_PT = 13
LEGEND_PT = 11
_Z_FILLS = 0
_Z_EDGES = 10
_Z_DECISION = 100
_MAX_LAYERS = 80  # edge z-values stay below the decision boundary up to this depth


class SegmentSet(Protocol):
    """Anything with ``segments``: (S, 2, 2) float64 line segments, e.g. a DecisionBoundary."""

    segments: np.ndarray


def layer_edge_style(partition: Partition2D, theme: Theme) -> tuple[np.ndarray, np.ndarray]:
    """(L, 3) uint8 colours and (L,) pen widths of the edges of each of the L layers.

    Colours spread over all the network's layers, so a layer keeps its colour whatever
    the number of layers partitioned; many cells get thinner edges, so that the fills
    still show between them.
    """
    colours = theme.palette.layer_edge_colours(partition.n_layers_total)
    thinning = float(np.clip((2000 / max(partition.n_regions, 1)) ** 0.25, 0.55, 1.0))
    widths = layer_edge_widths(partition.n_layers_total) * thinning * theme.line_scale
    return colours, widths


def _pairs_xy(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interleave (M, 2) segment starts and ends into x, y arrays for ``connect='pairs'``."""
    points = np.empty((2 * len(start), 2))
    points[0::2] = start
    points[1::2] = end
    return points[:, 0].copy(), points[:, 1].copy()


class CellCanvas(pg.PlotWidget):
    """Draws a partition's cells, its edges by layer and a decision boundary.

    Signals
    -------
    probe_moved(float, float) : the user dragged or nudged the probe to ``(x, y)``.
    path_changed(float, float, float, float) : the user drew a path or moved one of
        its ends; the path is now ``(ax, ay)`` to ``(bx, by)``.
    theme_applied(object) : the canvas has been redrawn in a new Theme.
    """

    probe_moved = Signal(float, float)
    path_changed = Signal(float, float, float, float)
    theme_applied = Signal(object)

    #: Arrow-key nudges move the probe by this many screen pixels (with Shift: ten times).
    NUDGE_PIXELS = 1

    def __init__(self, parent: object = None) -> None:
        view_box = PathDrawingViewBox(lambda ev: self._starts_path(ev))
        super().__init__(parent=parent, background="w", viewBox=view_box)
        self.setObjectName("cellCanvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._path_drawing = False
        self._path_tool = False
        self._press_modifiers = Qt.KeyboardModifier.NoModifier
        self._highlighted_cell: int | None = None
        plot = self.getPlotItem()
        plot.setAspectLocked(True)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self._theme = current_theme()
        for side, name in (("bottom", "x<sub>1</sub>"), ("left", "x<sub>2</sub>")):
            axis = plot.getAxis(side)
            axis.enableAutoSIPrefix(False)
            axis.setLabel(name)
        style_plot_axes(plot, self._theme, tick_pt=TICK_PT, label_pt=AXIS_LABEL_PT)
        self._fill_item = CellFillItem()
        self._fill_item.setZValue(_Z_FILLS)
        plot.addItem(self._fill_item)
        self._edge_items: dict[int, pg.PlotCurveItem] = {}
        self._decision_halo = pg.PlotCurveItem(connect="pairs", antialias=True)
        self._decision_line = pg.PlotCurveItem(connect="pairs", antialias=True)
        for item in (self._decision_halo, self._decision_line):
            item.setSegmentedLineMode("on")  # see _edge_item
        self._style_decision()
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
            labelTextSize=f"{self._theme.pt(LEGEND_PT):g}pt",
            verSpacing=-4,
        )
        # The legend sits in a column reserved right of the data, never over the cells.
        self._legend.setParentItem(plot)
        self._legend.setZValue(_Z_DECISION + 10)
        self._legend_column = 0.0
        # What the legend and the axis labels show; rebuilt only when it changes (a legend
        # costs milliseconds, an axis label a re-layout of the axes on every frame).
        self._legend_key: tuple | None = None
        self._layer_names: tuple[str, ...] = ()
        self._axes_sliced: bool | None = None
        self._pattern_fills = True
        self._partition: Partition2D | None = None

        self._overlay = ProbeOverlay(plot, self._starts_path)
        self._overlay.probe.sigPositionChanged.connect(self._on_probe_dragged)
        for handle in self._overlay.path_handles:
            handle.sigPositionChanged.connect(self._on_path_end_dragged)
        view_box.path_dragged.connect(self._on_path_dragged)
        theme = self._theme
        self._overlay.apply_theme(
            theme.palette.probe, theme.palette.path, theme.line_scale, theme.font_scale
        )
        follow_theme(self, self._apply_theme)

    @property
    def theme(self) -> Theme:
        """The theme the canvas is drawn in."""
        return self._theme

    def _style_decision(self) -> None:
        theme = self._theme
        width = theme.width(DECISION_WIDTH)
        self._decision_halo.setPen(pg.mkPen(*theme.palette.decision_halo, width=width + 3))
        self._decision_line.setPen(pg.mkPen(*theme.palette.decision, width=width))

    def _apply_theme(self, theme: Theme, previous: Theme) -> None:
        """Redraw everything in ``theme``: background, axes, fills, edges, lines, legend."""
        self._theme = theme
        plot = self.getPlotItem()
        style_plot_axes(plot, theme, tick_pt=TICK_PT, label_pt=AXIS_LABEL_PT)
        self._style_decision()
        self._overlay.apply_theme(
            theme.palette.probe, theme.palette.path, theme.line_scale, theme.font_scale
        )
        self._legend.setLabelTextSize(f"{theme.pt(LEGEND_PT):g}pt")
        self._legend.setBrush(pg.mkBrush(*theme.background, 225))
        self._legend_column = 0.0
        self._legend_key = None
        self._axes_sliced = None
        if self._partition is not None:
            self._label_axes(sliced=self._partition.plane is not None)
            self._draw_fills(self._partition)
            self._draw_edges(self._partition)
            self._rebuild_legend(has_decision=self._decision_line.isVisible())
        self.theme_applied.emit(theme)

    @property
    def partition(self) -> Partition2D | None:
        """The partition on screen, or None before the first one."""
        return self._partition

    def set_layer_names(self, names: Sequence[str]) -> None:
        """Call layer k's edges ``"<names[k]> edges"`` in the legend (``"layer k+1
        edges"`` past the names given) from the next partition drawn on."""
        self._layer_names = tuple(names)

    def legend_labels(self) -> list[str]:
        """The texts of the legend, top to bottom (empty while it is hidden)."""
        if not self._legend.isVisible():
            return []
        return [label.text for _sample, label in self._legend.items]

    def widget_position(self, point: tuple[float, float]) -> QPointF:
        """Where the data point ``(x1, x2)`` is drawn, in this widget's pixel coordinates."""
        scene = self.getPlotItem().getViewBox().mapViewToScene(QPointF(*point))
        return QPointF(self.mapFromScene(scene))

    def set_partition(
        self,
        partition: Partition2D,
        boundary: SegmentSet | None = None,
        *,
        edges: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Show ``partition``; draw ``boundary.segments`` on top if given.

        ``edges``, ``engine.cell_edges.unique_edges(partition)`` if a worker has already
        computed it, spares the GUI thread that work. A highlighted cell is dropped: cell
        ids belong to one partition.
        """
        bounds_changed = self._partition is None or not np.array_equal(
            self._partition.bounds, partition.bounds
        )
        self._partition = partition
        self.set_highlighted_cell(None)
        self._label_axes(sliced=partition.plane is not None)
        self._draw_fills(partition)
        self._draw_edges(partition, edges)
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

    def set_pattern_fills_visible(self, visible: bool) -> None:
        """Fill the cells by activation pattern (the default), or leave the fills to a
        layer drawn on top that covers every cell (class colours): nothing is built then."""
        self._pattern_fills = bool(visible)
        self._fill_item.setVisible(self._pattern_fills)
        if self._pattern_fills and self._partition is not None:
            self._draw_fills(self._partition)

    def _draw_fills(self, partition: Partition2D) -> None:
        if not self._pattern_fills:
            return
        palette = self._theme.palette
        colour_of_cell = palette.cell_colour_index(partition.colour_keys)
        fills = grouped_fills(partition, colour_of_cell, palette.cell_fills)
        xmin, xmax, ymin, ymax = (float(v) for v in partition.bounds)
        self._fill_item.set_fills(fills, QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def _edge_item(self, layer: int) -> pg.PlotCurveItem:
        """The curve of the edges made by ``layer`` (-1: domain boundary), made on first use."""
        item = self._edge_items.get(layer)
        if item is None:
            # Drawn as separate lines, not one stroked path: the same pixels (the edges
            # are opaque) for a fraction of the time Qt takes to stroke a wide path.
            item = pg.PlotCurveItem(connect="pairs", antialias=True, skipFiniteCheck=True)
            item.setSegmentedLineMode("on")
            # The first layer's long straight lines go on top of the deeper layers' bends.
            item.setZValue(_Z_EDGES + (1 if layer < 0 else 2 + _MAX_LAYERS - layer))
            self.getPlotItem().addItem(item)
            self._edge_items[layer] = item
        return item

    def _draw_edges(
        self,
        partition: Partition2D,
        edges: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        start, end, edge_layer = unique_edges(partition) if edges is None else edges
        colours, widths = layer_edge_style(partition, self._theme)
        line_scale = self._theme.line_scale
        styles = {-1: (DOMAIN_EDGE_RGB, line_scale)}
        for layer in range(partition.n_layers):
            styles[layer] = (tuple(int(v) for v in colours[layer]), float(widths[layer]))
        for layer in sorted(set(styles) | set(self._edge_items)):
            item = self._edge_item(layer)
            if layer in styles:
                rgb, width = styles[layer]
                mask = edge_layer == layer
                item.setPen(pg.mkPen(*rgb, width=width))
                item.setData(*_pairs_xy(start[mask], end[mask]), connect="pairs")
            else:
                item.setData([], [])

    def _layer_name(self, layer: int) -> str:
        names = self._layer_names
        return names[layer] if layer < len(names) else f"layer {layer + 1}"

    def set_edge_opacity(self, opacity: float) -> None:
        """Draw every layer's edges at ``opacity`` (0..1): lower it for tens of thousands
        of cells, whose edges would otherwise hide their fills."""
        for item in self._edge_items.values():
            item.setOpacity(min(max(float(opacity), 0.0), 1.0))

    def _rebuild_legend(self, *, has_decision: bool) -> None:
        key = (self._partition.n_layers, has_decision, self._layer_names)
        if key == self._legend_key:
            return
        self._legend_key = key
        self._legend.clear()
        for layer in range(self._partition.n_layers):
            self._legend.addItem(self._edge_items[layer], f"{self._layer_name(layer)} edges")
        if has_decision:
            self._legend.addItem(self._decision_line, "decision boundary")
        self._legend.setVisible(bool(self._legend.items))
        self._legend.updateSize()
        # The reserved column only grows, so the cells do not jump sideways between
        # partitions with and without a decision boundary.
        self._legend_column = max(self._legend_column, self._legend.width() + 24)
        self.getPlotItem().layout.setColumnFixedWidth(2, self._legend_column)

    def _label_axes(self, *, sliced: bool) -> None:
        if sliced == self._axes_sliced:
            return
        self._axes_sliced = sliced
        plot = self.getPlotItem()
        names = ("s", "t") if sliced else ("x<sub>1</sub>", "x<sub>2</sub>")
        for side, name in zip(("bottom", "left"), names, strict=True):
            plot.getAxis(side).setLabel(name, **self._theme.label_style(AXIS_LABEL_PT))

    # Probe ------------------------------------------------------------------------------

    @property
    def probe_position(self) -> tuple[float, float] | None:
        """Where the probe marker is, or None when it is hidden."""
        probe = self._overlay.probe
        return probe.position() if probe.isVisible() else None

    def set_probe(self, point: Sequence[float] | None) -> None:
        """Show the probe marker at ``point`` (None hides it); emits nothing."""
        probe = self._overlay.probe
        if point is None:
            probe.setVisible(False)
            return
        probe.place(point)
        probe.setVisible(True)

    @property
    def highlighted_cell(self) -> int | None:
        """The id of the highlighted cell of the partition shown, or None."""
        return self._highlighted_cell

    def set_highlighted_cell(self, cell: int | None) -> None:
        """Outline cell ``cell`` of the partition shown and lighten its fill (None: none)."""
        if cell is None or self._partition is None or not 0 <= cell < self._partition.n_regions:
            self._highlighted_cell = None
            self._overlay.set_highlight(None)
            return
        self._highlighted_cell = int(cell)
        self._overlay.set_highlight(self._partition.polygon(int(cell)))

    def nudge_probe(self, right_pixels: float, up_pixels: float) -> None:
        """Move the probe by a number of screen pixels and emit ``probe_moved``."""
        position = self.probe_position
        if position is None:
            return
        pixel_x, pixel_y = self.getPlotItem().getViewBox().viewPixelSize()
        target = (position[0] + right_pixels * pixel_x, position[1] + up_pixels * pixel_y)
        self._overlay.probe.place(target)
        self.probe_moved.emit(*target)

    def _on_probe_dragged(self, marker: object) -> None:
        self.probe_moved.emit(*self._overlay.probe.position())

    # Path -------------------------------------------------------------------------------

    @property
    def path_drawing_enabled(self) -> bool:
        """Whether Shift-drag (or a drag with the path tool on) draws a path."""
        return self._path_drawing

    def set_path_drawing_enabled(self, enabled: bool) -> None:
        self._path_drawing = bool(enabled)

    @property
    def path_tool(self) -> bool:
        """Whether a plain drag draws a path instead of panning."""
        return self._path_tool

    def set_path_tool(self, enabled: bool) -> None:
        self._path_tool = bool(enabled)
        self.setCursor(Qt.CursorShape.CrossCursor if enabled else Qt.CursorShape.ArrowCursor)

    @property
    def path_ends(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The ends of the path shown, or None."""
        if not self._overlay.has_path:
            return None
        a, b = self._overlay.path_handles
        return a.position(), b.position()

    @property
    def path_crossing_points(self) -> np.ndarray:
        """(K, 2) the crossing points drawn on the path."""
        if not self._overlay.has_path:
            return np.zeros((0, 2))
        x, y = self._overlay.crossing_dots.getData()
        return np.column_stack([x, y]).reshape(-1, 2)

    def set_path(self, a: Sequence[float], b: Sequence[float], crossing_points: np.ndarray) -> None:
        """Draw the path from ``a`` to ``b`` and its (K, 2) crossing points; emits nothing."""
        self._overlay.set_path(a, b, crossing_points)

    def clear_path(self) -> None:
        self._overlay.clear_path()

    def _starts_path(self, ev: object) -> bool:
        if not self._path_drawing or ev.button() != Qt.MouseButton.LeftButton:
            return False
        shift = Qt.KeyboardModifier.ShiftModifier
        return self._path_tool or bool((self._press_modifiers | ev.modifiers()) & shift)

    def _on_path_dragged(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.path_changed.emit(*start, *end)

    def _on_path_end_dragged(self, handle: object) -> None:
        a, b = self._overlay.path_handles
        self.path_changed.emit(*a.position(), *b.position())

    # Matched filters ----------------------------------------------------------------------

    def set_matched_filters(
        self, origin: Sequence[float], rows: np.ndarray, labels: Sequence[str]
    ) -> None:
        """Draw the (n, 2) ``rows`` as labelled arrows from ``origin``.

        Directions and relative lengths are exact; the longest arrow has a fixed length
        on screen.
        """
        self._overlay.set_arrows(origin, rows, labels)

    def clear_matched_filters(self) -> None:
        self._overlay.clear_arrows()

    @property
    def matched_filter_tips(self) -> np.ndarray:
        """(n, 2) tips of the matched-filter arrows shown."""
        return self._overlay.arrow_tips

    @property
    def matched_filter_labels(self) -> tuple[str, ...]:
        """The names of the arrows of :attr:`matched_filter_tips` (e.g. ``"∇f₁"``)."""
        return self._overlay.arrow_labels

    @property
    def matched_filter_rgb(self) -> np.ndarray:
        """(n, 3) uint8 colours of the arrows of :attr:`matched_filter_tips`."""
        return self._overlay.arrow_rgb

    # Input events -------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # Drags start on a later move event, which may not carry the modifiers held at
        # the press: remember them for the drag.
        self._press_modifiers = event.modifiers()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: object) -> None:
        """``Home`` resets the view; arrow keys nudge the probe (Shift: ten pixels)."""
        key = event.key()
        if key == Qt.Key.Key_Home and self._partition is not None:
            xmin, xmax, ymin, ymax = (float(v) for v in self._partition.bounds)
            self.getPlotItem().getViewBox().setRange(
                xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.03
            )
            event.accept()
            return
        steps = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, 1),
            Qt.Key.Key_Down: (0, -1),
        }
        if key in steps and self.probe_position is not None:
            pixels = self.NUDGE_PIXELS * (
                10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
            )
            dx, dy = steps[key]
            self.nudge_probe(dx * pixels, dy * pixels)
            event.accept()
            return
        super().keyPressEvent(event)
