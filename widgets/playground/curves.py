"""Loss and accuracy (or R²) curves of a training run, train and test, epoch by epoch.

On screen the three plots stand one above the other in the page's side column; as a
figure (:meth:`TrainingCurves.slide_shape`) they stand side by side on a 16:9 slide.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout, QWidget

from engine.training_settings import TrainingHistory
from widgets.common.axis_room import next_nice_step, refit_axes_now, share_axis_room
from widgets.common.theme import follow_plot_theme

TRAIN_RGB = (40, 70, 160)
TEST_RGB = (215, 95, 30)
#: The cell counts through training: all cells in view, cells near the training points,
#: mixed cells.
CELLS_RGB = (60, 60, 68)
LOCAL_RGB = (20, 140, 120)
MIXED_RGB = (190, 40, 110)
#: Losses are drawn on a log scale; this is the smallest value shown.
LOSS_FLOOR = 1e-4
#: The ends of the epoch axis: 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, ...
EPOCH_AXIS_ENDS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
#: Log-scale axes end on multiples of half a decade.
LOG_RANGE_STEP = 0.5
#: A regression's R² axis ends below 0 on a multiple of this.
SCORE_RANGE_STEP = 0.1


def epoch_axis_end(last_epoch: float) -> float:
    """Where the epoch axis ends: the first of 10, 12, 15, 20, 25, 30, 40, ... at or past
    ``last_epoch``. The axes move in steps (every 20 % or so), not at every epoch: each
    move re-lays their tick labels out (a tenth of a second for the three plots), which
    while training took the GUI thread's time from the cells."""
    value = max(10.0, float(last_epoch))
    decade = 10.0 ** np.floor(np.log10(value))
    for end in (*EPOCH_AXIS_ENDS, 10.0):
        if end * decade >= value * (1 - 1e-12):
            return float(end * decade)
    return float(10.0 * decade)


def stepped_range(low: float, high: float, step: float) -> tuple[float, float]:
    """``(low, high)`` widened outwards to multiples of ``step`` (the axes move in steps)."""
    return float(np.floor(low / step + 1e-9) * step), float(np.ceil(high / step - 1e-9) * step)


class ReadableAxis(pg.AxisItem):
    """A linear axis whose labels stay apart in any type size: labelled ticks are at least
    one and a half label heights (or a label's width and a height, across) apart; when the plot is
    short or the type large, the step grows (0.2 → 0.5 → 1) instead of labels touching.
    Only the major ticks carry labels."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.setStyle(maxTextLevel=0)

    def label_gap(self, largest: float) -> float:
        """Pixels needed between two labelled ticks, ``largest`` the widest value shown."""
        metrics = QFontMetricsF(self.style["tickFont"] or QFont())
        if self.orientation in ("left", "right"):
            return 1.5 * metrics.height()
        return metrics.horizontalAdvance(f"{largest:g}") + metrics.height()

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or size <= 0 or self._tickSpacing is not None:
            return levels
        pixels_per_unit = size / abs(maxVal - minVal)
        gap = self.label_gap(max(abs(minVal), abs(maxVal)))
        major = levels[0][0]
        while major * pixels_per_unit < gap:
            major = next_nice_step(major)
        if major == levels[0][0]:
            return levels
        mantissa = round(major / 10.0 ** np.floor(np.log10(major) + 1e-9))
        return [(major, 0), (major / (4 if mantissa == 2 else 5), 0)]


class DecadeAxis(ReadableAxis):
    """A log axis that labels decades only (0.01, 0.1, 1): labelled minor ticks (0.2,
    0.3, …) collide in large type. The minor ticks stay, unlabelled; when decades are
    too close for their labels, every second (or third…) one is labelled."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._stride = 1

    def logTickValues(self, minVal, maxVal, size, stdTicks) -> list:
        first, last = int(np.ceil(minVal)), int(np.floor(maxVal))
        pixels_per_decade = size / max(maxVal - minVal, 1e-9)
        self._stride = max(1, int(np.ceil(self.label_gap(1.0) / max(pixels_per_decade, 1e-9))))
        decades = [float(v) for v in range(first, last + 1)]
        labelled = [v for v in decades if round(v) % self._stride == 0]
        minor = [
            v + np.log10(m)
            for v in range(first - 1, last + 1)
            for m in range(1 if self._stride > 1 else 2, 10)
            if minVal < v + np.log10(m) < maxVal and v + np.log10(m) not in labelled
        ]
        return [(1.0, labelled), (None, minor)]

    def logTickStrings(self, values, scale, spacing) -> list[str]:
        return [
            f"{10.0**v:g}" if abs(v - round(v)) < 1e-6 and round(v) % self._stride == 0 else ""
            for v in values
        ]


