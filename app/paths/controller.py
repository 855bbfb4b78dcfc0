"""Session state of the Paths page: the digits, the trained models and the chosen pair.

Training (a classifier and an autoencoder, then the decoder's cells and a survey of random
paths) runs in a superqt generator worker that reports progress and stops at the next
epoch when cancelled. Trained models are kept for the session, one set per data set and
latent dimension, so switching back is instant. Analysing a pair (the exact walk, the
strip, the slice's cells) runs on a :class:`NewestOnlyRunner`: clicking through the
gallery faster than it computes draws only the newest pair.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Generator
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import torch
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, create_worker
from torch import nn

from app.jobs.newest_only import NewestOnlyRunner
from engine.digit_models import Autoencoder, EpochProgress, train_autoencoder, train_classifier
from engine.digits import DigitImages, load_digits, load_mnist_idx, train_test_split
from engine.latent_paths import (
    ClassifierWalk,
    LatentPath,
    LatentView,
    PathSurvey,
    latent_plane,
    latent_view,
    survey_paths,
    to_plane,
    walk_classifier,
    walk_latent_path,
)

LATENT_DIMS = (2, 16)
#: Most training images used for MNIST (the models must train in about a minute).
MNIST_TRAIN_LIMIT = 10_000
SKLEARN_NAME = "scikit-learn 8x8 digits"


@dataclass(frozen=True)
class PathsSettings:
    """What the page trains.

    Attributes
    ----------
    hidden : encoder widths (the decoder mirrors them) and classifier widths.
    autoencoder_epochs, classifier_epochs : epochs for 1,437 images; larger data sets
        train proportionally fewer (at least 5).
    survey_pairs : random pairs of training codes in the cells-vs-length survey.
    strip_samples : most images in the strip.
    seed : seeds the split, the weights, the batches and the survey.
    """

    hidden: tuple[int, ...] = (64, 32)
    autoencoder_epochs: int = 150
    classifier_epochs: int = 30
    survey_pairs: int = 300
    strip_samples: int = 13
    seed: int = 0

    def epochs_for(self, epochs: int, n_images: int) -> int:
        return max(5, round(epochs * min(1.0, 1437 / max(n_images, 1))))


@dataclass(frozen=True)
class DigitSource:
    """A data set split for the page: models train on ``train``, pairs come from ``test``.

    ``files`` are the absolute paths of the MNIST image and label files it was read from,
    or None for scikit-learn's digits (what a session stores to read it again).
    """

    name: str
    train: DigitImages
    test: DigitImages
    files: tuple[str, str] | None = None


@dataclass(frozen=True)
class TrainedNetworks:
    """The two networks trained for one data set and latent dimension: what a session
    keeps (everything else in :class:`PathsModels` is computed from them in a moment)."""

    autoencoder: Autoencoder
    classifier: nn.Sequential

    @property
    def latent_dim(self) -> int:
        return self.autoencoder.latent_dim


@dataclass(frozen=True)
class PathsModels:
    """Everything trained once per data set and latent dimension.

    Attributes
    ----------
    autoencoder, classifier : float64 Linear/ReLU models.
    codes : (N, k) latent codes of the training images.
    view : the decoder's cells over the latent plane (k == 2), else None (slices are per pair).
    survey : cells crossed against latent length for random pairs of training codes.
    classifier_accuracy : accuracy on the test images.
    """

    autoencoder: Autoencoder
    classifier: nn.Sequential
    codes: np.ndarray
    view: LatentView | None
    survey: PathSurvey
    classifier_accuracy: float

    @property
    def latent_dim(self) -> int:
        return self.autoencoder.latent_dim

    @property
    def networks(self) -> TrainedNetworks:
        return TrainedNetworks(self.autoencoder, self.classifier)


@dataclass(frozen=True)
class TrainingStage:
    """Progress of :func:`prepare_models`: a stage name and its share done, in [0, 1]."""

    stage: str
    fraction: float
    detail: str = ""


def _relay(
    run: Generator[EpochProgress, None, object], stage: str
) -> Generator[TrainingStage, None, object]:
    while True:
        try:
            progress = next(run)
        except StopIteration as stop:
            return stop.value
        detail = f"epoch {progress.epoch}/{progress.epochs}, loss {progress.loss:.4f}"
        if np.isfinite(progress.accuracy):
            detail += f", accuracy {progress.accuracy:.1%}"
        yield TrainingStage(stage, progress.fraction, detail)


def prepare_models(
    source: DigitSource,
    latent_dim: int,
    settings: PathsSettings,
    networks: TrainedNetworks | None = None,
) -> Generator[TrainingStage, None, PathsModels]:
    """Train the classifier and the autoencoder (unless ``networks`` are given, e.g. from a
    session), then cut the latent plane and survey paths."""
    if networks is None:
        networks = yield from train_networks(source, latent_dim, settings)
    return (yield from derive_models(source, networks, settings))


def train_networks(
    source: DigitSource, latent_dim: int, settings: PathsSettings
) -> Generator[TrainingStage, None, TrainedNetworks]:
    """Train the classifier, then the autoencoder, on ``source.train``."""
    train = source.train
    seed = settings.seed
    classifier = yield from _relay(
        train_classifier(
            train.flat,
            train.labels,
            settings.hidden,
            epochs=settings.epochs_for(settings.classifier_epochs, len(train)),
            seed=seed,
        ),
        "Training the classifier",
    )
    autoencoder = yield from _relay(
        train_autoencoder(
            train.flat,
            settings.hidden,
            latent_dim,
            epochs=settings.epochs_for(settings.autoencoder_epochs, len(train)),
            seed=seed,
        ),
        f"Training the autoencoder (latent dimension {latent_dim})",
    )
    return TrainedNetworks(autoencoder, classifier)


def derive_models(
    source: DigitSource, networks: TrainedNetworks, settings: PathsSettings
) -> Generator[TrainingStage, None, PathsModels]:
    """What the page shows of trained networks: training codes, the latent plane's cells
    (latent dimension 2), the survey of random paths and the classifier's test accuracy."""
    train, seed = source.train, settings.seed
    autoencoder, classifier = networks.autoencoder, networks.classifier
    yield TrainingStage("Cutting the latent space into cells", 0.0)
    codes = autoencoder.encode(train.flat)
    two_d = autoencoder.latent_dim == 2
    view = latent_view(autoencoder.decoder, codes, train.labels) if two_d else None
    yield TrainingStage("Counting cells along random paths", 0.5)
    survey = survey_paths(autoencoder.decoder, codes, settings.survey_pairs, seed=seed)
    with torch.no_grad():
        predicted = classifier(torch.as_tensor(source.test.flat)).argmax(dim=1).numpy()
    accuracy = float(np.mean(predicted == source.test.labels))
    return PathsModels(autoencoder, classifier, codes, view, survey, accuracy)


