"""The exact pieces of 1-D networks against torch at random points, dense sampling and
the slopes far beyond the last knot."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.networks import random_mlp
from engine.pieces_1d import pieces_1d

CASES = [((4,), 0), ((8, 8), 1), ((16, 16, 16), 2), ((3, 5), 3), ((32,), 4)]


def torch_values(model, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(x[:, None])).numpy()[:, 0]


@pytest.mark.parametrize(("widths", "seed"), CASES)
def test_pieces_match_torch_at_random_points(widths, seed):
    model = random_mlp(widths, n_inputs=1, n_outputs=1, seed=seed)
    pieces = pieces_1d(model)
    x = np.random.default_rng(seed).normal(0.0, 5.0, 5000)
    expected = torch_values(model, x)
    assert np.allclose(pieces(x), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("widths", "seed"), CASES)
def test_knots_are_where_dense_sampling_sees_the_slope_change(widths, seed):
    model = random_mlp(widths, n_inputs=1, n_outputs=1, seed=seed)
    pieces = pieces_1d(model)
    knots = pieces.knots
    assert np.all(np.diff(knots) > 0)
    low = min(-10.0, knots.min() - 1.0) if len(knots) else -10.0
    high = max(10.0, knots.max() + 1.0) if len(knots) else 10.0
    x = np.linspace(low, high, 400_001)
    y = torch_values(model, x)
    h = x[1] - x[0]
    second = np.abs(y[2:] - 2 * y[1:-1] + y[:-2]) / h
    scale = 1e-7 * max(1.0, np.abs(pieces.slopes).max())
    bent = x[1:-1][second > scale]
    # Every bend the samples see is within one step of a knot ...
    nearest = np.abs(bent[:, None] - knots[None, :]).min(axis=1) if len(knots) else bent
    assert np.all(nearest <= 1.01 * h)
    # ... and every knot whose slope change the samples can resolve bends them there.
    for knot, left, right in zip(knots, pieces.slopes[:-1], pieces.slopes[1:], strict=True):
        assert left != right
        if abs(left - right) > 10 * scale:
            assert (np.abs(bent - knot) <= 1.01 * h).any()


@pytest.mark.parametrize(("widths", "seed"), CASES)
def test_beyond_the_last_knot_the_network_is_exactly_affine(widths, seed):
    model = random_mlp(widths, n_inputs=1, n_outputs=1, seed=seed)
    pieces = pieces_1d(model)
    for side, sign in ((0, -1.0), (-1, 1.0)):
        edge = pieces.knots[side] if len(pieces.knots) else 0.0
        x = edge + sign * np.array([1e-3, 1.0, 10.0, 1e3, 1e5])
        y = torch_values(model, x)
        measured = np.diff(y) / np.diff(x)
        assert np.allclose(measured, pieces.slopes[side], rtol=1e-9, atol=1e-9)


def test_a_hand_made_network_has_its_known_knots():
    # f(x) = relu(x - 1) + relu(-x - 2) - 2 relu(x - 3): knots at -2, 1, 3
    model = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0], [-1.0], [1.0]]))
        model[0].bias.copy_(torch.tensor([-1.0, -2.0, -3.0]))
        model[2].weight.copy_(torch.tensor([[1.0, 1.0, -2.0]]))
        model[2].bias.zero_()
    pieces = pieces_1d(model)
    assert pieces.knots.tolist() == [-2.0, 1.0, 3.0]
    assert pieces.slopes.tolist() == [-1.0, 0.0, 1.0, -1.0]
    assert pieces.intercepts.tolist() == [-2.0, 0.0, -1.0, 5.0]


def test_a_network_of_two_inputs_is_refused():
    with pytest.raises(ValueError, match="one input"):
        pieces_1d(random_mlp((4,), n_inputs=2, n_outputs=1))
