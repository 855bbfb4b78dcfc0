"""The 1-D fit plot: the target, the training range as a draggable band, the user's
points, the network's exact pieces with their knots, and the polynomial.

Mouse: a left click adds a point, a left drag on a point moves it, a right click on a
point removes it; the band's edges drag the training range. The view itself does not pan
or zoom: the picture is about what happens outside the band, so its frame stays put.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent

from engine.pieces_1d import Pieces1D
from widgets.common.plot_style import COVERED, INK, MUTED, OUTSIDE, style_plot

#: A press this close (pixels) to a point grabs it; to a band edge, drags the edge.
GRAB_PIXELS = 9
NETWORK = COVERED
POLYNOMIAL = OUTSIDE
BAND = (*COVERED, 28)


def clipped_to_band(x: np.ndarray, y: np.ndarray, low: float, high: float):
    """The polyline (x, y) (N,) inside ``low <= y <= high``, to draw with
    ``connect="finite"``: a point is added where a segment crosses either line, and the
    points outside become NaN, which breaks the line. Returns the new (M,) x and y."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    order = [np.arange(len(x), dtype=np.float64)]
    xs = [x]
    ys = [np.where((y < low) | (y > high), np.nan, y)]
    a, b = y[:-1], y[1:]
    for level in (low, high):
        crossing = np.flatnonzero((a - level) * (b - level) < 0)
        t = (level - a[crossing]) / (b[crossing] - a[crossing])
        order.append(crossing + t)
        xs.append(x[crossing] + t * (x[crossing + 1] - x[crossing]))
        ys.append(np.full(len(crossing), level))
    sort = np.argsort(np.concatenate(order), kind="stable")
    return np.concatenate(xs)[sort], np.concatenate(ys)[sort]


