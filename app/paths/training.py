"""What the Paths page trains: its data, the classifier and the autoencoder, and what is
derived from them (the latent codes, the decoder's cells, the survey of random paths).

Everything here runs in a worker: :func:`load_source` reads the data, :func:`prepare_models`
is a generator that trains (or takes a session's networks, or the networks shipped in
``resources/models`` when the page's defaults ask for exactly those) and yields its progress.

The shipped networks are read as numpy layers and run with numpy
(:mod:`engine.shipped_digit_layers`): the page's first pair needs no torch, which is
imported (about a second) only to train, or once the window imports the other pages.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.paths.state import TEST_LIMIT, PathsSettings
from engine.digit_networks import Autoencoder, network_outputs
from engine.digits import DigitImages, load_digits, load_mnist_idx, train_test_split
from engine.gc_pause import paused_gc
from engine.latent_paths import LatentView, PathSurvey, latent_view, survey_paths
from engine.networks import NetworkLayers
from engine.shipped_digit_layers import SHIPPED_RECIPE, load_digit_layers, training_digest

if TYPE_CHECKING:
    from torch import nn

    from engine.digit_models import EpochProgress

#: Most training images used for MNIST (the models must train in about a minute).
MNIST_TRAIN_LIMIT = 10_000
SKLEARN_NAME = "scikit-learn 8x8 digits"


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
    classifier: nn.Sequential | NetworkLayers
    shipped: bool = False

    @property
    def latent_dim(self) -> int:
        return self.autoencoder.latent_dim


@dataclass(frozen=True)
class PathsModels:
    """Everything trained once per data set and latent dimension.

    Attributes
    ----------
    autoencoder, classifier : float64 Linear/ReLU models (torch's, or numpy layers for the
        shipped ones).
    codes : (N, k) latent codes of the training images.
    view : the decoder's cells over the latent plane (k == 2), else None (slices are per pair).
    survey : cells crossed against latent length for random pairs of training codes.
    classifier_accuracy : accuracy on the test images.
    shipped : whether the networks are the ones shipped with Splinescope (not trained here).
    """

    autoencoder: Autoencoder
    classifier: nn.Sequential | NetworkLayers
    codes: np.ndarray
    view: LatentView | None
    survey: PathSurvey
    classifier_accuracy: float
    shipped: bool = False

    @property
    def latent_dim(self) -> int:
        return self.autoencoder.latent_dim

    @property
    def networks(self) -> TrainedNetworks:
        return TrainedNetworks(self.autoencoder, self.classifier, self.shipped)


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
    *,
    shipped: bool = True,
) -> Generator[TrainingStage, None, PathsModels]:
    """Train the classifier and the autoencoder (unless ``networks`` are given, e.g. from a
    session, or ``shipped`` allows the shipped ones and they fit), then cut the latent plane
    and survey paths; the garbage collector is paused throughout (see
    :func:`train_networks`)."""
    with paused_gc():
        if networks is None and shipped and shipped_recipe_fits(source, latent_dim, settings):
            yield TrainingStage("Reading the shipped models", 0.0)
            networks = shipped_networks(source)
        if networks is None:
            networks = yield from train_networks(source, latent_dim, settings)
        return (yield from derive_models(source, networks, settings))


def train_networks(
    source: DigitSource, latent_dim: int, settings: PathsSettings
) -> Generator[TrainingStage, None, TrainedNetworks]:
    """Train the classifier, then the autoencoder, on ``source.train``.

    Python's garbage collector is paused while they train (``engine.gc_pause``): a full
    collection in the middle held the GIL for 208 ms and froze the window (measured with
    ``benchmarks/event_loop_gaps.py --paths-training``)."""
    with paused_gc():
        return (yield from _train_networks(source, latent_dim, settings))


def _train_networks(
    source: DigitSource, latent_dim: int, settings: PathsSettings
) -> Generator[TrainingStage, None, TrainedNetworks]:
    from engine.digit_models import train_autoencoder, train_classifier  # torch, a second

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
    predicted = network_outputs(classifier, source.test.flat).argmax(axis=1)
    accuracy = float(np.mean(predicted == source.test.labels))
    return PathsModels(
        autoencoder, classifier, codes, view, survey, accuracy, shipped=networks.shipped
    )


def shipped_recipe_fits(source: DigitSource, latent_dim: int, settings: PathsSettings) -> bool:
    """Whether the shipped networks are what training would make here: scikit-learn's
    digits and the recipe's widths, epochs, seed and latent dimension."""
    recipe = SHIPPED_RECIPE
    return (
        source.files is None
        and latent_dim == recipe["latent_dim"]
        and list(settings.hidden) == list(recipe["hidden"])
        and settings.seed == recipe["seed"]
        and settings.epochs_for(settings.classifier_epochs, len(source.train))
        == recipe["classifier_epochs"]
        and settings.epochs_for(settings.autoencoder_epochs, len(source.train))
        == recipe["autoencoder_epochs"]
    )


def shipped_networks(source: DigitSource) -> TrainedNetworks | None:
    """The shipped networks (numpy layers), if their file reads and they were trained on
    ``source.train``; else None (the page trains instead, and says why on stderr)."""
    try:
        networks = load_digit_layers()
    except (OSError, ValueError) as error:
        print(f"splinescope: the shipped digits models cannot be used: {error}", file=sys.stderr)
        return None
    if networks.data_digest != training_digest(source.train):
        print(
            "splinescope: the shipped digits models were trained on other images; training.",
            file=sys.stderr,
        )
        return None
    autoencoder = Autoencoder(networks.encoder, networks.decoder)
    return TrainedNetworks(autoencoder, networks.classifier, shipped=True)


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
    if len(test) > TEST_LIMIT:
        test = test.subset(np.arange(TEST_LIMIT))
    return DigitSource(name, train, test, files)
