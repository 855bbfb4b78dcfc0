"""The exact distance disc drawn on a 2-D cell canvas.

Around a point, the ball of its exact distance to the nearest input of another class (a
circle in L2, a square in L∞), a dashed line to that input and a dot on it. The canvas
takes the result (:class:`engine.boundary_distance.BoundaryDistance` or the Adversarial
page's answer) and draws; it computes nothing.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from engine.boundary_distance import BoundaryDistance
from widgets.common.theme import current_theme

DISC = (179, 38, 30)
_Z_DISC = 200
_NORM_NAMES = {"l2": "L2", "linf": "L∞"}


def ball_outline(centre: np.ndarray, radius: float, norm: str) -> np.ndarray:
    """(K, 2) closed outline of the ``norm`` ball of ``radius`` around ``centre`` (2,)."""
    if norm == "l2":
        angles = np.linspace(0.0, 2.0 * np.pi, 361)
        return centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])
    corners = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]], dtype=np.float64)
    return centre + radius * corners


def disc_text(result: BoundaryDistance, first_class: int = 0) -> str:
    """One line on the disc: ``L∞ distance to class 2: 0.1234 (exact)``, or its bounds;
    classes are numbered from ``first_class`` as the page names them."""
    norm = _NORM_NAMES[result.norm]
    if not np.isfinite(result.distance):
        return f"{norm} disc: no other class in the view (at least {result.lower_bound:.4g} away)"
    target = f"{norm} distance to class {result.adversarial_class + first_class}"
    if result.is_exact:
        return f"{target}: {result.distance:.6g} (exact)"
    return (
        f"{target}: between {result.lower_bound:.4g} and {result.distance:.6g} "
        "(the disc leaves the view)"
    )


class DistanceDisc:
    """The disc's items on one plot: the ball, the line to the nearest point, its dot."""

    def __init__(self, plot: pg.PlotItem) -> None:
        # Antialiased: pyqtgraph draws a wide aliased curve one pixel thin in a raster export.
        self.fill = pg.PlotCurveItem(antialias=True)
        self.fill.setZValue(_Z_DISC)
        self.line = pg.PlotCurveItem(antialias=True)
        self.line.setZValue(_Z_DISC)
        self.marker = pg.ScatterPlotItem(
            size=11, brush=pg.mkBrush(*DISC), pen=pg.mkPen("w", width=1.5), symbol="o"
        )
        self.marker.setZValue(_Z_DISC + 1)
        for item in (self.fill, self.line, self.marker):
            plot.addItem(item)

    def set_disc(self, centre: np.ndarray, radius: float, norm: str, nearest: np.ndarray) -> None:
        """Draw the ``norm`` ball of ``radius`` around ``centre`` and the ``nearest`` point."""
        centre = np.asarray(centre, dtype=np.float64)
        if not np.isfinite(radius):
            self.clear()
            return
        outline = ball_outline(centre, radius, norm)
        theme = current_theme()  # the talk theme draws the disc as thick as its cell edges
        self.fill.setPen(theme.pen(DISC, 2.5))
        self.line.setPen(theme.pen(DISC, 1.5, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.fill.setData(outline[:, 0], outline[:, 1])
        self.line.setData([centre[0], nearest[0]], [centre[1], nearest[1]])
        self.marker.setData([nearest[0]], [nearest[1]])
        self.set_visible(True)

    def show_result(self, result: BoundaryDistance | None) -> None:
        """Draw ``result``'s disc (None, or no other class in view: nothing)."""
        if result is None:
            self.clear()
            return
        self.set_disc(result.point, result.distance, result.norm, result.nearest)

    def clear(self) -> None:
        for item in (self.fill, self.line):
            item.setData([], [])
        self.marker.setData([], [])
        self.set_visible(False)

    def set_visible(self, visible: bool) -> None:
        for item in (self.fill, self.line, self.marker):
            item.setVisible(visible)

    @property
    def is_shown(self) -> bool:
        return self.fill.isVisible() and len(self.outline()) > 0

    def outline(self) -> np.ndarray:
        """(K, 2) the outline drawn now (empty when none)."""
        x, y = self.fill.getData()
        if x is None:
            return np.zeros((0, 2))
        return np.column_stack([x, y])

    def nearest(self) -> np.ndarray | None:
        """(2,) the nearest point drawn now, or None."""
        x, y = self.marker.getData()
        return None if len(x) == 0 else np.array([x[0], y[0]])
