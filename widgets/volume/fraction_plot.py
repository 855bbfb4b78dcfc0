"""The ball's share of the cube against dimension, on a log axis, beside sphere packings.

Draws a :class:`engine.volumes.DimensionTable`: the exact fraction (which is also the
density of the cubic packing ℤ^d), the best known packing densities, the Minkowski–Hlawka
lower bound and the Kabatiansky–Levenshtein rate (labelled asymptotic: at small d it is
no bound at all). Monte-Carlo estimates are drawn as rings with their confidence
intervals. The chosen dimension is marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from engine.packings import DimensionTable
from engine.volumes import MonteCarloEstimate
from widgets.common.log_axis import PowerOfTenAxis, percent_text
from widgets.common.plot_style import (
    ANNOTATION_PT,
    COVERED,
    INK,
    MONTE_CARLO,
    MUTED,
    PACKING,
    annotation,
    hex_rgb,
    style_plot,
)

#: Dimensions whose exact value is written on the plot.
LABELLED_DIMENSIONS = (2, 3)
#: Packings named on the plot (the others are too close together to name).
LABELLED_PACKINGS = {8: "E₈", 24: "Leech Λ₂₄"}


class FractionPlot(pg.PlotWidget):
    """Volume fraction of the inscribed ball and packing densities against dimension d."""

    def __init__(self, table: DimensionTable, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w", axisItems={"left": PowerOfTenAxis("left")})
        self.setObjectName("fractionPlot")
        self.table = table
        plot = self.getPlotItem()
        style_plot(plot, x_label="dimension d", y_label="fraction of volume")
        plot.showGrid(x=False, y=True, alpha=0.12)
        plot.setMouseEnabled(x=False, y=False)
        d_max = int(table.d[-1])
        bottom = math.floor(float(np.nanmin(table.log10_ball_fraction))) - 0.3
        plot.getViewBox().setRange(xRange=(0.5, d_max + 0.5), yRange=(bottom, 0.35), padding=0)
        ticks = [1, *range(5, d_max + 1, 5)]
        plot.getAxis("bottom").setTicks([[(d, str(d)) for d in ticks], []])

        self.legend = pg.LegendItem(
            offset=(10, -10),
            brush=pg.mkBrush(255, 255, 255, 230),
            pen=pg.mkPen(200, 200, 200),
            labelTextColor=INK,
            labelTextSize="11pt",
            verSpacing=-4,
        )
        self.legend.setParentItem(plot.getViewBox())
        self._draw_table(plot, table)

        self._mc_bars = pg.ErrorBarItem(pen=pg.mkPen(*MONTE_CARLO, width=2.0), beam=0.3)
        self._mc_points = pg.ScatterPlotItem(
            symbol="o", size=12, pen=pg.mkPen(*MONTE_CARLO, width=1.8), brush=None
        )
        self._mc_points.setZValue(30)
        self._mc_bars.setZValue(29)
        plot.addItem(self._mc_bars)
        plot.addItem(self._mc_points)
        self.legend.addItem(self._mc_points, "Monte Carlo, 95% interval")

        self._chosen_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(*INK, width=1.0, style=Qt.PenStyle.DotLine)
        )
        self._chosen_point = pg.ScatterPlotItem(
            symbol="o", size=13, pen=pg.mkPen(*INK, width=2.5), brush=pg.mkBrush(*COVERED)
        )
        self._chosen_line.setZValue(5)
        self._chosen_point.setZValue(40)
        plot.addItem(self._chosen_line)
        plot.addItem(self._chosen_point)
        self._monte_carlo: tuple[MonteCarloEstimate, ...] = ()

    @property
    def monte_carlo(self) -> tuple[MonteCarloEstimate, ...]:
        """The Monte-Carlo estimates on the plot."""
        return self._monte_carlo

    def _draw_table(self, plot: pg.PlotItem, table: DimensionTable) -> None:
        d = table.d.astype(np.float64)
        ball = pg.PlotDataItem(
            d,
            table.log10_ball_fraction,
            pen=pg.mkPen(*COVERED, width=2.5),
            symbol="o",
            symbolSize=7,
            symbolPen=pg.mkPen("w", width=1.0),
            symbolBrush=pg.mkBrush(*COVERED),
        )
        minkowski = pg.PlotDataItem(
            d[1:],
            table.log10_minkowski_hlawka[1:],
            pen=pg.mkPen(*MUTED, width=2.0, style=Qt.PenStyle.DashLine),
        )
        kabatiansky = pg.PlotDataItem(
            d,
            table.log10_kabatiansky_levenshtein,
            pen=pg.mkPen(*MUTED, width=2.0, style=Qt.PenStyle.DotLine),
        )
        packings = pg.ScatterPlotItem(
            [p.d for p in table.packings],
            [math.log10(p.density) for p in table.packings],
            symbol="d",
            size=14,
            pen=pg.mkPen("w", width=1.0),
            brush=pg.mkBrush(*PACKING),
        )
        for z, item in enumerate((minkowski, kabatiansky, ball, packings), start=10):
            item.setZValue(z)
            plot.addItem(item)
        self.legend.addItem(ball, "ball in cube (= cubic packing ℤᵈ)")
        self.legend.addItem(packings, "densest known packing")

        self.value_labels: dict[int, pg.TextItem] = {}
        for k, drop in zip(LABELLED_DIMENSIONS, (2.3, 3.4), strict=True):
            y = float(table.log10_ball_fraction[k - 1])
            label = annotation(f"d = {k}: {percent_text(10**y)}", COVERED, anchor=(0.15, 0.0))
            label.setPos(k, y - drop)
            leader = pg.PlotCurveItem(
                [k, k], [y - 0.2, y - drop + 0.05], pen=pg.mkPen(*COVERED, width=1.0)
            )
            plot.addItem(leader)
            plot.addItem(label)
            self.value_labels[k] = label
        for packing in table.packings:
            name = LABELLED_PACKINGS.get(packing.d)
            if name is not None:
                label = annotation(name, PACKING, anchor=(0.0, 0.5))
                label.setPos(packing.d + 0.4, math.log10(packing.density))
                plot.addItem(label)
        d_max = float(d[-1])
        self.bound_labels = {
            "kabatiansky": self._line_label(
                table.log10_kabatiansky_levenshtein,
                0.77 * d_max,
                "K–L rate 2<sup>−0.599 d</sup>, <i>asymptotic</i>",
            ),
            "minkowski": self._line_label(
                table.log10_minkowski_hlawka, 0.77 * d_max, "Minkowski–Hlawka lower bound"
            ),
        }
        for label in self.bound_labels.values():
            plot.addItem(label)

    def _line_label(self, log10_values: np.ndarray, x: float, html: str) -> pg.TextItem:
        """A grey label just above the straight-ish line ``log10_values``, along it."""
        d = self.table.d
        y = float(np.interp(x, d[1:], log10_values[1:]))
        slope = float(np.interp(x, d[1:-1], np.diff(log10_values[1:])))
        label = pg.TextItem(
            html=f"<span style='color:{hex_rgb(MUTED)}; font-size:{ANNOTATION_PT}pt'>{html}</span>",
            anchor=(0.5, 1.0),
            rotateAxis=(1.0, slope),
        )
        label.setPos(x, y + 0.08)
        return label

    def set_dimension(self, d: int) -> None:
        """Mark dimension ``d`` on the curve."""
        y = float(self.table.log10_ball_fraction[d - 1])
        self._chosen_line.setValue(d)
        self._chosen_point.setData([d], [y])

    def set_monte_carlo(self, estimates: Sequence[MonteCarloEstimate]) -> None:
        """Draw Monte-Carlo estimates (those with no hit cannot go on a log axis: left out)."""
        self._monte_carlo = tuple(estimates)
        shown = [e for e in estimates if e.hits > 0]
        d = np.array([e.d for e in shown], dtype=np.float64)
        y = np.log10([e.fraction for e in shown]) if shown else np.zeros(0)
        low = np.log10([e.ci_low for e in shown]) if shown else np.zeros(0)
        high = np.log10([e.ci_high for e in shown]) if shown else np.zeros(0)
        self._mc_points.setData(d, y)
        self._mc_bars.setData(x=d, y=y, top=high - y, bottom=y - low)