@dataclass(frozen=True)
class PairRequest:
    """A pair to analyse: rows of the test images, and an optional third for the slice."""

    index_a: int
    index_b: int
    index_c: int | None = None


@dataclass(frozen=True)
class PairAnalysis:
    """Everything the page shows for one pair.

    Attributes
    ----------
    request : the pair.
    path : the exact decoded walk and its strip.
    view : the decoder's cells on screen (the latent plane, or the slice of this path).
    ends : (2, 2) the path's ends in view coordinates.
    crossing_points : (K, 2) its crossings in view coordinates.
    classifier_walk : the classifier along the pixel-space segment between the two images.
    third_point : (2,) the slice's third point in view coordinates, or None.
    """

    request: PairRequest
    path: LatentPath
    view: LatentView
    ends: np.ndarray
    crossing_points: np.ndarray
    classifier_walk: ClassifierWalk
    third_point: np.ndarray | None


def analyse_pair(
    source: DigitSource, models: PathsModels, request: PairRequest, strip_samples: int
) -> PairAnalysis:
    """The exact walk of one pair through the decoder and the classifier (a worker job)."""
    test = source.test
    x_a, x_b = test.flat[request.index_a], test.flat[request.index_b]
    z_a, z_b = models.autoencoder.encode(np.stack([x_a, x_b]))
    path = walk_latent_path(
        models.autoencoder.decoder,
        z_a,
        z_b,
        x_a,
        x_b,
        source.train.flat,
        max_samples=strip_samples,
    )
    points = path.crossings.points()
    third = None
    if models.view is not None:
        view = models.view
        ends = np.stack([z_a, z_b])
    else:
        z_c = None
        if request.index_c is not None:
            z_c = models.autoencoder.encode(test.flat[request.index_c : request.index_c + 1])[0]
        plane = latent_plane(z_a, z_b, z_c)
        view = latent_view(
            models.autoencoder.decoder,
            models.codes,
            source.train.labels,
            plane=plane,
            path=(z_a, z_b),
        )
        ends = to_plane(np.stack([z_a, z_b]), plane)
        points = to_plane(points, plane)
        third = to_plane(np.zeros(len(z_a)) if z_c is None else z_c, plane)[0]
    walk = walk_classifier(models.classifier, x_a, x_b)
    return PairAnalysis(request, path, view, ends, points, walk, third)


