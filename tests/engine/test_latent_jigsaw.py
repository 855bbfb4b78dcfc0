"""The latent jigsaw against torch's forward pass, linear programs and scikit-learn's PCA."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog
from sklearn.decomposition import PCA

from engine.latent_jigsaw import (
    LatentProjection,
    hidden_activations,
    latent_jigsaw,
    pca_projection,
    unit_projection,
)
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.torch_reference import torch_eval, torch_patterns

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
CASES = [
    ((6, 6, 6), "relu", 3),
    ((8, 5), "leaky_relu", 7),
    ((5, 4, 3), "abs", 11),
]


def _case(widths, activation, seed):
    model = random_mlp(widths, n_inputs=2, n_outputs=2, seed=seed, activation=activation)
    return model, partition_2d(model, BOUNDS)


def _training_points(seed: int = 0, n: int = 300) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, 2))


def _projection(model, layer):
    return pca_projection(torch_eval(model, _training_points(), None, layer))


def _in_hull(vertices: np.ndarray, point: np.ndarray, tolerance: float) -> bool:
    """Whether ``point`` is a convex combination of ``vertices`` (up to ``tolerance``): an LP."""
    k = len(vertices)
    # minimise the slack e with |V^T l - p| <= e, l >= 0, sum l = 1.
    c = np.r_[np.zeros(k), 1.0]
    a_ub = np.block([[vertices.T, -np.ones((2, 1))], [-vertices.T, -np.ones((2, 1))]])
    b_ub = np.r_[point, -point]
    a_eq = np.r_[np.ones(k), 0.0][None]
    result = linprog(c, a_ub, b_ub, a_eq, [1.0], bounds=[(0, None)] * (k + 1))
    return result.status == 0 and result.fun <= tolerance


def _interiors_overlap(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether two counter-clockwise convex polygons share interior points: the largest
    margin ``t`` of a point inside both (every edge's inner side by ``t``) is positive."""
    rows, rhs = [], []
    for poly in (first, second):
        edge = np.roll(poly, -1, axis=0) - poly
        inward = np.stack([-edge[:, 1], edge[:, 0]], axis=1)
        norm = np.linalg.norm(inward, axis=1)
        keep = norm > 0
        inward, norm, start = inward[keep] / norm[keep, None], norm[keep], poly[keep]
        # inward . (y - start) >= t  <=>  -inward . y + t <= -inward . start
        rows.append(np.c_[-inward, np.ones(len(inward))])
        rhs.append(-(inward * start).sum(axis=1))
    result = linprog(
        [0.0, 0.0, -1.0],
        np.vstack(rows),
        np.concatenate(rhs),
        bounds=[(None, None)] * 2 + [(None, 1)],
    )
    scale = max(np.ptp(first, axis=0).max(), np.ptp(second, axis=0).max())
    return result.status == 0 and -result.fun > 1e-9 * scale


@pytest.mark.parametrize(("widths", "activation", "seed"), CASES)
def test_mapped_corners_are_torch_activations_projected(widths, activation, seed):
    model, partition = _case(widths, activation, seed)
    for layer in range(1, len(widths) + 1):
        projection = _projection(model, layer)
        jigsaw = latent_jigsaw(model, partition, layer, projection)
        corners = partition.vertices[partition.indices]
        expected = projection(torch_eval(model, corners, None, layer))
        # Polygon r's corners, in input order, are the images of the input ring's corners.
        for r in range(partition.n_regions):
            lo, hi = partition.offsets[r], partition.offsets[r + 1]
            assert set(jigsaw.indices[lo:hi]) == set(range(lo, hi))
        scale = np.maximum(1.0, np.abs(expected).max(axis=1))
        assert np.all(np.abs(jigsaw.vertices - expected).max(axis=1) <= 1e-9 * scale)


@pytest.mark.parametrize(("widths", "activation", "seed"), CASES)
def test_random_points_of_a_cell_land_in_its_image(widths, activation, seed):
    model, partition = _case(widths, activation, seed)
    rng = np.random.default_rng(seed)
    layer = len(widths) - 1 or 1
    projection = _projection(model, layer)
    jigsaw = latent_jigsaw(model, partition, layer, projection)
    for r in rng.choice(partition.n_regions, size=min(40, partition.n_regions), replace=False):
        corners = partition.polygon(r)
        weights = rng.dirichlet(np.ones(len(corners)), size=3)
        image = projection(torch_eval(model, weights @ corners, None, layer))
        polygon = jigsaw.polygon(r)
        tolerance = 1e-9 * max(1.0, np.abs(polygon).max())
        for point in image:
            assert _in_hull(polygon, point, tolerance), (r, point)


