"""The Cells 3D page's training: what it trains on and how, the network a training
starts from (built in numpy, torch's draws bit for bit: the page's first result needs no
torch) and the training itself, a generator run in a worker that imports torch."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from engine.datasets import Dataset, make_dataset
from engine.networks import NetworkLayers, random_mlp_layers

DATA_SAMPLES = 500
DATA_NOISE = 0.03
SNAPSHOT_SECONDS = 0.25
#: Longest wait (seconds) of a training for its starting network's cells to be shown.
FIRST_CELLS_WAIT_S = 30.0


@dataclass(frozen=True)
class PageTraining:
    """How the page trains: 3 inputs, two hidden ReLU layers, one output per class, Adam.

    Plain values: :func:`train_on` makes :mod:`engine.training`'s architecture and
    configuration of them (that module imports torch)."""

    widths: tuple[int, ...] = (12, 12)
    activation: str = "relu"
    optimiser: str = "adam"
    learning_rate: float = 0.02
    batch_size: int = 32
    epochs: int = 30
    seed: int = 0


TRAINING = PageTraining()


def page_dataset(name: str, seed: int = 0) -> Dataset:
    """The 3-D data set ``name`` as the page trains on it (:data:`DATA_SAMPLES` points,
    :data:`DATA_NOISE` jitter), drawn with ``seed``."""
    return make_dataset(name, n_samples=DATA_SAMPLES, noise=DATA_NOISE, seed=seed)


def random_model() -> NetworkLayers:
    """A fixed random 3 → 12 → 12 → 2 ReLU network (the page's "random" preset): the
    layers of ``random_mlp((12, 12), n_inputs=3, n_outputs=2, seed=4)``."""
    return random_mlp_layers(TRAINING.widths, n_inputs=3, n_outputs=2, seed=4)


def starting_network(dataset: Dataset, seed: int) -> NetworkLayers:
    """The network a training on ``dataset`` with ``seed`` starts from (float32 weights,
    drawn as torch draws them), without torch."""
    return random_mlp_layers(
        TRAINING.widths,
        n_inputs=Inputs3D.n_features,
        n_outputs=dataset.n_classes or 1,
        seed=seed,
        activation=TRAINING.activation,
        single=True,
    )


class Inputs3D:
    """The identity feature map of 3-D inputs, as :class:`engine.training.Trainer` takes it."""

    n_features = 3

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points, dtype=np.float64).reshape(-1, 3).copy()


def train_on(dataset: Dataset, seed: int = TRAINING.seed, go: threading.Event | None = None):
    """Train :data:`TRAINING`'s network on ``dataset``, yielding a snapshot now and then
    (runs in a worker); returns the final snapshot. The first snapshot is the starting
    network. With ``go``, nothing starts (torch is not even imported) until it is set, at
    most :data:`FIRST_CELLS_WAIT_S` later, and None is yielded first."""
    if go is not None:
        go.wait(FIRST_CELLS_WAIT_S)
        yield None  # a stop asked while waiting (the page closes) ends here, torch unneeded
    from engine.training import Architecture, Trainer, TrainingConfig

    architecture = Architecture(TRAINING.widths, TRAINING.activation, n_inputs=3, n_outputs=2)
    config = TrainingConfig(
        optimiser=TRAINING.optimiser,
        learning_rate=TRAINING.learning_rate,
        batch_size=TRAINING.batch_size,
        epochs=TRAINING.epochs,
        seed=seed,
    )
    trainer = Trainer(dataset, Inputs3D(), architecture, config)
    yield trainer.snapshot()
    yield from trainer.run(TRAINING.epochs, every=SNAPSHOT_SECONDS)
    return trainer.snapshot()