def _curve_plot(
    title: str, parent: QWidget, legend_offset: tuple[int, int] = (-8, 8), log_y: bool = False
) -> tuple[pg.PlotWidget, pg.PlotDataItem, pg.PlotDataItem]:
    axes = {"left": DecadeAxis("left") if log_y else ReadableAxis("left")}
    axes["bottom"] = ReadableAxis("bottom")
    widget = pg.PlotWidget(parent=parent, background="w", axisItems=axes)
    plot = widget.getPlotItem()
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    plot.setTitle(title, color="#282828", size="12pt")
    plot.showGrid(x=True, y=True, alpha=0.15)
    tick_font = QFont()
    tick_font.setPointSizeF(9.5)
    for side in ("bottom", "left"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(120, 120, 120))
        axis.setTextPen(pg.mkPen(40, 40, 40))
        axis.setTickFont(tick_font)
    legend = plot.addLegend(
        offset=legend_offset,
        labelTextSize="10pt",
        labelTextColor=(30, 30, 30),
        brush=pg.mkBrush(255, 255, 255, 210),
        verSpacing=-6,
    )
    legend.setZValue(10)
    follow_plot_theme(
        widget, tick_pt=9.5, label_pt=10, title_pt=12, legend_pt=10, frame=(120, 120, 120)
    )
    return widget


def _train_test_plot(
    title: str, parent: QWidget, legend_offset: tuple[int, int] = (-8, 8), log_y: bool = False
) -> tuple[pg.PlotWidget, pg.PlotDataItem, pg.PlotDataItem]:
    widget = _curve_plot(title, parent, legend_offset, log_y)
    plot = widget.getPlotItem()
    train = plot.plot(pen=pg.mkPen(*TRAIN_RGB, width=2.2), name="train", antialias=True)
    test = plot.plot(pen=pg.mkPen(*TEST_RGB, width=2.2), name="test", antialias=True)
    return widget, train, test