def test_images_cover_the_projected_dense_samples():
    model, partition = _case((7, 7), "relu", 5)
    layer = 2
    projection = _projection(model, layer)
    jigsaw = latent_jigsaw(model, partition, layer, projection)
    axis = np.linspace(-0.999, 0.999, 19)
    samples = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    images = projection(torch_eval(model, samples, None, layer))
    ring = jigsaw.vertices[jigsaw.indices]
    lows = np.minimum.reduceat(ring, jigsaw.offsets[:-1], axis=0)
    highs = np.maximum.reduceat(ring, jigsaw.offsets[:-1], axis=0)
    for point in images:
        slack = 1e-9 * max(1.0, np.abs(point).max())
        candidates = np.flatnonzero(
            np.all((lows - slack <= point) & (point <= highs + slack), axis=1)
        )
        assert any(_in_hull(jigsaw.polygon(r), point, slack) for r in candidates), point


def test_hover_lookup_finds_the_cell_of_a_point():
    model, partition = _case((8, 8), "relu", 2)
    projection = _projection(model, 2)
    jigsaw = latent_jigsaw(model, partition, 2, projection)
    rng = np.random.default_rng(1)
    checked = 0
    for r in np.flatnonzero(jigsaw.orientation != 0)[:60]:
        corners = partition.polygon(r)
        inside = rng.dirichlet(np.ones(len(corners))) @ corners
        point = projection(torch_eval(model, inside[None], None, 2))[0]
        assert r in jigsaw.cells_at(point)
        checked += 1
    assert checked > 10


def test_orientation_and_folds_agree_with_finite_differences_and_overlap():
    model, partition = _case((6, 6, 6), "relu", 3)
    layer = 3
    projection = _projection(model, layer)
    jigsaw = latent_jigsaw(model, partition, layer, projection)
    assert len(jigsaw.fold_pairs) > 0, "this network folds (a case chosen to have folds)"
    # Orientation: the sign of a finite-difference Jacobian of torch's forward pass.
    for r in range(partition.n_regions):
        corners = partition.polygon(r)
        centre = corners.mean(axis=0)
        step = 1e-4 * np.min(np.linalg.norm(corners - centre, axis=1))
        probes = centre + np.array([[step, 0.0], [-step, 0.0], [0.0, step], [0.0, -step]])
        y = projection(torch_eval(model, probes, None, layer))
        jac = np.stack([(y[0] - y[1]), (y[2] - y[3])], axis=1) / (2 * step)
        det = np.linalg.det(jac)
        norms = np.linalg.norm(jac[:, 0]) * np.linalg.norm(jac[:, 1])
        if abs(det) > 1e-6 * norms:
            assert np.sign(det) == jigsaw.orientation[r], r
        elif norms > 0:
            assert abs(np.linalg.det(jigsaw.jacobian[r])) <= 1e-6 * norms, r
    # Every fold pair's images really overlap (an LP on their edges).
    for a, b in jigsaw.fold_pairs:
        assert jigsaw.orientation[a] * jigsaw.orientation[b] == -1
        assert _interiors_overlap(jigsaw.polygon(a), jigsaw.polygon(b)), (a, b)


def test_image_polygons_are_counter_clockwise_unless_collapsed():
    model, partition = _case((8, 5), "leaky_relu", 7)
    jigsaw = latent_jigsaw(model, partition, 2, _projection(model, 2))
    for r in range(jigsaw.n_polygons):
        poly = jigsaw.polygon(r)
        area = 0.5 * np.sum(
            poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1]
        )
        if jigsaw.orientation[r] != 0:
            assert area > 0
            expected = abs(np.linalg.det(jigsaw.jacobian[r])) * abs(
                0.5
                * np.sum(
                    partition.polygon(r)[:, 0] * np.roll(partition.polygon(r)[:, 1], -1)
                    - np.roll(partition.polygon(r)[:, 0], -1) * partition.polygon(r)[:, 1]
                )
            )
            assert area == pytest.approx(expected, rel=1e-8, abs=1e-14)


def test_two_units_show_those_units_activations():
    model, partition = _case((6, 6, 6), "relu", 3)
    projection = unit_projection(6, 4, 1)
    jigsaw = latent_jigsaw(model, partition, 2, projection)
    corners = partition.vertices[partition.indices]
    activations = torch_eval(model, corners, None, 2)
    np.testing.assert_allclose(jigsaw.vertices, activations[:, [4, 1]], rtol=0, atol=1e-12)
    assert projection.axis_names == ("unit 5", "unit 2")
    # ReLU outputs are never negative: the whole jigsaw lies in the first quadrant.
    assert jigsaw.vertices.min() >= -1e-12


