"""The network's outputs along a straight path: piecewise linear, kinked at every crossing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from widgets.common.fonts import give_own_font
from widgets.common.notation import output_names as default_output_names
from widgets.common.theme import current_theme, follow_plot_theme
from widgets.probe.overlay import PATH_RGB, output_colour

KINK_RGBA = (120, 120, 130, 150)
EMPTY_TEXT = "Shift-drag on the cells to draw a path."


class PathPlot(QWidget):
    """Outputs along a path with a vertical mark at every kink, and the cells it crosses.

    ``set_walk(breakpoints, outputs, kinks, n_cells)`` takes the exact walk: the
    (K+2,) parameters ``[0, t..., 1]`` and the (K+2, n_out) outputs there (the output is
    their linear interpolation), the parameters to mark, and the number of cells crossed.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pathPlot")
        self.count_label = QLabel(EMPTY_TEXT, self)
        self.count_label.setObjectName("pathCellCountLabel")
        font = QFont(self.count_label.font())
        font.setBold(True)
        give_own_font(self.count_label, font)
        self.plot_widget = pg.PlotWidget(self, background="w")
        self.plot_widget.setObjectName("pathPlotWidget")
        plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.setMouseEnabled(x=False, y=False)
        tick_font = QFont()
        tick_font.setPointSizeF(9)
        for side in ("bottom", "left"):
            axis = plot.getAxis(side)
            axis.setPen(pg.mkPen(90, 90, 90))
            axis.setTextPen(pg.mkPen(40, 40, 40))
            axis.setTickFont(tick_font)
            axis.enableAutoSIPrefix(False)
        plot.setLabel("bottom", "position along the path, t", **{"color": "#282828"})
        plot.setLabel("left", "output", **{"color": "#282828"})
        plot.setXRange(0.0, 1.0, padding=0.01)
        self._kinks = pg.PlotCurveItem(
            connect="pairs", pen=pg.mkPen(*KINK_RGBA, width=1, style=Qt.PenStyle.DashLine)
        )
        self._kinks.setZValue(-10)
        plot.addItem(self._kinks)
        # The legend is a line of text above the plot, so it never hides a curve.
        self.legend_label = QLabel(self)
        self.legend_label.setObjectName("pathLegendLabel")
        self._curves: list[pg.PlotDataItem] = []
        self._n_cells: int | None = None

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.count_label, 1)
        header.addWidget(self.legend_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.plot_widget, 1)
        self.count_label.setStyleSheet("color: rgb({},{},{});".format(*PATH_RGB))
        follow_plot_theme(self.plot_widget, tick_pt=9, label_pt=10)

    @property
    def n_cells(self) -> int | None:
        """The number of cells crossed shown, or None without a path."""
        return self._n_cells

    @property
    def kink_positions(self) -> np.ndarray:
        """(K,) parameters marked as kinks."""
        x, _ = self._kinks.getData()
        return np.zeros(0) if x is None else np.asarray(x[0::2])

    def curve_data(self, output: int) -> tuple[np.ndarray, np.ndarray]:
        """The (t, value) points drawn for ``output`` (0-based)."""
        x, y = self._curves[output].getData()
        return np.asarray(x), np.asarray(y)

    def set_walk(
        self,
        breakpoints: np.ndarray,
        outputs: np.ndarray,
        kinks: np.ndarray,
        n_cells: int,
        output_names: Sequence[str] | None = None,
    ) -> None:
        """Show a walk; see the class docstring."""
        breakpoints = np.asarray(breakpoints, dtype=np.float64)
        outputs = np.asarray(outputs, dtype=np.float64).reshape(len(breakpoints), -1)
        n_out = outputs.shape[1]
        names = output_names or default_output_names(n_out)
        plot = self.plot_widget.getPlotItem()
        if len(self._curves) != n_out:
            for curve in self._curves:
                plot.removeItem(curve)
            self._curves = []
            for index in range(n_out):
                curve = pg.PlotDataItem(
                    pen=current_theme().pen(output_colour(index), 2.5), antialias=True
                )
                plot.addItem(curve)
                self._curves.append(curve)
            self.legend_label.setText(
                " ".join(
                    f"<span style='color: rgb{output_colour(index)}; font-weight: 600;'>"
                    f"━ {names[index]}</span>&nbsp;"
                    for index in range(n_out)
                )
            )
        for index, curve in enumerate(self._curves):
            curve.setData(breakpoints, outputs[:, index])
        low, high = float(outputs.min()), float(outputs.max())
        margin = 0.06 * max(high - low, 1e-9)
        low, high = low - margin, high + margin
        kinks = np.asarray(kinks, dtype=np.float64)
        x = np.repeat(kinks, 2)
        y = np.tile([low, high], len(kinks))
        self._kinks.setData(x, y, connect="pairs")
        plot.setYRange(low, high, padding=0.0)
        plot.setXRange(0.0, 1.0, padding=0.01)
        self._n_cells = int(n_cells)
        text = f"The path crosses {n_cells} {'cell' if n_cells == 1 else 'cells'}"
        pieces = len(breakpoints) - 1
        if pieces != n_cells:
            # Fewer layers on screen than in the network: the output has more pieces.
            text += f" · the output has {pieces} linear pieces"
        self.count_label.setText(text)

    def clear(self) -> None:
        for curve in self._curves:
            curve.setData([], [])
        self._kinks.setData([], [])
        self.legend_label.setText("")
        self._n_cells = None
        self.count_label.setText(EMPTY_TEXT)
