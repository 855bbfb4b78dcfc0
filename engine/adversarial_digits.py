"""The small digits classifier whose adversarial distances the Adversarial page shows.

A ReLU MLP 64-16-16-10 trained seeded on scikit-learn's 8x8 digits (80% of them; the
other 20% are the test digits), in about a second: small enough that the exact search
over its cells finishes for most test digits, accurate enough (about 96% on the test
digits) that its boundaries are a real classifier's.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from engine.digit_models import run_to_end, train_classifier
from engine.digits import DigitImages, load_digits, train_test_split

#: Hidden widths, epochs and seed of the shipped recipe.
HIDDEN = (16, 16)
EPOCHS = 15
SEED = 0


@dataclass(frozen=True)
class DigitsClassifier:
    """The trained classifier and the digits it never saw.

    Attributes
    ----------
    model : float64 ``nn.Sequential`` 64 -> 16 -> 16 -> 10 (Linear and ReLU).
    test : the test digits (images (N, 8, 8) in [0, 1], labels (N,)).
    """

    model: nn.Sequential
    test: DigitImages


def train_digits_classifier(seed: int = SEED) -> DigitsClassifier:
    """Train the recipe's classifier (seeded: the same seed gives the same weights)."""
    train, test = train_test_split(load_digits(), seed=seed)
    model = run_to_end(train_classifier(train.flat, train.labels, HIDDEN, epochs=EPOCHS, seed=seed))
    return DigitsClassifier(model, test)
