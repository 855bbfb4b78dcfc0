"""The Adversarial page's controller: its state, the classifier, and the search worker.

The classifier is trained once (about a second) in a worker when the page first shows.
Every computation (the exact search, then the PGD attack for comparison) runs in a
superqt worker on the global thread pool; the search reports progress after every cell
and stops at the next cell when cancelled. A newer request cancels the running one.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from app.adversarial.state import AdversarialState
from app.jobs.newest_only import NewestOnlyRunner
from app.state.owner import StateOwner
from engine.adversarial_attack import AttackResult, pgd_attack
from engine.adversarial_digits import DigitsClassifier, train_digits_classifier
from engine.adversarial_distance import (
    AdversarialDistance,
    CellBudgetExceeded,
    adversarial_distance,
)
from engine.adversarial_plane import PlaneClassifier, train_plane_classifier
from engine.decision import DecisionBoundary, decision_boundary
from engine.networks import network_layers
from engine.partition2d import Partition2D, partition_2d

#: In L-infinity, after this many cells (a few LPs each) the proof goes to one mixed-integer
#: program (engine.adversarial_milp): far test digits need thousands of cells, and the
#: program proves any test digit in seconds (benchmarks/adversarial.py).
LINF_MILP_AFTER = 100


class SearchCancelled(Exception):
    """The user cancelled the search."""


@dataclass(frozen=True)
class SearchProgress:
    """How far a search stands: cells explored and the bounds proven and found."""

    cells: int
    lower_bound: float
    upper_bound: float


@dataclass(frozen=True)
class AdversarialAnswer:
    """One finished computation: the exact distance and the attack's, for one digit."""

    digit: int
    exact: AdversarialDistance
    attack: AttackResult | None


def compute_answer(
    classifier: DigitsClassifier,
    state: AdversarialState,
    cancelled: threading.Event,
    report,
) -> AdversarialAnswer:
    """The exact search, then the PGD attack (a worker's job)."""

    def progress(cells: int, lower: float, upper: float) -> None:
        if cancelled.is_set():
            raise SearchCancelled
        report(SearchProgress(cells, lower, upper))

    x0 = classifier.test.flat[state.digit]
    exact = adversarial_distance(
        classifier.model,
        x0,
        norm=state.norm,
        max_cells=state.max_cells,
        progress=progress,
        milp_after=LINF_MILP_AFTER,
    )
    net = network_layers(classifier.model)
    attack = pgd_attack(classifier.model, net, x0, state.norm)
    return AdversarialAnswer(state.digit, exact, attack)


@dataclass(frozen=True)
class Classifiers:
    """The page's two trained networks, and the 2-D one's cells and boundary."""

    digits: DigitsClassifier
    plane: PlaneClassifier
    partition: Partition2D
    boundary: DecisionBoundary


def train_classifiers() -> Classifiers:
    """Train both classifiers and partition the 2-D one (a worker's job)."""
    plane = train_plane_classifier()
    partition = partition_2d(plane.model, plane.bounds)
    return Classifiers(train_digits_classifier(), plane, partition, decision_boundary(partition))


def plane_distance(job: tuple[PlaneClassifier, tuple[float, float], str]) -> AdversarialDistance:
    """The exact distance of the 2-D point (a worker's job: a few milliseconds)."""
    plane, point, norm = job
    return adversarial_distance(plane.model, np.array(point, dtype=np.float64), norm=norm)


