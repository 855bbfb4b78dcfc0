"""The Volume page's controller: its state (scan, dimensions, sample count) and workers.

The controller owns the page's :class:`app.volume.state.VolumeState`; every change goes
through :meth:`VolumeController.set_state` (or :meth:`~VolumeController.update`), which
checks it, does what it implies and emits ``state_changed``. The scan position and the
dimension are fast paths (closed forms, microseconds) computed on the GUI thread.
Monte-Carlo runs and distance samples run in superqt workers on the global thread pool:
Monte Carlo first takes a quick look at every dimension (:data:`FIRST_LOOK_SAMPLES`
points each, a twentieth of a second), then refines them one by one with the run's full
count, yielding its running estimates batch by batch; it stops at the next batch when
cancelled. A newer distance request supersedes an older one.
"""

from __future__ import annotations

import traceback
from collections.abc import Generator, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from superqt.utils import GeneratorWorker, create_worker

from app.jobs.newest_only import NewestOnlyRunner
from app.state.owner import StateOwner
from app.volume.state import D_MAX, VolumeState
from engine.volumes import (
    BallSlice,
    MonteCarloEstimate,
    ball_slice,
    distance_sample,
    iter_monte_carlo_ball_fraction,
    monte_carlo_ball_fraction,
)
from widgets.volume.histogram import DistanceHistogram

#: Dimensions estimated by Monte Carlo: with a million samples d = 16 still has hits.
MONTE_CARLO_DIMENSIONS = tuple(range(1, 17))
#: Points per dimension of a run's first look, drawn before the full count refines them.
FIRST_LOOK_SAMPLES = 20_000
DISTANCE_POINTS = 1500
#: The animated scan crosses the cube in this many seconds, then rests at the far side.
SWEEP_SECONDS = 8.0
REST_SECONDS = 1.5
FRAME_MS = 33


@dataclass(frozen=True)
class MonteCarloProgress:
    """Where a Monte-Carlo run stands.

    Attributes
    ----------
    done, total : samples of the full run drawn so far and in all, over every dimension.
    estimates : one estimate per dimension, in order: the refined dimensions', the
        running one, then the first look's for the dimensions still to refine.
    refining : the dimension being refined, or None for the first look.
    """

    done: int
    total: int
    estimates: tuple[MonteCarloEstimate, ...]
    refining: int | None = None


def run_monte_carlo(
    dimensions: Sequence[int], n_samples: int, seed: int = 0
) -> Generator[MonteCarloProgress, None, tuple[MonteCarloEstimate, ...]]:
    """Estimate every dimension's fraction: first a quick look at all of them (at most
    :data:`FIRST_LOOK_SAMPLES` points each), then each in turn with ``n_samples`` points,
    yielding progress after every batch. Returns the full run's estimates, the same as
    without the first look (each dimension's points are seeded by ``(seed, d)``)."""
    look = min(n_samples, FIRST_LOOK_SAMPLES)
    first_look = [monte_carlo_ball_fraction(d, look, seed=seed) for d in dimensions]
    total = n_samples * len(dimensions)
    yield MonteCarloProgress(0, total, tuple(first_look))
    finished: list[MonteCarloEstimate] = []
    for index, d in enumerate(dimensions):
        estimate = None
        for estimate in iter_monte_carlo_ball_fraction(d, n_samples, seed=seed):
            done = index * n_samples + estimate.n_samples
            later = first_look[index + 1 :]
            yield MonteCarloProgress(done, total, (*finished, estimate, *later), d)
        finished.append(estimate)
    return tuple(finished)


def compute_distance_histogram(d: int) -> DistanceHistogram:
    """Sample and bin the distances of ``DISTANCE_POINTS`` points of the d-cube (a worker)."""
    return DistanceHistogram.from_sample(distance_sample(d, DISTANCE_POINTS, seed=0))


