"""The shipped digits CNN: a small convolutional network for scikit-learn's 8x8 digits.

Architecture (:func:`digits_cnn`), input (N, 1, 8, 8) grey levels in [0, 1]::

    Conv2d 1->6 (3x3, padding 1), BatchNorm2d, ReLU, MaxPool 2x2     -> (N, 6, 4, 4)
    Conv2d 6->16 (3x3, padding 1), BatchNorm2d, ReLU, MaxPool 2x2    -> (N, 16, 2, 2)
    Flatten, Linear 64->32, ReLU, Linear 32->10                     -> (N, 10) logits

Every layer is piecewise linear (BatchNorm in eval mode is affine), so
:func:`engine.partition2d.partition_2d` cuts any plane of its input space into its exact
cells. :func:`train_digits_cnn` trains it, seeded, on the training part of
``train_test_split(load_digits(), 0.2, seed=0)``; :func:`save_digits_cnn` and
:func:`load_digits_cnn` write and read its weights as safetensors (never pickle).

``python -m engine.digits_cnn`` retrains it and writes
``resources/models/digits_cnn.safetensors`` (the file the app ships), printing the test
accuracy.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.digits import DigitImages, load_digits, train_test_split
from engine.safe_files import read_regular_file, write_bytes_atomically

#: The file the app ships, relative to the repository root.
SHIPPED_WEIGHTS = Path(__file__).resolve().parents[1] / "resources/models/digits_cnn.safetensors"
#: The network's input shape (one grey 8x8 image).
INPUT_SHAPE = (1, 8, 8)
#: The split of the digits the shipped network was trained and tested on.
TEST_FRACTION = 0.2
SPLIT_SEED = 0
#: Training defaults (the shipped file's).
EPOCHS = 8
LEARNING_RATE = 3e-3
BATCH_SIZE = 64
#: Largest weights file read (the shipped one is about 30 kB).
MAX_WEIGHTS_BYTES = 4 << 20


def seeded_model(seed: int, build: Callable[[], nn.Module]) -> nn.Module:
    """``build()`` with torch's generator seeded by ``seed`` (and put back afterwards), in
    eval mode: the same seed gives the same weights whatever ran before."""
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = build()
    finally:
        torch.random.set_rng_state(generator_state)
    return model.eval()


def digits_cnn(seed: int = 0) -> nn.Sequential:
    """The untrained network, its weights drawn with ``seed``; in eval mode."""

    def build() -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10),
        )  # fmt: skip

    return seeded_model(seed, build)


def digits_split() -> tuple[DigitImages, DigitImages]:
    """(train, test): the split the shipped network was trained and tested on."""
    return train_test_split(load_digits(), TEST_FRACTION, seed=SPLIT_SEED)


def train_digits_cnn(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    seed: int = 0,
    epochs: int = EPOCHS,
    learning_rate: float = LEARNING_RATE,
) -> nn.Sequential:
    """Train :func:`digits_cnn` with Adam on ``images`` (N, 8, 8) and ``labels`` (N,).

    Seeded: the initial weights and the batch order come from ``seed``; the same seed,
    data and torch build give the same weights (the computation runs on one CPU thread
    for that). Returns the network in eval mode.
    """
    images, labels = checked_training_set(images, labels, INPUT_SHAPE[1:], epochs)
    model = digits_cnn(seed)
    return train_classifier(
        model, images, labels, seed=seed, epochs=epochs, learning_rate=learning_rate
    )


def checked_training_set(
    images: np.ndarray, labels: np.ndarray, image_shape: tuple[int, int], epochs: int
) -> tuple[np.ndarray, np.ndarray]:
    """``images`` (N, h, w) float64 and ``labels`` (N,) int64, checked for training a
    digit classifier on ``image_shape`` images for ``epochs`` epochs; ``ValueError`` else."""
    images = np.asarray(images, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if images.ndim != 3 or images.shape[1:] != tuple(image_shape) or len(labels) != len(images):
        h, w = image_shape
        raise ValueError(
            f"need (N, {h}, {w}) images and (N,) labels, got {images.shape} and {labels.shape}"
        )
    if len(images) == 0 or not np.isfinite(images).all():
        raise ValueError("need at least one image, with finite grey levels")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError("labels must be classes 0 to 9")
    if not (isinstance(epochs, int) and 1 <= epochs <= 1000):
        raise ValueError(f"epochs must be a whole number from 1 to 1000, got {epochs!r}")
    return images, labels


def train_classifier(
    model: nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    seed: int,
    epochs: int,
    learning_rate: float = LEARNING_RATE,
    progress: Callable[[float], None] | None = None,
) -> nn.Module:
    """Train ``model`` with Adam and cross-entropy on checked ``images`` (N, h, w) and
    ``labels`` (N,), batches of :data:`BATCH_SIZE` in an order drawn from ``seed``.

    Runs on one CPU thread (reductions in a fixed order: reproducible weights).
    ``progress(fraction)`` is called after every batch with the share done; whatever it
    raises (a cancel) stops the training and propagates. Returns ``model`` in eval mode.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(images[:, None].astype(np.float32))
    y = torch.from_numpy(labels)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    n_batches = epochs * -(-len(x) // BATCH_SIZE)
    done = 0
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model.train()
        for _ in range(epochs):
            for batch in torch.randperm(len(x), generator=generator).split(BATCH_SIZE):
                optimiser.zero_grad()
                nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
                optimiser.step()
                done += 1
                if progress is not None:
                    progress(done / n_batches)
    finally:
        torch.set_num_threads(threads)
        model.eval()
    return model


def accuracy(model: nn.Module, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of ``images`` (N, 8, 8) whose predicted class equals ``labels`` (N,)."""
    with torch.no_grad():
        x = torch.from_numpy(np.asarray(images, dtype=np.float32)[:, None])
        guess = model(x).argmax(1).numpy()
    return float((guess == np.asarray(labels)).mean())


def save_digits_cnn(model: nn.Module, path: str | os.PathLike) -> Path:
    """Write the network's weights and BatchNorm statistics to ``path`` as safetensors."""
    from safetensors.torch import save

    tensors = {name: t.detach().contiguous().clone() for name, t in model.state_dict().items()}
    return write_bytes_atomically(path, save(tensors))


def load_digits_cnn(path: str | os.PathLike = SHIPPED_WEIGHTS) -> nn.Sequential:
    """The network with the weights of a safetensors file written by :func:`save_digits_cnn`.

    Raises ``ValueError`` in one sentence for a file that is not such a file (not
    safetensors, missing or extra tensors, wrong shapes, non-finite values), ``OSError``
    for one that cannot be read.
    """
    from safetensors.torch import load

    name = Path(path).name
    data = read_regular_file(path, MAX_WEIGHTS_BYTES, "weights file")
    try:
        tensors = load(data)
    except Exception as error:  # safetensors raises its own error types
        raise ValueError(f"{name} is not a safetensors file ({error}).") from None
    return load_checked_weights(digits_cnn(0), tensors, name, "the digits CNN")


def load_checked_weights(
    model: nn.Module, tensors: dict[str, torch.Tensor], name: str, what: str
) -> nn.Module:
    """``model`` (in eval mode) with ``tensors`` as its state dict, after checking that
    they are exactly its tensors, of its shapes and types, and finite; else ``ValueError``
    in one sentence naming ``name`` (the file) and ``what`` (the network)."""
    expected = model.state_dict()
    if set(tensors) != set(expected):
        missing = sorted(set(expected) - set(tensors))
        extra = sorted(set(tensors) - set(expected))
        raise ValueError(
            f"{name} does not hold {what}'s weights (missing {missing}, extra {extra})."
        )
    for key, tensor in tensors.items():
        if tensor.shape != expected[key].shape or tensor.dtype != expected[key].dtype:
            raise ValueError(
                f"{name}: {key} is {tuple(tensor.shape)} {tensor.dtype}, {what} "
                f"needs {tuple(expected[key].shape)} {expected[key].dtype}."
            )
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ValueError(f"{name}: {key} holds values that are not finite.")
    model.load_state_dict(tensors)
    return model.eval()


@dataclass(frozen=True)
class TrainingReport:
    """What :func:`retrain_shipped` did: the file written and the test accuracy."""

    path: Path
    test_accuracy: float
    n_train: int
    n_test: int


def retrain_shipped(path: str | os.PathLike = SHIPPED_WEIGHTS, seed: int = 0) -> TrainingReport:
    """Train on the shipped split with ``seed`` and write the weights to ``path``."""
    train, test = digits_split()
    model = train_digits_cnn(train.images, train.labels, seed=seed)
    written = save_digits_cnn(model, path)
    return TrainingReport(written, accuracy(model, test.images, test.labels), len(train), len(test))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrain the shipped digits CNN.")
    parser.add_argument("--out", default=str(SHIPPED_WEIGHTS), help="safetensors file to write")
    parser.add_argument("--seed", type=int, default=0, help="weights and batch-order seed")
    args = parser.parse_args(argv)
    report = retrain_shipped(args.out, args.seed)
    print(
        f"wrote {report.path} ({report.path.stat().st_size:,} bytes): test accuracy "
        f"{report.test_accuracy:.4f} on {report.n_test} images ({report.n_train} trained on)"
    )


if __name__ == "__main__":
    main()
