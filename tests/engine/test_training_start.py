"""A training run's start without torch: the network the trainer starts from, bit for bit,
and its epoch-0 loss and score, against the trainer's own (torch, float32)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets import DatasetSpec
from engine.features import feature_transform
from engine.networks import identical_layers, network_layers
from engine.training import Trainer
from engine.training_settings import Architecture, TrainingConfig
from engine.training_start import fitted_architecture, starting_history, starting_layers

CASES = [
    ("two_moons", "raw", (8, 8), "relu", 0),
    ("xor", "product", (5, 4, 3), "leaky_relu", 7),
    ("blobs_k", "squares", (6,), "abs", 3),
    ("bump", "polar", (8, 8), "relu", 1),  # regression: one output, R²
]


@pytest.mark.parametrize(("name", "transform", "widths", "activation", "seed"), CASES)
def test_the_start_is_the_trainers_first_snapshot(name, transform, widths, activation, seed):
    dataset = DatasetSpec(name=name, n_samples=200, seed=seed).make()
    features = feature_transform(transform)
    architecture = Architecture(widths, activation)
    trainer = Trainer(dataset, features, architecture, TrainingConfig(seed=seed))
    snapshot = trainer.snapshot()

    fitted = fitted_architecture(architecture, dataset, features)
    assert fitted == trainer.architecture
    assert fitted.n_inputs == features.n_features
    assert fitted.n_outputs == (dataset.n_classes or 1)
    drawn = starting_layers(fitted, seed)
    assert identical_layers(drawn, network_layers(snapshot.model()))

    history = starting_history(drawn, dataset, features)
    assert list(history.epoch) == list(snapshot.history.epoch) == [0]
    for column in ("train_loss", "test_loss", "train_score", "test_score"):
        ours, torchs = getattr(history, column), getattr(snapshot.history, column)
        np.testing.assert_allclose(ours, torchs, rtol=1e-5, atol=1e-6, err_msg=column)


def test_another_seed_starts_elsewhere():
    architecture = Architecture((8, 8), n_inputs=2, n_outputs=2)
    assert not identical_layers(starting_layers(architecture, 0), starting_layers(architecture, 1))
