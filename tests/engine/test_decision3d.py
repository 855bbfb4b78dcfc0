"""The exact 3-D decision surface, checked against torch forward passes and sampling."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch import nn

from engine.decision3d import decision_surface
from engine.networks import random_mlp
from engine.partition3d import partition_3d
from tests.torch_reference import torch_eval

CUBE = (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)


#: Seeds of random networks whose decision surface is rich (with 3 outputs: all three
#: pairs of classes meet).
SEEDS = {1: 0, 2: 0, 3: 1}


@functools.cache
def _case(n_outputs: int):
    model = random_mlp([10, 10], n_inputs=3, n_outputs=n_outputs, seed=SEEDS[n_outputs])
    partition = partition_3d(model, CUBE)
    return model, partition, decision_surface(partition)


def _gap(model, points: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """(M,) f_i - f_j at every point for its pair of classes (f_0 for one output)."""
    out = torch_eval(model, points)
    i, j = classes[:, 0], classes[:, 1]
    rows = np.arange(len(points))
    if out.shape[1] == 1:
        return out[:, 0]
    return out[rows, i] - out[rows, j]


@pytest.mark.parametrize("n_outputs", [1, 2, 3])
def test_polygons_lie_on_the_zero_set_inside_their_cells(n_outputs):
    model, partition, surface = _case(n_outputs)
    assert surface.n_polygons > 50
    if n_outputs == 3:
        assert {tuple(pair) for pair in surface.classes} == {(0, 1), (0, 2), (1, 2)}
    owner = np.repeat(np.arange(surface.n_polygons), np.diff(surface.offsets))
    points = surface.vertices
    classes = surface.classes[owner]
    out = torch_eval(model, points)
    scale = np.abs(torch_eval(model, partition.vertices)).max()
    assert np.abs(_gap(model, points, classes)).max() <= 1e-9 * scale
    # Both classes are at the top: no other output is larger (the surface, not the plane).
    if n_outputs > 1:
        top = out[np.arange(len(points)), classes[:, 0]]
        assert np.all(out.max(axis=1) <= top + 1e-9 * scale)
    # Inside its cell: on the inner side of every face of the cell, to 1e-9.
    depth = partition._locator.depth(points, surface.cell[owner])
    assert depth.min() >= -1e-9
    # Planar, convex, counter-clockwise about the normal, and of positive area.
    relative = points - points[surface.offsets[:-1]][owner]
    np.testing.assert_allclose(
        np.einsum("ik,ik->i", relative, surface.normals[owner]), 0.0, atol=1e-12
    )
    assert np.all(surface.areas > 0)
    following = np.arange(1, len(points) + 1)
    following[surface.offsets[1:] - 1] = surface.offsets[:-1]
    turn = np.cross(points[following] - points, points[following[following]] - points[following])
    assert np.einsum("ik,ik->i", turn, surface.normals[owner]).min() >= -1e-12


def _segment_hits(surface, a: np.ndarray, b: np.ndarray) -> int:
    """How many polygons of ``surface`` the segment from ``a`` to ``b`` passes through."""
    hits = 0
    for k in range(surface.n_polygons):
        ring = surface.polygon(k)
        normal = surface.normals[k]
        da, db = (a - ring[0]) @ normal, (b - ring[0]) @ normal
        if da * db >= 0:
            continue
        x = a + da / (da - db) * (b - a)
        edges = np.roll(ring, -1, axis=0) - ring
        inside = np.einsum("ik,ik->i", np.cross(edges, x - ring), normal[None])
        hits += bool(np.all(inside >= 0))
    return hits


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_a_random_segment_changes_class_exactly_when_it_crosses_the_surface(n_outputs):
    model, _, surface = _case(n_outputs)
    rng = np.random.default_rng(11)
    starts = rng.uniform(-0.95, 0.95, size=(150, 3))
    ends = starts + rng.normal(0.0, 0.25, size=(150, 3))
    ends = np.clip(ends, -0.99, 0.99)
    sign_a = np.sign(_gap(model, starts, np.zeros((150, 2), int)))
    sign_b = np.sign(_gap(model, ends, np.zeros((150, 2), int)))
    if n_outputs == 2:
        out_a, out_b = torch_eval(model, starts), torch_eval(model, ends)
        sign_a, sign_b = np.sign(out_a[:, 0] - out_a[:, 1]), np.sign(out_b[:, 0] - out_b[:, 1])
    changed = sign_a != sign_b
    assert 10 < changed.sum() < 140  # both kinds of segments are tested
    for a, b, change in zip(starts, ends, changed, strict=True):
        assert _segment_hits(surface, a, b) % 2 == int(change)


def test_a_plane_network_has_the_plane_section_of_the_box_as_its_surface():
    # f_0 - f_1 = relu(z) - relu(-z) = z with z = x1 - 0.3: the plane x1 = 0.3, of area 4.
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]))
        model[0].bias.copy_(torch.tensor([-0.3, 0.3]))
        model[2].weight.copy_(torch.tensor([[1.0, -1.0], [0.0, 0.0]]))
        model[2].bias.zero_()
    surface = decision_surface(partition_3d(model, CUBE))
    assert surface.areas.sum() == pytest.approx(4.0, rel=1e-12)
    np.testing.assert_allclose(surface.vertices[:, 0], 0.3, atol=1e-15)
    np.testing.assert_allclose(np.abs(surface.normals[:, 0]), 1.0)


def test_the_surface_needs_every_layer():
    model = random_mlp([6, 6], n_inputs=3, seed=0)
    with pytest.raises(ValueError, match="every hidden layer"):
        decision_surface(partition_3d(model, CUBE, layers=1))
