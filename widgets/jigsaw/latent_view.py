"""The cells' images in a 2-D projection of a hidden layer: the latent jigsaw.

Every image polygon is filled in its input cell's colour, a little transparent, so that
where the jigsaw folds (pieces mapped over each other) the overlap shows darker; thin
edges outline every piece; the training points sit on top, in their classes' colours.
The view never computes geometry: polygons come from a :class:`LatentJigsaw`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor

from engine.cell_edges import ring_successors
from engine.latent_jigsaw import LatentJigsaw
from widgets.canvas.cell_canvas import CellFillItem
from widgets.common.theme import Theme, current_theme, follow_theme, style_plot_axes
from widgets.jigsaw.points import class_points_item, show_class_points
from widgets.probe.overlay import HIGHLIGHT_WIDTH, PROBE_RGB

FILL_ALPHA = 185
EDGE_RGBA = (60, 60, 70, 150)
#: The folds: edges whose two sides are mapped with opposite orientations.
FOLD_RGB = (230, 120, 0)
FOLD_WIDTH = 2.2
TICK_PT = 10
AXIS_LABEL_PT = 13
_Z_FILLS, _Z_EDGES, _Z_FOLDS, _Z_HIGHLIGHT = 0, 10, 20, 150


def colour_fills(
    ring_xy: np.ndarray, offsets: np.ndarray, colour: np.ndarray, palette: np.ndarray
) -> list[tuple[QColor, object]]:
    """One translucent (colour, QPainterPath) per palette colour used by the rings.

    ``ring_xy`` (N, 2) ring corners ring after ring, ``offsets`` (R+1,), ``colour`` (R,)
    palette index of every ring, ``palette`` (P, 3) uint8.
    """
    lengths = np.diff(offsets)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    last = np.zeros(len(ring_xy), dtype=bool)
    last[offsets[1:][lengths > 0] - 1] = True
    fills = []
    for index in np.unique(colour):
        chosen = np.flatnonzero(colour[owner] == index)
        path = pg.arrayToQPath(
            ring_xy[chosen, 0], ring_xy[chosen, 1], connect=(~last[chosen]).astype(np.int32)
        )
        r, g, b = (int(v) for v in palette[index])
        fills.append((QColor(r, g, b, FILL_ALPHA), path))
    return fills


class LatentJigsawView(pg.PlotWidget):
    """The image polygons of one hidden layer, with the training points.

    Signals
    -------
    cell_hovered(int) : the mouse moved onto the image of cell ``id`` (the smallest image
        there, where pieces overlap); -1 off every image.
    """

    cell_hovered = Signal(int)

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setObjectName("jigsawLatentView")
        self.setToolTip(
            "Each input cell's image in the chosen layer: hover a piece to find its cell. "
            "Home: show every piece; D: frame the data"
        )
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self._theme = current_theme()
        style_plot_axes(plot, self._theme, tick_pt=TICK_PT, label_pt=AXIS_LABEL_PT)
        self._fills = CellFillItem()
        self._fills.setZValue(_Z_FILLS)
        self._edges = pg.PlotCurveItem(connect="pairs", antialias=True, skipFiniteCheck=True)
        self._edges.setZValue(_Z_EDGES)
        self._edges.setPen(pg.mkPen(*EDGE_RGBA, width=0.8))
        self._folds = pg.PlotCurveItem(connect="pairs", antialias=True, skipFiniteCheck=True)
        self._folds.setZValue(_Z_FOLDS)
        self._highlight = pg.PlotCurveItem(antialias=True)
        self._highlight.setZValue(_Z_HIGHLIGHT)
        self._points = class_points_item()
        for item in (self._fills, self._edges, self._folds, self._highlight, self._points):
            plot.addItem(item)
        self._style_highlight()
        self._jigsaw: LatentJigsaw | None = None
        self._colour_keys: np.ndarray | None = None
        self._highlighted: int | None = None
        self._frame: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._hovered = -1
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        follow_theme(self, self._apply_theme)

    @property
    def jigsaw(self) -> LatentJigsaw | None:
        """The jigsaw on screen, or None before the first."""
        return self._jigsaw

    def set_jigsaw(
        self,
        jigsaw: LatentJigsaw,
        colour_keys: np.ndarray,
        axis_names: tuple[str, str],
    ) -> None:
        """Show ``jigsaw``, its pieces coloured by their cells' (R,) uint64 pattern keys."""
        self._jigsaw, self._colour_keys = jigsaw, np.asarray(colour_keys, dtype=np.uint64)
        self._hovered = -1  # the next mouse move names its piece afresh
        self.set_highlighted_cell(None)
        self._draw()
        plot = self.getPlotItem()
        for side, name in zip(("bottom", "left"), axis_names, strict=True):
            plot.getAxis(side).setLabel(name, **self._theme.label_style(AXIS_LABEL_PT))

    def set_points(self, points: np.ndarray, labels: np.ndarray, n_classes: int) -> None:
        """Draw the (N, 2) projected training points in their classes' colours and frame
        them (the pieces of far-away cells stretch much further; Home shows them all)."""
        show_class_points(self._points, points, labels, n_classes)
        self._frame = _framing(np.asarray(points, dtype=np.float64))
        self.show_data()

    def show_data(self) -> None:
        """Frame the training points with a margin."""
        if self._frame is not None:
            (x0, x1), (y0, y1) = self._frame
            self.getPlotItem().getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def keyPressEvent(self, event: object) -> None:
        """``Home`` shows every piece; ``D`` frames the data again."""
        if event.key() == Qt.Key.Key_Home and self._jigsaw is not None:
            self.getPlotItem().getViewBox().autoRange(padding=0.04)
            event.accept()
            return
        if event.key() == Qt.Key.Key_D:
            self.show_data()
            event.accept()
            return
        super().keyPressEvent(event)

    def _draw(self) -> None:
        jigsaw = self._jigsaw
        if jigsaw is None:
            return
        palette = self._theme.palette
        colour = palette.cell_colour_index(self._colour_keys[jigsaw.cell])
        ring = jigsaw.vertices[jigsaw.indices]
        self._fills.set_fills(
            colour_fills(ring, jigsaw.offsets, colour, palette.cell_fills), _bounds(ring)
        )
        following = ring[ring_successors(jigsaw.offsets)]
        pairs = np.stack([ring, following], axis=1).reshape(-1, 2)
        self._edges.setData(pairs[:, 0], pairs[:, 1], connect="pairs")
        folds = jigsaw.fold_segments.reshape(-1, 2)
        self._folds.setData(folds[:, 0], folds[:, 1], connect="pairs")

    @property
    def folds_shown(self) -> bool:
        """Whether the fold edges are drawn."""
        return self._folds.isVisible()

    def show_folds(self, shown: bool) -> None:
        """Draw the edges along which the jigsaw folds, or hide them."""
        self._folds.setVisible(bool(shown))

    # Highlight ----------------------------------------------------------------------------

    @property
    def highlighted_cell(self) -> int | None:
        """The id of the cell whose image is outlined, or None."""
        return self._highlighted

    def set_highlighted_cell(self, cell: int | None) -> None:
        """Outline the image of cell ``cell`` (None or an unknown id: none)."""
        jigsaw = self._jigsaw
        if cell is None or jigsaw is None or not 0 <= cell < jigsaw.n_polygons:
            self._highlighted = None
            self._highlight.setData([], [])
            return
        self._highlighted = int(cell)
        ring = jigsaw.polygon(int(cell))
        closed = np.vstack([ring, ring[:1]])
        self._highlight.setData(closed[:, 0], closed[:, 1])

    def widget_position(self, point: tuple[float, float]) -> QPointF:
        """Where the latent point ``point`` is drawn, in this widget's pixel coordinates."""
        scene = self.getPlotItem().getViewBox().mapViewToScene(QPointF(*point))
        return QPointF(self.mapFromScene(scene))

    def cell_under(self, scene_position: QPointF) -> int:
        """The cell whose image is drawn at a scene position (smallest image), -1 for none."""
        view_box = self.getPlotItem().getViewBox()
        if self._jigsaw is None or not view_box.sceneBoundingRect().contains(scene_position):
            return -1
        point = view_box.mapSceneToView(scene_position)
        cells = self._jigsaw.cells_at((point.x(), point.y()))
        return int(cells[0]) if len(cells) else -1

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        cell = self.cell_under(scene_position)
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(cell)

    # Theme --------------------------------------------------------------------------------

    def _style_highlight(self) -> None:
        self._folds.setPen(pg.mkPen(*FOLD_RGB, width=self._theme.width(FOLD_WIDTH)))
        pen = pg.mkPen(*PROBE_RGB, width=self._theme.width(HIGHLIGHT_WIDTH))
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self._highlight.setPen(pen)

    def _apply_theme(self, theme: Theme, previous: Theme) -> None:
        self._theme = theme
        style_plot_axes(self.getPlotItem(), theme, tick_pt=TICK_PT, label_pt=AXIS_LABEL_PT)
        self._style_highlight()
        self._draw()


def _framing(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The points' box grown by a quarter of its size on every side (None: no points)."""
    if len(points) == 0 or not np.all(np.isfinite(points)):
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.25 * np.maximum(high - low, 1e-9 * max(1.0, float(np.abs(points).max())))
    low, high = low - margin, high + margin
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def _bounds(ring: np.ndarray) -> QRectF:
    if len(ring) == 0:
        return QRectF()
    low, high = ring.min(axis=0), ring.max(axis=0)
    return QRectF(float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1]))
