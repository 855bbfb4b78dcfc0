"""The 2-D network's cells with the exact distance disc: the ball of the distance around
the point (a circle in L2, a square in L∞) and its nearest point of another class."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from widgets.canvas.cell_canvas import CellCanvas
from widgets.canvas.distance_disc import DistanceDisc

_Z_POINTS = 199


class PlaneDiscCanvas(CellCanvas):
    """A cell canvas that also draws the distance ball and the nearest point."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        plot = self.getPlotItem()
        self.disc = DistanceDisc(plot)
        self.training_points = pg.ScatterPlotItem(size=4, pen=None)
        self.training_points.setZValue(_Z_POINTS)
        plot.addItem(self.training_points)
        self.setToolTip("Drag the probe: the disc is the exact distance to the other class")

    def set_training_points(self, x: np.ndarray, labels: np.ndarray) -> None:
        """Show (N, 2) points: class 0 white, class 1 grey, both ringed in dark grey."""
        brushes = [
            pg.mkBrush(90, 90, 96, 150) if y else pg.mkBrush(255, 255, 255, 200) for y in labels
        ]
        self.training_points.setData(x[:, 0], x[:, 1], brush=brushes, pen=pg.mkPen(60, 60, 66, 160))

    def set_disc(self, centre: np.ndarray, radius: float, norm: str, nearest: np.ndarray) -> None:
        """Draw the ``norm`` ball of ``radius`` around ``centre`` and the ``nearest`` point."""
        self.disc.set_disc(centre, radius, norm, nearest)

    def disc_outline(self) -> np.ndarray:
        """(K, 2) the outline drawn now."""
        return self.disc.outline()
