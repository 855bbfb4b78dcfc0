"""engine.class_pieces: cells cut into their exact class pieces, checked against evidence.

The evidence: the model evaluated by torch in float64 at random points inside every
piece and on a dense grid, brute-force point-in-convex-polygon tests against every piece,
shoelace areas computed here, and a network whose one boundary line is known by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from engine.class_pieces import MAX_CLASSES, class_pieces
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.engine.test_partition2d import cell_distances, sample_points, shoelace
from tests.torch_reference import torch_classes

UNIT = (-1.0, 1.0, -1.0, 1.0)
#: A point whose top two outputs are closer than this is on a boundary: no evidence.
MARGIN = 1e-9

#: widths, outputs, activation, bounds, seed: each network's boundary crosses its cells.
NETWORKS = [
    pytest.param((8, 8), 2, "relu", UNIT, 0, id="8-8-relu-2"),
    pytest.param((8, 8), 1, "relu", UNIT, 3, id="8-8-relu-1"),
    pytest.param((6, 6, 6), 5, "leaky_relu", (-2.0, 1.5, -1.0, 3.0), 0, id="6-6-6-leaky-5"),
    pytest.param((16, 16), 10, "abs", UNIT, 0, id="16-16-abs-10"),
    pytest.param((32, 32, 32), 3, "relu", (-4.0, 4.0, -4.0, 4.0), 0, id="32-32-32-relu-3"),
]
CASE = ("widths", "n_out", "activation", "bounds", "seed")


def _rings(xy: np.ndarray, offsets: np.ndarray) -> SimpleNamespace:
    """Polygons in the CSR layout of a partition, for the partition tests' geometry."""
    return SimpleNamespace(vertices=xy, indices=np.arange(len(xy)), offsets=offsets)


def _case(widths, n_out, activation, bounds, seed):
    model = random_mlp(widths, n_outputs=n_out, activation=activation, seed=seed, bias_std=0.3)
    partition = partition_2d(model, bounds)
    return model, partition, class_pieces(partition)