def test_a_plane_slice_of_a_wider_input():
    model = random_mlp((6, 6), n_inputs=3, n_outputs=2, seed=2)
    rng = np.random.default_rng(2)
    plane = (rng.normal(size=3) * 0.1, np.array([1.0, 0.0, 0.5]), np.array([0.0, 1.0, -0.5]))
    partition = partition_2d(model, BOUNDS, plane=plane)
    projection = pca_projection(torch_eval(model, rng.uniform(-1, 1, (200, 3)), None, 2))
    jigsaw = latent_jigsaw(model, partition, 2, projection)
    corners = partition.vertices[partition.indices]
    expected = projection(torch_eval(model, corners, plane, 2))
    assert np.abs(jigsaw.vertices - expected).max() <= 1e-9 * max(1.0, np.abs(expected).max())


def test_pca_matches_scikit_learn():
    rng = np.random.default_rng(4)
    activations = rng.normal(size=(250, 7)) @ rng.normal(size=(7, 7)) + rng.normal(size=7)
    projection = pca_projection(activations)
    reference = PCA(n_components=2, svd_solver="full").fit(activations)
    for axis, expected in zip(projection.matrix, reference.components_, strict=True):
        assert abs(abs(axis @ expected) - 1.0) < 1e-9
        assert axis[np.argmax(np.abs(axis))] > 0  # the documented sign
    np.testing.assert_allclose(projection.offset, reference.mean_, atol=1e-12)
    np.testing.assert_allclose(projection.explained, reference.explained_variance_ratio_, rtol=1e-9)
    # Deterministic: flipping the data's sign convention of SVD cannot flip the axes.
    again = pca_projection(activations.copy())
    np.testing.assert_array_equal(again.matrix, projection.matrix)


def test_pca_of_a_single_unit_has_a_zero_second_axis():
    activations = np.r_[0.0, 1.0, 3.0, 2.0][:, None]
    projection = pca_projection(activations)
    np.testing.assert_allclose(projection.matrix, [[1.0], [0.0]])
    assert projection.explained[0] == pytest.approx(1.0)


def test_hidden_activations_match_torch():
    model = random_mlp((5, 4), n_inputs=2, n_outputs=3, seed=9, activation="leaky_relu")
    points = _training_points(9, 50)
    np.testing.assert_allclose(
        hidden_activations(model, points, 2), torch_eval(model, points, None, 2), atol=1e-12
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m, p: latent_jigsaw(m, p, 0, unit_projection(6, 0, 1)), "between 1 and 3"),
        (lambda m, p: latent_jigsaw(m, p, 4, unit_projection(6, 0, 1)), "between 1 and 3"),
        (lambda m, p: latent_jigsaw(m, p, 1.5, unit_projection(6, 0, 1)), "whole number"),
        (lambda m, p: latent_jigsaw(m, p, 2, unit_projection(5, 0, 1)), "has 6"),
        (lambda m, p: unit_projection(6, 2, 2), "two different"),
        (lambda m, p: unit_projection(6, 0, 6), "between 1 and 6"),
        (lambda m, p: LatentProjection(np.ones((4, 6)), np.zeros(6), ("a", "b")), "(2, n_k)"),
        (lambda m, p: LatentProjection(np.ones((3, 6)), np.zeros(6), ("a", "b")), "3 axis names"),
        (lambda m, p: latent_jigsaw(m, p, 1, unit_projection(6, 0, 1, 2)), "2 axes, got 3"),
        (lambda m, p: unit_projection(6, 0, 1, 1), "three different"),
        (lambda m, p: pca_projection(np.ones((4, 6)), 4), "2 or 3 axes"),
        (lambda m, p: LatentProjection(np.ones((2, 6)), np.zeros(5), ("a", "b")), "6 entries"),
        (
            lambda m, p: LatentProjection(np.full((2, 6), np.nan), np.zeros(6), ("a", "b")),
            "finite",
        ),
        (lambda m, p: pca_projection(np.ones((1, 6))), "M >= 2"),
        (lambda m, p: pca_projection([["a", "b"], ["c", "d"]]), "array of numbers"),
        (lambda m, p: LatentProjection("ab", np.zeros(6), ("a", "b")), "of numbers"),
        (lambda m, p: hidden_activations(m, [["x", 1.0]], 1), "array of numbers"),
        (lambda m, p: latent_jigsaw(m, "cells", 1, unit_projection(6, 0, 1)), "Partition2D"),
        (lambda m, p: pca_projection(np.full((4, 6), np.inf)), "finite"),
        (
            lambda m, p: latent_jigsaw(
                m, partition_2d(m, BOUNDS, layers=1), 2, unit_projection(6, 0, 1)
            ),
            "at least 2",
        ),
        (lambda m, p: hidden_activations(m, np.ones((3, 3)), 1), "shape (M, 2)"),
    ],
)
def test_hostile_arguments_get_one_sentence(call, message):
    model, partition = _case((6, 6, 6), "relu", 3)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(model, partition)


