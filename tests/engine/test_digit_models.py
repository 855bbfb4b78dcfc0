"""Digit models: seeded generators that return float64 Linear/ReLU networks the engine takes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.digit_models import (
    Autoencoder,
    EpochProgress,
    embed,
    run_to_end,
    train_autoencoder,
    train_classifier,
)
from engine.digits import load_digits, train_test_split
from engine.networks import network_layers
from engine.partition2d import partition_2d


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _drain(run) -> tuple[list[EpochProgress], object]:
    """Every progress report of a training generator, and what it returns."""
    progress = []
    while True:
        try:
            progress.append(next(run))
        except StopIteration as stop:
            return progress, stop.value


def _weights(model: nn.Module) -> np.ndarray:
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


def test_the_classifier_learns_the_digits_and_reports_every_epoch(digits):
    train, test = train_test_split(digits, 0.25, seed=0)
    progress, model = _drain(
        train_classifier(train.flat, train.labels, (32, 16), epochs=12, seed=1)
    )
    assert [p.epoch for p in progress] == list(range(1, 13))
    assert all(isinstance(p, EpochProgress) and p.epochs == 12 for p in progress)
    assert progress[-1].loss < progress[0].loss and progress[-1].fraction == 1.0
    with torch.no_grad():
        train_pred = model(torch.as_tensor(train.flat)).argmax(dim=1).numpy()
        test_pred = model(torch.as_tensor(test.flat)).argmax(dim=1).numpy()
    assert progress[-1].accuracy == pytest.approx(np.mean(train_pred == train.labels), abs=0.01)
    assert np.mean(test_pred == test.labels) > 0.9


def test_the_classifier_is_a_float64_relu_stack_the_engine_accepts(digits):
    model = run_to_end(train_classifier(digits.flat[:200], digits.labels[:200], (8, 6), epochs=2))
    assert {type(m) for m in model} == {nn.Linear, nn.ReLU}
    assert all(p.dtype == torch.float64 for p in model.parameters())
    layers = network_layers(model)
    assert layers.widths == (8, 6) and layers.n_inputs == 64 and layers.n_outputs == 10


def test_the_same_seed_gives_the_same_weights(digits):
    x, y = digits.flat[:300], digits.labels[:300]
    first = run_to_end(train_classifier(x, y, (10,), epochs=3, seed=4))
    again = run_to_end(train_classifier(x, y, (10,), epochs=3, seed=4))
    other = run_to_end(train_classifier(x, y, (10,), epochs=3, seed=5))
    np.testing.assert_array_equal(_weights(first), _weights(again))
    assert not np.allclose(_weights(first), _weights(other))


def test_embed_is_the_last_hidden_layer_after_its_relu(digits):
    model = run_to_end(train_classifier(digits.flat[:200], digits.labels[:200], (12, 7), epochs=2))
    x = digits.flat[:20]
    h = torch.as_tensor(x)
    for i in range(4):  # Linear, ReLU, Linear, ReLU
        h = model[i](h)
    features = embed(model, x)
    assert features.shape == (20, 7) and features.dtype == np.float64
    np.testing.assert_allclose(features, h.detach().numpy(), atol=1e-12)
    assert features.min() >= 0.0
    # the logits are an affine map of the embedding
    last = model[-1]
    logits = features @ last.weight.detach().numpy().T + last.bias.detach().numpy()
    np.testing.assert_allclose(logits, model(torch.as_tensor(x)).detach().numpy(), atol=1e-10)


def test_closing_the_generator_stops_training_where_the_caller_stopped(digits):
    run = train_classifier(digits.flat[:100], digits.labels[:100], (5,), epochs=50)
    first = next(run)
    run.close()
    assert first.epoch == 1
    with pytest.raises(StopIteration):
        next(run)


def test_the_autoencoder_reconstructs_better_than_the_mean_image(digits):
    x = digits.flat
    progress, autoencoder = _drain(train_autoencoder(x, (32,), 2, epochs=6, seed=0))
    assert isinstance(autoencoder, Autoencoder) and autoencoder.latent_dim == 2
    assert autoencoder.n_pixels == 64 and len(progress) == 6
    assert np.isnan(progress[-1].accuracy) and progress[-1].loss < progress[0].loss
    z = autoencoder.encode(x)
    assert z.shape == (1797, 2) and z.dtype == np.float64
    reconstruction = autoencoder.decode(z)
    error = np.mean((reconstruction - x) ** 2)
    baseline = np.mean((x - x.mean(axis=0)) ** 2)
    assert error < 0.9 * baseline
    assert error == pytest.approx(progress[-1].loss, rel=0.25)


def test_the_decoder_is_piecewise_affine_on_the_latent_plane(digits):
    autoencoder = run_to_end(train_autoencoder(digits.flat[:300], (16, 8), 2, epochs=2))
    assert {type(m) for m in autoencoder.decoder} == {nn.Linear, nn.ReLU}
    assert network_layers(autoencoder.decoder).widths == (8, 16)
    cells = partition_2d(autoencoder.decoder, (-2, 2, -2, 2))
    rng = np.random.default_rng(0)
    z = rng.uniform(-2, 2, size=(200, 2))
    region = cells.locate(z)
    affine = np.einsum("nij,nj->ni", cells.A[region], z) + cells.c[region]
    np.testing.assert_allclose(affine, autoencoder.decode(z), atol=1e-9)


def test_bad_settings_are_refused(digits):
    with pytest.raises(ValueError, match="positive learning rate"):
        next(train_classifier(digits.flat, digits.labels, (4,), learning_rate=0))
    with pytest.raises(ValueError, match="latent dimension"):
        next(train_autoencoder(digits.flat, (4,), 0))
    with pytest.raises(ValueError, match=r"\(N, d\) inputs"):
        next(train_classifier(digits.images, digits.labels, (4,)))
