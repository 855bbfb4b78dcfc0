"""Small plots of the Paths page: distance to the training set along t, and cells crossed
against path length over many random pairs. The kinks and the chosen pair wear the
theme's path colour."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from widgets.common.theme import Theme, current_theme, follow_plot_theme, follow_theme

DECODED_RGB = (0, 90, 200)
FADED_RGB = (150, 150, 150)
#: Opacity of the kinks' dashed lines (in the path's colour).
KINK_ALPHA = 90


def _style(plot: pg.PlotItem, bottom: str, left: str) -> None:
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=False, y=True, alpha=0.15)
    tick_font = QFont()
    tick_font.setPointSizeF(9)
    for side, text in (("bottom", bottom), ("left", left)):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(90, 90, 90))
        axis.setTextPen(pg.mkPen(40, 40, 40))
        axis.setTickFont(tick_font)
        axis.enableAutoSIPrefix(False)
        axis.setLabel(text, **{"color": "#282828", "font-size": "10pt"})


class DistancePlot(pg.PlotWidget):
    """Distance to the nearest training image along the path, decoded and faded."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("distancePlot")
        plot = self.getPlotItem()
        # Short labels: the card's title says what is measured, and talk type is large.
        _style(plot, "t (along the path)", "distance")
        plot.setMouseEnabled(x=False, y=False)
        self._kinks = pg.PlotCurveItem(connect="pairs")
        self._style_kinks(current_theme())
        plot.addItem(self._kinks)
        self.faded_curve = plot.plot(pen=pg.mkPen(*FADED_RGB, width=2), name="faded copy (pixels)")
        self.decoded_curve = plot.plot(pen=pg.mkPen(*DECODED_RGB, width=2.5), name="decoded path")
        follow_plot_theme(self, tick_pt=9, label_pt=10)
        # After the plot's follower (which scales every pen): sets the kinks' pen outright.
        follow_theme(self, lambda theme, _previous: self._style_kinks(theme))

    @property
    def kink_pen(self) -> object:
        """The pen of the dashed lines at the kinks."""
        return self._kinks.opts["pen"]

    def _style_kinks(self, theme: Theme) -> None:
        self._kinks.setPen(
            pg.mkPen(
                *theme.palette.path, KINK_ALPHA, width=theme.width(1), style=Qt.PenStyle.DashLine
            )
        )

    def set_distances(
        self, t: np.ndarray, decoded: np.ndarray, faded: np.ndarray, kinks: np.ndarray
    ) -> None:
        self.decoded_curve.setData(t, decoded)
        self.faded_curve.setData(t, faded)
        top = float(max(decoded.max(), faded.max()))
        bottom = float(min(decoded.min(), faded.min()))
        margin = 0.08 * max(top - bottom, 1e-9)
        low, high = max(0.0, bottom - margin), top + margin
        kinks = np.asarray(kinks, dtype=np.float64)
        self._kinks.setData(np.repeat(kinks, 2), np.tile([low, high], len(kinks)), connect="pairs")
        plot = self.getPlotItem()
        plot.setXRange(0.0, 1.0, padding=0.01)
        plot.setYRange(low, high, padding=0.0)


class SurveyPlot(pg.PlotWidget):
    """Cells crossed against latent length for random pairs, with the chosen pair starred."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("surveyPlot")
        plot = self.getPlotItem()
        _style(plot, "latent path length", "cells crossed")
        plot.setMouseEnabled(x=False, y=False)
        self.pairs = pg.ScatterPlotItem(
            size=5, pen=None, brush=pg.mkBrush(60, 60, 70, 110), antialias=True
        )
        self.fit = pg.PlotCurveItem(
            pen=pg.mkPen(120, 120, 130, width=1.5, style=Qt.PenStyle.DashLine)
        )
        self.current = pg.ScatterPlotItem(
            size=17, symbol="star", pen=pg.mkPen(255, 255, 255, width=1)
        )
        self.current.setZValue(10)
        self._style_current(current_theme())
        for item in (self.fit, self.pairs, self.current):
            plot.addItem(item)
        follow_plot_theme(self, tick_pt=9, label_pt=10)
        follow_theme(self, lambda theme, _previous: self._style_current(theme))

    def _style_current(self, theme: Theme) -> None:
        """The chosen pair's star: the path's colour, larger in large type."""
        self.current.setBrush(pg.mkBrush(*theme.palette.path))
        self.current.setSize(17 * theme.line_scale**0.5)

    def set_survey(self, lengths: np.ndarray, n_cells: np.ndarray, slope: float) -> None:
        self.pairs.setData(lengths, n_cells)
        top = float(lengths.max()) if len(lengths) else 1.0
        self.fit.setData([0.0, top], [0.0, slope * top])
        self.current.setData([], [])

    def set_current(self, length: float, n_cells: int) -> None:
        self.current.setData([length], [n_cells])
