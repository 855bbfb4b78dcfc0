"""The interactive 2-D hull view: training points, their enclosures, a draggable test point.

Draws a :class:`engine.hull_scene.HullScene` (points, convex hull, minimum-volume
ellipse, minimum enclosing ball, bounding box) and a test point the user drags; the
segment to the hull's nearest point shows the distance once a verdict arrives.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from engine.hull_scene import DEFINITIONS, HullScene, PointVerdict
from widgets.volume_style import COVERED, INK, MONTE_CARLO, MUTED, OUTSIDE, PACKING, style_plot

#: One colour per definition of "inside", in :data:`DEFINITIONS` order.
DEFINITION_COLOURS = dict(zip(DEFINITIONS, (COVERED, PACKING, OUTSIDE, MUTED), strict=True))
TEST_POINT_COLOUR = MONTE_CARLO


class HullCanvas(pg.PlotWidget):
    """A planar training set with its hulls and a draggable test point.

    Signals
    -------
    test_point_moved(float, float) : the user dragged the test point there.
    """

    test_point_moved = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("hullCanvas")
        plot = self.getPlotItem()
        style_plot(plot, x_label="x₁", y_label="x₂")
        plot.setAspectLocked(True)
        plot.showGrid(x=True, y=True, alpha=0.15)
        legend = plot.addLegend(offset=(8, 8), labelTextColor=INK, brush=(255, 255, 255, 220))
        self._legend = legend

        def outline(name: str, width: float = 2.2, style=None) -> pg.PlotDataItem:
            pen = pg.mkPen(*DEFINITION_COLOURS[name], width=width)
            if style is not None:
                pen.setStyle(style)
            item = pg.PlotDataItem(pen=pen, name=name)
            plot.addItem(item)
            return item

        self.box_item = outline("bounding box", 1.6, Qt.PenStyle.DashLine)
        self.ball_item = outline("ball", 1.8)
        self.ellipse_item = outline("ellipsoid", 1.8)
        self.hull_item = outline("convex hull", 2.6)
        self.hull_item.setFillLevel(None)
        self.points_item = pg.ScatterPlotItem(
            size=8, pen=pg.mkPen(255, 255, 255, width=1), brush=pg.mkBrush(*INK), name="training"
        )
        plot.addItem(self.points_item)
        self.distance_item = pg.PlotDataItem(
            pen=pg.mkPen(*TEST_POINT_COLOUR, width=1.5, style=Qt.PenStyle.DotLine)
        )
        plot.addItem(self.distance_item)
        self.test_point = pg.TargetItem(
            pos=(0.0, 0.0),
            size=16,
            symbol="o",
            pen=pg.mkPen(*TEST_POINT_COLOUR, width=2.5),
            brush=pg.mkBrush(*TEST_POINT_COLOUR, 90),
            hoverBrush=pg.mkBrush(*TEST_POINT_COLOUR, 160),
            movable=True,
        )
        self.test_point.setZValue(10)
        self.test_point.setToolTip("Drag the test point: is it inside?")
        plot.addItem(self.test_point)
        self.test_point.sigPositionChanged.connect(self._on_target_moved)
        self.scene_data: HullScene | None = None

    def set_scene(self, scene: HullScene) -> None:
        """Draw a training set and its enclosures; fits the view to them."""
        self.scene_data = scene
        ring = np.vstack([scene.hull_ring, scene.hull_ring[:1]])
        self.hull_item.setData(ring[:, 0], ring[:, 1])
        ellipse = scene.ellipsoid.boundary(240)
        self.ellipse_item.setData(ellipse[:, 0], ellipse[:, 1])
        t = np.linspace(0.0, 2.0 * np.pi, 240)
        circle = scene.ball.centre + scene.ball.radius * np.column_stack([np.cos(t), np.sin(t)])
        self.ball_item.setData(circle[:, 0], circle[:, 1])
        (x0, y0), (x1, y1) = scene.box.low, scene.box.high
        self.box_item.setData([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0])
        self.points_item.setData(scene.points[:, 0], scene.points[:, 1])
        self.distance_item.setData([], [])
        r = scene.ball.radius * 1.25
        cx, cy = scene.ball.centre
        self.getPlotItem().setRange(xRange=(cx - r, cx + r), yRange=(cy - r, cy + r), padding=0)

    def set_verdict(self, verdict: PointVerdict) -> None:
        """Draw the segment from the test point to the nearest point of the hull."""
        if verdict.distance > 0:
            segment = np.vstack([verdict.point, verdict.nearest])
            self.distance_item.setData(segment[:, 0], segment[:, 1])
        else:
            self.distance_item.setData([], [])

    def move_test_point(self, x: float, y: float) -> None:
        """Place the test point (as a drag would, so ``test_point_moved`` is emitted)."""
        self.test_point.setPos(pg.Point(float(x), float(y)))

    def test_point_position(self) -> tuple[float, float]:
        pos = self.test_point.pos()
        return float(pos.x()), float(pos.y())

    def _on_target_moved(self) -> None:
        self.test_point_moved.emit(*self.test_point_position())
