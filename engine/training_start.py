"""Where a training run starts, without torch: the network :class:`engine.training.Trainer`
starts from (its weights drawn as torch draws them, bit for bit) and that network's loss
and score before any step.

A page can draw an untrained network's cells while torch is still being imported; the
trainer, once built, starts from the same weights (:func:`starting_layers` equals its
first snapshot, tested) and its own evaluation replaces :func:`starting_history`'s, which
computes the same quantities in float64 rather than torch's float32 (they agree to about
1e-6, far below the three digits a page shows).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.datasets import Dataset
from engine.features import FeatureTransform
from engine.networks import NetworkLayers, random_mlp_layers
from engine.training_settings import Architecture, TrainingHistory


def fitted_architecture(
    architecture: Architecture, dataset: Dataset, transform: FeatureTransform
) -> Architecture:
    """``architecture`` with the inputs ``transform`` gives and the outputs ``dataset``
    needs (one per class, or one for a regression set)."""
    n_outputs = dataset.n_classes if dataset.n_classes else 1
    if architecture.n_inputs == transform.n_features and architecture.n_outputs == n_outputs:
        return architecture
    return replace(architecture, n_inputs=transform.n_features, n_outputs=n_outputs)


def starting_layers(architecture: Architecture, seed: int) -> NetworkLayers:
    """The layers of :func:`engine.training.build_model` ``(architecture, seed)``: its
    float32 weights (as float64), drawn without torch."""
    return random_mlp_layers(architecture.widths, **architecture.draw_arguments(seed), single=True)


def starting_history(
    layers: NetworkLayers, dataset: Dataset, transform: FeatureTransform
) -> TrainingHistory:
    """Epoch 0 of a run from ``layers``: the loss (cross-entropy, or mean squared error)
    and score (accuracy, or R²) on the training and test sets, as
    :class:`engine.training.Trainer` reports them, computed in float64 on the float32
    features the trainer sees."""
    values = []
    for x, y in ((dataset.x_train, dataset.y_train), (dataset.x_test, dataset.y_test)):
        features = np.asarray(transform(x), dtype=np.float32).astype(np.float64)
        values.append(_loss_and_score(layers.forward(features)[0], y, dataset.is_regression))
    (train_loss, train_score), (test_loss, test_score) = values
    return TrainingHistory().appended(0, (train_loss, test_loss, train_score, test_score))


def _loss_and_score(output: np.ndarray, target: np.ndarray, regression: bool) -> tuple:
    """Mean loss and score of ``output`` (M, n_out) against ``target`` (M,)."""
    if regression:
        target = np.asarray(target, dtype=np.float32).astype(np.float64)
        residual = output[:, 0] - target
        spread = float(((target - target.mean()) ** 2).sum())
        score = 1.0 - float((residual**2).sum()) / spread if spread > 0 else 0.0
        return float(np.mean(residual**2)), score
    target = np.asarray(target, dtype=np.int64)
    top = output.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(output - top).sum(axis=1)) + top[:, 0]
    loss = float(np.mean(log_norm - output[np.arange(len(target)), target]))
    return loss, float(np.mean(output.argmax(axis=1) == target))
