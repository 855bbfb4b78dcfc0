"""The 3-D probe: its readout against torch and dense sampling, its steps against sampling."""

from __future__ import annotations

import numpy as np
import pytest

from engine.networks import network_layers
from engine.probe3d import nearest_on_polygons, probe_readout_3d, probe_step_3d
from tests.cube_case import cube_case
from tests.torch_reference import torch_eval


def _samples_on_polygons(xyz, offsets, n_per_triangle: int, rng) -> np.ndarray:
    """Random points on every fan triangle of every polygon, and evenly spaced points on
    its rim (where nearest points often are: sampling the inside alone rarely gets there)."""
    out = []
    along = np.linspace(0.0, 1.0, 200)[:, None]
    for k in range(len(offsets) - 1):
        ring = xyz[offsets[k] : offsets[k + 1]]
        following = np.roll(ring, -1, axis=0)
        out.extend(
            start + along * (end - start) for start, end in zip(ring, following, strict=True)
        )
        for i in range(1, len(ring) - 1):
            w = rng.dirichlet(np.ones(3), size=n_per_triangle)
            out.append(w @ np.stack([ring[0], ring[i], ring[i + 1]]))
    return np.concatenate(out)


def test_nearest_on_polygons_matches_dense_sampling():
    rng = np.random.default_rng(0)
    square = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)
    triangle = np.array([[0, 0, 1], [0, 1, 2], [1, 0, 1]], float)
    xyz = np.concatenate([square, triangle])
    offsets = np.array([0, 4, 7])
    normals = np.array(
        [[0, 0, 1.0], np.cross(triangle[1] - triangle[0], triangle[2] - triangle[0])]
    )
    normals[1] /= np.linalg.norm(normals[1])
    samples = _samples_on_polygons(xyz, offsets, 4000, rng)
    for point in rng.uniform(-1.0, 2.0, size=(30, 3)):
        distance, closest, _ = nearest_on_polygons(point, xyz, offsets, normals)
        sampled = np.linalg.norm(samples - point, axis=1)
        assert sampled.min() >= distance - 1e-12
        assert sampled.min() <= distance + 0.02
        assert np.linalg.norm(closest - point) == pytest.approx(distance, abs=1e-12)


def test_readout_agrees_with_torch_and_with_sampled_faces():
    model, partition, surface = cube_case()
    net = network_layers(model)
    rng = np.random.default_rng(1)
    points = rng.uniform(-0.95, 0.95, size=(25, 3))
    surface_samples = _samples_on_polygons(surface.vertices, surface.offsets, 300, rng)
    for point in points:
        readout = probe_readout_3d(partition, point, surface)
        assert readout.cell == partition.locate(point[None])[0]
        np.testing.assert_array_equal(readout.pattern, net.activation_pattern(point[None])[0])
        out = torch_eval(model, point[None])[0]
        np.testing.assert_allclose(readout.output, out, rtol=1e-9, atol=1e-12)
        assert readout.predicted_class == int(np.argmax(out))
        # No point of the cell's neuron faces is nearer than the reported distance, and
        # the reported nearest point is at that distance.
        faces = np.arange(
            partition.cell_offsets[readout.cell], partition.cell_offsets[readout.cell + 1]
        )
        faces = faces[partition.face_neuron[faces] >= 0]
        rings = [
            partition.vertices[
                partition.face_indices[partition.face_offsets[f] : partition.face_offsets[f + 1]]
            ]
            for f in faces
        ]
        offsets = np.cumsum([0] + [len(r) for r in rings])
        samples = _samples_on_polygons(np.concatenate(rings), offsets, 300, rng)
        sampled = np.linalg.norm(samples - point, axis=1)
        assert sampled.min() >= readout.boundary_distance - 1e-12
        assert sampled.min() <= readout.boundary_distance + 0.05
        assert partition.layer_of_neuron[readout.boundary_neuron] in (0, 1)
        # The decision surface: no sampled point of it is nearer.
        nearest = np.linalg.norm(surface_samples - point, axis=1).min()
        assert nearest >= readout.decision_distance - 1e-12
        assert nearest <= readout.decision_distance + 0.02
        gap = torch_eval(model, readout.decision_point[None])[0]
        assert gap[0] - gap[1] == pytest.approx(0.0, abs=1e-12)
        distance = np.linalg.norm(readout.decision_point - point)
        assert distance == pytest.approx(readout.decision_distance, abs=1e-12)


def test_a_step_reports_the_flips_that_sampling_sees():
    model, partition, surface = cube_case()
    net = network_layers(model)
    a, b = np.array([-0.8, -0.6, -0.7]), np.array([0.7, 0.8, 0.6])
    step = probe_step_3d(model, partition, a, b, surface)
    assert step.readout.cell == partition.locate(b[None])[0]
    assert len(step.transitions) >= 5
    t = np.linspace(0.0, 1.0, 20001)
    patterns = net.activation_pattern(a + t[:, None] * (b - a))
    changes = np.flatnonzero(np.any(patterns[1:] != patterns[:-1], axis=1))
    flipped = sorted(
        (int(neuron), bool(patterns[k + 1, neuron]))
        for k in changes
        for neuron in np.flatnonzero(patterns[k + 1] != patterns[k])
    )
    assert sorted((tr.neuron, tr.turned_on) for tr in step.transitions) == flipped
    for transition in step.transitions:
        np.testing.assert_allclose(transition.point, a + transition.t * (b - a))
        assert transition.point.shape == (3,)


def test_a_point_outside_the_box_is_refused():
    _, partition, _ = cube_case()
    with pytest.raises(ValueError, match="outside"):
        probe_readout_3d(partition, [2.0, 0.0, 0.0])