class TrainingCurves(QWidget):
    """Two stacked plots: loss (log scale) and accuracy or R², for train and test."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingCurves")
        self.loss_plot, self._train_loss, self._test_loss = _train_test_plot(
            "loss", self, log_y=True
        )
        self.loss_plot.setObjectName("lossPlot")
        self.loss_plot.getPlotItem().setLogMode(y=True)
        self.cells_plot = _curve_plot("cells", self, log_y=True)
        self.cells_plot.setObjectName("cellsPlot")
        cells = self.cells_plot.getPlotItem()
        cells.setLogMode(y=True)
        self._cells = {
            name: cells.plot(pen=pg.mkPen(*rgb, width=2.2), name=name, antialias=True)
            for name, rgb in (
                ("cells", CELLS_RGB),
                ("near points", LOCAL_RGB),
                ("mixed", MIXED_RGB),
            )
        }
        self.cells_plot.getPlotItem().getAxis("bottom").setStyle(showValues=False)
        self.score_plot, self._train_score, self._test_score = _train_test_plot(
            "accuracy", self, legend_offset=(-8, -8)
        )
        self.score_plot.setObjectName("scorePlot")
        self.score_plot.getPlotItem().setYRange(0.0, 1.0, padding=0.02)
        self.score_plot.getPlotItem().enableAutoRange(y=False)
        self.loss_plot.getPlotItem().getAxis("bottom").setStyle(showValues=False)
        self.score_plot.getPlotItem().setLabel("bottom", "epoch", color="#282828")
        self._slide_shaped = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.cells_plot)
        layout.addWidget(self.score_plot)
        # One left-axis width for the three keeps their left edges aligned.
        plots = (self.loss_plot, self.cells_plot, self.score_plot)
        share_axis_room([plot.getPlotItem() for plot in plots])
        self._n_points = 0

    @property
    def plots(self) -> tuple[pg.PlotWidget, pg.PlotWidget, pg.PlotWidget]:
        """The loss, cells and score plots, in their order on screen."""
        return self.loss_plot, self.cells_plot, self.score_plot

    @contextmanager
    def slide_shape(self, width: int, height: int) -> Iterator[None]:
        """For the duration, the widget is ``width x height`` with the three plots side
        by side, each with its own epoch axis: a figure for a 16:9 slide, where the
        column shown on screen would be a tall strip. Nested uses change nothing more."""
        if self._slide_shaped:
            yield
            return
        self._slide_shaped = True
        old = self.size()
        layout = self.layout()
        bare = (self.loss_plot, self.cells_plot)  # their epoch axis is the score plot's
        saved_margins = [plot.getPlotItem().layout.getContentsMargins() for plot in self.plots]
        layout.setDirection(QBoxLayout.Direction.LeftToRight)
        layout.setSpacing(0)  # the plots' white margins part them (no band of window grey)
        for plot in self.plots:
            plot.getPlotItem().layout.setContentsMargins(4, 4, 18, 4)
        for plot in self.plots:
            plot.getPlotItem().getAxis("bottom").setStyle(showValues=True)
            plot.getPlotItem().setLabel("bottom", "epoch", color="#282828")
        layout.activate()
        self.resize(width, height)
        refit_axes_now(self)  # before the event loop runs: the figure is drawn first
        try:
            yield
        finally:
            layout.setDirection(QBoxLayout.Direction.TopToBottom)
            layout.setSpacing(2)
            for plot, margins in zip(self.plots, saved_margins, strict=True):
                plot.getPlotItem().layout.setContentsMargins(*margins)
            for plot in bare:
                plot.getPlotItem().getAxis("bottom").setStyle(showValues=False)
                plot.getPlotItem().showLabel("bottom", False)
            layout.activate()
            self.resize(old)
            refit_axes_now(self)
            self._slide_shaped = False

    @property
    def n_points(self) -> int:
        """Epochs drawn (including epoch 0)."""
        return self._n_points

    def loss_curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The points of the drawn train-loss curve: epochs, and log10 of the loss (the
        plot's log scale)."""
        x, y = self._train_loss.getData()
        if x is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(x), np.asarray(y)

    def set_history(self, history: TrainingHistory, *, regression: bool = False) -> None:
        """Draw every epoch of ``history``."""
        epochs = history.epoch.astype(float)
        self._train_loss.setData(epochs, np.maximum(history.train_loss, LOSS_FLOOR))
        self._test_loss.setData(epochs, np.maximum(history.test_loss, LOSS_FLOOR))
        self._train_score.setData(epochs, history.train_score)
        self._test_score.setData(epochs, history.test_score)
        title = "R²" if regression else "accuracy"
        plot = self.score_plot.getPlotItem()
        if plot.titleLabel.text != title:
            plot.setTitle(title, color="#282828", size="12pt")
        low = 0.0 if not regression else min(0.0, float(np.min(history.test_score, initial=0)))
        low = stepped_range(max(low, -1.0), 1.0, SCORE_RANGE_STEP)[0]
        plot.setYRange(low, 1.0, padding=0.02)
        # At least two decades of loss: a log axis over less labels its minor ticks.
        losses = np.concatenate([history.train_loss, history.test_loss])
        top = np.log10(max(float(np.max(losses, initial=LOSS_FLOOR)), LOSS_FLOOR))
        bottom = np.log10(max(float(np.min(losses, initial=1.0)), LOSS_FLOOR))
        bottom, top = stepped_range(min(bottom, top - 2.0), top, LOG_RANGE_STEP)
        self.loss_plot.getPlotItem().setYRange(bottom, top, padding=0.05)
        end = epoch_axis_end(epochs[-1] if len(epochs) else 0.0)
        for p in (self.loss_plot, self.cells_plot, self.score_plot):
            p.getPlotItem().setXRange(0, end, padding=0.02)
        self._n_points = len(epochs)

    def set_cell_counts(
        self,
        epochs: np.ndarray,
        cells: np.ndarray,
        near_points: np.ndarray,
        mixed: np.ndarray,
    ) -> None:
        """Draw the cells through training, one value per frame (epochs (F,)): all cells
        in view, the mean number of cells meeting a disc around each training point, and
        mixed cells (NaN where a frame has none: sampled, or regression)."""
        epochs = np.asarray(epochs, dtype=float)
        drawn = []
        for name, values in (("cells", cells), ("near points", near_points), ("mixed", mixed)):
            values = np.asarray(values, dtype=float)
            shown = np.isfinite(values) & (values > 0)
            self._cells[name].setData(epochs[shown], values[shown])
            drawn.append(values[shown])
        values = np.concatenate(drawn)
        if len(values):
            # A decade and a half of room above the largest count keeps the legend clear.
            bottom, top = np.log10(values.min()), np.log10(values.max())
            bottom, top = stepped_range(bottom - 0.1, top + 1.5, LOG_RANGE_STEP)
            self.cells_plot.getPlotItem().setYRange(bottom, top, padding=0.0)

    def cell_count_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The drawn points of the ``"cells"``, ``"near points"`` or ``"mixed"`` curve:
        epochs and log10 of the value (the plot's log scale)."""
        x, y = self._cells[name].getData()
        if x is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(x), np.asarray(y)
