"""Cells around test samples, checked by brute force: the distinct activation patterns
torch computes at dense points of each disc are the cells counted (but for a sliver that
sampling misses)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.region_stats_samples import cells_near_samples, sample_directions


def _mlp(seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))


def _patterns_in_disc(model, sample, u, v, radius: float) -> int:
    """Distinct ReLU patterns at 200,000 points of the disc (a cell of a slice is convex,
    so one pattern is one cell)."""
    rng = np.random.default_rng(1)
    angle, rho = rng.uniform(0, 2 * np.pi, 200_000), radius * np.sqrt(rng.random(200_000))
    st = np.stack([rho * np.cos(angle), rho * np.sin(angle)], axis=1)
    x = torch.from_numpy(sample + st[:, :1] * u + st[:, 1:] * v)
    bits = []
    with torch.no_grad():
        for layer in model.double():
            x = layer(x)
            if isinstance(layer, nn.ReLU):
                bits.append((x > 0).numpy())
    return len(np.unique(np.concatenate(bits, axis=1), axis=0))


def test_counts_are_the_patterns_found_in_each_disc_for_each_network():
    samples = np.random.default_rng(0).normal(size=(4, 5))
    networks = {"a": _mlp(0).double(), "b": _mlp(1).double()}
    steps = []
    result = cells_near_samples(
        networks, samples, np.arange(4), radius=1.5, seed=3, progress=lambda *a: steps.append(a)
    )
    assert result.names == ("a", "b") and result.counts.shape == (2, 4)
    assert steps[-1] == (8, 8) and len(steps) == 8
    for n, sample in enumerate(samples):
        u, v = sample_directions(5, 3, n)
        assert abs(u @ v) < 1e-12 and np.allclose([u @ u, v @ v], 1.0)
        for k in range(len(result.names)):
            found = _patterns_in_disc(_mlp(k), sample, u, v, 1.5)
            # Sampling can miss a sliver of a cell that barely enters the disc.
            assert found <= result.counts[k, n] <= found + 1 and found > 1
    again = cells_near_samples(networks, samples, np.arange(4), radius=1.5, seed=3)
    np.testing.assert_array_equal(again.counts, result.counts)
    lines = result.tsv().splitlines()
    assert lines[0] == "sample\tlabel\ta\tb" and len(lines) == 5
    assert lines[2] == f"1\t1\t{result.counts[0, 1]}\t{result.counts[1, 1]}"


@pytest.mark.parametrize("radius", [0.0, -1.0, float("nan"), float("inf")])
def test_a_radius_that_is_not_positive_and_finite_is_refused(radius):
    with pytest.raises(ValueError, match="the radius must be a finite number > 0"):
        cells_near_samples({"a": _mlp(0)}, np.zeros((1, 5)), [0], radius=radius)
