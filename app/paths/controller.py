"""The Paths page's controller: its state (data, latent dimension, pair, ...) and workers.

The controller owns the page's :class:`app.paths.state.PathsState`; every change goes
through :meth:`PathsController.set_state` (or :meth:`~PathsController.update`), which
checks it, emits ``state_changed`` and starts the work it implies. Nothing heavier than
bookkeeping runs on the GUI thread:

- reading the data (scikit-learn's digits or MNIST files) runs on a
  :class:`NewestOnlyRunner`;
- training (a classifier and an autoencoder, then the decoder's cells and a survey of
  random paths) runs in a superqt generator worker that reports progress and stops at the
  next epoch when cancelled. Trained models are kept for the session, one set per data
  set and latent dimension, so switching back is instant;
- analysing a pair (the exact walk, the strip, the slice's cells) and choosing the default
  pair run on :class:`NewestOnlyRunner` s: clicking through the gallery faster than it
  computes draws only the newest pair.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import replace
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, create_worker

from app.jobs.newest_only import NewestOnlyRunner
from app.jobs.pool import start_worker
from app.paths.analysis import (
    DEFAULT_PAIR_CLASSES,
    PairAnalysis,
    analyse_job,
    default_pair_job,
)
from app.paths.state import PairRequest, PathsSettings, PathsState
from app.paths.training import (
    DigitSource,
    PathsModels,
    TrainedNetworks,
    TrainingStage,
    load_source,
    prepare_models,
)
from app.state.owner import StateOwner


def _read_job(
    files: tuple[str, str] | None,
) -> tuple[tuple[str, str] | None, DigitSource | Exception]:
    """The data of ``files`` (None: scikit-learn's digits), or why a file cannot be read
    (a user's mistake, not a bug: no traceback); the result names its files."""
    try:
        return files, load_source() if files is None else load_source(*files)
    except (OSError, ValueError) as error:
        return files, error


class PathsController(StateOwner[PathsState], QObject):
    """The page's settings, its data, its models (trained on demand, cached) and the pair
    being analysed.

    Signals
    -------
    state_changed(PathsState) : the settings changed (any field).
    source_requested(object) : the data of these files (None: the digits) is being read.
    source_changed(DigitSource) : new data is in use (its pair is cleared).
    training_started(int), training_progress(TrainingStage), training_finished(str) :
        a training run (its latent dimension), its progress, its end ("done",
        "cancelled" or "failed").
    models_ready(PathsModels), pair_ready(PairAnalysis) : results to show.
    failed(str) : a message for the user.
    """

    state_changed = Signal(object)
    source_requested = Signal(object)
    source_changed = Signal(object)
    training_started = Signal(int)
    training_progress = Signal(object)
    training_finished = Signal(str)
    models_ready = Signal(object)
    pair_ready = Signal(object)
    failed = Signal(str)

    def __init__(
        self, settings: PathsSettings | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._state = PathsState(training=settings or PathsSettings())
        self._source: DigitSource | None = None
        self._rng = np.random.default_rng(0)
        self._cache: dict[tuple[str, int], PathsModels] = {}
        #: Trained networks by (data set name, latent dimension): from training or a session.
        self._networks: dict[tuple[str, int], TrainedNetworks] = {}
        self._models: PathsModels | None = None
        self._worker: GeneratorWorker | None = None
        self._worker_ticket = 0
        self._restored_after_ticket = 0  # runs up to this ticket trained for another session
        self._result: PathsModels | None = None
        self._analysis: PairAnalysis | None = None
        self._reader = NewestOnlyRunner(self)
        self._reader.result_ready.connect(self._on_source_read)
        self._reader.job_failed.connect(self._on_read_failed)
        self._runner = NewestOnlyRunner(self)
        self._runner.result_ready.connect(self._on_pair_ready)
        self._runner.job_failed.connect(self._on_pair_failed)
        self._default_pair = NewestOnlyRunner(self)
        self._default_pair.result_ready.connect(self._on_default_pair)
        self._default_pair.job_failed.connect(self._on_pair_failed)

    # --- the state ------------------------------------------------------------------------

    def set_state(self, state: PathsState) -> None:
        """Show ``state``: emit ``state_changed``, then start what its differences need:
        read other data (its pair then starts unpicked), train or reuse other models
        (other training settings forget the models trained before), analyse another pair.
        Raises ValueError, changing nothing, for a pair beyond the held-out images of the
        data in use."""
        self._check_images(state)
        old, self._state = self._state, state
        if state == old:
            return
        self.state_changed.emit(state)
        if state.data_files != old.data_files:
            self._read(state.data_files)
        elif state.training != old.training:
            self._forget_models()
            self.prepare()
        elif state.latent_dim != old.latent_dim:
            self.prepare()
        elif state.pair != old.pair:
            self._reanalyse()

    def _check_images(self, state: PathsState) -> None:
        if self._source is not None:
            state.check_images(len(self._source.test), self._source.name)

    @property
    def settings(self) -> PathsSettings:
        """What the page trains."""
        return self._state.training

    @property
    def latent_dim(self) -> int:
        return self._state.latent_dim

    def set_latent_dim(self, latent_dim: int) -> None:
        """Show the models of ``latent_dim`` (trained, or reused)."""
        self.update(latent_dim=int(latent_dim))

    # --- data -----------------------------------------------------------------------------

    @property
    def source(self) -> DigitSource | None:
        """The data in use (None until it is first read)."""
        return self._source

    def load_mnist(self, images_path: str, labels_path: str) -> None:
        """Read MNIST IDX files (in a worker); a bad file is reported through ``failed``."""
        self.update(data_files=(os.path.abspath(images_path), os.path.abspath(labels_path)))

    def use_digits(self) -> None:
        """Go back to scikit-learn's 8x8 digits."""
        self.update(data_files=None)

    def read_source_now(self) -> DigitSource:
        """Read the state's data on this thread and use it (a preset picks its pair among
        the images; it reads them first when the page has not yet done so)."""
        self._reader.cancel()
        files = self._state.data_files
        self._install(load_source() if files is None else load_source(*files))
        return self._source

    def _read(self, files: tuple[str, str] | None) -> None:
        self._reader.discard_running()
        self._reader.submit(_read_job, files)
        self.source_requested.emit(files)

    def _on_source_read(
        self, result: tuple[tuple[str, str] | None, DigitSource | Exception]
    ) -> None:
        files, source = result
        if files != self._state.data_files:
            return  # other data was asked for since
        if isinstance(source, Exception):
            self._on_read_failed(source)
        else:
            self._install(source)

    def _on_read_failed(self, error: BaseException) -> None:
        shown = None if self._source is None else self._source.files
        what = "the digits" if self._state.data_files is None else "the MNIST files"
        if not isinstance(error, OSError | ValueError):
            error = f"{type(error).__name__}: {error}"
        # Back to the data on screen: the state names what the page shows.
        self._state = replace(self._state, data_files=shown)
        self.state_changed.emit(self._state)
        self.failed.emit(f"Could not load {what}: {error}")

    def _install(self, source: DigitSource) -> None:
        """Use ``source``: its pair starts unpicked; train (or reuse) its models."""
        self._source = source
        self._analysis = None
        self._state = replace(
            self._state, data_files=source.files, image_a=None, image_b=None, image_c=None
        )
        self.state_changed.emit(self._state)
        self.source_changed.emit(source)
        self.prepare()

    # --- models ---------------------------------------------------------------------------

    @property
    def models(self) -> PathsModels | None:
        """The models of the current data and latent dimension, once trained."""
        return self._models

    @property
    def is_training(self) -> bool:
        return self._worker is not None

    @property
    def has_networks(self) -> bool:
        """Whether the current data and latent dimension have trained networks (then
        :meth:`prepare` only derives the cells and the survey from them, without training)."""
        return self._source is not None and self._key() in self._networks

    def trained_networks(self) -> dict[int, TrainedNetworks]:
        """The networks trained on the current data, by latent dimension (a session's)."""
        if self._source is None:
            return {}
        name = self._source.name
        return {dim: nets for (key, dim), nets in self._networks.items() if key == name}

    def restore(
        self,
        source: DigitSource | None,
        state: PathsState,
        networks: dict[int, TrainedNetworks],
        *,
        prepare: bool,
    ) -> None:
        """Show a saved session: its data, settings, trained networks and pair.

        Models trained before are forgotten (they belong to the session on screen). With
        ``prepare``, the models of the state's latent dimension are made at once: derived
        from ``networks`` when it holds them (no training), else trained; otherwise that
        waits for :meth:`prepare` (the page's first show). A ``source`` of None (a session
        saved before the page read any data) is read by :meth:`prepare`; it has no
        networks.
        """
        self._reader.cancel()
        self._default_pair.cancel()
        self._runner.cancel()
        self._stop_worker()
        self._forget_models()
        if source is not None:
            self._networks = {(source.name, dim): nets for dim, nets in networks.items()}
        self._source = source
        self._analysis = None
        self._state = state
        self.state_changed.emit(state)
        if source is not None:
            self.source_changed.emit(source)
        if prepare:
            self.prepare()

    def _forget_models(self) -> None:
        self._cache.clear()
        self._networks = {}
        self._models = None
        self._restored_after_ticket = self._worker_ticket

    def _key(self) -> tuple[str, int]:
        return (self._source.name, self._state.latent_dim)

    def retrain(self) -> None:
        """Train the models of the current choice anew, in a worker: the shipped (or
        cached, or a session's) networks of this data and latent dimension are dropped."""
        if self._source is None:
            self.prepare()
            return
        self._cache.pop(self._key(), None)
        self._networks.pop(self._key(), None)
        self.prepare(shipped=False)

    def prepare(self, *, shipped: bool = True) -> None:
        """Show the cached models of the current choice, or make them in a worker (after
        reading the data, the first time): the shipped ones when ``shipped`` allows and
        they fit the settings, else trained."""
        if self._source is None:
            if not self._reader.is_busy:
                self._read(self._state.data_files)
            return
        self._models = self._cache.get(self._key())
        self._analysis = None
        self._runner.cancel()
        self._default_pair.cancel()
        self._stop_worker()
        if self._models is not None:
            self.models_ready.emit(self._models)
            self._reanalyse()
            return
        self._worker_ticket += 1
        ticket = self._worker_ticket
        worker = create_worker(
            prepare_models,
            self._source,
            self._state.latent_dim,
            self.settings,
            self._networks.get(self._key()),
            shipped=shipped,
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.yielded.connect(partial(self._on_progress, ticket))
        worker.returned.connect(partial(self._on_trained, ticket, self._key()))
        worker.errored.connect(partial(self._on_training_error, ticket))
        worker.finished.connect(partial(self._on_training_finished, ticket))
        self._worker = worker
        self._result = None
        self.training_started.emit(self._state.latent_dim)
        start_worker(worker)

    def cancel_training(self) -> None:
        """Stop the training run at its next epoch."""
        if self._worker is not None:
            self._worker.quit()

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
            self.training_finished.emit("cancelled")

    def _on_progress(self, ticket: int, stage: TrainingStage) -> None:
        if ticket == self._worker_ticket and self._worker is not None:
            self.training_progress.emit(stage)

    def _on_trained(self, ticket: int, key: tuple[str, int], models: PathsModels) -> None:
        if ticket <= self._restored_after_ticket:
            return  # trained before a session was opened: not that session's models
        self._cache[key] = models
        self._networks[key] = models.networks
        if ticket == self._worker_ticket:
            self._result = models

    def _on_training_error(self, ticket: int, error: BaseException) -> None:
        if ticket == self._worker_ticket:
            traceback.print_exception(error)
            self.failed.emit(f"Training failed: {type(error).__name__}: {error}")

    def _on_training_finished(self, ticket: int) -> None:
        if ticket != self._worker_ticket or self._worker is None:
            return
        worker, self._worker = self._worker, None
        if self._result is not None:
            self._models = self._result
            self.training_finished.emit("done")
            self.models_ready.emit(self._models)
            self._reanalyse()
        else:
            self.training_finished.emit("cancelled" if worker.abort_requested else "failed")

    # --- the pair -------------------------------------------------------------------------

    @property
    def pair(self) -> PairRequest | None:
        """The pair being analysed, once both ends are picked."""
        return self._state.pair

    @property
    def analysis(self) -> PairAnalysis | None:
        """The newest analysis shown, or None."""
        return self._analysis

    def choose_pair(self, index_a: int, index_b: int, index_c: int | None = None) -> None:
        """Analyse the path between test images ``index_a`` and ``index_b`` (once trained)."""
        if index_a == index_b:
            self.failed.emit(
                "Pick two different images: the path between an image and itself is a point."
            )
            return
        self.update(image_a=int(index_a), image_b=int(index_b), image_c=index_c)

    def random_pair(self) -> None:
        """Pick a random test image of each of the state's classes (None: any class) and
        analyse the pair."""
        if self._source is None:
            return
        labels = self._source.test.labels
        class_a, class_b = self._state.random_classes
        first = self._random_of(labels, class_a, exclude=None)
        second = self._random_of(labels, class_b, exclude=first)
        self.update(image_a=first, image_b=second)

    def _random_of(self, labels: np.ndarray, label: int | None, exclude: int | None) -> int:
        pool = np.arange(len(labels)) if label is None else np.flatnonzero(labels == label)
        pool = pool[pool != exclude] if exclude is not None else pool
        return int(self._rng.choice(pool))

    def set_third(self, index_c: int | None) -> None:
        """The slice's third point: test image ``index_c``, or the origin (None)."""
        self.update(image_c=index_c)

    def pick_default_pair(self, shown: np.ndarray) -> None:
        """Choose A and B among the gallery's ``shown`` (rows, 10) test images (in a
        worker, see :func:`app.paths.analysis.default_pair`), unless a pair is picked
        before it is done."""
        candidates = [shown[:, label][shown[:, label] >= 0] for label in DEFAULT_PAIR_CLASSES]
        if self._models is None or any(len(c) == 0 for c in candidates):
            return
        self._default_pair.discard_running()
        self._default_pair.submit(default_pair_job, (self._source, self._models, candidates))

    def _on_default_pair(self, result: tuple[PathsModels, tuple[int, int]]) -> None:
        models, (a, b) = result
        if models is self._models and self.pair is None:
            self.update(image_a=a, image_b=b)

    def _reanalyse(self) -> None:
        pair = self.pair
        if pair is None or self._models is None:
            return
        self._runner.discard_running()
        self._runner.submit(
            analyse_job, (self._source, self._models, pair, self.settings.strip_samples)
        )

    def _on_pair_ready(self, analysis: PairAnalysis) -> None:
        if analysis.request != self.pair or self._models is None:
            return
        self._analysis = analysis
        self.pair_ready.emit(analysis)

    def _on_pair_failed(self, error: BaseException) -> None:
        self.failed.emit(f"The path could not be computed: {type(error).__name__}: {error}")

    def shutdown(self, timeout_ms: int = 20_000) -> None:
        """Stop reading, training and analysis, and wait for the workers."""
        self._reader.cancel()
        self._default_pair.cancel()
        self._runner.cancel()
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        QThreadPool.globalInstance().waitForDone(timeout_ms)
