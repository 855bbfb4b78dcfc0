"""Session state of the Hulls page: the 2-D scene, the test point, the experiment workers.

The scene and the test point's verdicts run on a newest-only runner (a drag sends many
points; only the newest is judged). Each experiment is an engine generator run in a
superqt worker: it yields progress with partial results, and Cancel quits it at its next
step. Starting an experiment again replaces the run in progress.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, create_worker

from app.jobs.newest_only import NewestOnlyRunner
from engine.experiments import (
    ExperimentProgress,
    latent_experiment,
    pixel_experiment,
    sample_probability_experiment,
)
from engine.hull_scene import HullScene, PointVerdict, judge_point, make_scene


@dataclass(frozen=True)
class ExperimentSpec:
    """An experiment the page offers: its key, tab title, description and generator."""

    key: str
    title: str
    description: str
    start: Callable[[], Generator[ExperimentProgress, None, object]]


EXPERIMENTS = (
    ExperimentSpec(
        "gaussian",
        "Gaussian (Figure 1)",
        "A new standard Gaussian sample against the hull of N of them, d = 2…7, 10 and 16 "
        "(4 trials × 50 queries per point). Dashed: the exact probability of Kabluchko & "
        "Zaporozhets (2020). Dotted: the Bárány–Füredi threshold 2^(d/2)/d, a statement "
        "about points uniform in a ball.",
        partial(
            sample_probability_experiment,
            "gaussian",
            (2, 3, 4, 5, 6, 7, 10, 16),
            (10, 20, 50, 100, 200, 500, 1000, 2000),
        ),
    ),
    ExperimentSpec(
        "curve",
        "1-D manifold",
        "Samples of one random smooth closed curve (intrinsic dimension 1) in d dimensions. "
        "Low intrinsic dimension does not keep new samples inside the hull.",
        partial(sample_probability_experiment, "curve", (2, 3, 4, 6, 8), (10, 50, 200, 1000, 2000)),
    ),
    ExperimentSpec(
        "subspace",
        "4-D subspace",
        "Gaussian data on a 4-D affine subspace of R^d: every d follows the exact 4-D "
        "curve (dashed). What matters is the dimension of the data's affine span.",
        partial(
            sample_probability_experiment,
            "subspace",
            (4, 8, 16, 32),
            (10, 20, 50, 100, 200, 500, 1000, 2000),
        ),
    ),
    ExperimentSpec(
        "pixels",
        "Pixel space",
        "Test digits inside the hull of the training digits (8x8, 1,438 / 359), keeping "
        "the k central pixels or smoothing and subsampling to a side × side grid; beside "
        "the hull, the softer enclosures.",
        pixel_experiment,
    ),
    ExperimentSpec(
        "latent",
        "Latent space",
        "Classifiers 64 → 128 → k → 10 trained for k = 2…64: test embeddings (last hidden "
        "layer) inside the hull of the training embeddings, as in the paper's Table 1.",
        latent_experiment,
    ),
)


class HullsController(QObject):
    """The scene, the test point, and one worker per running experiment."""

    scene_changed = Signal(object)  # HullScene
    verdict_ready = Signal(object)  # PointVerdict of the newest test point
    experiment_started = Signal(str)  # key
    experiment_progress = Signal(str, object)  # key, ExperimentProgress
    experiment_finished = Signal(str, str)  # key, "done" / "cancelled" / "failed"
    failed = Signal(str)  # a message for the user

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.seed = 0
        self.scene: HullScene | None = None
        self.test_point = (0.0, 0.0)
        self._scenes = NewestOnlyRunner(self)
        self._scenes.result_ready.connect(self._on_scene_ready)
        self._scenes.job_failed.connect(self._on_errored)
        self._verdicts = NewestOnlyRunner(self)
        self._verdicts.result_ready.connect(self.verdict_ready)
        self._verdicts.job_failed.connect(self._on_errored)
        self._workers: dict[str, GeneratorWorker] = {}
        self._returned: set[str] = set()

    # --- the interactive scene -----------------------------------------------------------

    def new_scene(self, seed: int | None = None) -> None:
        """Draw a new training set (the next seed unless one is given)."""
        self.seed = self.seed + 1 if seed is None else int(seed)
        self._scenes.discard_running()
        self._scenes.submit(make_scene, self.seed)

    def _on_scene_ready(self, scene: HullScene) -> None:
        self.scene = scene
        self.scene_changed.emit(scene)
        self.set_test_point(*self.test_point)

    def set_test_point(self, x: float, y: float) -> None:
        """Judge the test point at (x, y); supersedes any judgement still waiting."""
        self.test_point = (float(x), float(y))
        if self.scene is not None:
            self._verdicts.submit(_judge, (self.scene, self.test_point))

    # --- experiments ---------------------------------------------------------------------

    def is_running(self, key: str) -> bool:
        return key in self._workers

    def run_experiment(self, key: str) -> None:
        """Start experiment ``key`` (replacing a run of it in progress)."""
        spec = next(s for s in EXPERIMENTS if s.key == key)
        if key in self._workers:
            self._workers.pop(key).quit()
        worker = create_worker(_drive, spec.start, _start_thread=False, _ignore_errors=True)
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
    start: Callable[[], Generator[ExperimentProgress, None, object]],
) -> Generator[ExperimentProgress, None, object]:
    """The experiment's own generator, behind a generator function (which is how superqt
    tells a generator worker from a function worker)."""
    return (yield from start())


def _judge(argument: tuple[HullScene, tuple[float, float]]) -> PointVerdict:
    scene, point = argument
    return judge_point(scene, point)
