"""Cells meeting a disc, against a known layout and against brute-force sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.local_complexity import cells_meeting_discs, local_complexity, polygon_distances
from engine.networks import random_mlp
from engine.partition2d import partition_2d


def quadrants():
    """Cells cut by the lines x = 0 and y = 0 in the square [-1, 1]^2: four quadrants."""
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.eye(2, dtype=torch.float64))
        model[0].bias.zero_()
        model[2].weight.fill_(1.0)
        model[2].bias.zero_()
    return partition_2d(model, (-1.0, 1.0, -1.0, 1.0))


@pytest.mark.parametrize(("radius", "expected"), [(0.0, 1), (0.4, 1), (0.6, 3), (0.7, 3), (0.8, 4)])
def test_quadrants_give_the_counts_geometry_says(radius, expected):
    # From (0.5, 0.5): the lines are 0.5 away, the opposite corner sqrt(0.5) = 0.707.
    partition = quadrants()
    assert partition.n_regions == 4
    assert cells_meeting_discs(partition, [[0.5, 0.5]], radius).tolist() == [expected]


def test_a_disc_just_touching_a_cell_meets_it():
    assert cells_meeting_discs(quadrants(), [[0.5, 0.5]], 0.5).tolist() == [3]


def brute_force_hits(partition, centre, radius, n=120):
    """Cells holding sample points of the disc: a polar grid, rim included."""
    r = radius * np.sqrt(np.linspace(0.0, 1.0, n))
    angle = np.linspace(0.0, 2 * np.pi, 4 * n, endpoint=False)
    points = centre + np.stack(
        [np.outer(r, np.cos(angle)).ravel(), np.outer(r, np.sin(angle)).ravel()], axis=1
    )
    x0, x1, y0, y1 = partition.bounds
    keep = (points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0) & (points[:, 1] < y1)
    return set(np.unique(partition.locate(points[keep])).tolist()) - {-1}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_agree_with_dense_sampling_of_the_discs(seed):
    model = random_mlp((8, 8), n_inputs=2, n_outputs=2, seed=seed)
    partition = partition_2d(model, (-2.0, 2.0, -2.0, 2.0))
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-1.5, 1.5, (8, 2))
    radius = 0.3
    distances = polygon_distances(partition, centres)
    exact = cells_meeting_discs(partition, centres, radius)
    for centre, row, count in zip(centres, distances, exact, strict=True):
        sampled = brute_force_hits(partition, centre, radius)
        met = set(np.flatnonzero(row <= radius).tolist())
        assert sampled <= met  # every sampled cell is counted
        # A counted cell the samples missed is one the disc barely grazes.
        assert all(row[c] > 0.97 * radius for c in met - sampled)
        assert count == len(met)


@pytest.mark.parametrize("seed", [3, 4])
def test_distances_agree_with_dense_sampling_of_the_cell_boundaries(seed):
    model = random_mlp((6, 6), n_inputs=2, n_outputs=2, seed=seed)
    partition = partition_2d(model, (-1.0, 1.0, -1.0, 1.0))
    centres = np.random.default_rng(seed).uniform(-1.2, 1.2, (6, 2))
    distances = polygon_distances(partition, centres)
    located = partition.locate(centres)
    t = np.linspace(0.0, 1.0, 1001)
    for r in range(partition.n_regions):
        ring = partition.polygon(r)
        a, b = ring, np.roll(ring, -1, axis=0)
        boundary = (a[:, None, :] + t[None, :, None] * (b - a)[:, None, :]).reshape(-1, 2)
        sampled = np.hypot(*(centres[:, None, :] - boundary[None]).transpose(2, 0, 1)).min(1)
        inside = located == r
        assert np.all(distances[inside, r] == 0.0)
        outside = ~inside
        assert np.allclose(distances[outside, r], sampled[outside], atol=2e-3)
        assert np.all(distances[outside, r] <= sampled[outside] + 1e-12)


def test_local_complexity_is_the_mean_count_and_bad_radii_are_refused():
    partition = quadrants()
    centres = [[0.5, 0.5], [-0.5, 0.9]]
    assert local_complexity(partition, centres, 0.6) == pytest.approx((3 + 2) / 2)
    for radius in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="radius"):
            cells_meeting_discs(partition, centres, radius)


@pytest.mark.parametrize("radius", [0.0, 0.02, 0.15, 0.6, 10.0])
def test_the_compiled_count_agrees_with_every_distance_measured(radius):
    """Against the distance to every cell, no bounding-box filter: a larger network."""
    partition = partition_2d(random_mlp((16, 16, 16), seed=5), (-1.25, 1.25, -1.25, 1.25))
    centres = np.random.default_rng(5).uniform(-1.3, 1.3, (40, 2))
    distances = polygon_distances(partition, centres)
    counts = cells_meeting_discs(partition, centres, radius)
    assert counts.tolist() == (distances <= radius).sum(axis=1).tolist()
    if radius == 10.0:
        assert set(counts.tolist()) == {partition.n_regions}  # the disc covers the square
    if radius == 0.0:  # a point of the square is in a cell (or on edges shared by a few)
        in_square = np.all(np.abs(centres) <= 1.25, axis=1)
        assert counts[in_square].min() >= 1 and counts[~in_square].max() == 0