class FitPlot(pg.PlotWidget):
    """The fit, in data coordinates; it draws what it is given and emits the user's edits.

    Signals
    -------
    point_added(float, float) : a left click at (x, y).
    point_moved(int, float, float) : point ``i`` dragged to (x, y).
    point_removed(int) : a right click on point ``i``.
    range_changed(float, float) : the band's edges were dragged to (low, high).
    """

    point_added = Signal(float, float)
    point_moved = Signal(int, float, float)
    point_removed = Signal(int)
    range_changed = Signal(float, float)

    def __init__(self, view_x: tuple[float, float], parent=None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("extrapolationPlot")
        self._view_x = view_x
        plot = self.getPlotItem()
        style_plot(plot, x_label="x", y_label="y")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.vb.setMouseEnabled(False, False)
        plot.vb.setDefaultPadding(0.0)
        plot.setXRange(*view_x, padding=0.0)
        plot.showGrid(x=True, y=True, alpha=0.15)
        self.band = pg.LinearRegionItem(
            (-1.0, 1.0),
            brush=pg.mkBrush(BAND),
            pen=pg.mkPen((*NETWORK, 200), width=2),
            hoverBrush=pg.mkBrush((*COVERED, 45)),
            bounds=view_x,
        )
        self.band.setZValue(-10)
        for line in self.band.lines:
            line.setToolTip("Drag to change the training range")
        plot.addItem(self.band)
        self.band.sigRegionChangeFinished.connect(self._on_band_moved)
        plot.addLegend(offset=(12, 10), labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 220))
        self.target_curve = plot.plot(
            pen=pg.mkPen(MUTED, width=2, style=Qt.PenStyle.DashLine), name="target"
        )
        self.polynomial_curve = plot.plot(pen=pg.mkPen(POLYNOMIAL, width=3), name="polynomial")
        self.network_curve = plot.plot(pen=pg.mkPen(NETWORK, width=3), name="ReLU network")
        self.knot_marks = pg.ScatterPlotItem(
            size=8, pen=pg.mkPen(INK, width=1.2), brush=pg.mkBrush("w"), symbol="o", name="knots"
        )
        self.knot_marks.setZValue(5)
        plot.addItem(self.knot_marks)
        self.training_marks = pg.ScatterPlotItem(
            size=5, pen=None, brush=pg.mkBrush((*INK, 150)), symbol="o", name="training points"
        )
        plot.addItem(self.training_marks)
        self.point_marks = pg.ScatterPlotItem(
            size=12, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(INK), symbol="o"
        )
        self.point_marks.setZValue(10)
        plot.addItem(self.point_marks)
        self._points = np.zeros((0, 2))
        self._polynomial: tuple[np.ndarray, np.ndarray] | None = None
        plot.getViewBox().sigYRangeChanged.connect(lambda *_: self._draw_polynomial())
        self._dragged: int | None = None
        self.setToolTip(
            "Click to add a point, drag a point to move it, right-click a point to remove it;"
            " drag the band's edges to change the training range"
        )

    # --- drawing -------------------------------------------------------------------------

    def set_y_range(self, low: float, high: float) -> None:
        self.getPlotItem().setYRange(low, high, padding=0.0)

    def y_range(self) -> tuple[float, float]:
        low, high = self.getPlotItem().vb.viewRange()[1]
        return float(low), float(high)

    def show_band(self, low: float, high: float) -> None:
        blocker = self.band.blockSignals(True)
        self.band.setRegion((low, high))
        self.band.blockSignals(blocker)

    def show_target(self, x: np.ndarray | None, y: np.ndarray | None) -> None:
        if x is None:
            self.target_curve.setData([], [])
        else:
            self.target_curve.setData(x, y)

    def show_training(self, x: np.ndarray, y: np.ndarray) -> None:
        self.training_marks.setData(x, y)

    def show_points(self, points: np.ndarray) -> None:
        """The user's points (P, 2)."""
        self._points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self.point_marks.setData(self._points[:, 0], self._points[:, 1])

    def show_network(self, pieces: Pieces1D | None) -> None:
        """The network's exact graph across the view, a mark at every knot in view."""
        if pieces is None:
            self.network_curve.setData([], [])
            self.knot_marks.setData([], [])
            return
        x, y = pieces.polyline(*self._view_x)
        self.network_curve.setData(x, y)
        self.knot_marks.setData(x[1:-1], y[1:-1])

    def show_polynomial(self, x: np.ndarray | None, y: np.ndarray | None) -> None:
        self._polynomial = None if x is None else (np.asarray(x), np.asarray(y))
        self._draw_polynomial()

    def _draw_polynomial(self) -> None:
        """The polynomial cut where it leaves the view's height: vector exports do not clip
        to the plot, and a polynomial's tails reach far past it."""
        if self._polynomial is None:
            self.polynomial_curve.setData([], [])
            return
        low, high = self.y_range()
        margin = 0.02 * (high - low)
        x, y = clipped_to_band(*self._polynomial, low - margin, high + margin)
        self.polynomial_curve.setData(x, y, connect="finite")

    # --- coordinates ---------------------------------------------------------------------

    def widget_position(self, point: tuple[float, float]) -> QPointF:
        """Where the data point ``(x, y)`` is, in the viewport's pixels."""
        scene = self.getPlotItem().vb.mapViewToScene(QPointF(*point))
        return QPointF(self.mapFromScene(scene))

    def _data_position(self, event: QMouseEvent) -> tuple[float, float]:
        view = self.getPlotItem().vb.mapSceneToView(self.mapToScene(event.position().toPoint()))
        return float(view.x()), float(view.y())

    def _point_under(self, event: QMouseEvent) -> int | None:
        if len(self._points) == 0:
            return None
        where = event.position()
        distances = [
            np.hypot(p.x() - where.x(), p.y() - where.y())
            for p in (self.widget_position(tuple(q)) for q in self._points)
        ]
        nearest = int(np.argmin(distances))
        return nearest if distances[nearest] <= GRAB_PIXELS else None

    def _near_band_edge(self, event: QMouseEvent) -> bool:
        x = event.position().x()
        y = self._data_position(event)[1]
        return any(
            abs(self.widget_position((edge, y)).x() - x) <= GRAB_PIXELS
            for edge in self.band.getRegion()
        )

    def _inside_plot(self, event: QMouseEvent) -> bool:
        rect = self.getPlotItem().vb.sceneBoundingRect()
        return rect.contains(self.mapToScene(event.position().toPoint()))

    # --- mouse ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._inside_plot(event):
            super().mousePressEvent(event)
            return
        grabbed = self._point_under(event)
        if grabbed is not None and event.button() == Qt.MouseButton.RightButton:
            self.point_removed.emit(grabbed)
            event.accept()
        elif grabbed is not None and event.button() == Qt.MouseButton.LeftButton:
            self._dragged = grabbed
            event.accept()
        elif event.button() == Qt.MouseButton.LeftButton and not self._near_band_edge(event):
            self.point_added.emit(*self._data_position(event))
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragged is None:
            super().mouseMoveEvent(event)
            return
        x, y = self._data_position(event)
        moved = self._points.copy()
        moved[self._dragged] = (x, y)
        self.point_marks.setData(moved[:, 0], moved[:, 1])
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragged is None:
            super().mouseReleaseEvent(event)
            return
        index, self._dragged = self._dragged, None
        self.point_moved.emit(index, *self._data_position(event))
        event.accept()

    def _on_band_moved(self) -> None:
        low, high = self.band.getRegion()
        self.range_changed.emit(float(low), float(high))
