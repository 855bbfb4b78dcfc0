"""The encoding experiments (noise dimensions, watch faces, the generalisation split),
checked against independent evidence: Delaunay triangulations, the strict convexity of
the circle, rotations of the watch face, and cells located by the exact partition."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import Delaunay

from engine.cell_sharing import activation_bits, in_training_cells
from engine.datasets import make_dataset
from engine.digit_models import run_to_end
from engine.encoding_experiments import (
    generalisation_split_experiment,
    hand_tips,
    hours,
    noise_dimensions_experiment,
    split_accuracy,
    watch_face_encodings,
    watch_face_experiment,
    watch_faces,
    with_noise_dimensions,
)
from engine.networks import random_mlp
from engine.partition2d import partition_2d


def _column(result, name):
    return [row[result.header.index(name)] for row in result.rows]


def test_noise_coordinates_are_appended_and_seeded():
    points = np.arange(12.0).reshape(6, 2)
    noisy = with_noise_dimensions(points, 3, 0.5, seed=7)
    assert noisy.shape == (6, 5)
    np.testing.assert_array_equal(noisy[:, :2], points)
    np.testing.assert_array_equal(noisy, with_noise_dimensions(points, 3, 0.5, seed=7))
    wide = with_noise_dimensions(np.zeros((20_000, 2)), 1, 0.5, seed=1)
    assert wide[:, 2].std() == pytest.approx(0.5, rel=0.02)
    with pytest.raises(ValueError, match="at least 0"):
        with_noise_dimensions(points, -1, 0.5, seed=0)


def test_hull_shares_with_few_noise_dimensions_match_delaunay():
    """With k = 0 and k = 1 the hull test is a point-location in a triangulation."""
    result = run_to_end(noise_dimensions_experiment(noise_dimensions=(0, 1), n_samples=120))
    data = make_dataset("two_moons", n_samples=120, seed=0)
    scale = float(data.x_train.std(axis=0).mean())
    expected = []
    for k in (0, 1):
        train = with_noise_dimensions(data.x_train, 1, scale, 1)[:, : 2 + k]
        test = with_noise_dimensions(data.x_test, 1, scale, 2)[:, : 2 + k]
        expected.append(float((Delaunay(train).find_simplex(test) >= 0).mean()))
    assert _column(result, "convex hull") == pytest.approx(expected)
    assert _column(result, "dimensions") == [2, 3]


def test_many_noise_dimensions_leave_no_test_point_inside():
    result = run_to_end(noise_dimensions_experiment(noise_dimensions=(0, 120), n_samples=150))
    inside = _column(result, "convex hull")
    assert inside[0] > 0.75
    assert inside[1] == 0.0  # 105 training points span at most 104 of 122 dimensions


def test_unknown_or_regression_data_sets_are_refused():
    for name in ("bump", "nonsense"):
        with pytest.raises(ValueError, match="classification data set"):
            next(noise_dimensions_experiment(name))


def test_hours_and_hand_tips_follow_the_clock():
    angles = np.array([0.0, np.pi / 2, np.pi, 2 * np.pi - 1e-9, 2 * np.pi, -np.pi / 2])
    assert hours(angles).tolist() == [0, 3, 6, 11, 0, 9]
    np.testing.assert_allclose(
        hand_tips(angles[:3]), 0.8 * np.array([[0, 1], [1, 0], [0, -1]]), atol=1e-15
    )


def test_a_watch_face_turned_a_quarter_is_the_image_rotated():
    """Three o'clock is twelve o'clock turned a quarter clockwise; the hand is bright, the
    opposite half of the face dark."""
    twelve, three = watch_faces(np.array([0.0, np.pi / 2]), side=16)
    np.testing.assert_allclose(three, np.rot90(twelve, k=-1), atol=1e-12)
    assert twelve[:8].sum() > 5 and twelve[9:].sum() == 0.0
    assert twelve.max() == 1.0


def test_the_encodings_describe_the_same_readings():
    angles = np.random.default_rng(3).uniform(0, 2 * np.pi, 5)
    encodings = watch_face_encodings(angles, side=8)
    assert [e.shape for e in encodings.values()] == [(5, 1), (5, 2), (5, 64)]
    tips = encodings["hand tip (x, y)"]
    np.testing.assert_allclose(np.arctan2(tips[:, 0], tips[:, 1]) % (2 * np.pi), angles)


def test_watch_face_shares_follow_geometry_not_accuracy():
    """On the tip circle no reading is inside the hull (a circle is strictly convex); on
    the angle line exactly those between the training extremes are; the classifier does
    well on the angle and the tip alike."""
    result = run_to_end(watch_face_experiment(n_train=80, n_test=40, side=8, epochs=60))
    shares = dict(zip(_column(result, "encoding"), _column(result, "convex hull"), strict=True))
    rng = np.random.default_rng(0)
    train, test = rng.uniform(0, 2 * np.pi, 80), rng.uniform(0, 2 * np.pi, 40)
    between = float(((test >= train.min()) & (test <= train.max())).mean())
    assert shares["angle"] == pytest.approx(between)
    assert shares["hand tip (x, y)"] == 0.0
    assert shares["pixels"] == 0.0
    accuracy = dict(zip(_column(result, "encoding"), _column(result, "test accuracy"), strict=True))
    assert accuracy["hand tip (x, y)"] > 0.8
    assert [s.name for s in result.series][-1] == "classifier's test accuracy"


def test_shared_cells_are_the_cells_the_exact_partition_locates():
    """Two inputs share an activation pattern iff the exact partition puts them in the
    same cell."""
    model = random_mlp([6, 5], seed=2)
    rng = np.random.default_rng(5)
    train, test = rng.uniform(-1, 1, (30, 2)), rng.uniform(-1, 1, (200, 2))
    cells = partition_2d(model, (-1, 1, -1, 1))
    train_cells = set(cells.locate(train).tolist())
    expected = np.isin(cells.locate(test), list(train_cells))
    np.testing.assert_array_equal(in_training_cells(model, train, test), expected)
    assert 0 < expected.sum() < len(test)
    assert activation_bits(model, test).shape == (200, 11)


def test_split_rows_count_and_score_each_group():
    correct = np.array([True, False, True, True])
    masks = {
        "hull": np.array([False, False, False, False]),
        "ellipsoid": np.array([True, True, False, False]),
        "cell": np.array([True, False, True, False]),
        "slice": np.array([True, False, False, False]),
    }
    rows = {row[0]: row[1:] for row in split_accuracy(correct, masks)}
    assert rows["all test digits"] == (4, 1.0, 0.75)
    assert rows["inside the hull"][:2] == (0, 0.0) and np.isnan(rows["inside the hull"][2])
    assert rows["inside the ellipsoid"] == (2, 0.5, 0.5)
    assert rows["outside the ellipsoid"] == (2, 0.5, 1.0)
    assert rows["in a training digit's cell"] == (2, 0.5, 1.0)
    assert rows["in a training digit's cell, 2-D slice"] == (1, 0.25, 1.0)
    assert rows["in no training digit's cell, 2-D slice"] == (3, 0.75, 2 / 3)


def test_the_generalisation_split_partitions_the_test_digits():
    """Each pair of rows splits the test digits in two; the ellipsoid holds more test
    digits than the hull (which, in 64 pixels, holds none)."""
    from engine.digits import load_digits

    digits = load_digits().subset(np.arange(200))
    result = run_to_end(generalisation_split_experiment(digits, widths=((4,), (12,)), epochs=3))
    rows = {(row[0], row[1]): row[2:] for row in result.rows}
    for name in ("64-4-10", "64-12-10"):
        total = rows[(name, "all test digits")][0]
        assert total == 40
        for inside, outside in (
            ("inside the hull", "outside the hull"),
            ("inside the ellipsoid", "outside the ellipsoid"),
            ("in a training digit's cell", "in a cell with no training digit"),
            ("in a training digit's cell, 2-D slice", "in no training digit's cell, 2-D slice"),
        ):
            assert rows[(name, inside)][0] + rows[(name, outside)][0] == total
        # The slice looks at two training digits, the full test at all of them.
        in_slice = rows[(name, "in a training digit's cell, 2-D slice")][0]
        assert in_slice <= rows[(name, "in a training digit's cell")][0]
        assert rows[(name, "inside the hull")][0] == 0
        assert rows[(name, "inside the ellipsoid")][0] > 0
    assert len(result.series) == 3 and result.series[0].x.tolist() == [4.0, 12.0]
    assert result.tsv().splitlines()[0].split("\t")[:2] == ["classifier", "test digits"]
    assert "two nearest training digits" in result.header_notes[1]
