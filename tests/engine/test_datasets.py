"""Data sets and feature transforms: seeded, the documented shapes, labels and geometry."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets import (
    DATA_BOUNDS,
    DATA_BOUNDS_3D,
    DATASETS,
    DATASETS_3D,
    MAX_CLASSES,
    RING_OFFSET,
    RING_RADIUS,
    RING_TUBE,
    DatasetSpec,
    make_dataset,
)
from engine.features import (
    FEATURE_PLANE,
    FEATURE_TRANSFORMS,
    INPUT_PLANE,
    feature_transform,
    view_is_exact,
)


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_data_set_is_deterministic_for_a_seed(name):
    first = make_dataset(name, n_samples=300, noise=0.1, seed=7)
    again = make_dataset(name, n_samples=300, noise=0.1, seed=7)
    other = make_dataset(name, n_samples=300, noise=0.1, seed=8)

    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    assert not np.array_equal(first.x_train, other.x_train)


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_data_set_has_the_documented_shapes_and_labels(name):
    data = make_dataset(name, n_samples=250, noise=0.05, seed=1, test_fraction=0.2, n_classes=4)

    assert data.x_train.shape == (200, 2) and data.x_test.shape == (50, 2)
    assert data.y_train.shape == (200,) and data.y_test.shape == (50,)
    assert data.x_train.dtype == np.float64 and data.n_samples == 250
    assert np.all(np.isfinite(data.x_train)) and np.all(np.isfinite(data.x_test))
    expected_classes = DATASETS[name].classes
    if expected_classes is None:
        expected_classes = 4
    assert data.n_classes == expected_classes
    if data.is_regression:
        assert data.y_train.dtype == np.float64
    else:
        labels = np.concatenate([data.y_train, data.y_test])
        assert labels.dtype == np.int64
        assert set(np.unique(labels)) == set(range(data.n_classes))
        shares = np.bincount(labels) / len(labels)
        assert shares.min() > 0.5 / data.n_classes  # no class starved
    # Everything but the blobs' tails lies in the drawn rectangle.
    xmin, xmax, ymin, ymax = DATA_BOUNDS
    inside = (
        (data.x_train[:, 0] >= xmin)
        & (data.x_train[:, 0] <= xmax)
        & (data.x_train[:, 1] >= ymin)
        & (data.x_train[:, 1] <= ymax)
    )
    assert inside.mean() > 0.97


def _all_points(name: str, **kwargs):
    data = make_dataset(name, n_samples=400, noise=0.0, seed=3, **kwargs)
    return (
        np.concatenate([data.x_train, data.x_test]),
        np.concatenate([data.y_train, data.y_test]),
    )


def test_xor_labels_are_the_sign_of_the_product_without_noise():
    x, y = _all_points("xor")
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(int))
    assert np.abs(x).min() >= 0.09  # kept off the axes


def test_circle_in_a_ring_without_noise():
    x, y = _all_points("circle")
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius[y == 0].max() <= 0.45
    assert radius[y == 1].min() >= 0.7 and radius[y == 1].max() <= 1.0


def test_checkerboard_alternates_on_squares_of_half_a_unit():
    x, y = _all_points("checkerboard")
    squares = np.floor(2 * (x + 1)).astype(int)
    np.testing.assert_array_equal(y, (squares[:, 0] + squares[:, 1]) % 2)


def test_two_spirals_are_two_interleaved_arms():
    x, y = _all_points("two_spirals")
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius.min() >= 0.05 - 1e-12 and radius.max() <= 1.0 + 1e-12
    # Points of opposite arms at the same radius point the opposite way.
    t = (radius - 0.05) / 0.95
    angle = np.arctan2(x[:, 1], x[:, 0])
    offset = np.angle(np.exp(1j * (angle - 4 * np.pi * t)))
    np.testing.assert_allclose(np.abs(offset[y == 0]), 0.0, atol=1e-9)
    np.testing.assert_allclose(np.abs(offset[y == 1]), np.pi, atol=1e-9)


def test_two_moons_lie_on_their_half_circles():
    x, y = _all_points("two_moons")
    original = x * 1.5 + [0.5, 0.25]
    upper = np.hypot(original[y == 0, 0], original[y == 0, 1])
    lower = np.hypot(original[y == 1, 0] - 1.0, original[y == 1, 1] - 0.5)
    np.testing.assert_allclose(upper, 1.0, atol=1e-12)
    np.testing.assert_allclose(lower, 1.0, atol=1e-12)
    assert np.all(original[y == 0, 1] >= -1e-12) and np.all(original[y == 1, 1] <= 0.5 + 1e-12)


def test_k_blobs_have_k_classes_around_their_centres():
    x, y = _all_points("blobs_k", n_classes=5)
    assert set(np.unique(y)) == set(range(5))
    centres = np.array([x[y == k].mean(axis=0) for k in range(5)])
    np.testing.assert_allclose(np.hypot(centres[:, 0], centres[:, 1]), 0.6, atol=0.06)


def test_the_bump_is_a_regression_target():
    x, y = _all_points("bump")
    np.testing.assert_allclose(y, np.exp(-(x**2).sum(axis=1) / (2 * 0.4**2)))


def test_noise_jitters_the_points():
    clean = make_dataset("xor", noise=0.0, seed=2)
    noisy = make_dataset("xor", noise=0.2, seed=2)
    jitter = noisy.x_train - clean.x_train
    assert 0.15 < jitter.std() < 0.25
    np.testing.assert_array_equal(clean.y_train, noisy.y_train)


def test_spec_makes_the_same_data_set():
    spec = DatasetSpec("circle", n_samples=120, noise=0.1, seed=4)
    np.testing.assert_array_equal(
        spec.make().x_train, make_dataset("circle", n_samples=120, noise=0.1, seed=4).x_train
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "spirals"}, "unknown data set"),
        ({"name": "xor", "n_samples": 3}, "at least 4"),
        ({"name": "xor", "noise": -0.1}, "non-negative"),
        ({"name": "xor", "test_fraction": 1.0}, "test_fraction"),
        ({"name": "blobs_k", "n_classes": MAX_CLASSES + 1}, "n_classes"),
    ],
)
def test_bad_arguments_are_rejected_with_a_message(kwargs, message):
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=message):
        make_dataset(name, **kwargs)


# 3-D data sets -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS_3D))
def test_3d_data_sets_are_seeded_balanced_and_in_their_box(name):
    data = make_dataset(name, n_samples=600, noise=0.05, seed=5, test_fraction=0.25)
    again = make_dataset(name, n_samples=600, noise=0.05, seed=5, test_fraction=0.25)
    other = make_dataset(name, n_samples=600, noise=0.05, seed=6, test_fraction=0.25)

    assert data.x_train.shape == (450, 3) and data.x_test.shape == (150, 3)
    assert data.dimension == 3 and data.n_classes == 2 and DATASETS_3D[name].dimension == 3
    np.testing.assert_array_equal(data.x_train, again.x_train)
    np.testing.assert_array_equal(data.y_test, again.y_test)
    assert not np.array_equal(data.x_train, other.x_train)
    labels = np.concatenate([data.y_train, data.y_test])
    assert labels.dtype == np.int64 and set(np.unique(labels)) == {0, 1}
    assert abs(np.mean(labels) - 0.5) < 0.05
    x = np.concatenate([data.x_train, data.x_test])
    low, high = np.array(DATA_BOUNDS_3D[0::2]), np.array(DATA_BOUNDS_3D[1::2])
    assert np.all((x >= low) & (x <= high))
    assert name not in DATASETS  # the planar menus do not offer them


def test_the_ball_lies_inside_its_shell():
    x, y = _all_points("ball_in_shell")
    radius = np.linalg.norm(x, axis=1)
    assert radius[y == 0].max() <= 0.45 and radius[y == 1].min() >= 0.7
    assert radius[y == 1].max() <= 1.0
    # Uniform in volume: half of the ball's points lie within 0.45 / 2^(1/3) of the centre.
    assert abs(np.mean(radius[y == 0] < 0.45 / 2 ** (1 / 3)) - 0.5) < 0.1
    # Every direction: the points of the shell are centred on the origin.
    np.testing.assert_allclose(x[y == 1].mean(axis=0), 0.0, atol=0.12)


def test_3d_xor_labels_are_the_sign_of_the_product_of_the_coordinates():
    x, y = _all_points("xor_3d")
    np.testing.assert_array_equal(y, (x.prod(axis=1) > 0).astype(int))
    assert np.abs(x).min() >= 0.09
    octants = (x > 0) @ [1, 2, 4]
    assert len(np.unique(octants)) == 8


def test_the_two_rings_are_tubes_that_pass_through_each_other():
    x, y = _all_points("rings")
    first, second = x[y == 0] - [-RING_OFFSET, 0, 0], x[y == 1] - [RING_OFFSET, 0, 0]
    # Distance from each ring's centre line: ring 0 lies in the x1 x2 plane, ring 1 in x1 x3.
    tube_0 = np.hypot(np.hypot(first[:, 0], first[:, 1]) - RING_RADIUS, first[:, 2])
    tube_1 = np.hypot(np.hypot(second[:, 0], second[:, 2]) - RING_RADIUS, second[:, 1])
    assert tube_0.max() <= RING_TUBE + 1e-12 and tube_1.max() <= RING_TUBE + 1e-12
    # Interlocked: ring 0's centre line crosses ring 1's plane (x2 = 0) twice, once inside
    # ring 1's hole and once outside ring 1 (and the same with the rings swapped).
    crossing_x1 = np.array([-RING_OFFSET - RING_RADIUS, -RING_OFFSET + RING_RADIUS])
    from_centre = np.sort(np.abs(crossing_x1 - RING_OFFSET))
    assert from_centre[0] < RING_RADIUS - 2 * RING_TUBE
    assert from_centre[1] > RING_RADIUS + 2 * RING_TUBE
    # and the sampled tubes stay apart.
    gap = np.linalg.norm(x[y == 0][:, None, :] - x[y == 1][None, :, :], axis=2).min()
    assert gap > 0.1


def test_an_unknown_name_lists_the_3d_data_sets_too():
    with pytest.raises(ValueError, match="ball_in_shell, xor_3d, rings"):
        make_dataset("torus")


# Feature transforms ----------------------------------------------------------------------

POINTS = np.array([[0.5, -0.25], [-1.0, 0.75], [0.0, 1.0]])


def test_feature_transforms_compute_the_named_features():
    x1, x2 = POINTS[:, 0], POINTS[:, 1]
    expected = {
        "raw": np.column_stack([x1, x2]),
        "squares": np.column_stack([x1, x2, x1**2, x2**2]),
        "product": np.column_stack([x1, x2, x1 * x2]),
        "sin": np.column_stack([x1, x2, np.sin(np.pi * x1), np.sin(np.pi * x2)]),
        "polar": np.column_stack([np.hypot(x1, x2), np.arctan2(x2, x1)]),
    }
    assert set(expected) == set(FEATURE_TRANSFORMS)
    for name, values in expected.items():
        transform = feature_transform(name)
        np.testing.assert_allclose(transform(POINTS), values)
        assert transform.n_features == values.shape[1] == len(transform.feature_names)


def test_polar_features_invert_back_to_the_plane():
    r, theta = feature_transform("polar")(POINTS).T
    np.testing.assert_allclose(
        np.column_stack([r * np.cos(theta), r * np.sin(theta)]), POINTS, atol=1e-15
    )


def test_feature_planes_and_their_bounds():
    polar = feature_transform("polar")
    assert polar.has_exact_feature_plane
    r_max = np.hypot(1.25, 1.25)
    np.testing.assert_allclose(polar.feature_bounds(DATA_BOUNDS), (0, r_max, -np.pi, np.pi))
    with pytest.raises(ValueError, match="not a plane"):
        feature_transform("product").feature_bounds(DATA_BOUNDS)


def test_only_affine_views_are_exact():
    assert view_is_exact(feature_transform("raw"), INPUT_PLANE)
    assert view_is_exact(feature_transform("polar"), FEATURE_PLANE)
    assert not view_is_exact(feature_transform("polar"), INPUT_PLANE)
    for name in ("squares", "product", "sin"):
        assert not view_is_exact(feature_transform(name), FEATURE_PLANE)
        assert not view_is_exact(feature_transform(name), INPUT_PLANE)


def test_an_unknown_transform_names_the_choices():
    with pytest.raises(ValueError, match="raw, squares, product, sin, polar"):
        feature_transform("cubes")
