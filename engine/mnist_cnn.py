"""A LeNet-sized CNN for MNIST's 28x28 digits, trained here on IDX files the user has.

Architecture (:func:`mnist_cnn`), input (N, 1, 28, 28) grey levels in [0, 1]::

    Conv2d 1->6 (5x5, padding 2), BatchNorm2d, ReLU, MaxPool 2x2    -> (N, 6, 14, 14)
    Conv2d 6->16 (5x5), BatchNorm2d, ReLU, MaxPool 2x2              -> (N, 16, 5, 5)
    Flatten, Linear 400->84, ReLU, Linear 84->10                    -> (N, 10) logits

Every layer is piecewise linear (BatchNorm in eval mode is affine), so
:func:`engine.partition2d.partition_2d` cuts any plane of its input space into its exact
cells. MNIST is not shipped (nor downloaded): :func:`fit_mnist_files` reads a pair of IDX
files (:func:`engine.digits.load_mnist_idx`, bounded reads), splits them 80/20 (seed 0),
trains on at most :data:`TRAIN_LIMIT` of the training part for :data:`EPOCHS` epochs on
one CPU thread (seeded: the same files and seed give the same weights) and measures the
accuracy on at most :data:`TEST_LIMIT` held-out images.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.digits import DigitImages, load_mnist_idx, train_test_split
from engine.digits_cnn import (
    LEARNING_RATE,
    accuracy,
    checked_training_set,
    load_checked_weights,
    seeded_model,
    train_classifier,
)

#: The network's input shape (one grey 28x28 image).
INPUT_SHAPE = (1, 28, 28)
#: Most training images used (the first of the training part), so that two epochs take
#: about a minute on two cores.
TRAIN_LIMIT = 10_000
#: Most held-out images kept (the gallery's and the accuracy's).
TEST_LIMIT = 2_000
EPOCHS = 2
TEST_FRACTION = 0.2
SPLIT_SEED = 0
#: Fewest images a pair of files must hold (the held-out part needs three anchors).
MIN_IMAGES = 20


def mnist_cnn(seed: int = 0) -> nn.Sequential:
    """The untrained network, its weights drawn with ``seed``; in eval mode."""

    def build() -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 84), nn.ReLU(), nn.Linear(84, 10),
        )  # fmt: skip

    return seeded_model(seed, build)


def digits_at_28(digits: DigitImages) -> DigitImages:
    """8x8 digits drawn at MNIST's size: (N, 8, 8) -> (N, 28, 28), each pixel a 3x3 block,
    padded by 2 on every side (MNIST's digits sit in a 20x20 box of a 28x28 frame).
    The labels are kept; grey levels stay in [0, 1]."""
    images = np.asarray(digits.images, dtype=np.float64)
    if images.shape[1:] != (8, 8):
        raise ValueError(f"need 8x8 digits, got images of shape {images.shape[1:]}")
    enlarged = np.pad(np.kron(images, np.ones((1, 3, 3))), ((0, 0), (2, 2), (2, 2)))
    return DigitImages(enlarged, digits.labels)


def mnist_split(digits: DigitImages, name: str = "the images") -> tuple[DigitImages, DigitImages]:
    """(train, test): 80/20 at random (seed 0), at most :data:`TRAIN_LIMIT` and
    :data:`TEST_LIMIT` of them (the first of each part). ``ValueError`` in one sentence
    for images that are not 28x28, too few, or labels that are not digits 0 to 9."""
    if digits.shape != INPUT_SHAPE[1:]:
        h, w = digits.shape
        raise ValueError(f"{name} are {h}x{w} images; the MNIST CNN takes 28x28 images.")
    if len(digits) < MIN_IMAGES:
        raise ValueError(f"{name} are {len(digits)} images; at least {MIN_IMAGES} are needed.")
    if digits.labels.min() < 0 or digits.labels.max() > 9:
        raise ValueError(f"{name} have labels outside the digits 0 to 9.")
    train, test = train_test_split(digits, TEST_FRACTION, seed=SPLIT_SEED)
    train = train.subset(np.arange(min(len(train), TRAIN_LIMIT)))
    test = test.subset(np.arange(min(len(test), TEST_LIMIT)))
    return train, test


def train_mnist_cnn(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    seed: int = 0,
    epochs: int = EPOCHS,
    progress: Callable[[float], None] | None = None,
) -> nn.Sequential:
    """Train :func:`mnist_cnn` with Adam on ``images`` (N, 28, 28) and ``labels`` (N,).

    Seeded (initial weights and batch order from ``seed``) and run on one CPU thread: the
    same seed, data and torch build give the same weights. ``progress(fraction)`` is
    called after every batch; what it raises (a cancel) stops the training and
    propagates. Returns the network (float32) in eval mode.
    """
    images, labels = checked_training_set(images, labels, INPUT_SHAPE[1:], epochs)
    model = mnist_cnn(seed)
    return train_classifier(
        model,
        images,
        labels,
        seed=seed,
        epochs=epochs,
        learning_rate=LEARNING_RATE,
        progress=progress,
    )


def images_digest(*sets: DigitImages) -> str:
    """A BLAKE2b digest (hex) of the images and labels of ``sets``, in order."""
    digest = hashlib.blake2b(digest_size=16)
    for images in sets:
        digest.update(np.ascontiguousarray(images.images, dtype=np.float64).tobytes())
        digest.update(np.ascontiguousarray(images.labels, dtype=np.int64).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class TrainedMnistCnn:
    """The MNIST CNN trained on a pair of IDX files, and the data it was trained on.

    Attributes
    ----------
    model : the network, float32, eval mode.
    train : (N, 28, 28) the images trained on, with their labels.
    test : (M, 28, 28) held-out images (the gallery's), with their labels.
    files : absolute paths of the image and label files, or None for images given directly.
    seed, epochs : the training's seed and epochs.
    test_accuracy : share of ``test`` the network classifies right.
    """

    model: nn.Sequential
    train: DigitImages
    test: DigitImages
    files: tuple[str, str] | None
    seed: int
    epochs: int
    test_accuracy: float

    @property
    def summary(self) -> str:
        """``trained on 10,000 images, 2 epochs, test accuracy 97.1% (2,000 images)``."""
        plural = "epoch" if self.epochs == 1 else "epochs"
        return (
            f"trained on {len(self.train):,} images, {self.epochs} {plural}, test accuracy "
            f"{100 * self.test_accuracy:.1f}% ({len(self.test):,} images)"
        )

    @property
    def digest(self) -> str:
        """:func:`images_digest` of the training and held-out images."""
        return images_digest(self.train, self.test)


def fit_mnist_cnn(
    digits: DigitImages,
    *,
    seed: int = 0,
    epochs: int = EPOCHS,
    progress: Callable[[float], None] | None = None,
    files: tuple[str, str] | None = None,
) -> TrainedMnistCnn:
    """Split ``digits`` (:func:`mnist_split`), train on the training part, measure the
    held-out accuracy. ``progress`` as in :func:`train_mnist_cnn`."""
    name = "the images" if files is None else f"the images of {Path(files[0]).name}"
    train, test = mnist_split(digits, name)
    model = train_mnist_cnn(train.images, train.labels, seed=seed, epochs=epochs, progress=progress)
    score = accuracy(model, test.images, test.labels)
    return TrainedMnistCnn(model, train, test, files, seed, epochs, score)


def read_mnist_files(
    images_path: str | os.PathLike, labels_path: str | os.PathLike
) -> tuple[DigitImages, tuple[str, str]]:
    """The digits of a pair of IDX files (bounded reads) and their absolute paths."""
    digits = load_mnist_idx(images_path, labels_path)
    return digits, (os.path.abspath(images_path), os.path.abspath(labels_path))


def fit_mnist_files(
    images_path: str | os.PathLike,
    labels_path: str | os.PathLike,
    *,
    seed: int = 0,
    epochs: int = EPOCHS,
    progress: Callable[[float], None] | None = None,
) -> TrainedMnistCnn:
    """Read a pair of MNIST IDX files and :func:`fit_mnist_cnn` on them.

    Raises ``ValueError`` in one sentence for a file that is not an IDX file of its kind,
    images that are not 28x28, too few or mismatched labels; ``OSError`` for a file that
    cannot be read. ``progress(0.0)`` is called once the files are read.
    """
    digits, files = read_mnist_files(images_path, labels_path)
    if progress is not None:
        progress(0.0)
    return fit_mnist_cnn(digits, seed=seed, epochs=epochs, progress=progress, files=files)


def mnist_cnn_from_tensors(tensors: dict[str, torch.Tensor], name: str) -> nn.Sequential:
    """The network with ``tensors`` (its state dict, as :func:`mnist_cnn_tensors` gives);
    ``ValueError`` naming ``name`` for tensors that are not exactly its own, finite."""
    return load_checked_weights(mnist_cnn(0), tensors, name, "the MNIST CNN")


def mnist_cnn_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    """The network's weights and BatchNorm statistics, detached copies."""
    return {name: t.detach().contiguous().clone() for name, t in model.state_dict().items()}
