"""The distance disc read off a 2-D partition against independent evidence.

GeoCert's best-first search over cells (:func:`engine.adversarial_distance`, its own
programs, no partition) on the same nets; the classes of a dense grid of inputs evaluated
by the network itself; and the segments sampled densely.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.adversarial_distance import adversarial_distance
from engine.boundary_distance import _nearest_linf, boundary_distance
from engine.decision import decision_boundary
from engine.networks import random_mlp
from engine.partition2d import partition_2d

BOUNDS = (-2.0, 2.0, -2.0, 2.0)


def _case(n_out: int, seed: int):
    model = random_mlp([8, 8], n_inputs=2, n_outputs=n_out, seed=seed, dtype=torch.float64)
    partition = partition_2d(model, BOUNDS)
    return model, partition, decision_boundary(partition)


def _classes(model, points: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out = model(torch.from_numpy(points)).numpy()
    return (out[:, 0] > 0).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)


@pytest.mark.parametrize("norm", ["l2", "linf"])
@pytest.mark.parametrize(("n_out", "seed"), [(2, 0), (3, 1)])
def test_disc_matches_geocert_where_its_ball_fits_the_view(norm, n_out, seed):
    model, partition, boundary = _case(n_out, seed)
    rng = np.random.default_rng(seed)
    checked = 0
    for point in rng.uniform(-1.5, 1.5, size=(6, 2)):
        disc = boundary_distance(partition, boundary, point, norm)
        exact = adversarial_distance(model, point, norm=norm)
        assert disc.label == exact.label
        if disc.is_exact:
            checked += 1
            assert disc.distance == pytest.approx(exact.distance, rel=1e-9, abs=1e-12)
        else:
            # The nearest point found is a real input of another class; beyond the view
            # a nearer one may exist, but never nearer than the proven bound.
            assert exact.distance <= disc.distance + 1e-12
            assert exact.distance >= disc.lower_bound - 1e-12
    assert checked >= 2


@pytest.mark.parametrize("norm", ["l2", "linf"])
@pytest.mark.parametrize("n_out", [1, 3])
def test_no_grid_input_of_another_class_is_inside_the_disc(norm, n_out):
    model, partition, boundary = _case(n_out, 5)
    spacing = 0.004
    axis = np.arange(BOUNDS[0], BOUNDS[1] + spacing / 2, spacing)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    classes = _classes(model, grid)
    order = 2 if norm == "l2" else np.inf
    for point in np.array([[0.1, -0.3], [-0.7, 0.9], [1.2, 0.4]]):
        disc = boundary_distance(partition, boundary, point, norm)
        others = grid[classes != disc.label]
        gaps = np.linalg.norm(others - point, ord=order, axis=1)
        # Nothing of another class inside the disc; something within a grid step of it.
        assert gaps.min() >= disc.distance - 1e-9
        assert gaps.min() <= disc.distance + spacing * np.sqrt(2)
        # The nearest point ties the two classes (a single output is zero there).
        with torch.no_grad():
            out = model(torch.from_numpy(disc.nearest[None])).numpy()[0]
        if n_out == 1:
            assert out[0] == pytest.approx(0.0, abs=1e-9)
            assert disc.adversarial_class == 1 - disc.label
        else:
            assert out[disc.label] == pytest.approx(out[disc.adversarial_class], abs=1e-9)
        assert np.linalg.norm(disc.nearest - point, ord=order) == pytest.approx(disc.distance)


def test_linf_segment_distance_against_dense_sampling():
    rng = np.random.default_rng(7)
    starts, ends = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
    for point in rng.normal(size=(10, 2)):
        distance, nearest, _ = _nearest_linf(point, starts, ends)
        t = np.linspace(0.0, 1.0, 10_001)
        samples = starts[:, None] + t[None, :, None] * (ends - starts)[:, None]
        sampled = np.abs(samples - point).max(axis=2).min()
        assert distance <= sampled + 1e-12
        assert sampled - distance <= 4e-4
        assert np.abs(nearest - point).max() == pytest.approx(distance)


@pytest.mark.parametrize("norm", ["l2", "linf"])
def test_ball_leaving_the_view_is_only_bounded_below(norm):
    model, partition, boundary = _case(2, 0)
    point = np.array([1.95, 1.9])
    disc = boundary_distance(partition, boundary, point, norm)
    assert disc.lower_bound == pytest.approx(min(disc.distance, 0.05))
    exact = adversarial_distance(model, point, norm=norm)
    assert disc.lower_bound - 1e-12 <= exact.distance <= disc.distance + 1e-12


def test_bad_input_is_refused():
    _model, partition, boundary = _case(2, 0)
    with pytest.raises(ValueError, match="outside"):
        boundary_distance(partition, boundary, (5.0, 0.0))
    with pytest.raises(ValueError, match="norm"):
        boundary_distance(partition, boundary, (0.0, 0.0), "l1")
    with pytest.raises(ValueError, match="NaN"):
        boundary_distance(partition, boundary, (np.nan, 0.0))
    model = random_mlp([8, 8], seed=0, dtype=torch.float64)
    first_layer = partition_2d(model, BOUNDS, layers=1)
    with pytest.raises(ValueError, match="every hidden layer"):
        boundary_distance(first_layer, boundary, (0.0, 0.0))
