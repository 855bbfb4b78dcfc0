"""Training points drawn over a cell view, coloured by class."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from widgets.common.class_colours import class_point_colours

POINT_SIZE = 6
_Z_POINTS = 200


def class_points_item() -> pg.ScatterPlotItem:
    """An empty scatter of class-coloured points with a white rim, above the cells."""
    item = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen(255, 255, 255, width=0.8))
    item.setZValue(_Z_POINTS)
    return item


def show_class_points(
    item: pg.ScatterPlotItem, points: np.ndarray, labels: np.ndarray, n_classes: int
) -> None:
    """Draw (N, 2) ``points`` with the colour of their class ``labels`` (N,)."""
    palette = [
        pg.mkBrush(int(r), int(g), int(b)) for r, g, b in class_point_colours(max(n_classes, 2))
    ]
    brushes = [palette[label] for label in np.asarray(labels, dtype=np.intp)]
    item.setData(pos=np.asarray(points, dtype=np.float64), brush=brushes)
