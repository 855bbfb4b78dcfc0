"""Both sides of every bound of issue 18: what is refused, and that what is just inside
the bound is computed exactly (the same cells as an equivalent input the engine has
always handled).

Positive scaling leaves a ReLU network's cells unchanged: scaling the first layer's
weights and every bias by ``s > 0`` scales every pre-activation by ``s``, so the
partition's polygons and patterns are the same and its maps are ``s`` times larger. Powers
of two are exact in float64, so the scaled and unscaled partitions must have the same
cells.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
import torch

from engine import memory_budget
from engine.hulls import distance_to_hull, hull_membership
from engine.input_checks import MAX_MAGNITUDE, MIN_RELATIVE_EXTENT, InputRangeError
from engine.memory_budget import (
    MemoryBudgetError,
    layered_bytes_per_cell,
    partition_bytes_per_cell,
    partition_cell_budget,
)
from engine.network_spec import (
    MAX_HIDDEN_LAYERS,
    MAX_HIDDEN_WIDTH,
    MAX_PARAMETERS,
    NetworkSpecError,
    build_network,
    check_network_size,
    network_spec,
    network_tensors,
)
from engine.networks import network_layers, random_mlp
from engine.partition2d import TooManyRegionsError, partition_2d
from engine.partition3d import partition_3d
from engine.segment_walk import segment_crossings

UNIT = (-1.0, 1.0, -1.0, 1.0)
CUBE = (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)


def _scaled(model, scale: float):
    """``model`` with its first weights and every bias times ``scale``: every
    pre-activation and the output are ``scale`` times larger, the cells the same."""
    scaled = copy.deepcopy(model)
    with torch.no_grad():
        scaled[0].weight.mul_(scale)
        for module in scaled:
            if isinstance(module, torch.nn.Linear):
                module.bias.mul_(scale)
    return scaled


def _magnitude_bound(model, reach, slope) -> float:
    """The largest bound of :mod:`engine.input_checks` for inputs up to ``reach`` (d,)
    and directions up to ``slope`` (d,)."""
    net = network_layers(model)
    m, g = np.asarray(reach, dtype=float), np.asarray(slope, dtype=float)
    worst = 0.0
    layers = [(h.weight, h.bias, h.negative_slope) for h in net.hidden]
    for weight, bias, negative_slope in [*layers, (net.out_weight, net.out_bias, 0.0)]:
        m = np.abs(weight) @ m + np.abs(bias)
        g = np.abs(weight) @ g
        worst = max(worst, m.max(), g.max())
        m, g = m * max(1, abs(negative_slope)), g * max(1, abs(negative_slope))
    return worst


def _largest_scale(bound: float) -> float:
    """The largest power of two that keeps ``bound`` times it within MAX_MAGNITUDE."""
    return 2.0 ** np.floor(np.log2(MAX_MAGNITUDE / bound))


# -- the overflow rule ---------------------------------------------------------------------


@pytest.mark.parametrize("partition, bounds", [(partition_2d, UNIT), (partition_3d, CUBE)])
def test_weights_just_inside_the_bound_give_the_same_cells(partition, bounds):
    k = len(bounds) // 2
    model = random_mlp([6, 6], n_inputs=k, seed=3)
    inside = _largest_scale(_magnitude_bound(model, np.ones(k), np.ones(k)))
    plain = partition(model, bounds)
    scaled = partition(_scaled(model, inside), bounds)
    assert scaled.n_regions == plain.n_regions
    np.testing.assert_array_equal(scaled.patterns, plain.patterns)
    np.testing.assert_allclose(scaled.c, plain.c * inside, rtol=1e-9)
    with pytest.raises(InputRangeError, match="scale the weights or the domain down"):
        partition(_scaled(model, 2 * inside), bounds)


def test_the_bound_counts_the_domain_too():
    model = random_mlp([6, 6], seed=3)
    reach = _largest_scale(_magnitude_bound(model, np.ones(2), np.ones(2)))
    assert partition_2d(model, tuple(reach * b for b in UNIT)).n_regions >= 1
    with pytest.raises(InputRangeError):
        partition_2d(model, tuple(2 * reach * b for b in UNIT))


def test_linear_layers_that_overflow_when_composed_are_refused():
    first = torch.nn.Linear(2, 3, dtype=torch.float64)
    second = torch.nn.Linear(3, 2, dtype=torch.float64)
    with torch.no_grad():
        first.weight.fill_(1e200)
        second.weight.fill_(1e200)
    model = torch.nn.Sequential(first, second, torch.nn.ReLU())
    with pytest.raises(InputRangeError, match="compose"):
        network_layers(model)


def test_bounds_past_the_bound_are_refused():
    model = random_mlp([4])
    with pytest.raises(InputRangeError, match="bounds"):
        partition_2d(model, (-1e151, 1e151, -1, 1))
    with pytest.raises(InputRangeError):
        partition_3d(random_mlp([4], n_inputs=3), (-1e308, 1e308, -1, 1, -1, 1))


# -- the resolution rule -------------------------------------------------------------------


@pytest.mark.parametrize("ratio, refused", [(2 * MIN_RELATIVE_EXTENT, False), (0.5e-10, True)])
def test_a_domain_small_next_to_its_magnitude(ratio, refused):
    model = random_mlp([4], seed=1)
    centre = 1e3
    width = ratio * (centre + 1)
    bounds = (centre, centre + width, 0.0, 1.0)
    if refused:
        with pytest.raises(InputRangeError, match="cannot place the cells' corners"):
            partition_2d(model, bounds)
    else:
        assert partition_2d(model, bounds).n_regions >= 1


def test_a_plane_far_away_with_short_directions_is_refused():
    model = random_mlp([4], n_inputs=5, seed=1)
    short = (np.eye(5)[0] * 1e-6, np.eye(5)[1] * 1e-6)
    # Sides of 2e-6 at 1e3 from the origin (2e-9 of it), then at 1e5 (2e-11 of it).
    assert partition_2d(model, UNIT, plane=(np.full(5, 1e3), *short)).n_regions >= 1
    with pytest.raises(InputRangeError, match="input space"):
        partition_2d(model, UNIT, plane=(np.full(5, 1e5), *short))


# -- segments ------------------------------------------------------------------------------


def test_segment_walks_on_both_sides_of_the_bound():
    model = random_mlp([5, 5], seed=2)
    a, b = np.array([-1.0, -0.5]), np.array([1.0, 0.75])
    inside = _largest_scale(_magnitude_bound(model, np.maximum(abs(a), abs(b)), abs(b - a)))
    plain = segment_crossings(model, a, b)
    scaled = segment_crossings(_scaled(model, inside), a, b)
    np.testing.assert_array_equal(scaled.t, plain.t)
    np.testing.assert_array_equal(scaled.flip_neuron, plain.flip_neuron)
    with pytest.raises(InputRangeError, match="scale the weights or the domain down"):
        segment_crossings(_scaled(model, 2 * inside), a, b)
    with pytest.raises(InputRangeError, match="nearer ends"):
        segment_crossings(model, [-1e308, -1e308], [1e308, 1e308])
    with pytest.raises(InputRangeError, match="finite"):
        segment_crossings(model, [np.nan, 0.0], [1.0, 1.0])


# -- hulls ---------------------------------------------------------------------------------


def test_huge_hull_coordinates_give_the_same_verdicts_or_are_refused():
    rng = np.random.default_rng(4)
    train = rng.standard_normal((40, 6))
    queries = np.vstack([rng.standard_normal((10, 6)) * 0.3, rng.standard_normal((10, 6)) * 9])
    plain = hull_membership(train, queries)
    scale = 2.0**490  # 3.1e147: every coordinate stays below the bound; exact in float64
    scaled = hull_membership(train * scale, queries * scale)
    np.testing.assert_array_equal(scaled.inside, plain.inside)
    assert scaled.verify(train * scale, queries * scale).all()
    with pytest.raises(InputRangeError, match="rescale"):
        hull_membership(train * 2.0**500, queries)
    with pytest.raises(InputRangeError, match="finite"):
        hull_membership(train, np.full((1, 6), np.inf))


@pytest.mark.parametrize("d", [2, 50, 200])
def test_far_points_are_never_inside(d):
    rng = np.random.default_rng(d)
    train = rng.standard_normal((30, d))
    direction = rng.standard_normal((8, d))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    for distance in (1e3, 1e50, 1e100, 1e149):
        result = hull_membership(train, direction * distance)
        assert not result.inside.any(), distance
        assert result.verify(train, direction * distance).all()
    with pytest.raises(InputRangeError):
        hull_membership(train * 1e-100, direction * 1e60)  # 1e160 training radii away


def test_a_wide_spread_in_many_dimensions_measures_its_radius_without_overflow():
    rng = np.random.default_rng(5)
    train = rng.standard_normal((20, 100)) * 1e149
    result = distance_to_hull(train, train[:3])
    assert np.isfinite(result.distance).all() and (result.distance <= 1e-6 * 1e149).all()


# -- the memory budget ---------------------------------------------------------------------


def test_the_engine_plans_below_the_coarse_estimate():
    for widths in ([1], [4, 4], [16, 16, 16], [64] * 8, [2000], [512, 512]):
        for k in (2, 3):
            layered = layered_bytes_per_cell(widths, 2, dimension=k)
            coarse = partition_bytes_per_cell(sum(widths), max(widths), 2, dimension=k)
            assert 0 < layered <= coarse


def test_a_partition_past_the_budget_stops_with_a_memory_error(monkeypatch):
    model = random_mlp([64, 64], seed=0)
    n = partition_2d(model, UNIT).n_regions
    per_cell = layered_bytes_per_cell([64, 64], 2)
    # Room for a third of the cells: the partition stops there, before it grows further.
    monkeypatch.setattr(memory_budget, "available_memory_bytes", lambda: 2 * per_cell * n // 3)
    with pytest.raises(MemoryBudgetError, match="zoom in") as caught:
        partition_2d(model, UNIT)
    assert isinstance(caught.value, MemoryError)
    assert caught.value.max_cells == n // 3
    # A limit below the budget still raises the cell-limit error, as before.
    with pytest.raises(TooManyRegionsError):
        partition_2d(model, UNIT, max_regions=10)
    # With room for every cell, the same cells as without a budget.
    monkeypatch.setattr(memory_budget, "available_memory_bytes", lambda: 2 * per_cell * n)
    assert partition_2d(model, UNIT).n_regions == n


def test_not_one_cell_fits_is_refused_before_any_work(monkeypatch):
    monkeypatch.setattr(memory_budget, "available_memory_bytes", lambda: 1000)
    with pytest.raises(MemoryBudgetError, match="One cell"):
        partition_3d(random_mlp([8], n_inputs=3), CUBE)
    with pytest.raises(MemoryBudgetError):
        partition_cell_budget([8], 2, 100, 2)


# -- networks from files -------------------------------------------------------------------


def _spec(widths, n_inputs=2, n_outputs=2):
    sizes = [n_inputs, *widths, n_outputs]
    spec = []
    for n_in, n_out in itertools.pairwise(sizes):
        spec += [{"kind": "linear", "in_features": n_in, "out_features": n_out}, {"kind": "relu"}]
    return spec[:-1]


def test_depth_on_both_sides_of_the_limit():
    model = random_mlp([2] * MAX_HIDDEN_LAYERS, seed=0)
    rebuilt = build_network(network_spec(model), network_tensors(model))
    assert len(network_layers(rebuilt).hidden) == MAX_HIDDEN_LAYERS
    deeper = random_mlp([2] * (MAX_HIDDEN_LAYERS + 1), seed=0)
    with pytest.raises(NetworkSpecError, match="shallower"):
        build_network(network_spec(deeper), network_tensors(deeper))


def test_width_and_parameters_on_both_sides_of_the_limits():
    check_network_size(_spec([MAX_HIDDEN_WIDTH]))
    with pytest.raises(NetworkSpecError, match="narrower"):
        check_network_size(_spec([MAX_HIDDEN_WIDTH + 1]))
    # n_inputs * 1000 + 1000 + 1000 * 2 + 2 weights and biases, at the limit and past it.
    n_inputs = (MAX_PARAMETERS - 3002) // 1000
    check_network_size(_spec([1000], n_inputs=n_inputs))
    with pytest.raises(NetworkSpecError, match="smaller network"):
        check_network_size(_spec([1000], n_inputs=n_inputs + 1))


def test_a_flood_of_entries_is_refused_before_it_is_read():
    with pytest.raises(NetworkSpecError, match="layer entries"):
        build_network([{"kind": "relu"}] * 1_000_000, {})