def _inside_points(pieces, per_piece: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points strictly inside every piece (random convex weights of its corners,
    pulled 1% toward its centre) and the piece of each."""
    rng = np.random.default_rng(seed)
    offsets = pieces.offsets
    points, owner = [], []
    for p in range(pieces.n_pieces):
        ring = pieces.vertices[offsets[p] : offsets[p + 1]]
        weights = rng.dirichlet(np.full(len(ring), 0.5), size=per_piece)
        inside = weights @ ring
        points.append(0.99 * inside + 0.01 * ring.mean(axis=0))
        owner.append(np.full(per_piece, p))
    return np.concatenate(points), np.concatenate(owner)


@pytest.mark.parametrize(CASE, NETWORKS)
def test_the_pieces_of_every_cell_tile_it(widths, n_out, activation, bounds, seed):
    _model, partition, pieces = _case(widths, n_out, activation, bounds, seed)
    assert np.all(np.diff(pieces.cell) >= 0), "pieces come cell after cell"
    assert set(pieces.cell.tolist()) == set(range(partition.n_regions))
    areas = shoelace(_rings(pieces.vertices, pieces.offsets))
    assert np.all(areas > 0), "every piece is counter-clockwise and not empty"
    cell_areas = shoelace(partition)
    per_cell = np.bincount(pieces.cell, weights=areas, minlength=partition.n_regions)
    np.testing.assert_allclose(per_cell, cell_areas, rtol=1e-9, atol=0)
    # Convex: every turn is to the left.
    xy, offsets = pieces.vertices, pieces.offsets
    nxt = np.arange(1, len(xy) + 1)
    nxt[offsets[1:] - 1] = offsets[:-1]
    edge = xy[nxt] - xy
    turn = edge[:, 0] * edge[nxt, 1] - edge[:, 1] * edge[nxt, 0]
    size = np.hypot(*edge.T) * np.hypot(*edge[nxt].T)
    assert np.all(turn >= -1e-9 * size)
    # Each piece lies in its cell, and a cell has at most one piece of a class (the
    # region where one class wins is convex).
    for p in np.flatnonzero(pieces.pieces_per_cell(partition.n_regions)[pieces.cell] > 1):
        corners = partition.polygon(pieces.cell[p])
        cell = _rings(corners, np.array([0, len(corners)]))
        assert cell_distances(cell, pieces.polygon(p)).min() >= -1e-12 * np.abs(bounds).max()
    pairs = np.unique(np.column_stack([pieces.cell, pieces.classes]), axis=0)
    assert len(pairs) == pieces.n_pieces


@pytest.mark.parametrize(CASE, NETWORKS)
def test_every_piece_has_the_class_torch_predicts_at_random_points_inside_it(
    widths, n_out, activation, bounds, seed
):
    model, partition, pieces = _case(widths, n_out, activation, bounds, seed)
    assert pieces.n_pieces > partition.n_regions, "the decision boundary cuts some cells"
    points, owner = _inside_points(pieces, 6, seed=1)
    expected, margin = torch_classes(model, points)
    decided = margin > MARGIN * max(1.0, float(np.abs(bounds).max()))
    assert decided.mean() > 0.999
    wrong = np.flatnonzero(decided & (expected != pieces.classes[owner]))
    assert wrong.size == 0, (
        f"{wrong.size} points inside a piece of the wrong class, e.g. {points[wrong[0]]} in "
        f"piece {owner[wrong[0]]} of class {pieces.classes[owner[wrong[0]]]}, torch says "
        f"{expected[wrong[0]]}"
    )
    # The outputs and confidence are the network's at each piece's centre.
    centres = pieces.centroids
    with torch.no_grad():
        outputs = model(torch.from_numpy(centres)).numpy()
    np.testing.assert_allclose(pieces.outputs, outputs, rtol=1e-9, atol=1e-12)
    if n_out > 1:
        softmax = np.exp(outputs) / np.exp(outputs).sum(axis=1, keepdims=True)
        top = softmax[np.arange(len(outputs)), pieces.classes]
    else:
        top = 1 / (1 + np.exp(-np.where(pieces.classes == 1, 1, -1) * outputs[:, 0]))
    np.testing.assert_allclose(pieces.confidence, top, rtol=1e-12)


@pytest.mark.parametrize(
    ("widths", "n_out", "seed"), [((3,), 2, 0), ((4, 3), 3, 1), ((5,), 1, 2), ((3, 3), 4, 5)]
)
def test_tiny_networks_match_a_dense_grid(widths, n_out, seed):
    model, partition, pieces = _case(widths, n_out, "relu", UNIT, seed)
    assert pieces.n_pieces > partition.n_regions
    side = 200
    g = -1.0 + (np.arange(side) + 0.5) * (2.0 / side)  # pixel centres
    pixels = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    grid = np.concatenate([pixels, sample_points(UNIT, 3000, seed=seed)])
    expected, margin = torch_classes(model, grid)
    distance = cell_distances(_rings(pieces.vertices, pieces.offsets), grid)  # (P, M)
    assert np.all(distance.max(axis=0) >= -1e-12), "every point lies in some piece"
    inside = distance > 1e-12
    assert np.all(inside.sum(axis=0) <= 1), "pieces do not overlap"
    piece = np.where(inside.any(axis=0), distance.argmax(axis=0), -1)
    judged = (piece >= 0) & (margin > MARGIN)
    assert judged.mean() > 0.95
    np.testing.assert_array_equal(pieces.classes[piece[judged]], expected[judged])
    # Each class's area is the grid's share of its points, to the grid's resolution.
    n_classes = max(n_out, 2)
    shares = np.bincount(expected[: len(pixels)], minlength=n_classes) / len(pixels)
    area = np.bincount(pieces.classes, weights=pieces.areas, minlength=n_classes)
    np.testing.assert_allclose(area / 4.0, shares, atol=0.01)


def test_a_boundary_known_by_hand_splits_the_square_exactly():
    # Both hidden units are positive on the square: one cell, f0 - f1 = 2x + 1.7.
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.eye(2, dtype=torch.float64))
        model[0].bias.fill_(2.0)
        model[2].weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=torch.float64))
        model[2].bias.copy_(torch.tensor([0.0, 2.3], dtype=torch.float64))
    pieces = class_pieces(partition_2d(model, UNIT))
    assert pieces.n_pieces == 2
    for p in range(2):
        ring = pieces.polygon(p)
        x_low, x_high = (-1.0, -0.85) if pieces.classes[p] == 1 else (-0.85, 1.0)
        np.testing.assert_allclose(np.sort(np.unique(ring[:, 0])), [x_low, x_high], atol=1e-15)
        np.testing.assert_allclose(np.sort(np.unique(ring[:, 1])), [-1.0, 1.0], atol=0)
    assert sorted(pieces.classes.tolist()) == [0, 1]


def test_a_partition_of_some_layers_only_or_too_many_classes_is_refused():
    partition = partition_2d(random_mlp((4, 4)), UNIT, layers=1)
    with pytest.raises(ValueError, match="every hidden layer"):
        class_pieces(partition)
    many = partition_2d(random_mlp((2,), n_outputs=MAX_CLASSES + 1), UNIT)
    with pytest.raises(ValueError, match="at most 32,767 outputs, got 32,768"):
        class_pieces(many)
