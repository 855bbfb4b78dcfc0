"""Histograms of distances in the d-cube: they concentrate as d grows.

Two histograms share the axis: the distance of random points to the cube's centre (blue;
left of the dashed line at 1/2 the point is inside the inscribed ball) and the distance
between two random points (grey). From 0, the picture shows both the emptiness of the ball
(almost nothing left of 1/2) and the concentration (a narrow peak far from 0: every point
is about as far from every other).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from engine.volumes import DistanceSample
from widgets.common.plot_style import (
    COVERED,
    COVERED_LIGHT,
    COVERED_PALE,
    INK,
    MUTED,
    annotation,
    style_plot,
)

N_BINS = 70


@dataclass(frozen=True)
class DistanceHistogram:
    """Binned distances of a :class:`DistanceSample`, ready to draw.

    Attributes
    ----------
    d : dimension.
    edges : (B+1,) bin edges from 0 to the largest distance.
    to_centre : (B,) histogram of distances to the centre, scaled to a peak of 1.
    pairwise : (B,) histogram of pairwise distances, scaled to a peak of 1.
    n_points : number of sampled points.
    inside_ball : how many of them lie within 1/2 of the centre.
    spread_to_centre, spread_pairwise : standard deviation over mean of each.
    """

    d: int
    edges: np.ndarray
    to_centre: np.ndarray
    pairwise: np.ndarray
    n_points: int
    inside_ball: int
    spread_to_centre: float
    spread_pairwise: float

    @classmethod
    def from_sample(cls, sample: DistanceSample, bins: int = N_BINS) -> DistanceHistogram:
        """Bin ``sample`` (tens of milliseconds for a million distances: call it in a worker)."""
        top = float(max(sample.pairwise.max(), sample.to_centre.max(), 0.5)) * 1.02
        edges = np.linspace(0.0, top, bins + 1)
        to_centre = np.histogram(sample.to_centre, edges)[0].astype(np.float64)
        pairwise = np.histogram(sample.pairwise, edges)[0].astype(np.float64)
        return cls(
            d=sample.d,
            edges=edges,
            to_centre=to_centre / to_centre.max(),
            pairwise=pairwise / pairwise.max(),
            n_points=len(sample.to_centre),
            inside_ball=int(np.count_nonzero(sample.to_centre <= 0.5)),
            spread_to_centre=sample.relative_spread_to_centre,
            spread_pairwise=sample.relative_spread_pairwise,
        )


class DistanceHistogramPlot(pg.PlotWidget):
    """Distances to the centre and between points of the unit d-cube."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setObjectName("distanceHistogram")
        plot = self.getPlotItem()
        style_plot(plot, x_label="distance", y_label="how often")
        plot.setMouseEnabled(x=False, y=False)
        plot.getAxis("left").setTicks([[], []])
        inside = pg.LinearRegionItem(
            (0.0, 0.5), movable=False, brush=pg.mkBrush(*COVERED_PALE), pen=pg.mkPen(None)
        )
        radius = pg.InfiniteLine(
            0.5, angle=90, pen=pg.mkPen(*COVERED, width=2.0, style=Qt.PenStyle.DashLine)
        )
        self._radius_label = annotation("ball\nradius ½", COVERED, anchor=(0.0, 0.0))
        self._pairwise = pg.PlotDataItem(
            stepMode="center",
            fillLevel=0.0,
            pen=pg.mkPen(*MUTED, width=1.5),
            brush=pg.mkBrush(*MUTED, 90),
        )
        self._to_centre = pg.PlotDataItem(
            stepMode="center",
            fillLevel=0.0,
            pen=pg.mkPen(*COVERED, width=1.5),
            brush=pg.mkBrush(*COVERED_LIGHT, 170),
        )
        for z, item in enumerate(
            (inside, radius, self._pairwise, self._to_centre, self._radius_label)
        ):
            item.setZValue(z)
            plot.addItem(item)
        legend = pg.LegendItem(
            offset=(-10, 10),
            brush=pg.mkBrush(255, 255, 255, 230),
            pen=pg.mkPen(200, 200, 200),
            labelTextColor=INK,
            labelTextSize="11pt",
            verSpacing=-4,
        )
        legend.setParentItem(plot.getViewBox())
        legend.addItem(self._to_centre, "to the centre")
        legend.addItem(self._pairwise, "between two points")
        self._histogram: DistanceHistogram | None = None

    @property
    def histogram(self) -> DistanceHistogram | None:
        """The histogram on screen, or None before the first one."""
        return self._histogram

    def set_histogram(self, histogram: DistanceHistogram) -> None:
        """Draw ``histogram``; the x axis runs from 0 to the largest distance."""
        self._histogram = histogram
        self._to_centre.setData(histogram.edges, histogram.to_centre)
        self._pairwise.setData(histogram.edges, histogram.pairwise)
        top = float(histogram.edges[-1])
        self.getPlotItem().getViewBox().setRange(xRange=(0.0, top), yRange=(0.0, 1.18), padding=0.0)
        self._radius_label.setPos(0.5 + 0.01 * top, 1.16)
