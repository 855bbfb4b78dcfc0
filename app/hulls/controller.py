"""The Hulls page's controller: its state (seed, test point, tab), the scene, the workers.

The controller owns the page's :class:`app.hulls.state.HullsState`; every change goes
through :meth:`HullsController.set_state` (or :meth:`~HullsController.update`).

The scene and the test point's verdicts run on a newest-only runner (a drag sends many
points; only the newest is judged). Each experiment is an engine generator run in a
superqt worker: it yields progress with partial results, and Cancel quits it at its next
step. Starting an experiment again replaces the run in progress.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Generator
from functools import partial

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from superqt.utils import GeneratorWorker, create_worker

from app.hulls.experiments import EXPERIMENTS
from app.hulls.state import HullsState
from app.jobs.newest_only import NewestOnlyRunner
from app.state.owner import StateOwner
from engine.experiment_cache import cached_experiment
from engine.experiments import ExperimentProgress
from engine.hull_scene import HullScene, PointVerdict, judge_point, make_scene

#: What the sampled experiments (Figure 1 and its variants) import when they first run:
#: the exact curves (scipy) and the certified hull test (torch), about 1.5 CPU s.
EXPERIMENT_ENGINE = ("engine.absorption", "engine.hulls")


def import_experiment_engine() -> None:
    """Import :data:`EXPERIMENT_ENGINE` (on a worker thread: the page stays live)."""
    for name in EXPERIMENT_ENGINE:
        importlib.import_module(name)


class HullsController(StateOwner[HullsState], QObject):
    """The scene, the test point, and one worker per running experiment.

    The scene is drawn once :meth:`start` is called (the page does so on its first show);
    before that, state changes are only kept.

    Signals
    -------
    state_changed(HullsState) : the settings changed (any field).
    """

    state_changed = Signal(object)
    scene_changed = Signal(object)  # HullScene
    verdict_ready = Signal(object)  # PointVerdict of the newest test point
    experiment_started = Signal(str)  # key
    experiment_progress = Signal(str, object)  # key, ExperimentProgress
    experiment_finished = Signal(str, str)  # key, "done" / "cancelled" / "failed"
    failed = Signal(str)  # a message for the user

    def __init__(self, state: HullsState | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state or HullsState()
        self._started = False
        self.scene: HullScene | None = None
        self._scenes = NewestOnlyRunner(self)
        self._scenes.result_ready.connect(self._on_scene_ready)
        self._scenes.job_failed.connect(self._on_errored)
        self._verdicts = NewestOnlyRunner(self)
        self._verdicts.result_ready.connect(self.verdict_ready)
        self._verdicts.job_failed.connect(self._on_errored)
        self._workers: dict[str, GeneratorWorker] = {}
        self._returned: set[str] = set()
        self._engine_imported = False
        self.verdict_ready.connect(self._import_engine_after_first_verdict)

    # --- the state ------------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return self._state.seed

    @property
    def test_point(self) -> tuple[float, float]:
        return self._state.test_point

    def set_state(self, state: HullsState) -> None:
        """Show ``state``: a new training set or a new verdict where they differ."""
        old, self._state = self._state, state
        if self._started and state.seed != old.seed:
            self._draw_scene()
        elif state.test_point != old.test_point:
            self._judge()
        if state != old:
            self.state_changed.emit(state)

    # --- the interactive scene -----------------------------------------------------------

    def start(self) -> None:
        """Draw the state's training set (once; the page calls it on its first show)."""
        if not self._started:
            self._started = True
            self._draw_scene()

    def new_scene(self, seed: int | None = None) -> None:
        """Draw a new training set (the next seed unless one is given)."""
        seed = self.seed + 1 if seed is None else seed
        if seed == self.seed and self._started:
            self._draw_scene()  # the same seed again: draw it anew all the same
        self.update(seed=seed)

    def _draw_scene(self) -> None:
        self._scenes.discard_running()
        self._scenes.submit(make_scene, self.seed)

    def _on_scene_ready(self, scene: HullScene) -> None:
        self.scene = scene
        self.scene_changed.emit(scene)
        self._judge()

    def set_test_point(self, x: float, y: float) -> None:
        """Judge the test point at (x, y); supersedes any judgement still waiting."""
        self.update(test_point=(float(x), float(y)))

    def _judge(self) -> None:
        if self.scene is not None:
            self._verdicts.submit(_judge, (self.scene, self.test_point))

    def _import_engine_after_first_verdict(self, _verdict: PointVerdict) -> None:
        """Once the first verdict is out, import the experiments' engine on a worker: Run
        then measures at once instead of importing first. A turn of the event loop later,
        so the verdict is on screen before torch starts loading."""
        if not self._engine_imported:
            self._engine_imported = True
            QTimer.singleShot(
                0, lambda: QThreadPool.globalInstance().start(import_experiment_engine)
            )

    # --- experiments ---------------------------------------------------------------------

    def is_running(self, key: str) -> bool:
        return key in self._workers

    def run_experiment(self, key: str) -> None:
        """Start experiment ``key`` (replacing a run of it in progress)."""
        spec = next(s for s in EXPERIMENTS if s.key == key)
        if key in self._workers:
            self._workers.pop(key).quit()
        worker = create_worker(_drive, key, spec.start, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(partial(self._on_yielded, key, worker))
        worker.returned.connect(partial(self._on_returned, key, worker))
        worker.errored.connect(self._on_errored)
        worker.finished.connect(partial(self._on_finished, key, worker))
        self._workers[key] = worker
        self._returned.discard(key)
        self.experiment_started.emit(key)
        worker.start()

    def cancel_experiment(self, key: str) -> None:
        """Stop experiment ``key`` at its next step."""
        if key in self._workers:
            self._workers[key].quit()

    def _on_yielded(self, key: str, worker: GeneratorWorker, progress: ExperimentProgress) -> None:
        if self._workers.get(key) is worker and not worker.abort_requested:
            self.experiment_progress.emit(key, progress)

    def _on_returned(self, key: str, worker: GeneratorWorker, _result: object) -> None:
        if self._workers.get(key) is worker:
            self._returned.add(key)

    def _on_finished(self, key: str, worker: GeneratorWorker) -> None:
        if self._workers.get(key) is not worker:
            return
        del self._workers[key]
        if key in self._returned:
            status = "done"
        elif worker.abort_requested:
            status = "cancelled"
        else:
            status = "failed"
        self.experiment_finished.emit(key, status)

    # --- errors and shutdown -------------------------------------------------------------

    def _on_errored(self, error: BaseException) -> None:
        traceback.print_exception(error)
        self.failed.emit(f"The computation failed: {type(error).__name__}: {error}")

    def shutdown(self, timeout_ms: int = 20_000) -> None:
        """Cancel every experiment and job, and wait for the workers."""
        self._scenes.cancel()
        self._verdicts.cancel()
        for worker in self._workers.values():
            worker.quit()
        if QThreadPool.globalInstance().waitForDone(timeout_ms):
            self._workers.clear()


def _drive(
    key: str,
    start: Callable[[], Generator[ExperimentProgress, None, object]],
) -> Generator[ExperimentProgress, None, object]:
    """The experiment's own generator (or its last step, from the result cache when that
    is on), behind a generator function (which is how superqt tells a generator worker
    from a function worker)."""
    return (yield from cached_experiment(key, start))


def _judge(argument: tuple[HullScene, tuple[float, float]]) -> PointVerdict:
    scene, point = argument
    return judge_point(scene, point)