@pytest.mark.parametrize(("widths", "activation", "seed"), CASES)
def test_every_fold_is_found(widths, activation, seed):
    """Brute force: step across every edge at three points, name the cell there by torch's
    activation pattern, and fold every neighbour pair mapped with opposite orientations."""
    model, partition = _case(widths, activation, seed)
    layer = len(widths)
    jigsaw = latent_jigsaw(model, partition, layer, _projection(model, layer))
    cell_of_pattern = {row.tobytes(): r for r, row in enumerate(partition.patterns)}
    expected = set()
    step = 1e-7
    for r in range(partition.n_regions):
        ring = partition.polygon(r)
        for start, end in zip(ring, np.roll(ring, -1, axis=0), strict=True):
            direction = end - start
            length = np.linalg.norm(direction)
            if length < 1e-5:
                continue
            outward = np.array([direction[1], -direction[0]]) / length
            points = start + np.outer([0.25, 0.5, 0.75], direction) + step * outward
            inside = np.all(np.abs(points) < 1.0, axis=1)
            if not inside.any():
                continue
            patterns = torch_patterns(model, points[inside])
            for pattern in patterns:
                other = cell_of_pattern.get(pattern.tobytes())
                if other is None or other == r:
                    continue
                if jigsaw.orientation[r] * jigsaw.orientation[other] < 0:
                    expected.add((min(r, other), max(r, other)))
    found = {tuple(pair) for pair in jigsaw.fold_pairs.tolist()}
    assert expected <= found, sorted(expected - found)[:5]


def test_fold_edges_are_images_of_edges_between_folded_neighbours():
    model, partition = _case((6, 6, 6), "relu", 3)
    projection = _projection(model, 3)
    jigsaw = latent_jigsaw(model, partition, 3, projection)
    assert len(jigsaw.fold_edges) >= len(jigsaw.fold_pairs) > 0
    owner = np.repeat(np.arange(partition.n_regions), np.diff(partition.offsets))
    ring = partition.vertices[partition.indices]
    folded_cells = set(jigsaw.fold_pairs.ravel().tolist())
    for position, segment in zip(jigsaw.fold_edges, jigsaw.fold_segments, strict=True):
        cell = owner[position]
        assert cell in folded_cells
        lo, hi = partition.offsets[cell], partition.offsets[cell + 1]
        following = lo + (position - lo + 1) % (hi - lo)
        # The segment is torch's image of the input edge's two corners, projected.
        corners = ring[[position, following]]
        expected = projection(torch_eval(model, corners, None, 3))
        np.testing.assert_allclose(segment, expected, atol=1e-9 * max(1.0, np.abs(expected).max()))
        # Across the edge's middle lies a cell of the opposite orientation.
        direction = corners[1] - corners[0]
        outward = np.array([direction[1], -direction[0]]) / np.linalg.norm(direction)
        across = corners.mean(axis=0) + 1e-7 * outward
        pattern = torch_patterns(model, across[None])[0]
        matches = np.flatnonzero(np.all(partition.patterns == pattern, axis=1))
        if len(matches) == 1:  # (a T-junction may put the middle in another piece's cell)
            assert jigsaw.orientation[matches[0]] * jigsaw.orientation[cell] == -1


def test_the_partition_of_the_first_k_layers_is_enough():
    model = random_mlp((6, 6, 6), n_inputs=2, n_outputs=2, seed=3)
    coarse = partition_2d(model, BOUNDS, layers=2)
    projection = _projection(model, 2)
    jigsaw = latent_jigsaw(model, coarse, 2, projection)
    assert jigsaw.n_polygons == coarse.n_regions < partition_2d(model, BOUNDS).n_regions
    corners = coarse.vertices[coarse.indices]
    expected = projection(torch_eval(model, corners, None, 2))
    assert np.abs(jigsaw.vertices - expected).max() <= 1e-9 * max(1.0, np.abs(expected).max())
