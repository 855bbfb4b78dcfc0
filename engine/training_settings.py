"""What a training run is made of, as plain values: the network's shape, the optimiser
settings and the loss and score history. No torch here: settings, sessions and a page's
first drawing use them before :mod:`engine.training` (which trains, with torch) is
imported; that module re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.activations import ACTIVATIONS

OPTIMISERS = ("sgd", "adam")


@dataclass(frozen=True)
class Architecture:
    """The shape of a network: ``n_inputs -> widths... -> n_outputs`` with one activation."""

    widths: tuple[int, ...]
    activation: str = "relu"
    n_inputs: int = 2
    n_outputs: int = 2

    def draw_arguments(self, seed: int) -> dict[str, object]:
        """The keywords, besides the widths, of the seeded random MLP of this shape
        (:func:`engine.networks.random_mlp` and :func:`~engine.networks.random_mlp_layers`)."""
        return {
            "n_inputs": self.n_inputs,
            "n_outputs": self.n_outputs,
            "seed": seed,
            "activation": self.activation,
        }

    def __post_init__(self) -> None:
        if not self.widths or any(int(w) < 1 for w in self.widths):
            raise ValueError(f"hidden widths must be positive integers, got {self.widths}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )


@dataclass(frozen=True)
class TrainingConfig:
    """Optimiser settings. The defaults train a 2-hidden-layer network of width 8 to at
    least 95% test accuracy on XOR and two moons (see tests/engine/test_training.py).

    Attributes
    ----------
    optimiser : ``"sgd"`` (with momentum 0.9) or ``"adam"``.
    learning_rate : step size.
    batch_size : points per gradient step.
    l2 : weight of the L2 penalty on all parameters (``weight_decay``).
    epochs : how many epochs a full run trains.
    seed : seeds the initial weights and the order of the batches.
    """

    optimiser: str = "adam"
    learning_rate: float = 0.01
    batch_size: int = 16
    l2: float = 1e-4
    epochs: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        if self.optimiser not in OPTIMISERS:
            raise ValueError(f"unknown optimiser {self.optimiser!r}; choose sgd or adam")
        if not self.learning_rate > 0:
            raise ValueError(f"the learning rate must be positive, got {self.learning_rate}")
        if self.batch_size < 1 or self.epochs < 0 or self.l2 < 0:
            raise ValueError("batch size must be >= 1, epochs and L2 must be >= 0")


@dataclass(frozen=True)
class TrainingHistory:
    """Loss and score after every epoch (epoch 0 is the initial network).

    Attributes
    ----------
    epoch : (E,) int64 epoch numbers.
    train_loss, test_loss : (E,) float64 mean loss (cross-entropy, or mean squared error).
    train_score, test_score : (E,) float64 accuracy in [0, 1] for classification, the
        coefficient of determination R² for regression.
    """

    epoch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    train_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    test_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    train_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    test_score: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def appended(self, epoch: int, values: Sequence[float]) -> TrainingHistory:
        """A new history with one more row: ``values = (train_loss, test_loss,
        train_score, test_score)``."""
        columns = (self.train_loss, self.test_loss, self.train_score, self.test_score)
        grown = [np.append(c, float(v)) for c, v in zip(columns, values, strict=True)]
        return TrainingHistory(np.append(self.epoch, np.int64(epoch)), *grown)

    def __len__(self) -> int:
        return len(self.epoch)
