"""The small 2-D classifier whose exact distance disc the Adversarial page draws.

A ReLU MLP 2-8-8-2 trained seeded on two moons in about a second; its cells and
decision boundary fit on one canvas, so the disc of the exact distance can be checked by
eye: it touches the boundary and crosses none of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from engine.datasets import make_dataset
from engine.digit_models import run_to_end, train_classifier

HIDDEN = (8, 8)
EPOCHS = 60
SEED = 0
#: The canvas rectangle (xmin, xmax, ymin, ymax): the moons with a margin.
BOUNDS = (-1.75, 2.75, -2.0, 2.5)


@dataclass(frozen=True)
class PlaneClassifier:
    """The trained 2-D classifier and its training points.

    Attributes
    ----------
    model : float64 ``nn.Sequential`` 2 -> 8 -> 8 -> 2.
    x_train : (N, 2) float64 points; y_train : (N,) int64 labels.
    bounds : the rectangle shown, ``(xmin, xmax, ymin, ymax)``.
    """

    model: nn.Sequential
    x_train: np.ndarray
    y_train: np.ndarray
    bounds: tuple[float, float, float, float]


def train_plane_classifier(seed: int = SEED) -> PlaneClassifier:
    """Train the recipe's 2-D classifier (seeded)."""
    data = make_dataset("two_moons", n_samples=300, noise=0.1, seed=seed)
    model = run_to_end(
        train_classifier(
            data.x_train, data.y_train, HIDDEN, epochs=EPOCHS, seed=seed, learning_rate=0.01
        )
    )
    return PlaneClassifier(model, data.x_train, data.y_train, BOUNDS)
