"""The probe's graphics on a 2-D canvas: marker, highlighted cell, path, matched filters.

Every item here is drawn from plain coordinates handed in by the canvas's owner; the
overlay never computes geometry. The items sit above the cells and the decision
boundary, and none of them takes part in the legend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsPathItem

#: Colour of the probe and of its highlighted cell.
PROBE_RGB = (214, 39, 40)
#: Colour of the path and its end handles.
PATH_RGB = (188, 0, 150)
#: Colours of the network outputs (Okabe-Ito), shared by the arrows and the path plot.
OUTPUT_RGB = (
    (0, 114, 178),
    (0, 158, 115),
    (230, 159, 0),
    (86, 180, 233),
    (204, 121, 167),
    (213, 94, 0),
    (120, 120, 120),
    (0, 0, 0),
)
#: White veil over the highlighted cell: its colour shows, lighter.
HIGHLIGHT_VEIL = (255, 255, 255, 120)
HIGHLIGHT_WIDTH = 3.0
PROBE_SIZE = 30
HANDLE_SIZE = 16
ARROW_WIDTH = 3.0
#: Screen length of the longest matched-filter arrow.
ARROW_PIXELS = 90.0

_Z_HIGHLIGHT = 200
_Z_PATH = 300
_Z_ARROWS = 400
_Z_PROBE = 500


def output_colour(index: int) -> tuple[int, int, int]:
    """RGB of network output ``index`` (0-based), cycling through :data:`OUTPUT_RGB`."""
    return OUTPUT_RGB[index % len(OUTPUT_RGB)]


def _probe_symbol() -> QPainterPath:
    """A ring with four ticks pointing at its centre, in a unit box centred on (0, 0)."""
    path = QPainterPath()
    path.addEllipse(QPointF(0, 0), 0.3, 0.3)
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        path.moveTo(0.5 * dx, 0.5 * dy)
        path.lineTo(0.12 * dx, 0.12 * dy)
    return path


def _handle_symbol() -> QPainterPath:
    path = QPainterPath()
    path.addRect(-0.35, -0.35, 0.7, 0.7)
    return path


class DragHandle(pg.TargetItem):
    """A draggable marker of fixed screen size.

    ``accepts_drag(event)`` decides whether a drag starting on the marker moves it; when
    it declines, the drag goes to the items below (the view, which may draw a path).
    """

    def __init__(self, accepts_drag: Callable[[object], bool], **kwargs) -> None:
        super().__init__(**kwargs)
        self._accepts_drag = accepts_drag
        self._dragging = False

    def mouseDragEvent(self, ev) -> None:
        if ev.isStart():
            self._dragging = self._accepts_drag(ev)
        if not self._dragging:
            ev.ignore()
            return
        super().mouseDragEvent(ev)
        if ev.isFinish():
            self._dragging = False

    def place(self, point: Sequence[float]) -> None:
        """Move to ``point`` without emitting ``sigPositionChanged``."""
        self.blockSignals(True)
        try:
            self.setPos(float(point[0]), float(point[1]))
        finally:
            self.blockSignals(False)

    def position(self) -> tuple[float, float]:
        p = self.pos()
        return float(p.x()), float(p.y())


class ProbeOverlay:
    """The probe's items on one plot.

    Parameters
    ----------
    plot : the PlotItem to draw on.
    starts_path : ``starts_path(drag_event)`` is True when a drag should draw a path
        rather than move the marker it starts on.
    """

    def __init__(self, plot: pg.PlotItem, starts_path: Callable[[object], bool]) -> None:
        self._plot = plot
        self._line_scale = 1.0
        self._font_scale = 1.0
        self.highlight = QGraphicsPathItem()
        pen = QPen(QColor(*PROBE_RGB))
        pen.setWidthF(HIGHLIGHT_WIDTH)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self.highlight.setPen(pen)
        self.highlight.setBrush(QBrush(QColor(*HIGHLIGHT_VEIL)))
        self.highlight.setZValue(_Z_HIGHLIGHT)
        self.highlight.setVisible(False)
        plot.addItem(self.highlight)

        self.path_halo = pg.PlotCurveItem(antialias=True, pen=pg.mkPen(255, 255, 255, width=6))
        self.path_line = pg.PlotCurveItem(antialias=True, pen=pg.mkPen(*PATH_RGB, width=3))
        self.crossing_dots = pg.ScatterPlotItem(
            size=8,
            pen=pg.mkPen(*PATH_RGB, width=1.6),
            brush=pg.mkBrush(255, 255, 255),
            antialias=True,
        )
        for z, item in enumerate((self.path_halo, self.path_line, self.crossing_dots)):
            item.setZValue(_Z_PATH + z)
            item.setVisible(False)
            plot.addItem(item)
        self.path_handles = []
        for _ in range(2):
            handle = DragHandle(
                lambda ev: ev.button() == Qt.MouseButton.LeftButton,
                size=HANDLE_SIZE,
                symbol=_handle_symbol(),
                pen=pg.mkPen(*PATH_RGB, width=2),
                hoverPen=pg.mkPen(*PATH_RGB, width=3.5),
                brush=pg.mkBrush(255, 255, 255, 230),
                hoverBrush=pg.mkBrush(255, 230, 248, 255),
            )
            handle.setZValue(_Z_PATH + 10)
            handle.setVisible(False)
            plot.addItem(handle)
            self.path_handles.append(handle)

        self._arrows: list[tuple[pg.PlotCurveItem, pg.ArrowItem, pg.TextItem]] = []
        self._arrow_request: tuple | None = None
        # Arrows have a fixed length on screen: redraw them when the view zooms.
        plot.getViewBox().sigRangeChanged.connect(self._draw_arrows)

        self.probe = DragHandle(
            lambda ev: ev.button() == Qt.MouseButton.LeftButton and not starts_path(ev),
            size=PROBE_SIZE,
            symbol=_probe_symbol(),
            pen=pg.mkPen(*PROBE_RGB, width=3),
            hoverPen=pg.mkPen(*PROBE_RGB, width=4.5),
            brush=pg.mkBrush(255, 255, 255, 90),
            hoverBrush=pg.mkBrush(255, 255, 255, 170),
        )
        self.probe.setZValue(_Z_PROBE)
        self.probe.setVisible(False)
        plot.addItem(self.probe)

    def apply_theme(
        self,
        probe_rgb: Sequence[int],
        path_rgb: Sequence[int],
        line_scale: float,
        font_scale: float,
    ) -> None:
        """Recolour the probe and the path and scale their lines (a theme change)."""
        self._line_scale, self._font_scale = line_scale, font_scale
        pen = QPen(self.highlight.pen())
        pen.setColor(QColor(*probe_rgb))
        pen.setWidthF(HIGHLIGHT_WIDTH * line_scale)
        self.highlight.setPen(pen)
        self.path_halo.setPen(pg.mkPen(255, 255, 255, width=6 * line_scale))
        self.path_line.setPen(pg.mkPen(*path_rgb, width=3 * line_scale))
        self.crossing_dots.setPen(pg.mkPen(*path_rgb, width=1.6 * line_scale))
        self.crossing_dots.setSize(8 * min(line_scale, 1.5))
        for handle in self.path_handles:
            handle.setPen(pg.mkPen(*path_rgb, width=2 * line_scale))
            handle.setHoverPen(pg.mkPen(*path_rgb, width=3.5 * line_scale))
        self.probe.setPen(pg.mkPen(*probe_rgb, width=3 * line_scale))
        self.probe.setHoverPen(pg.mkPen(*probe_rgb, width=4.5 * line_scale))
        self._draw_arrows()

    # Probe and its cell -----------------------------------------------------------------

    def set_highlight(self, polygon: np.ndarray | None) -> None:
        """Outline and lighten the (k, 2) polygon, or hide the highlight."""
        if polygon is None or len(polygon) < 3:
            self.highlight.setVisible(False)
            return
        ring = QPolygonF([QPointF(float(x), float(y)) for x, y in polygon])
        path = QPainterPath()
        path.addPolygon(ring)
        path.closeSubpath()
        self.highlight.setPath(path)
        self.highlight.setVisible(True)

    # Path ---------------------------------------------------------------------------------

    def set_path(self, a: Sequence[float], b: Sequence[float], crossings: np.ndarray) -> None:
        """Draw the segment ``a``-``b`` with its (K, 2) crossing points."""
        xs, ys = [float(a[0]), float(b[0])], [float(a[1]), float(b[1])]
        for item in (self.path_halo, self.path_line):
            item.setData(xs, ys)
            item.setVisible(True)
        crossings = np.asarray(crossings, dtype=np.float64).reshape(-1, 2)
        self.crossing_dots.setData(crossings[:, 0], crossings[:, 1])
        self.crossing_dots.setVisible(True)
        for handle, end in zip(self.path_handles, (a, b), strict=True):
            handle.place(end)
            handle.setVisible(True)

    def clear_path(self) -> None:
        for item in (self.path_halo, self.path_line, self.crossing_dots, *self.path_handles):
            item.setVisible(False)

    @property
    def has_path(self) -> bool:
        return self.path_line.isVisible()

    # Matched filters ------------------------------------------------------------------------

    def set_arrows(
        self, origin: Sequence[float], directions: np.ndarray, labels: Sequence[str]
    ) -> None:
        """Labelled arrows from ``origin`` along the (n, 2) ``directions``.

        The arrows keep the directions' relative lengths; the longest spans
        :data:`ARROW_PIXELS` on screen, at any zoom.
        """
        self._arrow_request = (
            (float(origin[0]), float(origin[1])),
            np.asarray(directions, dtype=np.float64).reshape(-1, 2),
            list(labels),
        )
        self._draw_arrows()

    def _draw_arrows(self) -> None:
        if self._arrow_request is None:
            return
        (ox, oy), directions, labels = self._arrow_request
        pixel = self._plot.getViewBox().viewPixelSize()[0]
        longest = float(np.linalg.norm(directions, axis=1).max(initial=0.0))
        vectors = directions * (ARROW_PIXELS * pixel / longest if longest > 0 else 0.0)
        while len(self._arrows) < len(vectors):
            shaft = pg.PlotCurveItem(antialias=True)
            head = pg.ArrowItem(headLen=17, tipAngle=34, baseAngle=16, pen=None)
            label = pg.TextItem(anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 190))
            for z, item in enumerate((shaft, head, label)):
                item.setZValue(_Z_ARROWS + z)
                self._plot.addItem(item)
            self._arrows.append((shaft, head, label))
        for index, (shaft, head, label) in enumerate(self._arrows):
            shown = index < len(vectors)
            for item in (shaft, head, label):
                item.setVisible(shown)
            if not shown:
                continue
            dx, dy = (float(v) for v in vectors[index])
            length = math.hypot(dx, dy)
            colour = output_colour(index)
            tip = (ox + dx, oy + dy)
            # The shaft stops short of the tip so that the head's point stays sharp.
            back = min(1.0, 10.0 * pixel / length) if length > 0 else 1.0
            shaft.setData([ox, ox + dx * (1 - back)], [oy, oy + dy * (1 - back)])
            shaft.setPen(pg.mkPen(*colour, width=ARROW_WIDTH * self._line_scale))
            head.setStyle(
                angle=math.degrees(math.atan2(-dy, dx)) + 180.0, brush=pg.mkBrush(*colour)
            )
            head.setPos(*tip)
            head.setVisible(length > 0)
            gap = 16.0 * pixel / length if length > 0 else 0.0
            label.setHtml(
                f'<span style="font-size: {12 * self._font_scale:g}pt; font-weight: 700; '
                f'color: rgb{colour};">'
                f"{labels[index]}</span>"
            )
            label.setPos(tip[0] + gap * dx, tip[1] + gap * dy)

    def clear_arrows(self) -> None:
        self._arrow_request = None
        for arrow in self._arrows:
            for item in arrow:
                item.setVisible(False)

    @property
    def arrow_tips(self) -> np.ndarray:
        """(n, 2) tips of the arrows shown, in data coordinates."""
        tips = [head.pos() for _, head, _ in self._arrows if head.isVisible()]
        return np.array([[p.x(), p.y()] for p in tips]).reshape(-1, 2)

    def _shown_arrows(self) -> list[int]:
        return [i for i, (_, head, _) in enumerate(self._arrows) if head.isVisible()]

    @property
    def arrow_labels(self) -> tuple[str, ...]:
        """What each arrow shown is called, in the order of :attr:`arrow_tips`."""
        if self._arrow_request is None:
            return ()
        labels = self._arrow_request[2]
        return tuple(labels[i] for i in self._shown_arrows() if i < len(labels))

    @property
    def arrow_rgb(self) -> np.ndarray:
        """(n, 3) uint8 colour of each arrow shown, in the order of :attr:`arrow_tips`."""
        rows = [output_colour(i) for i in self._shown_arrows()]
        return np.array(rows, np.uint8).reshape(-1, 3)
