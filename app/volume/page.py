"""The Volume page: the curse of dimensionality, as the ball-in-cube volume collapse.

Top: a line scans the disc in the square and a plane scans the ball in the cube; beside
each, the covered fraction of the slice is traced and its integral (the area swept so far)
grows to pi/4 and pi/6. Bottom: the ball's share of the cube against d on a log axis, with
sphere packings, bounds and Monte-Carlo estimates, and histograms of distances that
concentrate as d grows.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.shell.window_close import WindowCloseWatcher
from app.volume.controller import MonteCarloProgress, VolumeController
from app.volume.state import D_MAX, DISTANCE_DIMENSIONS, MONTE_CARLO_SAMPLES, VolumeState
from engine.packings import dimension_table
from engine.volumes import BallSlice, ball_volume_fraction, coverage_curve
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.log_axis import percent_text, power_of_ten
from widgets.common.message_box import show_warning
from widgets.common.plot_style import COVERED, INK, hex_rgb
from widgets.volume.coverage import CoveragePlot
from widgets.volume.cube import CubeView
from widgets.volume.fraction_plot import FractionPlot
from widgets.volume.histogram import DistanceHistogram, DistanceHistogramPlot
from widgets.volume.square import SquareScanView


def dimension_readout(d: int) -> str:
    """``d = 10: 0.249%``: the ball's share of the d-cube."""
    return f"d = {d}: {percent_text(ball_volume_fraction(d))}"


def odds_text(fraction: float) -> str:
    """How rare a random point of the cube inside the ball is, in words."""
    if fraction >= 0.5:
        return "more than half of the cube is in the ball"
    odds = 1.0 / fraction
    if odds < 1e6:
        return f"1 random point in {odds:,.0f} lands in the ball"
    mantissa, exponent = f"{odds:.1e}".split("e")
    return f"1 random point in {mantissa} × {power_of_ten(int(exponent))} lands in the ball"


def scan_readout(ball_slice: BallSlice, slice_name: str, total_name: str) -> str:
    """``covered 1.000 of the line · swept 0.393 of π/4 = 0.785`` as rich text."""
    blue = hex_rgb(COVERED)
    return (
        f"covered <b style='color:{blue}'>{ball_slice.coverage:.3f}</b> of the {slice_name}"
        f" &nbsp;·&nbsp; swept <b style='color:{blue}'>{ball_slice.scanned:.3f}</b>"
        f" of {total_name} = {ball_slice.total:.3f}"
    )


