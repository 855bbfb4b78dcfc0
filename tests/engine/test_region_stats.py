"""Slice statistics against independent evidence: dense sampling of activation patterns
and the exact segment walk of :mod:`engine.segment_walk` (which never builds cells)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.networks import network_layers, random_mlp
from engine.partition2d import partition_2d
from engine.region_stats import (
    disc_cell_counts,
    segment_cells_crossed,
    slice_sample,
    slice_statistics,
)
from engine.segment_walk import segment_crossings

DIMENSION = 3


@pytest.fixture(scope="module")
def tiny():
    return random_mlp([4, 3], n_inputs=DIMENSION, seed=7)


def _partition(model, sample):
    return partition_2d(model, sample.bounds, plane=(sample.origin, sample.u, sample.v))


def _lift(sample, st: np.ndarray) -> np.ndarray:
    return sample.origin + st[..., :1] * sample.u + st[..., 1:] * sample.v


def _pattern_ids(model, sample, st: np.ndarray) -> np.ndarray:
    """A distinct integer per activation pattern of the points ``st (M, 2)`` of the plane."""
    patterns = network_layers(model).activation_pattern(_lift(sample, st))
    codes = patterns.astype(np.int64) @ (1 << np.arange(patterns.shape[1], dtype=np.int64))
    return np.unique(codes, return_inverse=True)[1].reshape(-1)


def _grid(bounds, n: int) -> tuple[np.ndarray, float]:
    """(n*n, 2) pixel centres of the square and the area of one pixel."""
    xmin, xmax, ymin, ymax = bounds
    xs = xmin + (np.arange(n) + 0.5) * (xmax - xmin) / n
    ys = ymin + (np.arange(n) + 0.5) * (ymax - ymin) / n
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()]), (xmax - xmin) * (ymax - ymin) / n**2


def test_the_sample_is_seeded_and_orthonormal():
    a = slice_sample(5, seed=3, index=11)
    b = slice_sample(5, seed=3, index=11)
    c = slice_sample(5, seed=3, index=12)
    np.testing.assert_array_equal(a.u, b.u)
    np.testing.assert_array_equal(a.segments, b.segments)
    assert not np.allclose(a.u, c.u)
    frame = np.stack([a.u, a.v])
    np.testing.assert_allclose(frame @ frame.T, np.eye(2), atol=1e-12)
    inner = a.centres[:, None, :] + a.radius * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])
    assert np.all(np.abs(inner) <= 1.0)


@pytest.mark.parametrize("index", range(4))
def test_cell_count_and_areas_match_dense_sampling(tiny, index):
    sample = slice_sample(DIMENSION, seed=1, index=index, half_width=1.5)
    partition = _partition(tiny, sample)
    points, pixel = _grid(sample.bounds, 600)
    ids = _pattern_ids(tiny, sample, points)
    sampled_areas = np.bincount(ids) * pixel
    stats = slice_statistics(partition, sample)
    assert stats.n_cells == len(sampled_areas)
    exact = np.sort(partition.areas)
    np.testing.assert_allclose(exact, np.sort(sampled_areas), atol=0.02, rtol=0.02)
    np.testing.assert_allclose(exact.sum(), 9.0, rtol=1e-12)
    quantiles = np.quantile(sampled_areas, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(stats.areas[[0, 2, 4]], quantiles, atol=0.02, rtol=0.02)
    assert stats.area_histogram.sum() == stats.n_cells


@pytest.mark.parametrize("index", range(6))
def test_cells_crossed_match_the_segment_walk(index):
    model = random_mlp([8, 8, 6], n_inputs=DIMENSION, seed=index)
    sample = slice_sample(DIMENSION, seed=2, index=index, n_segments=12, half_width=2.0)
    crossed = segment_cells_crossed(*_rings(_partition(model, sample)), sample.segments)
    walked = [
        segment_crossings(model, *_lift(sample, segment)).n_cells for segment in sample.segments
    ]
    np.testing.assert_array_equal(crossed, walked)
    assert max(walked) > 3  # the walks do cross cells


def _rings(partition):
    return partition.ring_xy, partition.offsets


@pytest.mark.parametrize("index", range(4))
def test_cells_in_a_disc_match_dense_sampling_of_the_disc(tiny, index):
    sample = slice_sample(DIMENSION, seed=4, index=index, n_centres=6, radius=0.4)
    counts = disc_cell_counts(*_rings(_partition(tiny, sample)), sample.centres, sample.radius)
    radii = sample.radius * np.sqrt(np.linspace(0, 1, 300, endpoint=False))
    angles = np.linspace(0, 2 * np.pi, 600, endpoint=False)
    offsets = np.stack(np.meshgrid(radii, angles), -1).reshape(-1, 2)
    offsets = offsets[:, :1] * np.column_stack([np.cos(offsets[:, 1]), np.sin(offsets[:, 1])])
    sampled = [
        len(np.unique(_pattern_ids(tiny, sample, centre + offsets))) for centre in sample.centres
    ]
    np.testing.assert_array_equal(counts, sampled)
    assert max(sampled) > 1


def test_a_square_of_one_cell_counts_one_everywhere():
    ring = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    offsets = np.array([0, 4])
    segments = np.array([[[0.2, 0.2], [0.8, 0.9]], [[2.0, 2.0], [3.0, 3.0]]])
    assert segment_cells_crossed(ring, offsets, segments).tolist() == [1, 0]
    centres = np.array([[0.5, 0.5], [1.05, 0.5], [1.5, 1.5]])
    assert disc_cell_counts(ring, offsets, centres, 0.1).tolist() == [1, 1, 0]
