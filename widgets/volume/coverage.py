"""The coverage curve of a scan: how much of each slice the ball covers, traced as it moves.

The whole curve is drawn faintly; the part already scanned (``x1 <= s``) is drawn solid
with the area under it filled: that area is the running integral, which reaches the
ball's volume fraction (pi/4 for the square, pi/6 for the cube) at s = 1. A vertical line
at s can be dragged to move the scan.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from engine.volumes import BallSlice, CoverageCurve
from widgets.common.plot_style import COVERED, COVERED_LIGHT, INK, MUTED, style_plot


class CoveragePlot(pg.PlotWidget):
    """Slice coverage against scan position, for one cube dimension.

    Signals
    -------
    position_requested(float) : the user dragged the position line to ``x1 = s``.
    """

    position_requested = Signal(float)

    def __init__(
        self,
        curve: CoverageCurve,
        ball_slice: BallSlice,
        *,
        y_label: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent=parent, background="w")
        self.setObjectName(f"coveragePlot{curve.d}")
        self.curve = curve
        plot = self.getPlotItem()
        style_plot(plot, x_label="scan position x<sub>1</sub>", y_label=y_label)
        plot.setMouseEnabled(x=False, y=False)
        plot.getAxis("bottom").setTicks([[(0.0, "0"), (0.5, "½"), (1.0, "1")]])
        plot.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])
        plot.getViewBox().setRange(xRange=(0.0, 1.0), yRange=(0.0, 1.08), padding=0.02)

        whole = pg.PlotCurveItem(
            curve.s, curve.coverage, pen=pg.mkPen(*MUTED, width=1.5, style=Qt.PenStyle.DashLine)
        )
        self._swept = pg.PlotCurveItem(
            pen=pg.mkPen(*COVERED, width=3.0),
            fillLevel=0.0,
            brush=pg.mkBrush(*COVERED_LIGHT, 200),
        )
        self._marker = pg.ScatterPlotItem(
            size=11, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(*COVERED)
        )
        self.position_line = pg.InfiniteLine(
            angle=90,
            movable=True,
            bounds=(0.0, 1.0),
            pen=pg.mkPen(*INK, width=1.5),
            hoverPen=pg.mkPen(*INK, width=3.5),
        )
        self.position_line.setToolTip("Drag to move the scan")
        for z, item in enumerate((whole, self._swept, self.position_line, self._marker)):
            item.setZValue(z)
            plot.addItem(item)
        self.position_line.sigDragged.connect(
            lambda line: self.position_requested.emit(float(line.value()))
        )
        self.set_slice(ball_slice)

    def set_slice(self, ball_slice: BallSlice) -> None:
        """Trace the curve up to ``ball_slice.position`` (never emits ``position_requested``)."""
        s = ball_slice.position
        done = self.curve.s < s
        self._swept.setData(
            np.r_[self.curve.s[done], s], np.r_[self.curve.coverage[done], ball_slice.coverage]
        )
        self._marker.setData([s], [ball_slice.coverage])
        if not self.position_line.moving:
            self.position_line.setValue(s)