class _Panel(QFrame):
    """A titled white card."""

    def __init__(self, title: str, subtitle: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("volumePanel")
        self.setStyleSheet(
            "#volumePanel { background: white; border: 1px solid #dcdce0; border-radius: 6px; }"
        )
        heading = QLabel(
            f"<span style='font-weight:600'>{title}</span>"
            f"<span style='color:#6a6a72'>&nbsp;&nbsp;{subtitle}</span>",
            self,
        )
        give_own_font(heading, scaled_font(self.font(), 1.25))
        heading.setWordWrap(True)  # the talk theme at 1280x720 had it cut mid-subtitle
        # Panels share the page by the grid's stretch factors alone, so that nothing moves
        # when a readout's text changes.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(12, 8, 12, 8)
        self.body.setSpacing(4)
        self.body.addWidget(heading)


class VolumePage(QWidget):
    """The ball-in-cube page. Call :meth:`shutdown` (or close its window) before it goes.

    Signals
    -------
    results_shown() : the first distance histogram and Monte-Carlo run are on screen.
    first_look_shown() : the first distance histogram and the Monte-Carlo run's first look
        at every dimension are on screen (the run goes on refining them).
    """

    results_shown = Signal()
    first_look_shown = Signal()

    def __init__(
        self, controller: VolumeController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("volumePage")
        give_own_font(self, scaled_font(self.font(), 1.1))
        self.controller = controller or VolumeController()
        self.controller.setParent(self)
        WindowCloseWatcher(self, self.shutdown)
        self._waiting_for = {"distances", "monte_carlo"}
        self._first_look_waits_for = {"distances", "monte_carlo"}
        self._started = False
        self._shut_down = False

        square_slice, cube_slice = self.controller.slices()
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 10, 10, 10)
        grid.setSpacing(10)
        grid.addWidget(self._build_square_panel(square_slice), 0, 0)
        grid.addWidget(self._build_cube_panel(cube_slice), 0, 1)
        grid.addWidget(self._build_fraction_panel(), 1, 0)
        grid.addWidget(self._build_distance_panel(), 1, 1)
        grid.setRowStretch(0, 9)
        grid.setRowStretch(1, 12)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        c = self.controller
        for source in (self.square_view, self.square_coverage, self.cube_coverage):
            source.position_requested.connect(c.set_scan_position)
        self.play_button.toggled.connect(c.set_playing)
        self.dimension_slider.valueChanged.connect(c.set_dimension)
        self.samples_box.currentIndexChanged.connect(
            lambda: c.update(monte_carlo_samples=self.samples_box.currentData())
        )
        self.run_button.clicked.connect(self._on_run_clicked)
        self.cancel_button.clicked.connect(c.cancel_monte_carlo)
        self.distance_buttons.idClicked.connect(c.set_distance_dimension)
        c.state_changed.connect(self._show_state)
        c.scan_changed.connect(self._on_scan_changed)
        c.playing_changed.connect(self._on_playing_changed)
        c.dimension_changed.connect(self._on_dimension_changed)
        c.monte_carlo_started.connect(self._on_monte_carlo_started)
        c.monte_carlo_progress.connect(self._on_monte_carlo_progress)
        c.monte_carlo_finished.connect(self._on_monte_carlo_finished)
        c.distances_requested.connect(self._on_distances_requested)
        c.distances_ready.connect(self._on_distances_ready)
        c.failed.connect(self._show_error)
        self._on_scan_changed(square_slice, cube_slice)
        self._on_dimension_changed(c.dimension)
        self._show_state(c.state)

    # --- construction --------------------------------------------------------------------

    def _build_square_panel(self, square_slice: BallSlice) -> _Panel:
        panel = _Panel("Scan the square", "drag the line: the disc covers π/4", self)
        self.square_view = SquareScanView(square_slice, panel)
        self.square_coverage = CoveragePlot(
            coverage_curve(2), square_slice, y_label="covered part of the line", parent=panel
        )
        row = QHBoxLayout()
        row.addWidget(self.square_view, 1)
        row.addWidget(self.square_coverage, 1)
        panel.body.addLayout(row, 1)
        self.square_readout = QLabel(panel)
        self.square_readout.setObjectName("squareReadout")
        self.square_readout.setWordWrap(True)
        give_own_font(self.square_readout, scaled_font(panel.font(), 1.12))
        panel.body.addWidget(self.square_readout)
        return panel

    def _build_cube_panel(self, cube_slice: BallSlice) -> _Panel:
        panel = _Panel("Scan the cube", "the plane cuts a disc and four corner darts", self)
        # The scene and its coverage curve, without the controls: the scan's animation
        # records this row.
        self.cube_scene_row = QWidget(panel)
        self.cube_scene_row.setObjectName("cubeSceneRow")
        self.cube_view = CubeView(cube_slice, self.cube_scene_row)
        self.cube_coverage = CoveragePlot(
            coverage_curve(3),
            cube_slice,
            y_label="covered part of the square",
            parent=self.cube_scene_row,
        )
        row = QHBoxLayout(self.cube_scene_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.cube_view, 1)
        row.addWidget(self.cube_coverage, 1)
        panel.body.addWidget(self.cube_scene_row, 1)
        self.cube_readout = QLabel(panel)
        self.cube_readout.setObjectName("cubeReadout")
        self.cube_readout.setWordWrap(True)
        give_own_font(self.cube_readout, scaled_font(panel.font(), 1.12))
        self.play_button = QPushButton("▶  Play the scan", panel)
        self.play_button.setObjectName("playScanButton")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Sweep the line and the plane across, again and again")
        bottom = QHBoxLayout()
        bottom.addWidget(self.cube_readout, 1)
        bottom.addWidget(self.play_button)
        panel.body.addLayout(bottom)
        return panel

    def _build_fraction_panel(self) -> _Panel:
        panel = _Panel("The ball's share of the cube", "falls faster than any exponential", self)
        self.fraction_plot = FractionPlot(dimension_table(D_MAX), panel)
        panel.body.addWidget(self.fraction_plot, 1)

        self.dimension_slider = QSlider(Qt.Orientation.Horizontal, panel)
        self.dimension_slider.setObjectName("dimensionSlider")
        self.dimension_slider.setRange(1, D_MAX)
        self.dimension_slider.setPageStep(5)
        self.dimension_slider.setToolTip("The dimension d of the cube")
        self.dimension_readout = QLabel(panel)
        self.dimension_readout.setObjectName("dimensionReadout")
        give_own_font(self.dimension_readout, scaled_font(panel.font(), 1.6, bold=True))
        self.dimension_readout.setStyleSheet(f"color: {hex_rgb(COVERED)};")
        self.dimension_readout.setMinimumWidth(230)
        self.odds_label = QLabel(panel)
        self.odds_label.setObjectName("oddsLabel")
        self.odds_label.setStyleSheet("color: #55555c;")
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.dimension_readout)
        slider_column = QVBoxLayout()
        slider_column.setSpacing(0)
        slider_column.addWidget(self.dimension_slider)
        slider_column.addWidget(self.odds_label)
        slider_row.addLayout(slider_column, 1)
        panel.body.addLayout(slider_row)

        self.samples_box = QComboBox(panel)
        self.samples_box.setObjectName("monteCarloSamples")
        for n in MONTE_CARLO_SAMPLES:
            self.samples_box.addItem(f"{power_of_ten(len(str(n)) - 1)} points per d", n)
        self.run_button = QPushButton("Sample", panel)
        self.run_button.setObjectName("runMonteCarloButton")
        self.cancel_button = QPushButton("Cancel", panel)
        self.cancel_button.setObjectName("cancelMonteCarloButton")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(panel)
        self.progress.setObjectName("monteCarloProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.monte_carlo_status = QLabel("", panel)
        self.monte_carlo_status.setObjectName("monteCarloStatus")
        self.monte_carlo_status.setMinimumWidth(
            self.monte_carlo_status.fontMetrics().horizontalAdvance("d = 1…16 cancelled")
        )
        self.monte_carlo_status.setToolTip(
            "A run first takes a quick look at every dimension (20,000 points each), then "
            "refines them one by one with the chosen number of points"
        )
        mc_row = QHBoxLayout()
        mc_row.addWidget(QLabel("Monte Carlo:", panel))
        mc_row.addWidget(self.samples_box)
        mc_row.addWidget(self.run_button)
        mc_row.addWidget(self.cancel_button)
        mc_row.addWidget(self.progress, 1)
        mc_row.addWidget(self.monte_carlo_status)
        panel.body.addLayout(mc_row)
        return panel

    def _build_distance_panel(self) -> _Panel:
        panel = _Panel("Distances in the d-cube", "concentrate as d grows", self)
        self.distance_buttons = QButtonGroup(panel)
        self.distance_buttons.setExclusive(True)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("d =", panel))
        for d in DISTANCE_DIMENSIONS:
            button = QPushButton(str(d), panel)
            button.setObjectName(f"distanceDimension{d}")
            button.setCheckable(True)
            button.setMinimumWidth(54)
            self.distance_buttons.addButton(button, d)
            buttons.addWidget(button)
        buttons.addStretch(1)
        panel.body.addLayout(buttons)
        self.histogram_plot = DistanceHistogramPlot(panel)
        panel.body.addWidget(self.histogram_plot, 1)
        self.distance_readout = QLabel("Sampling…", panel)
        self.distance_readout.setObjectName("distanceReadout")
        give_own_font(self.distance_readout, scaled_font(panel.font(), 1.12))
        self.distance_readout.setWordWrap(True)
        self.distance_readout.setMinimumHeight(
            2 * self.distance_readout.fontMetrics().lineSpacing()
        )
        panel.body.addWidget(self.distance_readout)
        return panel

    # --- sessions ------------------------------------------------------------------------

    @property
    def first_results_shown(self) -> bool:
        """Whether the first distance histogram and Monte-Carlo run are on screen."""
        return not self._waiting_for

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Sample the first distances and run Monte Carlo (done on first show otherwise)."""
        if self._started or self._shut_down:
            return
        self._started = True
        self.controller.request_distances()
        self._on_run_clicked()

    def shutdown(self) -> None:
        """Stop the animation and the workers, and release VTK's window. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self.controller.shutdown()
        self.cube_view.finalize()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    def hideEvent(self, event: QHideEvent) -> None:
        # No animation behind another tab.
        self.controller.set_playing(False)
        super().hideEvent(event)

    # --- slots ---------------------------------------------------------------------------

    def _on_scan_changed(self, square_slice: BallSlice, cube_slice: BallSlice) -> None:
        self.square_view.set_slice(square_slice)
        self.square_coverage.set_slice(square_slice)
        self.square_readout.setText(scan_readout(square_slice, "line", "π/4"))
        if not self._shut_down:
            self.cube_view.set_slice(cube_slice)
        self.cube_coverage.set_slice(cube_slice)
        self.cube_readout.setText(scan_readout(cube_slice, "square", "π/6"))

    def _on_playing_changed(self, playing: bool) -> None:
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(playing)
        self.play_button.setText("❚❚  Pause" if playing else "▶  Play the scan")

    def _show_state(self, state: VolumeState) -> None:
        """Set every control to ``state`` (without echoing the change back)."""
        with QSignalBlocker(self.dimension_slider):
            self.dimension_slider.setValue(state.dimension)
        with QSignalBlocker(self.distance_buttons):
            self.distance_buttons.button(state.distance_dimension).setChecked(True)
        with QSignalBlocker(self.samples_box):
            self.samples_box.setCurrentIndex(self.samples_box.findData(state.monte_carlo_samples))

    def _on_dimension_changed(self, d: int) -> None:
        self.dimension_readout.setText(dimension_readout(d))
        self.odds_label.setText(odds_text(ball_volume_fraction(d)))
        self.fraction_plot.set_dimension(d)

    def _on_run_clicked(self) -> None:
        self.controller.run_monte_carlo()

    def _on_monte_carlo_started(self, n_samples: int) -> None:
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.monte_carlo_status.setText("sampling…")

    def _on_monte_carlo_progress(self, progress: MonteCarloProgress) -> None:
        self.progress.setValue(round(1000 * progress.done / progress.total))
        self.fraction_plot.set_monte_carlo(progress.estimates)
        d = progress.refining
        self.monte_carlo_status.setText("first look…" if d is None else f"refining d = {d}…")
        self._first_look_shown("monte_carlo")

    def _on_monte_carlo_finished(self, status: str) -> None:
        self.cancel_button.setEnabled(False)
        if status == "done":
            self.progress.setValue(1000)
            n = self.fraction_plot.monte_carlo[-1].d
            self.monte_carlo_status.setText(f"d = 1…{n} done")
        else:
            self.monte_carlo_status.setText(status)
        self._result_shown("monte_carlo")

    def _on_distances_requested(self, d: int) -> None:
        self.distance_readout.setText(f"Sampling {d}-dimensional points…")

    def _on_distances_ready(self, histogram: DistanceHistogram) -> None:
        self.histogram_plot.set_histogram(histogram)
        blue, ink = hex_rgb(COVERED), hex_rgb(INK)
        self.distance_readout.setText(
            f"<span style='color:{blue}'><b>{histogram.inside_ball}</b> of "
            f"{histogram.n_points:,} random points in the ball</span>"
            f"<span style='color:{ink}'> &nbsp;·&nbsp; relative spread σ/μ: "
            f"<b>{100 * histogram.spread_to_centre:.1f}%</b> to the centre, "
            f"<b>{100 * histogram.spread_pairwise:.1f}%</b> between points</span>"
        )
        self._result_shown("distances")
        self._first_look_shown("distances")

    @property
    def first_look_on_screen(self) -> bool:
        """Whether the first distance histogram and a Monte-Carlo first look are on screen."""
        return not self._first_look_waits_for

    def _first_look_shown(self, what: str) -> None:
        if what in self._first_look_waits_for:
            self._first_look_waits_for.discard(what)
            if not self._first_look_waits_for:
                self.first_look_shown.emit()

    def _result_shown(self, what: str) -> None:
        if what in self._waiting_for:
            self._waiting_for.discard(what)
            if not self._waiting_for:
                self.results_shown.emit()

    def _show_error(self, message: str) -> None:
        show_warning(self, message, "volumeErrorBox")
