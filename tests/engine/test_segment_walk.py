"""engine.segment_walk.segment_crossings, checked against evidence it does not produce itself.

- dense sampling along the segment with the model evaluated by torch in float64: every
  pattern change between consecutive samples lies at a reported ``t`` and no reported
  ``t`` is without one;
- the model's output at random ``t`` against the interpolation of the breakpoints;
- in 2-D, the intersections of the segment with the edges of ``partition_2d``,
  computed here with plain segment/segment geometry.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.networks import random_mlp
from engine.partition2d import partition_2d
from engine.segment_walk import segment_crossings
from tests.torch_reference import torch_patterns_and_outputs

UNIT = (-1.0, 1.0, -1.0, 1.0)
N_SAMPLES = 20_001
OUTPUT_RTOL = 1e-9

NETWORKS_2D = [
    ("relu 8-8-8", lambda: random_mlp([8, 8, 8], seed=0)),
    ("relu 16-16", lambda: random_mlp([16, 16], seed=1, n_outputs=3)),
    ("leaky 12-12", lambda: random_mlp([12, 12], seed=2, activation="leaky_relu")),
    ("abs 10-10", lambda: random_mlp([10, 10], seed=3, activation="abs")),
]
NETWORKS_20D = [
    ("relu 20-24-24-24", lambda: random_mlp([24, 24, 24], n_inputs=20, seed=4)),
    ("leaky 20-32-16", lambda: random_mlp([32, 16], n_inputs=20, seed=5, activation="leaky_relu")),
]


def random_segments(rng: np.random.Generator, d: int, n: int, scale: float = 1.0):
    a = rng.uniform(-scale, scale, size=(n, d))
    b = rng.uniform(-scale, scale, size=(n, d))
    return a, b


def check_against_dense_sampling(model: nn.Sequential, a: np.ndarray, b: np.ndarray) -> int:
    walk = segment_crossings(model, a, b)
    t = np.linspace(0.0, 1.0, N_SAMPLES)
    patterns, _ = torch_patterns_and_outputs(model, a + t[:, None] * (b - a))
    spacing = t[1] - t[0]

    # Every change between consecutive samples lies at a reported t, with the same flips.
    changed = np.flatnonzero(np.any(patterns[1:] != patterns[:-1], axis=1))
    for i in changed:
        inside = np.flatnonzero((walk.t >= t[i] - 1e-12) & (walk.t <= t[i + 1] + 1e-12))
        assert len(inside), f"pattern change in [{t[i]}, {t[i + 1]}] with no reported t"
        reported = np.zeros(patterns.shape[1], dtype=bool)
        for k in inside:
            for _, neuron, _ in walk.flips(int(k)):
                reported[neuron] ^= True
        np.testing.assert_array_equal(reported, patterns[i] != patterns[i + 1])

    # No reported t without a change: just either side of it, the pattern differs by
    # exactly the reported flips, in the reported direction.
    for k, tk in enumerate(walk.t):
        gaps = np.diff(np.r_[0.0, walk.t, 1.0])
        step = min(1e-7, 0.25 * gaps[k], 0.25 * gaps[k + 1])
        either_side, _ = torch_patterns_and_outputs(
            model, a + np.array([[tk - step], [tk + step]]) * (b - a)
        )
        before, after = either_side
        flips = walk.flips(k)
        assert {n for _, n, _ in flips} == set(np.flatnonzero(before != after).tolist())
        for _, neuron, on in flips:
            assert after[neuron] == on
        np.testing.assert_array_equal(before, walk.patterns[k])
        np.testing.assert_array_equal(after, walk.patterns[k + 1])

    # Consecutive reported t closer than the sample spacing cannot be seen above; all
    # the others must each come with a sampled change.
    isolated = np.ones(len(walk.t), dtype=bool)
    if len(walk.t) > 1:
        close = np.diff(walk.t) < 2 * spacing
        isolated[1:] &= ~close
        isolated[:-1] &= ~close
    sampled_change_at = t[changed]
    for tk in walk.t[isolated]:
        assert np.any(np.abs(sampled_change_at + 0.5 * spacing - tk) <= spacing)
    return walk.n_crossings


def check_outputs(model: nn.Sequential, a: np.ndarray, b: np.ndarray, rng) -> None:
    walk = segment_crossings(model, a, b)
    t = np.r_[rng.uniform(0.0, 1.0, 500), walk.t, 0.0, 1.0]
    _, expected = torch_patterns_and_outputs(model, a + t[:, None] * (b - a))
    got = walk.output_at(t)
    scale = np.maximum(np.abs(expected), 1.0)
    assert np.all(np.abs(got - expected) <= OUTPUT_RTOL * scale), np.abs(got - expected).max()


@pytest.mark.parametrize("name, make", NETWORKS_2D, ids=[n for n, _ in NETWORKS_2D])
def test_2d_crossings_agree_with_dense_sampling(name, make):
    model = make()
    rng = np.random.default_rng(10)
    total = 0
    for a, b in zip(*random_segments(rng, 2, 6), strict=True):
        total += check_against_dense_sampling(model, a, b)
    assert total > 20, "the segments should cross many cells"


@pytest.mark.parametrize("name, make", NETWORKS_20D, ids=[n for n, _ in NETWORKS_20D])
def test_20d_crossings_agree_with_dense_sampling(name, make):
    model = make()
    rng = np.random.default_rng(11)
    total = 0
    for a, b in zip(*random_segments(rng, 20, 4), strict=True):
        total += check_against_dense_sampling(model, a, b)
    assert total > 20


@pytest.mark.parametrize(
    "name, make", NETWORKS_2D + NETWORKS_20D, ids=[n for n, _ in NETWORKS_2D + NETWORKS_20D]
)
def test_output_is_the_interpolation_of_the_breakpoints(name, make):
    model = make()
    d = model[0].in_features
    rng = np.random.default_rng(12)
    for a, b in zip(*random_segments(rng, d, 5, scale=2.0), strict=True):
        check_outputs(model, a, b, rng)


def segment_edge_crossings(partition, a: np.ndarray, b: np.ndarray, tol: float = 1e-9):
    """(t, neuron) of every proper crossing of segment a-b with a neuron-made edge.

    Plain geometry on the partition's rings: each interior edge appears in two rings and
    is reported twice; the pairs are de-duplicated by rounding t.
    """
    start = partition.vertices[partition.indices]
    nxt = np.arange(1, len(start) + 1)
    nxt[partition.offsets[1:] - 1] = partition.offsets[:-1]
    end = start[nxt]
    neuron = partition.edge_neuron
    d = b - a
    e = end - start
    denominator = d[0] * e[:, 1] - d[1] * e[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = start - a
        t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / denominator
        s = (w[:, 0] * d[1] - w[:, 1] * d[0]) / denominator
    hit = (
        (neuron >= 0)
        & (np.abs(denominator) > 0)
        & (t > tol)
        & (t < 1 - tol)
        & (s > tol)
        & (s < 1 - tol)
    )
    near_vertex = hit & ((s < 1e-6) | (s > 1 - 1e-6))
    found = {(round(float(tk), 9), int(n)) for tk, n in zip(t[hit], neuron[hit], strict=True)}
    return found, bool(near_vertex.any())


@pytest.mark.parametrize("plane", [False, True], ids=["2-D input", "slice of 20-D"])
def test_2d_crossings_are_the_partition_edges_the_segment_cuts(plane):
    if plane:
        model = random_mlp([16, 16, 16], n_inputs=20, seed=6)
        rng = np.random.default_rng(6)
        plane_vectors = (rng.normal(size=20) * 0.3, rng.normal(size=20), rng.normal(size=20))
        origin, u, v = plane_vectors
    else:
        model = random_mlp([16, 16, 16], seed=7)
        plane_vectors = None
    partition = partition_2d(model, UNIT, plane=plane_vectors)
    rng = np.random.default_rng(13)
    checked = 0
    for a, b in zip(*random_segments(rng, 2, 12, scale=0.95), strict=True):
        expected, near_vertex = segment_edge_crossings(partition, a, b)
        if near_vertex:
            continue  # through a corner: which edges count is a matter of rounding
        if plane:
            walk = segment_crossings(
                model, origin + a[0] * u + a[1] * v, origin + b[0] * u + b[1] * v
            )
        else:
            walk = segment_crossings(model, a, b)
        reported = {
            (round(float(walk.t[k]), 9), neuron)
            for k in range(walk.n_crossings)
            for _, neuron, _ in walk.flips(k)
        }
        assert reported == expected
        checked += len(expected)
    assert checked > 100


def test_crossing_points_are_on_the_segment_and_ties_are_reported_together():
    # Two neurons with the same hyperplane flip at the same t: one crossing, two flips.
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [2.0, 0.0]]))
        model[0].bias.zero_()
    walk = segment_crossings(model, [-1.0, 0.3], [1.0, 0.3])
    assert walk.n_crossings == 1
    assert walk.t[0] == pytest.approx(0.5)
    assert walk.flips(0) == [(0, 0, True), (0, 1, True)]
    np.testing.assert_allclose(walk.points(), [[0.0, 0.3]], atol=1e-15)
    assert walk.n_cells == 2