class AdversarialController(StateOwner[AdversarialState], QObject):
    """Digit, norm and budget; the classifier; the search.

    Signals
    -------
    state_changed(AdversarialState) : the settings changed.
    classifier_ready(Classifiers) : the classifiers are trained.
    plane_answer_ready(AdversarialDistance) : the 2-D point's exact distance.
    search_started() ; search_progress(SearchProgress) ; answer_ready(AdversarialAnswer).
    search_stopped(str) : a message: cancelled, or the budget ran out (with its bounds).
    failed(str) : a message for the user.
    """

    state_changed = Signal(object)
    classifier_ready = Signal(object)
    plane_answer_ready = Signal(object)
    search_started = Signal()
    search_progress = Signal(object)
    answer_ready = Signal(object)
    search_stopped = Signal(str)
    failed = Signal(str)

    def __init__(self, state: AdversarialState | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._state = state or AdversarialState()
        self.classifier: DigitsClassifier | None = None
        self.classifiers: Classifiers | None = None
        self.plane_answer: AdversarialDistance | None = None
        self._plane_runner = NewestOnlyRunner(self)
        self._plane_runner.result_ready.connect(self._on_plane_answer)
        self._plane_runner.job_failed.connect(self._on_plane_failed)
        self.answer: AdversarialAnswer | None = None
        self._training = None
        self._search = None
        #: The number of the newest search: a handler of an older one is ignored.
        self._search_number = 0
        self._cancel = threading.Event()

    def set_state(self, state: AdversarialState) -> None:
        """Show ``state``; a changed digit, norm or budget starts a new search, a changed
        point or norm a new 2-D distance."""
        old, self._state = self._state, state
        if state != old:
            self.state_changed.emit(state)
        if (state.digit, state.norm, state.max_cells) != (old.digit, old.norm, old.max_cells):
            self.compute()
        if (state.plane_point, state.norm) != (old.plane_point, old.norm):
            self.compute_plane()

    # --- the classifier ------------------------------------------------------------------

    def train(self) -> None:
        """Train the classifier in a worker (once)."""
        if self.classifier is not None or self._training is not None:
            return
        worker = create_worker(train_classifiers, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_trained)
        worker.errored.connect(self._on_errored)
        self._training = worker
        worker.start()

    def _on_trained(self, classifiers: Classifiers) -> None:
        self.classifiers = classifiers
        self.classifier = classifiers.digits
        self._training = None
        self.classifier_ready.emit(classifiers)
        self.compute_plane()
        self.compute()

    # --- the 2-D network -----------------------------------------------------------------

    def set_plane_point(self, x: float, y: float) -> None:
        """Move the 2-D point (clipped to the state's range)."""
        self.update(plane_point=(float(x), float(y)))

    def compute_plane(self) -> None:
        """The 2-D point's exact distance, in a worker; supersedes an older request."""
        if self.classifiers is None:
            return
        self._plane_runner.discard_running()
        job = (self.classifiers.plane, self._state.plane_point, self._state.norm)
        self._plane_runner.submit(plane_distance, job)

    def _on_plane_answer(self, answer: AdversarialDistance) -> None:
        self.plane_answer = answer
        self.plane_answer_ready.emit(answer)

    def _on_plane_failed(self, error: BaseException) -> None:
        self.failed.emit(f"The 2-D distance failed: {error}")

    # --- the search ----------------------------------------------------------------------

    @property
    def is_searching(self) -> bool:
        return self._search is not None

    @property
    def is_busy(self) -> bool:
        """Whether the classifier trains, a search runs or a 2-D distance is computed."""
        return self._training is not None or self._search is not None or self._plane_runner.is_busy

    def compute(self) -> None:
        """Search the current digit and norm; cancels a running search."""
        if self.classifier is None:
            return
        self.cancel()
        self._cancel = cancel = threading.Event()
        worker = create_worker(
            compute_answer,
            self.classifier,
            self._state,
            cancel,
            self.search_progress.emit,
            _start_thread=False,
            _ignore_errors=True,
        )
        # By number, not by the worker: a handler holding its worker would keep it alive.
        self._search_number += 1
        worker.returned.connect(partial(self._on_answer, self._search_number))
        worker.errored.connect(partial(self._on_search_error, self._search_number))
        self._search = worker
        self.search_started.emit()
        worker.start()

    def cancel(self) -> None:
        """Stop the running search at its next cell."""
        self._cancel.set()

    def _on_answer(self, number: int, answer: AdversarialAnswer) -> None:
        if number != self._search_number or self._search is None:
            return
        self._search = None
        self.answer = answer
        self.answer_ready.emit(answer)

    def _on_search_error(self, number: int, error: BaseException) -> None:
        if number != self._search_number or self._search is None:
            return
        self._search = None
        if isinstance(error, SearchCancelled):
            self.search_stopped.emit("Cancelled.")
        elif isinstance(error, CellBudgetExceeded):
            self.search_stopped.emit(f"Stopped: {error}.")
        else:
            self._on_errored(error)

    def _on_errored(self, error: BaseException) -> None:
        traceback.print_exception(error)
        self.failed.emit(f"The computation failed: {type(error).__name__}: {error}")

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel the search and wait for the workers."""
        self.cancel()
        self._plane_runner.cancel()
        QThreadPool.globalInstance().waitForDone(timeout_ms)