def load_source(images_path: str | None = None, labels_path: str | None = None) -> DigitSource:
    """scikit-learn's digits (no paths), or MNIST IDX files capped at the training limit."""
    files = None
    if images_path is None:
        digits, name = load_digits(), SKLEARN_NAME
    else:
        digits = load_mnist_idx(images_path, labels_path)
        name = "MNIST IDX files"
        files = (os.path.abspath(images_path), os.path.abspath(labels_path))
    train, test = train_test_split(digits, 0.2, seed=0)
    if len(train) > MNIST_TRAIN_LIMIT:
        train = train.subset(np.arange(MNIST_TRAIN_LIMIT))
        name += f" (first {MNIST_TRAIN_LIMIT:,} training images)"
    if len(test) > 2000:
        test = test.subset(np.arange(2000))
    return DigitSource(name, train, test, files)


class PathsController(QObject):
    """The data, the models (trained on demand, cached), and the pair being analysed."""

    source_changed = Signal(object)  # DigitSource
    training_started = Signal(int)  # latent dimension
    training_progress = Signal(object)  # TrainingStage
    training_finished = Signal(str)  # "done", "cancelled" or "failed"
    models_ready = Signal(object)  # PathsModels
    pair_ready = Signal(object)  # PairAnalysis
    failed = Signal(str)

    def __init__(
        self, settings: PathsSettings | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings or PathsSettings()
        self._source: DigitSource | None = None
        self._latent_dim = LATENT_DIMS[0]
        self._cache: dict[tuple[str, int], PathsModels] = {}
        #: Trained networks by (data set name, latent dimension): from training or a session.
        self._networks: dict[tuple[str, int], TrainedNetworks] = {}
        self._models: PathsModels | None = None
        self._worker: GeneratorWorker | None = None
        self._worker_ticket = 0
        self._restored_after_ticket = 0  # runs up to this ticket trained for another session
        self._result: PathsModels | None = None
        self._pair: PairRequest | None = None
        self._analysis: PairAnalysis | None = None
        self._runner = NewestOnlyRunner(self)
        self._runner.result_ready.connect(self._on_pair_ready)
        self._runner.job_failed.connect(self._on_pair_failed)

    # --- data -----------------------------------------------------------------------------

    @property
    def source(self) -> DigitSource | None:
        return self._source

    def set_source(self, source: DigitSource) -> None:
        """Use ``source``; trains (or reuses) the models for it."""
        self._source = source
        self._pair = None
        self._analysis = None
        self.source_changed.emit(source)
        self.prepare()

    def load_mnist(self, images_path: str, labels_path: str) -> None:
        """Load MNIST IDX files; a bad file is reported through ``failed``."""
        try:
            source = load_source(images_path, labels_path)
        except (OSError, ValueError) as error:
            self.failed.emit(f"Could not load the MNIST files: {error}")
            return
        self.set_source(source)

    # --- models ---------------------------------------------------------------------------

    @property
    def latent_dim(self) -> int:
        return self._latent_dim

    def set_latent_dim(self, latent_dim: int) -> None:
        if latent_dim != self._latent_dim:
            self._latent_dim = int(latent_dim)
            self.prepare()

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
        latent_dim: int,
        networks: dict[int, TrainedNetworks],
        pair: PairRequest | None,
        *,
        prepare: bool,
    ) -> None:
        """Show a saved session: its data, latent dimension, trained networks and pair.

        Models trained before are forgotten (they belong to the session on screen). With
        ``prepare``, the models of ``latent_dim`` are made at once: derived from
        ``networks`` when it holds them (no training), else trained; otherwise that waits
        for :meth:`prepare` (the page's first show). A ``source`` of None (a session saved
        before the page read any data) is read by :meth:`prepare`; it has no networks.
        """
        self._runner.cancel()
        self._stop_worker()
        self._cache.clear()
        self._restored_after_ticket = self._worker_ticket
        self._networks = {}
        if source is not None:
            self._networks = {(source.name, dim): nets for dim, nets in networks.items()}
        self._source = source
        self._latent_dim = int(latent_dim)
        self._models = None
        self._analysis = None
        if source is not None:
            self.source_changed.emit(source)
        self._pair = pair
        if prepare:
            self.prepare()

    def _key(self) -> tuple[str, int]:
        return (self._source.name, self._latent_dim)

    def prepare(self) -> None:
        """Show the cached models of the current choice, or train them in a worker."""
        if self._source is None:
            self._source = load_source()
            self.source_changed.emit(self._source)
        self._models = self._cache.get(self._key())
        self._analysis = None
        self._runner.cancel()
        if self._models is not None:
            self._stop_worker()
            self.models_ready.emit(self._models)
            self._reanalyse()
            return
        self._stop_worker()
        self._worker_ticket += 1
        ticket = self._worker_ticket
        worker = create_worker(
            prepare_models,
            self._source,
            self._latent_dim,
            self.settings,
            self._networks.get(self._key()),
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.yielded.connect(partial(self._on_progress, ticket))
        worker.returned.connect(partial(self._on_trained, ticket, self._key()))
        worker.errored.connect(partial(self._on_training_error, ticket))
        worker.finished.connect(partial(self._on_training_finished, ticket))
        self._worker = worker
        self._result = None
        self.training_started.emit(self._latent_dim)
        QThreadPool.globalInstance().start(worker)

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
        return self._pair

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
        self._pair = PairRequest(int(index_a), int(index_b), index_c)
        self._reanalyse()

    def random_pair(
        self, class_a: int | None, class_b: int | None, rng: np.random.Generator
    ) -> None:
        """Pick a random test image of each class (None: any class) and analyse the pair."""
        labels = self._source.test.labels
        first = rng.choice(
            np.flatnonzero(labels == class_a) if class_a is not None else len(labels)
        )
        pool = np.flatnonzero(labels == class_b) if class_b is not None else np.arange(len(labels))
        pool = pool[pool != first]
        self.choose_pair(int(first), int(rng.choice(pool)))

    def set_third(self, index_c: int | None) -> None:
        """The slice's third point: test image ``index_c``, or the origin (None)."""
        if self._pair is not None and self._pair.index_c != index_c:
            self._pair = replace(self._pair, index_c=index_c)
            self._reanalyse()

    def _reanalyse(self) -> None:
        if self._pair is None or self._models is None:
            return
        self._runner.discard_running()
        self._runner.submit(
            _analyse_job, (self._source, self._models, self._pair, self.settings.strip_samples)
        )

    def _on_pair_ready(self, analysis: PairAnalysis) -> None:
        if analysis.request != self._pair or self._models is None:
            return
        self._analysis = analysis
        self.pair_ready.emit(analysis)

    def _on_pair_failed(self, error: BaseException) -> None:
        self.failed.emit(f"The path could not be computed: {type(error).__name__}: {error}")

    def shutdown(self, timeout_ms: int = 20_000) -> None:
        """Stop training and analysis, and wait for the workers."""
        self._runner.cancel()
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        QThreadPool.globalInstance().waitForDone(timeout_ms)


def _analyse_job(argument: tuple) -> PairAnalysis:
    source, models, request, strip_samples = argument
    return analyse_pair(source, models, request, strip_samples)