class VolumeController(StateOwner[VolumeState], QObject):
    """Scan position (with its animation), dimension d, Monte-Carlo runs, distance samples.

    Signals
    -------
    state_changed(VolumeState) : the settings changed (any field).
    """

    state_changed = Signal(object)
    scan_changed = Signal(object, object)  # BallSlice of the square (d=2), of the cube (d=3)
    playing_changed = Signal(bool)
    dimension_changed = Signal(int)
    monte_carlo_started = Signal(int)  # samples per dimension
    monte_carlo_progress = Signal(object)  # MonteCarloProgress
    monte_carlo_finished = Signal(str)  # "done", "cancelled" or "failed"
    distances_requested = Signal(int)  # d
    distances_ready = Signal(object)  # DistanceHistogram of the newest request
    failed = Signal(str)  # a message for the user

    def __init__(self, state: VolumeState | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state or VolumeState()
        # The animation's clock: it runs past 1 while the scan rests at the far side.
        self._phase = self._state.scan_position
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._advance)
        self._monte_carlo: GeneratorWorker | None = None
        self._monte_carlo_result: tuple[MonteCarloEstimate, ...] | None = None
        self._distances = NewestOnlyRunner(self)
        self._distances.result_ready.connect(self.distances_ready)
        self._distances.job_failed.connect(self._on_errored)

    # --- the state ------------------------------------------------------------------------

    def set_state(self, state: VolumeState) -> None:
        """Show ``state``: move the scan, change d, resample distances where they differ."""
        old, self._state = self._state, state
        if state.scan_position != old.scan_position:
            self._phase = state.scan_position
            self.scan_changed.emit(*self.slices())
        if state.dimension != old.dimension:
            self.dimension_changed.emit(state.dimension)
        if state.distance_dimension != old.distance_dimension:
            self.request_distances()
        if state != old:
            self.state_changed.emit(state)

    # --- the scan ------------------------------------------------------------------------

    @property
    def scan_position(self) -> float:
        return self._state.scan_position

    def slices(self) -> tuple[BallSlice, BallSlice]:
        """The square's and the cube's slices at the current scan position."""
        s = self.scan_position
        return ball_slice(s, 2), ball_slice(s, 3)

    def set_scan_position(self, s: float) -> None:
        """Move the scan line (and plane) to ``x1 = s``, clipped to [0, 1]."""
        self.update(scan_position=min(max(float(s), 0.0), 1.0))

    @property
    def is_playing(self) -> bool:
        return self._timer.isActive()

    def set_playing(self, playing: bool) -> None:
        """Start or stop the scan animation."""
        if playing == self.is_playing:
            return
        if playing:
            if self._phase >= 1.0:
                self._phase = 0.0
            self._timer.start()
        else:
            self._timer.stop()
        self.playing_changed.emit(playing)

    def _advance(self) -> None:
        phase = self._phase + FRAME_MS / 1000.0 / SWEEP_SECONDS
        if phase > 1.0 + REST_SECONDS / SWEEP_SECONDS:
            phase = 0.0
        self.update(scan_position=min(phase, 1.0))
        self._phase = phase

    # --- dimensions ----------------------------------------------------------------------

    @property
    def dimension(self) -> int:
        """The dimension d chosen on the fraction plot."""
        return self._state.dimension

    def set_dimension(self, d: int) -> None:
        """Choose d on the fraction plot, clipped to the plot's range."""
        self.update(dimension=min(max(int(d), 1), D_MAX))

    @property
    def distance_dimension(self) -> int:
        """The dimension whose distances are shown."""
        return self._state.distance_dimension

    def set_distance_dimension(self, d: int) -> None:
        """Sample distances in dimension ``d`` (off the GUI thread)."""
        self.update(distance_dimension=int(d))

    def request_distances(self) -> None:
        """Sample the current distance dimension; supersedes any earlier request."""
        d = self._state.distance_dimension
        self.distances_requested.emit(d)
        self._distances.discard_running()
        self._distances.submit(compute_distance_histogram, d)

    # --- Monte Carlo ---------------------------------------------------------------------

    @property
    def is_sampling(self) -> bool:
        """Whether a Monte-Carlo run is going on."""
        return self._monte_carlo is not None

    @property
    def is_busy(self) -> bool:
        """Whether a Monte-Carlo run or a distance sample is under way."""
        return self._monte_carlo is not None or self._distances.is_busy

    def run_monte_carlo(self, seed: int = 0) -> None:
        """Estimate the fraction for every d in ``MONTE_CARLO_DIMENSIONS`` with the state's
        sample count; replaces a running one."""
        n_samples = self._state.monte_carlo_samples
        if self._monte_carlo is not None:
            self._monte_carlo.quit()
        worker = create_worker(
            run_monte_carlo,
            MONTE_CARLO_DIMENSIONS,
            int(n_samples),
            seed,
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.yielded.connect(self._on_monte_carlo_yielded)
        worker.returned.connect(self._on_monte_carlo_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_monte_carlo_finished)
        self._monte_carlo = worker
        self._monte_carlo_result = None
        self.monte_carlo_started.emit(int(n_samples))
        worker.start()

    def cancel_monte_carlo(self) -> None:
        """Stop the running Monte-Carlo run after its current batch."""
        if self._monte_carlo is not None:
            self._monte_carlo.quit()

    def _is_current_monte_carlo(self) -> bool:
        return self._monte_carlo is not None and self.sender() is self._monte_carlo.signals

    def _on_monte_carlo_yielded(self, progress: MonteCarloProgress) -> None:
        if self._is_current_monte_carlo() and not self._monte_carlo.abort_requested:
            self.monte_carlo_progress.emit(progress)

    def _on_monte_carlo_returned(self, estimates: tuple[MonteCarloEstimate, ...]) -> None:
        if self._is_current_monte_carlo():
            self._monte_carlo_result = estimates

    def _on_monte_carlo_finished(self) -> None:
        if not self._is_current_monte_carlo():
            return
        worker, self._monte_carlo = self._monte_carlo, None
        if self._monte_carlo_result is not None:
            status = "done"
        elif worker.abort_requested:
            status = "cancelled"
        else:
            status = "failed"
        self.monte_carlo_finished.emit(status)

    # --- errors and shutdown -------------------------------------------------------------

    def _on_errored(self, error: BaseException) -> None:
        traceback.print_exception(error)
        self.failed.emit(f"The computation failed: {type(error).__name__}: {error}")

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop the animation and every worker, and wait for them."""
        self._timer.stop()
        self._distances.cancel()
        if self._monte_carlo is not None:
            self._monte_carlo.quit()
        if QThreadPool.globalInstance().waitForDone(timeout_ms):
            self._monte_carlo = None
