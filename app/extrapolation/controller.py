"""The Extrapolation page's controller: its state, the polynomial fit and the training.

Every change goes through :meth:`ExtrapolationController.set_state`, which fits the
polynomial at once (a least-squares solve of a few dozen points: microseconds, on the
GUI thread) and starts a new training run in a superqt worker, retiring the one before.
The worker yields the network's exact pieces about forty times a run, so the fit is
drawn live; :meth:`cancel` stops it at its next report.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, create_worker

from app.extrapolation.state import MAX_POINTS, ExtrapolationState
from app.jobs.pool import start_worker
from app.state.owner import StateOwner
from engine.fit_1d import NetworkFit, fit_polynomial, iter_network_fit, training_points

#: When the user first clicks on a curve, the curve's samples become editable points.
SEED_POINTS = 9


@dataclass(frozen=True)
class PolynomialFit:
    """The polynomial of a state, or why there is none.

    Attributes
    ----------
    degree : its degree.
    x, y : (S,) float64 samples of it across the view (None when there is no fit).
    problem : a sentence for the user when there is no fit, else "".
    """

    degree: int
    x: np.ndarray | None
    y: np.ndarray | None
    problem: str = ""


def training_data(state: ExtrapolationState) -> tuple[np.ndarray, np.ndarray]:
    """The points the network and the polynomial fit: x (N,), y (N,)."""
    low, high = state.training_range
    if state.function != "points":
        return training_points(state.function, low, high)
    points = np.array(state.points, dtype=np.float64).reshape(-1, 2)
    inside = points[(points[:, 0] >= low) & (points[:, 0] <= high)]
    return inside[:, 0], inside[:, 1]


def polynomial_fit(state: ExtrapolationState, view_x: tuple[float, float]) -> PolynomialFit:
    """The least-squares polynomial of the state's degree, sampled across ``view_x``."""
    x, y = training_data(state)
    if len(x) < state.degree + 1:
        return PolynomialFit(
            state.degree,
            None,
            None,
            f"a polynomial of degree {state.degree} needs {state.degree + 1} points in the"
            f" training range; there are {len(x)}",
        )
    if len(np.unique(x)) < state.degree + 1:
        return PolynomialFit(
            state.degree,
            None,
            None,
            f"a polynomial of degree {state.degree} needs {state.degree + 1} different x"
            f" values in the training range",
        )
    polynomial = fit_polynomial(x, y, state.degree, state.training_range)
    samples = np.linspace(*view_x, 1201)
    return PolynomialFit(state.degree, samples, polynomial(samples))


class ExtrapolationController(StateOwner[ExtrapolationState], QObject):
    """The fits of the current state.

    Signals
    -------
    state_changed(ExtrapolationState) : the settings changed.
    polynomial_ready(PolynomialFit) : the polynomial of the current state.
    training_started(int) : a run of that many epochs started.
    network_progress(NetworkFit) : the network after some epochs of the current run.
    training_finished(str) : ``"done"``, ``"cancelled"``, ``"failed"`` or ``"no points"``.
    failed(str) : a message for the user.
    """

    state_changed = Signal(object)
    polynomial_ready = Signal(object)
    training_started = Signal(int)
    network_progress = Signal(object)
    training_finished = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        view_x: tuple[float, float],
        state: ExtrapolationState | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view_x = view_x
        self._state = state or ExtrapolationState()
        self._worker: GeneratorWorker | None = None
        self._ticket = 0
        self.polynomial: PolynomialFit | None = None
        self.network: NetworkFit | None = None

    # --- the state ------------------------------------------------------------------------

    def set_state(self, state: ExtrapolationState) -> None:
        """Show ``state``: refit both models when it differs from the current one."""
        if not isinstance(state, ExtrapolationState):
            raise TypeError(f"expected an ExtrapolationState, got {type(state).__name__}")
        old, self._state = self._state, state
        if state != old:
            self.state_changed.emit(state)
            self.refit()

    def refit(self) -> None:
        """Fit the polynomial now and start training the network anew."""
        self.polynomial = polynomial_fit(self._state, self._view_x)
        self.polynomial_ready.emit(self.polynomial)
        self._start_training()

    # --- the user's points ---------------------------------------------------------------

    def add_point(self, x: float, y: float) -> None:
        """Add a point (switching to fitting points: the curve's samples come first)."""
        state = self._state
        points = list(state.points)
        if state.function != "points" and not points:
            low, high = state.training_range
            xs, ys = training_points(state.function, low, high, SEED_POINTS)
            points = [(float(a), float(b)) for a, b in zip(xs, ys, strict=True)]
        if len(points) >= MAX_POINTS:
            self.failed.emit(f"There are already {MAX_POINTS} points, the most the page takes.")
            return
        self.try_update(function="points", points=(*points, (x, y)))

    def move_point(self, index: int, x: float, y: float) -> None:
        points = list(self._state.points)
        if 0 <= index < len(points):
            points[index] = (x, y)
            self.try_update(points=tuple(points))

    def remove_point(self, index: int) -> None:
        points = list(self._state.points)
        if 0 <= index < len(points):
            del points[index]
            self.try_update(points=tuple(points))

    def set_training_range(self, low: float, high: float) -> None:
        self.try_update(train_low=low, train_high=high)

    def try_update(self, **changes: object) -> None:
        """Apply ``changes``, or tell the user in one sentence why not (nothing changes)."""
        try:
            state = replace(self._state, **changes)
        except ValueError as error:
            self.failed.emit(str(error))
            self.state_changed.emit(self._state)  # the controls go back to the truth
            return
        self.set_state(state)

    # --- training ------------------------------------------------------------------------

    @property
    def is_training(self) -> bool:
        return self._worker is not None

    def _start_training(self) -> None:
        self._retire_worker()
        self.network = None
        state = self._state
        x, y = training_data(state)
        if len(x) == 0:
            self.network_progress.emit(None)
            self.training_finished.emit("no points")
            return
        worker = create_worker(
            iter_network_fit,
            x,
            y,
            state.widths,
            epochs=state.epochs,
            seed=state.seed,
            _start_thread=False,
            _ignore_errors=True,
        )
        self._ticket += 1
        ticket = self._ticket
        worker.yielded.connect(partial(self._on_progress, ticket))
        worker.errored.connect(partial(self._on_errored, ticket))
        worker.finished.connect(partial(self._on_finished, ticket))
        self._worker = worker
        self.training_started.emit(state.epochs)
        start_worker(worker)

    def cancel(self) -> None:
        """Stop the running training at its next report (the last fit stays shown)."""
        if self._worker is not None:
            self._worker.quit()

    def _retire_worker(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
            self._ticket += 1

    def _on_progress(self, ticket: int, fit: NetworkFit) -> None:
        if ticket == self._ticket and self._worker is not None and not self._worker.abort_requested:
            self.network = fit
            self.network_progress.emit(fit)

    def _on_errored(self, ticket: int, error: BaseException) -> None:
        if ticket == self._ticket:
            traceback.print_exception(error)
            self.failed.emit(f"Training failed: {type(error).__name__}: {error}")

    def _on_finished(self, ticket: int) -> None:
        if ticket != self._ticket:
            return
        worker, self._worker = self._worker, None
        fit = self.network
        if fit is not None and fit.epoch == fit.epochs:
            status = "done"
        elif worker.abort_requested:
            status = "cancelled"
        else:
            status = "failed"
        self.training_finished.emit(status)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop the training and wait for the worker."""
        self._retire_worker()
        QThreadPool.globalInstance().waitForDone(timeout_ms)
