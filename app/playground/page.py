"""The Playground page: train a small network and watch its exact cells move."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.playground.binding import bind_controls, control_ranges, show_state
from app.playground.controller import PlaygroundController
from app.playground.frames import PlaygroundFrame, local_radius
from app.playground.state import PlaygroundState
from app.probe.distance_disc import disc_norm_box, distance_disc_action, probe_disc
from widgets.canvas.distance_disc import DistanceDisc, disc_text
from widgets.common.message_box import show_warning
from widgets.common.theme import Theme, current_theme, follow_theme
from widgets.playground.controls import PlaygroundControls
from widgets.playground.curves import TrainingCurves
from widgets.playground.stats import CellStatisticsPanel
from widgets.playground.view import PlaygroundCanvas

if TYPE_CHECKING:
    from engine.training import TrainingSnapshot

#: While training, the curves and the epoch line are redrawn at most this often (ms): they
#: need no more, and the GUI thread's time goes to the cells.
CURVE_REFRESH_MS = 100
#: ... and no more often than the cells are (a large network's frames come slower), but
#: at least this often (ms), so the loss moves even while a slow frame is computed.
CURVE_REFRESH_MAX_MS = 1000
#: Weight of the newest interval between frames in their running mean.
FRAME_GAP_WEIGHT = 0.3


def curve_refresh_ms(frame_gap_ms: float | None) -> int:
    """How long the curves wait between two redraws while training: the time between two
    frames of cells (``frame_gap_ms``, None before the second), kept within
    ``CURVE_REFRESH_MS`` .. ``CURVE_REFRESH_MAX_MS``."""
    gap = CURVE_REFRESH_MS if frame_gap_ms is None else frame_gap_ms
    return round(min(max(gap, CURVE_REFRESH_MS), CURVE_REFRESH_MAX_MS))


#: The side panel's width (curves and statistics), in pixels.
SIDE_WIDTH = 320
#: Each training curve's least height in the default type (titles, ticks, legend, data).
CURVE_MIN_HEIGHT = 125


def status_text(frame: PlaygroundFrame) -> str:
    """A line under the canvas: what is shown and how long it took."""
    kind = "exact cells" if frame.exact else "sampled activation patterns"
    return (
        f"epoch {frame.epoch} · {frame.n_cells:,} {kind} · "
        f"computed in {frame.seconds * 1000:.0f} ms"
    )


def counts_text(frame: PlaygroundFrame) -> str:
    """The caption under the cells: ``epoch 12 · 107 cells · 5.34 cells within r = 0.15 of
    a training point · 6 mixed cells``."""
    kind = "cells" if frame.exact else "patterns seen"
    text = f"epoch {frame.epoch} · {frame.n_cells:,} {kind}"
    if frame.local_complexity is not None:
        text += (
            f" · {frame.local_complexity:.2f} cells within r = {local_radius(frame.bounds):.2g}"
            " of a training point"
        )
    if frame.mixed_cells is not None and len(frame.mixed_cells):
        text += f" · {int(frame.mixed_cells[-1]):,} mixed cells"
    return text


def cell_counts(frame: PlaygroundFrame) -> tuple[float, float, float]:
    """The frame's cells, mean cells near a training point, and mixed cells (NaN where
    the frame has none)."""
    local = np.nan if frame.local_complexity is None else frame.local_complexity
    has_mixed = frame.mixed_cells is not None and len(frame.mixed_cells)
    mixed = float(frame.mixed_cells[-1]) if has_mixed else np.nan
    return float(frame.n_cells), float(local), mixed


class PlaygroundPage(QMainWindow):
    """Controls in a dock on the left; cells in the middle; curves and statistics right.

    The page is a QMainWindow so its controls are a real dock, inside its tab.

    Signals
    -------
    frame_shown(object) : a PlaygroundFrame has just been drawn.
    """

    frame_shown = Signal(object)

    def __init__(
        self,
        controller: PlaygroundController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundPage")
        self.setWindowFlags(Qt.WindowType.Widget)
        self.controller = controller or PlaygroundController()
        self.controller.setParent(self)
        c = self.controller
        self.controls = PlaygroundControls(control_ranges(), self)
        self.cells = PlaygroundCanvas(self)
        # The training curves (four plots, a tenth of a second and more to build and lay
        # out) are built after the first frame is drawn, or when first asked for: until
        # then an empty widget keeps their room, so the page looks the same once they are.
        self._curves: TrainingCurves | None = None
        self._curves_room = QWidget(self)
        self._curves_room.setObjectName("playgroundCurvesRoom")
        self.statistics = CellStatisticsPanel(self)
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("playgroundStatus")
        self.status_label.setStyleSheet("color: #444;")
        self._build_disc()
        self._show_state(c.state)
        self._build_layout()
        self._started = False
        self._frames_drawn = 0
        self._curve_timer = QTimer(self)
        self._curve_timer.setSingleShot(True)
        self._curve_timer.setInterval(CURVE_REFRESH_MS)
        self._curve_timer.timeout.connect(lambda: self._show_snapshot(self.controller.snapshot))
        self._last_frame_at: float | None = None  # perf_counter() of the last frame drawn
        self._frame_gap_ms: float | None = None  # running mean of the time between frames
        self._points_run = -1
        # Cells through training, one row (epoch, cells, near points, mixed) a frame.
        self._cell_counts: list[tuple[float, float, float, float]] = []
        self._cell_counts_shown = True

        bind_controls(self.controls, c)
        c.state_changed.connect(self._on_state_changed)
        c.run_started.connect(self._on_run_started)
        c.snapshot_received.connect(self._on_snapshot)
        c.frame_ready.connect(self._on_frame_ready)
        c.frame_failed.connect(self._show_error)
        c.training_failed.connect(self._show_error)
        c.training_changed.connect(self._on_training_changed)
        self._on_run_started(c.snapshot)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _build_layout(self) -> None:
        dock = QDockWidget("Controls", self)
        dock.setObjectName("playgroundControlsDock")
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        scroll = QScrollArea(dock)
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.controls.sizeHint().width() + 16)
        dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        centre = QWidget(self)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(2)
        left.addWidget(self.cells, 1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 4, 0)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.disc_label)
        bottom.addWidget(self.disc_button)
        bottom.addWidget(self.disc_norm_box)
        left.addLayout(bottom)
        # The curves keep room for their titles, axes and legends however many rows the
        # statistics table grows as the network trains: in large type at 1280x720 the
        # side panel scrolls rather than squeeze the plots to nothing.
        side_scroll = QScrollArea(centre)
        side_scroll.setObjectName("playgroundSideScroll")
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = side_scroll.verticalScrollBar().sizeHint().width()
        side_scroll.setFixedWidth(SIDE_WIDTH + bar)
        side = QFrame(side_scroll)
        side.setObjectName("playgroundSidePanel")
        side.setFixedWidth(SIDE_WIDTH)
        side_scroll.setWidget(side)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(10, 8, 12, 8)
        side_layout.setSpacing(8)
        side_layout.addWidget(self._curves_room, 1)
        side_layout.addWidget(self.statistics)
        self._side_layout = side_layout
        row = QHBoxLayout(centre)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addLayout(left, 1)
        row.addWidget(side_scroll)
        self.setCentralWidget(centre)
        follow_theme(self, self._keep_curves_room)
        self._keep_curves_room(current_theme(), current_theme())

    def _keep_curves_room(self, theme: Theme, _previous: Theme) -> None:
        """The three curves' least height in ``theme``'s type."""
        room = self._curves if self._curves is not None else self._curves_room
        room.setMinimumHeight(round(3 * CURVE_MIN_HEIGHT * theme.font_scale))

    @property
    def curves(self) -> TrainingCurves:
        """The training curves, built now if they were not (see :meth:`_build_curves`)."""
        if self._curves is None:
            self._build_curves()
        return self._curves

    def _build_curves(self) -> None:
        """Build the curves in the room kept for them and show what they would show had
        they been there from the start: the run's history and its cell counts."""
        if self._curves is not None:
            return
        self._curves = TrainingCurves(self._curves_room.parentWidget())
        self._side_layout.replaceWidget(self._curves_room, self._curves)
        self._curves_room.hide()
        self._curves_room.deleteLater()
        # A layout shows a new child only when the event loop runs: an export that asked
        # for the curves lays them out before that.
        self._curves.show()
        self._keep_curves_room(current_theme(), current_theme())
        snapshot = self.controller.snapshot
        if snapshot is not None:
            self._curves.set_history(
                snapshot.history, regression=self.controller.dataset.is_regression
            )
        self._show_cell_counts()

    def _build_disc(self) -> None:
        """The distance disc: its action (D), norm box, line, and the probe it follows."""
        self.disc = DistanceDisc(self.cells.canvas.getPlotItem())
        self.disc.clear()
        self.disc_result = None  # the BoundaryDistance drawn, or None
        self._disc_probe: tuple[float, float] | None = None
        self.disc_action = distance_disc_action(self)
        self.addAction(self.disc_action)
        self.disc_button = QToolButton(self)
        self.disc_button.setDefaultAction(self.disc_action)
        self.disc_norm_box = disc_norm_box(self)
        self.disc_label = QLabel("", self)
        self.disc_label.setObjectName("playgroundDiscLabel")
        self.disc_label.setStyleSheet("color: rgb(179, 38, 30);")
        c = self.controller
        self.disc_action.toggled.connect(lambda on: c.update(distance_disc=on))
        self.disc_norm_box.currentIndexChanged.connect(
            lambda: c.update(disc_norm=self.disc_norm_box.currentData())
        )
        self.cells.canvas.probe_moved.connect(self._on_disc_probe_moved)
        c.frame_ready.connect(lambda _frame: self._show_disc())

    def _on_disc_probe_moved(self, x: float, y: float) -> None:
        self._disc_probe = (x, y)
        self._show_disc()

    def _show_disc(self) -> None:
        """The disc around the probe when the option is on (the probe shows with it)."""
        state, frame = self.controller.state, self.controller.frame
        canvas = self.cells.canvas
        result, reason = None, ""
        if not state.distance_disc or frame is None:
            canvas.set_probe(None)
        else:
            xmin, xmax, ymin, ymax = (float(v) for v in frame.partition.bounds)
            x, y = self._disc_probe or (0.5 * (xmin + xmax), 0.5 * (ymin + ymax))
            self._disc_probe = (min(max(x, xmin), xmax), min(max(y, ymin), ymax))
            canvas.set_probe(self._disc_probe)
            if not frame.dataset.n_classes:
                reason = "The distance disc needs a classifier."
            elif not frame.exact:
                reason = "The distance disc needs exact cells."
            else:
                result, reason = probe_disc(
                    frame.partition, frame.boundary, self._disc_probe, state.disc_norm
                )
        self.disc_result = result
        self.disc.show_result(result)
        self.disc_label.setText(disc_text(result) if result is not None else reason)

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Compute the first frame (done on first show when not called), unless the
        controller is computing it already."""
        self._started = True
        self.controller.ensure_frame()

    def shutdown(self) -> None:
        """Stop training and frames; call before the page goes away."""
        self.controller.shutdown()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self.start()

    def hideEvent(self, event: QHideEvent) -> None:
        # Another tab, or the window closing: do not train unseen.
        self.controller.pause()
        super().hideEvent(event)

    # -- the state -------------------------------------------------------------------

    def _show_state(self, state: PlaygroundState) -> None:
        """Show ``state``: every control (without echoing it back) and the canvas's
        colouring and test points."""
        show_state(self.controls, state)
        with QSignalBlocker(self.disc_action), QSignalBlocker(self.disc_norm_box):
            self.disc_action.setChecked(state.distance_disc)
            self.disc_norm_box.setCurrentIndex(self.disc_norm_box.findData(state.disc_norm))
        self._show_disc()
        if self.cells.colour_by != state.colour_by:
            self.cells.set_colour_by(state.colour_by)
        self.cells.set_test_points_visible(state.test_points)

    def _on_state_changed(self, state: PlaygroundState) -> None:
        self._show_state(state)
        self._update_buttons()  # the epoch budget decides whether Play can go on
        self._show_progress(self.controller.snapshot)

    @property
    def frames_drawn(self) -> int:
        """Frames drawn since the page was made."""
        return self._frames_drawn

    # -- updates -----------------------------------------------------------------------

    def _on_training_changed(self, running: bool) -> None:
        self._update_buttons()
        if not running:
            self._curve_timer.stop()
            self._last_frame_at = None  # a pause is no time between frames
            self._show_snapshot(self.controller.snapshot)

    def _update_buttons(self) -> None:
        c = self.controller
        self.controls.set_training(c.is_training, c.can_play)

    def _on_snapshot(self, snapshot: TrainingSnapshot) -> None:
        if not self.controller.is_training:
            self._show_snapshot(snapshot)
        else:
            self._schedule_curves()

    def _schedule_curves(self) -> None:
        """Redraw the curves after the wait :func:`curve_refresh_ms` gives (training)."""
        if not self._curve_timer.isActive():
            self._curve_timer.start(curve_refresh_ms(self._frame_gap_ms))

    def _time_frame(self) -> None:
        now = time.perf_counter()
        if self._last_frame_at is not None and self.controller.is_training:
            gap = (now - self._last_frame_at) * 1e3
            mean = self._frame_gap_ms
            self._frame_gap_ms = gap if mean is None else mean + FRAME_GAP_WEIGHT * (gap - mean)
        self._last_frame_at = now

    def _show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        regression = self.controller.dataset.is_regression
        if self._curves is not None:
            self._curves.set_history(snapshot.history, regression=regression)
        if not self._cell_counts_shown:
            self._show_cell_counts()
        self._show_progress(snapshot)

    def _show_progress(self, snapshot: TrainingSnapshot) -> None:
        history = snapshot.history
        self.controls.set_progress(
            snapshot.epoch,
            self.controller.state.epochs,
            float(history.train_score[-1]),
            float(history.test_score[-1]),
            regression=self.controller.dataset.is_regression,
        )

    def _on_run_started(self, snapshot: TrainingSnapshot) -> None:
        self._cell_counts = []
        self._cell_counts_shown = True
        if self._curves is not None:
            self._curves.set_cell_counts(*np.zeros((4, 0)))
        self._curve_timer.stop()
        self._last_frame_at = self._frame_gap_ms = None
        self._show_snapshot(snapshot)
        self._update_buttons()

    def _on_frame_ready(self, frame: PlaygroundFrame) -> None:
        dataset = frame.dataset
        if frame.exact:
            self.cells.show_exact(
                frame.partition,
                frame.boundary,
                frame.predictions,
                dataset.n_classes,
                pieces=frame.pieces,
                axis_names=frame.axis_names,
                equal_axes=frame.equal_axes,
                drawing=frame.drawing,
            )
        else:
            self.cells.show_sampled(
                frame.partition, frame.sampled, dataset.n_classes, axis_names=frame.axis_names
            )
        if frame.run_id != self._points_run:
            # Data and view change only with the run: redraw the points then.
            self._points_run = frame.run_id
            self.cells.set_points(
                frame.train_points,
                dataset.y_train,
                frame.test_points,
                dataset.y_test,
                dataset.n_classes,
            )
        self.statistics.set_statistics(
            frame.layer_cells, frame.mixed_cells, frame.region_bounds, exact=frame.exact
        )
        self.status_label.setText(status_text(frame))
        self.cells.counts_caption.setText(counts_text(frame))
        self._record_cell_counts(frame)
        self._time_frame()
        self._frames_drawn += 1
        self.frame_shown.emit(frame)
        if self._curves is None:
            QTimer.singleShot(0, self._build_curves)  # once this frame is on screen

    def _record_cell_counts(self, frame: PlaygroundFrame) -> None:
        if frame.run_id != self._points_run:
            return
        # A frame of an earlier epoch (a Reset redrawn) replaces what came after it.
        kept = [row for row in self._cell_counts if row[0] < frame.epoch]
        self._cell_counts = [*kept, (float(frame.epoch), *cell_counts(frame))]
        if self.controller.is_training:
            # Redrawn with the loss curves, on their timer: the frames go to the cells.
            self._cell_counts_shown = False
            self._schedule_curves()
        else:
            self._show_cell_counts()

    def _show_cell_counts(self) -> None:
        self._cell_counts_shown = True
        if self._curves is not None:
            counts = np.asarray(self._cell_counts, float).reshape(-1, 4).T
            self._curves.set_cell_counts(*counts)

    def _show_error(self, message: str) -> None:
        self.status_label.setText(message)
        show_warning(self, message, "playgroundErrorBox")
