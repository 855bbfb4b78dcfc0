"""The 2-D network's cells with the exact distance disc: the ball of the distance around
the point (a circle in L2, a square in L∞) and its nearest point of another class."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from widgets.canvas.cell_canvas import CellCanvas

DISC = (179, 38, 30)
_Z_DISC = 200


def ball_outline(centre: np.ndarray, radius: float, norm: str) -> np.ndarray:
    """(K, 2) closed outline of the ``norm`` ball of ``radius`` around ``centre`` (2,)."""
    if norm == "l2":
        angles = np.linspace(0.0, 2.0 * np.pi, 361)
        return centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])
    corners = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]], dtype=np.float64)
    return centre + radius * corners


class PlaneDiscCanvas(CellCanvas):
    """A cell canvas that also draws the distance ball and the nearest point."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        plot = self.getPlotItem()
        self.disc_fill = pg.PlotCurveItem(
            pen=pg.mkPen(*DISC, width=2.5), brush=pg.mkBrush(*DISC, 45), fillLevel=None
        )
        self.disc_fill.setZValue(_Z_DISC)
        self.nearest_line = pg.PlotCurveItem(
            pen=pg.mkPen(*DISC, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self.nearest_line.setZValue(_Z_DISC)
        self.nearest_marker = pg.ScatterPlotItem(
            size=11, brush=pg.mkBrush(*DISC), pen=pg.mkPen("w", width=1.5), symbol="o"
        )
        self.nearest_marker.setZValue(_Z_DISC + 1)
        self.training_points = pg.ScatterPlotItem(size=4, pen=None)
        self.training_points.setZValue(_Z_DISC - 1)
        for item in (self.training_points, self.disc_fill, self.nearest_line, self.nearest_marker):
            plot.addItem(item)
        self.setToolTip("Drag the probe: the disc is the exact distance to the other class")

    def set_training_points(self, x: np.ndarray, labels: np.ndarray) -> None:
        """Show (N, 2) points: class 0 white, class 1 grey, both ringed in dark grey."""
        brushes = [
            pg.mkBrush(90, 90, 96, 150) if y else pg.mkBrush(255, 255, 255, 200) for y in labels
        ]
        self.training_points.setData(x[:, 0], x[:, 1], brush=brushes, pen=pg.mkPen(60, 60, 66, 160))

    def set_disc(self, centre: np.ndarray, radius: float, norm: str, nearest: np.ndarray) -> None:
        """Draw the ``norm`` ball of ``radius`` around ``centre`` and the ``nearest`` point."""
        outline = ball_outline(np.asarray(centre, dtype=np.float64), radius, norm)
        self.disc_fill.setData(outline[:, 0], outline[:, 1])
        self.nearest_line.setData([centre[0], nearest[0]], [centre[1], nearest[1]])
        self.nearest_marker.setData([nearest[0]], [nearest[1]])

    def disc_outline(self) -> np.ndarray:
        """(K, 2) the outline drawn now."""
        x, y = self.disc_fill.getData()
        return np.column_stack([x, y])
