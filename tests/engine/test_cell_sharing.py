"""The 2-D slice variant of "the test input shares its cell with a training input",
against the exact partition of that very slice and against dense sampling with torch."""

from __future__ import annotations

import numpy as np
import pytest

from engine.cell_sharing import in_training_cells, slice_anchors, slice_cell_sharing
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.torch_reference import torch_patterns

D = 5


def _case(seed: int = 0):
    """A small network of 5 inputs; training inputs near the test inputs, so that some
    test inputs share their slice's cell with an anchor and some do not."""
    model = random_mlp((6, 5), n_inputs=D, n_outputs=3, seed=seed)
    rng = np.random.default_rng(seed)
    train = rng.normal(size=(40, D))
    test = train[rng.choice(40, 30)] + 0.35 * rng.normal(size=(30, D))
    return model, train, test


def _pattern(model, points):
    return torch_patterns(model, np.atleast_2d(points))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_answer_is_the_exact_partition_of_the_slice(seed):
    model, train, test = _case(seed)
    result = slice_cell_sharing(model, train, test)
    assert 0 < result.shared.sum() < len(test), "both answers occur"
    for m, x in enumerate(test):
        a, b = result.anchors[m]
        assert a >= 0 and b >= 0 and result.in_plane[m] == 2
        plane = (x, train[a] - x, train[b] - x)
        cells = partition_2d(model, (-0.5, 1.5, -0.5, 1.5), plane=plane)
        # In the slice's coordinates x is at (0, 0), a at (1, 0) and b at (0, 1).
        here, at_a, at_b = cells.locate(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
        assert result.shared[m] == (here in (at_a, at_b)), m
        if result.shared[m]:
            assert (
                cells.locate(np.array([[1.0, 0.0] if result.partner[m] == a else [0.0, 1.0]]))[0]
                == here
            )


def test_sharing_agrees_with_dense_sampling_of_the_triangle():
    """The test input's cell in the slice holds an anchor iff every sample of the segment
    from the test input to that anchor has the test input's pattern (torch)."""
    model, train, test = _case(3)
    result = slice_cell_sharing(model, train, test)
    t = np.linspace(0.0, 1.0, 401)[:, None]
    for m, x in enumerate(test):
        reached = []
        for anchor in result.anchors[m]:
            samples = x + t * (train[anchor] - x)
            patterns = _pattern(model, samples)
            reached.append(bool(np.all(patterns == patterns[0])))
        assert result.shared[m] == any(reached), m


def test_the_anchors_are_the_two_nearest_and_sharing_implies_the_full_test():
    model, train, test = _case(4)
    result = slice_cell_sharing(model, train, test)
    distance = np.linalg.norm(train[None] - test[:, None], axis=2)
    np.testing.assert_array_equal(result.anchors, np.argsort(distance, axis=1)[:, :2])
    full = in_training_cells(model, train, test)
    assert np.all(full[result.shared])


def test_a_duplicate_and_coplanar_training_inputs_lie_in_the_slice():
    model, train, test = _case(5)
    x = test[0]
    a, b = slice_anchors(train, x)[0]
    extra = x + 2.0 * (train[a] - x) - 1.5 * (train[b] - x)  # in the plane, farther away
    crowd = np.vstack([train, x[None], extra[None]])
    anchors, lying = slice_anchors(crowd, x)
    np.testing.assert_array_equal(anchors, [a, b])
    assert set(np.flatnonzero(lying)) == {a, b, len(train), len(train) + 1}
    # A test input that is a training input shares its cell with itself.
    result = slice_cell_sharing(model, crowd, x[None])
    assert result.shared[0] and result.partner[0] == len(train)


def test_collinear_training_inputs_span_a_line_only():
    model = random_mlp((4,), n_inputs=3, seed=0)
    direction = np.array([1.0, 2.0, -1.0])
    train = np.outer([1.0, 2.0, -3.0], direction)
    anchors, lying = slice_anchors(train, np.zeros(3))
    assert anchors.tolist() == [0, -1] and lying.all()
    result = slice_cell_sharing(model, train, np.zeros((1, 3)))
    assert result.in_plane[0] == 3


@pytest.mark.parametrize(
    ("train", "test", "message"),
    [
        (np.ones((0, 3)), np.ones((2, 3)), "shape"),
        (np.ones((4, 3)), np.ones((2, 2)), r"shape \(N, 3\)"),
        ([["a", "b"]], np.ones((2, 2)), "array of numbers"),
        (np.ones((4, 3)), np.full((2, 3), np.nan), "finite"),
    ],
)
def test_hostile_inputs_get_one_sentence(train, test, message):
    model = random_mlp((4,), n_inputs=3, seed=0)
    with pytest.raises(ValueError, match=message):
        slice_cell_sharing(model, train, test)
