"""engine.probe: readouts, distances, local affine maps and probe steps.

The evidence is independent of the code under test: brute-force point-in-polygon over
every cell, distances measured on dense samples of the cell boundary and of the
decision boundary, the model evaluated by torch (outputs, patterns, autograd
Jacobians), and the raw segment walk of ``engine.segment_walk``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.decision import decision_boundary
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from engine.probe import (
    crossings_among,
    lift_to_input,
    local_affine_map,
    nearest_on_segments,
    predicted_class,
    probe_readout,
    probe_step,
)
from engine.segment_walk import segment_crossings
from tests.torch_reference import torch_patterns_and_outputs

UNIT = (-1.0, 1.0, -1.0, 1.0)
SAMPLES_PER_SEGMENT = 2_001


@pytest.fixture(scope="module")
def network():
    model = random_mlp([12, 12, 12], seed=21, n_outputs=3)
    partition = partition_2d(model, UNIT)
    return model, partition, decision_boundary(partition)


def brute_force_cell(partition, point: np.ndarray) -> int:
    """The cell whose every edge has ``point`` on its inner side (deepest wins)."""
    best, best_depth = -1, -np.inf
    for r in range(partition.n_regions):
        ring = partition.polygon(r)
        edge = np.roll(ring, -1, axis=0) - ring
        normal = np.stack([-edge[:, 1], edge[:, 0]], axis=1)
        normal /= np.linalg.norm(normal, axis=1, keepdims=True)
        depth = np.min(np.einsum("ij,ij->i", point - ring, normal))
        if depth > best_depth:
            best, best_depth = r, depth
    return best


def sampled_distance(point: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """Smallest distance from ``point`` to dense samples of the segments, and the spacing."""
    s = np.linspace(0.0, 1.0, SAMPLES_PER_SEGMENT)
    samples = starts[:, None, :] + s[None, :, None] * (ends - starts)[:, None, :]
    distance = np.linalg.norm(samples - point, axis=2).min()
    spacing = np.linalg.norm(ends - starts, axis=1).max() / (SAMPLES_PER_SEGMENT - 1)
    return float(distance), float(spacing)


def probe_points(partition, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.98, 0.98, size=(n, 2))


def test_readout_cell_pattern_and_output(network):
    model, partition, boundary = network
    points = probe_points(partition, 25, seed=1)
    patterns, outputs = torch_patterns_and_outputs(model, points)
    for point, pattern, output in zip(points, patterns, outputs, strict=True):
        readout = probe_readout(partition, point, boundary)
        assert readout.cell == brute_force_cell(partition, point)
        np.testing.assert_array_equal(readout.pattern, pattern)
        np.testing.assert_allclose(readout.output, output, rtol=1e-9, atol=1e-12)
        assert readout.is_output
        assert readout.predicted_class == int(np.argmax(output))
        assert readout.n_cells == partition.n_regions
        np.testing.assert_array_equal(readout.point, point)


def test_distance_to_the_cell_boundary_matches_dense_sampling(network):
    _, partition, boundary = network
    checked = 0
    for point in probe_points(partition, 25, seed=2):
        readout = probe_readout(partition, point, boundary)
        ring = partition.polygon(readout.cell)
        made_by = partition.edge_neuron[
            partition.offsets[readout.cell] : partition.offsets[readout.cell + 1]
        ]
        inner = made_by >= 0
        starts, ends = ring[inner], np.roll(ring, -1, axis=0)[inner]
        if not inner.any():
            assert readout.boundary_distance == np.inf
            continue
        distance, spacing = sampled_distance(point, starts, ends)
        # The exact distance is at most the sampled one, and within half a sample of it.
        assert readout.boundary_distance <= distance + 1e-12
        assert distance - readout.boundary_distance <= 0.5 * spacing + 1e-12
        assert np.linalg.norm(readout.boundary_point - point) == pytest.approx(
            readout.boundary_distance, rel=1e-12, abs=1e-15
        )
        checked += 1
    assert checked > 20


def test_nothing_changes_closer_than_the_boundary_distance(network):
    model, partition, boundary = network
    angles = np.linspace(0.0, 2 * np.pi, 96, endpoint=False)
    circle = np.column_stack([np.cos(angles), np.sin(angles)])
    for point in probe_points(partition, 10, seed=4):
        readout = probe_readout(partition, point, boundary)
        ring = point + 0.999 * readout.boundary_distance * circle
        ring = ring[np.all(np.abs(ring) <= 1.0, axis=1)]
        patterns, _ = torch_patterns_and_outputs(model, ring)
        assert np.all(patterns == readout.pattern)
        # Just past the nearest point, across that neuron's edge, its bit is flipped.
        direction = readout.boundary_point - point
        beyond = readout.boundary_point + 1e-7 * direction / np.linalg.norm(direction)
        if np.all(np.abs(beyond) < 1.0):
            pattern, _ = torch_patterns_and_outputs(model, beyond[None])
            assert pattern[0, readout.boundary_neuron] != readout.pattern[readout.boundary_neuron]


def test_distance_to_the_decision_boundary_matches_dense_sampling(network):
    model, partition, boundary = network
    segments = boundary.segments
    for point in probe_points(partition, 12, seed=5):
        readout = probe_readout(partition, point, boundary)
        distance, spacing = sampled_distance(point, segments[:, 0], segments[:, 1])
        assert readout.decision_distance <= distance + 1e-12
        assert distance - readout.decision_distance <= 0.5 * spacing + 1e-12
        # The predicted class is the same everywhere closer than that distance.
        angles = np.linspace(0.0, 2 * np.pi, 64, endpoint=False)
        for radius in (0.5, 0.999):
            disc = point + radius * readout.decision_distance * np.column_stack(
                [np.cos(angles), np.sin(angles)]
            )
            disc = disc[np.all(np.abs(disc) <= 1.0, axis=1)]
            _, outputs = torch_patterns_and_outputs(model, disc)
            assert np.all(np.argmax(outputs, axis=1) == readout.predicted_class)


def test_domain_edges_do_not_count_and_empty_inputs_give_infinity():
    model = random_mlp([6], seed=0)
    only_domain = partition_2d(model, UNIT, layers=0)
    readout = probe_readout(only_domain, (0.99, 0.99))
    assert readout.n_cells == 1
    assert readout.boundary_distance == np.inf and readout.boundary_neuron == -1
    assert np.all(np.isnan(readout.boundary_point))
    assert readout.decision_distance == np.inf
    assert not readout.is_output and readout.predicted_class == -1

    # A point in a corner cell: the nearest edge is a neuron's, even when the domain's
    # edges are nearer.
    partition = partition_2d(model, UNIT)
    readout = probe_readout(partition, (0.999, 0.999))
    assert readout.boundary_distance > 0.001
    assert readout.boundary_neuron >= 0


def test_a_point_outside_the_rectangle_is_rejected(network):
    _, partition, _ = network
    with pytest.raises(ValueError, match="outside"):
        probe_readout(partition, (1.5, 0.0))


def test_nearest_on_segments_and_predicted_class():
    starts = np.array([[0.0, 0.0], [2.0, -1.0]])
    ends = np.array([[1.0, 0.0], [2.0, 1.0]])
    distance, closest, index = nearest_on_segments(np.array([1.5, 0.5]), starts, ends)
    assert distance == pytest.approx(0.5) and index in (0, 1)
    distance, closest, index = nearest_on_segments(np.array([0.5, 1.0]), starts, ends)
    assert (distance, index) == (pytest.approx(1.0), 0)
    np.testing.assert_allclose(closest, [0.5, 0.0])
    assert nearest_on_segments(np.zeros(2), np.zeros((0, 2)), np.zeros((0, 2)))[0] == np.inf
    assert predicted_class(np.array([0.2, 0.9, -1.0])) == 1
    assert predicted_class(np.array([0.3])) == 1
    assert predicted_class(np.array([-0.3])) == 0


def test_local_affine_map_is_the_autograd_jacobian():
    model = random_mlp([16, 16], n_inputs=64, n_outputs=3, seed=8)
    rng = np.random.default_rng(8)
    for x in rng.normal(size=(5, 64)):
        jacobian, offset = local_affine_map(model, x)
        x_t = torch.as_tensor(x, dtype=torch.float64)
        expected = torch.autograd.functional.jacobian(model, x_t).numpy()
        np.testing.assert_allclose(jacobian, expected, rtol=1e-12, atol=1e-12)
        with torch.no_grad():
            output = model(x_t).numpy()
        np.testing.assert_allclose(jacobian @ x + offset, output, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="dimension"):
        local_affine_map(model, np.zeros(3))


def test_local_affine_map_restricted_to_a_slice_is_the_partitions_map():
    model = random_mlp([16, 16], n_inputs=64, n_outputs=3, seed=9)
    rng = np.random.default_rng(9)
    plane = (rng.normal(size=64) * 0.2, rng.normal(size=64), rng.normal(size=64))
    partition = partition_2d(model, UNIT, plane=plane)
    origin, u, v = partition.plane
    for point in probe_points(partition, 10, seed=10):
        readout = probe_readout(partition, point)
        x = lift_to_input(partition.plane, point)
        np.testing.assert_allclose(x, origin + point[0] * u + point[1] * v)
        jacobian, offset = local_affine_map(model, x)
        np.testing.assert_allclose(jacobian @ np.column_stack([u, v]), readout.A, atol=1e-10)
        np.testing.assert_allclose(jacobian @ origin + offset, readout.c, atol=1e-10)


def test_probe_step_logs_the_walks_flips_in_order(network):
    model, partition, boundary = network
    rng = np.random.default_rng(11)
    for a, b in rng.uniform(-0.9, 0.9, size=(10, 2, 2)):
        step = probe_step(model, partition, a, b, boundary)
        walk = segment_crossings(model, a, b)
        expected = [
            (float(walk.t[k]), layer, neuron, on)
            for k in range(walk.n_crossings)
            for layer, neuron, on in walk.flips(k)
        ]
        got = [(tr.t, tr.layer, tr.neuron, tr.turned_on) for tr in step.transitions]
        assert got == expected
        for tr in step.transitions:
            np.testing.assert_allclose(tr.point, a + tr.t * (b - a))
            assert tr.unit == tr.neuron - 12 * tr.layer
        assert step.readout.cell == partition.locate(b[None])[0]
        np.testing.assert_array_equal(step.start, a)
        if walk.n_crossings:
            np.testing.assert_array_equal(walk.patterns[-1], step.readout.pattern)
            last = [neuron for _, neuron, _ in walk.flips(walk.n_crossings - 1)]
            assert step.last_flipped == tuple(last)
        else:
            assert step.last_flipped == ()


def test_probe_step_on_a_partial_partition_reports_its_layers_only():
    model = random_mlp([10, 10, 10], seed=12)
    partition = partition_2d(model, UNIT, layers=1)
    a, b = np.array([-0.8, -0.7]), np.array([0.9, 0.6])
    step = probe_step(model, partition, a, b)
    walk = segment_crossings(model, a, b)
    first_layer = crossings_among(walk, 10)
    assert 0 < len(first_layer) < walk.n_crossings
    assert [tr.t for tr in step.transitions] == [float(walk.t[k]) for k in first_layer]
    assert all(tr.layer == 0 for tr in step.transitions)
    assert step.readout.pattern.shape == (10,)
