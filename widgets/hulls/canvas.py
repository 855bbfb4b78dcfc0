"""The interactive 2-D hull view: training points, their enclosures, a draggable test point.

Draws a :class:`engine.hull_scene.HullScene` (points, convex hull, minimum-volume
ellipse, minimum enclosing ball, bounding box) and a test point the user drags; the
segment to the hull's nearest point shows the distance once a verdict arrives. The default
palette keeps the Volume page's restrained colours; the colour-blind-safe one draws the
enclosures in Okabe–Ito colours and the test point in the probe's colour.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from engine.hull_scene import DEFINITIONS, HullScene, PointVerdict
from widgets.canvas.plot_frame import frame_to_domain
from widgets.common.palettes import OKABE_ITO
from widgets.common.plot_style import COVERED, INK, MONTE_CARLO, MUTED, OUTSIDE, PACKING, style_plot
from widgets.common.theme import DEFAULT_PALETTE, Palette, Theme, current_theme, follow_theme

RGB = tuple[int, int, int]
#: One colour per definition of "inside", in :data:`DEFINITIONS` order (default palette).
DEFINITION_COLOURS = dict(zip(DEFINITIONS, (COVERED, PACKING, OUTSIDE, MUTED), strict=True))
TEST_POINT_COLOUR = MONTE_CARLO
#: The same in the colour-blind-safe palette: hull blue, ellipsoid bluish green, ball
#: reddish purple, box grey (the probe's vermillion is the test point's).
CVD_DEFINITION_COLOURS = dict(
    zip(DEFINITIONS, (OKABE_ITO[0], OKABE_ITO[2], OKABE_ITO[3], MUTED), strict=True)
)
#: Pen widths (pixels, default theme) and styles of the enclosures' outlines.
_OUTLINES = {
    "bounding box": (1.6, Qt.PenStyle.DashLine),
    "ball": (1.8, Qt.PenStyle.SolidLine),
    "ellipsoid": (1.8, Qt.PenStyle.SolidLine),
    "convex hull": (2.6, Qt.PenStyle.SolidLine),
}


def definition_colours(palette: Palette | None = None) -> dict[str, RGB]:
    """The colour of every definition of "inside" in ``palette`` (default: the current
    theme's), keyed by the names in :data:`DEFINITIONS`."""
    palette = palette or current_theme().palette
    return DEFINITION_COLOURS if palette is DEFAULT_PALETTE else CVD_DEFINITION_COLOURS


def test_point_colour(palette: Palette | None = None) -> RGB:
    """The test point's colour in ``palette`` (default: the current theme's)."""
    palette = palette or current_theme().palette
    return TEST_POINT_COLOUR if palette is DEFAULT_PALETTE else palette.probe


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
        # In a band above the data (the title's row), never over the hull: the legend is
        # as large as the talk theme's type.
        legend.setParentItem(plot)
        self._legend = legend
        # The plot area takes the shape of the scene's square (no band of empty axis in a
        # wide figure); the legend follows the top margin that frames it.
        self._frame = frame_to_domain(plot)
        self._frame.margins_changed.connect(self._anchor_legend)
        self._anchor_legend(*plot.layout.getContentsMargins())

        self.outlines: dict[str, pg.PlotDataItem] = {}
        for name in ("bounding box", "ball", "ellipsoid", "convex hull"):
            self.outlines[name] = pg.PlotDataItem(name=name)
            plot.addItem(self.outlines[name])
        self.box_item = self.outlines["bounding box"]
        self.ball_item = self.outlines["ball"]
        self.ellipse_item = self.outlines["ellipsoid"]
        self.hull_item = self.outlines["convex hull"]
        self.hull_item.setFillLevel(None)
        self.points_item = pg.ScatterPlotItem(
            size=8, pen=pg.mkPen(255, 255, 255, width=1), brush=pg.mkBrush(*INK), name="training"
        )
        plot.addItem(self.points_item)
        self.distance_item = pg.PlotDataItem()
        plot.addItem(self.distance_item)
        self.test_point = pg.TargetItem(pos=(0.0, 0.0), size=16, symbol="o", movable=True)
        self.test_point.setZValue(10)
        self.test_point.setToolTip("Drag the test point: is it inside?")
        plot.addItem(self.test_point)
        self.test_point.sigPositionChanged.connect(self._on_target_moved)
        self._apply_theme(current_theme())
        plot.geometryChanged.connect(self._place_legend)
        # After the plot's own follower (axes, legend, pen widths), so that the colours
        # and widths set here are the last word.
        follow_theme(self, lambda theme, _previous: self._apply_theme(theme))
        self.scene_data: HullScene | None = None

    def _apply_theme(self, theme: Theme) -> None:
        """Colours of the palette and pen widths of the theme on every item."""
        colours = definition_colours(theme.palette)
        for name, item in self.outlines.items():
            width, style = _OUTLINES[name]
            item.setPen(pg.mkPen(*colours[name], width=theme.width(width), style=style))
        point = test_point_colour(theme.palette)
        self.distance_item.setPen(
            pg.mkPen(*point, width=theme.width(1.5), style=Qt.PenStyle.DotLine)
        )
        self.test_point.setPen(pg.mkPen(*point, width=theme.width(2.5)))
        self.test_point.setBrush(pg.mkBrush(*point, 90))
        self.test_point.setHoverBrush(pg.mkBrush(*point, 160))
        self._place_legend()

    def _anchor_legend(self, _left: float, top: float, _right: float, _bottom: float) -> None:
        """Keep the legend centred at the top of the framed plot (inside its top margin)."""
        self._legend.anchor(itemPos=(0.5, 0.0), parentPos=(0.5, 0.0), offset=(0, 2 + top))

    def _place_legend(self) -> None:
        """As many legend columns as fit the plot's width, and a band above the data as
        tall as the legend."""
        legend, plot = self._legend, self.getPlotItem()
        for columns in (len(legend.items), 3, 2, 1):
            legend.setColumnCount(columns)
            legend.updateSize()
            if legend.boundingRect().width() <= self.width() - 16:
                break
        plot.layout.setRowFixedHeight(0, legend.boundingRect().height() + 4)

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
        self._frame.set_domain((cx - r, cx + r, cy - r, cy + r))

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
