"""The 3-D latent jigsaw against torch's forward pass, scikit-learn's PCA and geometry."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from engine.latent_jigsaw import pca_projection, unit_projection
from engine.latent_jigsaw3d import latent_jigsaw_3d
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.torch_reference import torch_eval

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
CASES = [
    ((6, 6, 6), "relu", 3),
    ((8, 5), "leaky_relu", 7),
    ((5, 4, 3), "abs", 11),
]


def _case(widths, activation, seed):
    model = random_mlp(widths, n_inputs=2, n_outputs=2, seed=seed, activation=activation)
    return model, partition_2d(model, BOUNDS)


def _projection(model, layer):
    points = np.random.default_rng(0).uniform(-1.0, 1.0, size=(300, 2))
    return pca_projection(torch_eval(model, points, None, layer), 3)


@pytest.mark.parametrize(("widths", "activation", "seed"), CASES)
def test_corners_are_torch_activations_projected_one_polygon_per_cell(widths, activation, seed):
    model, partition = _case(widths, activation, seed)
    for layer in range(1, len(widths) + 1):
        projection = _projection(model, layer)
        jigsaw = latent_jigsaw_3d(model, partition, layer, projection)
        assert jigsaw.n_polygons == partition.n_regions
        np.testing.assert_array_equal(jigsaw.cell, np.arange(partition.n_regions))
        np.testing.assert_array_equal(np.diff(jigsaw.offsets), np.diff(partition.offsets))
        for r in range(partition.n_regions):
            expected = projection(torch_eval(model, partition.polygon(r), None, layer))
            scale = max(1.0, np.abs(expected).max())
            assert np.abs(jigsaw.polygon(r) - expected).max() <= 1e-9 * scale, (layer, r)


@pytest.mark.parametrize(("widths", "activation", "seed"), CASES)
def test_every_image_is_planar_and_holds_the_images_of_its_cells_points(widths, activation, seed):
    model, partition = _case(widths, activation, seed)
    layer = len(widths)
    projection = _projection(model, layer)
    jigsaw = latent_jigsaw_3d(model, partition, layer, projection)
    rng = np.random.default_rng(seed)
    assert np.count_nonzero(jigsaw.rank == 2) >= 5
    for r in range(partition.n_regions):
        polygon = jigsaw.polygon(r)
        centred = polygon - polygon.mean(axis=0)
        size = max(np.abs(centred).max(), 1e-300)
        # Planar: the corners' third singular value vanishes (SVD, no use of the normal).
        assert np.linalg.svd(centred, compute_uv=False)[-1] <= 1e-9 * size, r
        if jigsaw.rank[r] < 2:
            assert not jigsaw.normals[r].any()
            continue
        normal = jigsaw.normals[r]
        assert np.linalg.norm(normal) == pytest.approx(1.0)
        assert np.abs(centred @ normal).max() <= 1e-9 * size
        # A random point of the input cell, forwarded by torch, lies in the image polygon:
        # in its plane, and on the inner side of every edge (counter-clockwise about normal).
        inside = rng.dirichlet(np.ones(len(partition.polygon(r)))) @ partition.polygon(r)
        image = projection(torch_eval(model, inside[None], None, layer))[0]
        assert abs((image - polygon[0]) @ normal) <= 1e-9 * max(size, np.abs(image).max())
        edges = np.roll(polygon, -1, axis=0) - polygon
        side = np.einsum("ij,ij->i", np.cross(edges, image - polygon), normal[None])
        lengths = np.linalg.norm(edges, axis=1)
        assert np.all(side >= -1e-9 * size * np.maximum(lengths, size)), r


def test_areas_are_the_input_areas_times_the_jacobians_area_factor():
    model, partition = _case((8, 5), "leaky_relu", 7)
    jigsaw = latent_jigsaw_3d(model, partition, 2, _projection(model, 2))
    factor = np.linalg.norm(np.cross(jigsaw.jacobian[:, :, 0], jigsaw.jacobian[:, :, 1]), axis=1)
    expected = np.where(jigsaw.rank == 2, factor * partition.areas, 0.0)
    np.testing.assert_allclose(jigsaw.areas, expected, rtol=1e-8, atol=1e-14)
    lows, highs = jigsaw.bounds[0::2], jigsaw.bounds[1::2]
    np.testing.assert_array_equal(lows, jigsaw.vertices.min(axis=0))
    np.testing.assert_array_equal(highs, jigsaw.vertices.max(axis=0))


def test_three_units_show_those_units_activations_and_pca_matches_scikit_learn():
    model, partition = _case((6, 6, 6), "relu", 3)
    jigsaw = latent_jigsaw_3d(model, partition, 2, unit_projection(6, 4, 1, 0))
    corners = partition.vertices[partition.indices]
    np.testing.assert_allclose(
        jigsaw.vertices, torch_eval(model, corners, None, 2)[:, [4, 1, 0]], atol=1e-12
    )
    rng = np.random.default_rng(4)
    activations = rng.normal(size=(250, 7)) @ rng.normal(size=(7, 7))
    projection = pca_projection(activations, 3)
    reference = PCA(n_components=3, svd_solver="full").fit(activations)
    for axis, expected in zip(projection.matrix, reference.components_, strict=True):
        assert abs(abs(axis @ expected) - 1.0) < 1e-9
    np.testing.assert_allclose(projection.explained, reference.explained_variance_ratio_, rtol=1e-9)
    assert projection.axis_names == ("PC 1", "PC 2", "PC 3")


def test_a_layer_of_width_two_gets_a_zero_third_axis():
    model, partition = _case((2, 2), "relu", 5)
    points = np.random.default_rng(1).uniform(-1, 1, (100, 2))
    projection = pca_projection(torch_eval(model, points, None, 1), 3)
    assert not projection.matrix[2].any()
    jigsaw = latent_jigsaw_3d(model, partition, 1, projection)
    assert np.all(jigsaw.rank < 3)


def test_a_two_axis_projection_is_refused():
    model, partition = _case((6, 6, 6), "relu", 3)
    with pytest.raises(ValueError, match="3 axes, got 2"):
        latent_jigsaw_3d(model, partition, 1, unit_projection(6, 0, 1))
    with pytest.raises(ValueError, match="between 1 and 3"):
        latent_jigsaw_3d(model, partition, 4, unit_projection(6, 0, 1, 2))
