"""Upper bounds on cell counts, and the statistics measured against them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.cell_statistics import (
    cell_predictions,
    layer_cell_counts,
    layer_cell_counts_from,
    mixed_cell_counts,
    prefix_pattern_ids,
)
from engine.datasets import make_dataset
from engine.features import feature_transform
from engine.networks import network_layers, random_mlp
from engine.partition2d import partition_2d
from engine.region_bounds import (
    layerwise_zaslavsky_bound,
    naive_bound,
    region_bounds,
    serra_bound,
    zaslavsky_bound,
)
from engine.sampled_cells import pixel_centres, sample_cells
from engine.training import Architecture, TrainingConfig, train

BOX = (-1.0, 1.0, -1.0, 1.0)


@pytest.mark.parametrize(
    ("n", "dim", "expected"),
    [(0, 2, 1), (1, 2, 2), (2, 2, 4), (3, 2, 7), (4, 2, 11), (8, 2, 37), (5, 1, 6), (3, 3, 8)],
)
def test_zaslavsky_matches_hand_counts(n, dim, expected):
    # n lines in general position: 1 + n + C(n, 2) cells; n points on a line: n + 1.
    assert zaslavsky_bound(n, dim) == expected


def test_serra_by_hand_for_small_networks():
    # (1, 1) in the plane: the first neuron halves the plane; where it is off the second
    # sees a constant, where it is on it can cut once more: 3 cells.
    assert serra_bound([1, 1], 2) == 3
    # (2, 2) in the plane: j1 = 0, 1, 2 with C(2, j1) = 1, 2, 1 leave room 2, 1, 0 for the
    # second layer: 1 * 4 + 2 * 3 + 1 * 1 = 11, below Zaslavsky layer by layer (16).
    assert serra_bound([2, 2], 2) == 11
    assert layerwise_zaslavsky_bound([2, 2], 2) == 16
    # One layer: Zaslavsky's bound exactly.
    for n in range(6):
        assert serra_bound([n], 2) == zaslavsky_bound(n, 2)
    # Input dimension 1, (3, 3): (1 + 3) * (1 + 3).
    assert serra_bound([3, 3], 1) == 16


def test_naive_bound_is_a_power_of_two():
    assert naive_bound(0) == 1 and naive_bound(16) == 65_536
    assert naive_bound(96) == 2**96


def test_region_bounds_per_depth():
    bounds = region_bounds([2, 2], 2, "relu")
    assert bounds.zaslavsky == (4, 16)
    assert bounds.serra == (4, 11)
    assert bounds.naive == (4, 16)
    assert bounds.tightest == (4, 11)
    leaky = region_bounds([2, 2], 2, "leaky_relu")
    assert leaky.serra is None and leaky.tightest == (4, 16)


@pytest.mark.parametrize(
    ("widths", "activation"), [((3, 3), "relu"), ((4, 4, 4), "relu"), ((4, 3), "abs")]
)
@pytest.mark.parametrize("seed", range(4))
def test_measured_cells_never_exceed_the_bounds(widths, activation, seed):
    model = random_mlp(widths, seed=seed, activation=activation, bias_std=1.0)
    counts = layer_cell_counts(model, (-30.0, 30.0, -30.0, 30.0))
    bounds = region_bounds(widths, 2, activation)
    assert np.all(counts <= np.array(bounds.tightest))
    assert np.all(np.diff(counts) >= 0)  # every layer subdivides


def test_layer_cell_counts_are_the_partitions_of_the_first_k_layers():
    model = random_mlp([6, 6, 6], seed=2)
    full = partition_2d(model, BOX)
    counts = layer_cell_counts(model, BOX, full=full)
    expected = [partition_2d(model, BOX, layers=k).n_regions for k in (1, 2, 3)]
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize(
    ("widths", "activation", "seed"),
    [
        ((8, 8), "relu", 0),
        ((16, 16, 16), "relu", 1),
        ((12, 10, 8, 6), "leaky_relu", 2),
        ((10, 10), "abs", 3),
        ((32, 32, 32), "relu", 4),
    ],
)
def test_per_layer_counts_from_the_full_partition_equal_partitioning_again(
    widths, activation, seed
):
    model = random_mlp(widths, seed=seed, activation=activation)
    full = partition_2d(model, BOX)
    np.testing.assert_array_equal(layer_cell_counts_from(full), layer_cell_counts(model, BOX))


def test_per_layer_counts_of_a_trained_network_equal_partitioning_again():
    data = make_dataset("two_spirals", n_samples=200)
    snapshot = train(
        data, feature_transform("raw"), Architecture((12, 12, 12)), TrainingConfig(epochs=40)
    )
    model = snapshot.model()
    bounds = (-1.25, 1.25, -1.25, 1.25)
    counts = layer_cell_counts_from(partition_2d(model, bounds))
    np.testing.assert_array_equal(counts, layer_cell_counts(model, bounds))


def _one_neuron_then_two():
    """Layer 1: h = ReLU(x1); layer 2: ReLU(h - 1); outputs (g, -g). Cells of the plane:
    x1 <= 0, 0 < x1 <= 1 and x1 > 1."""
    model = nn.Sequential(nn.Linear(2, 1), nn.ReLU(), nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 2))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0]]))
        model[0].bias.zero_()
        model[2].weight.copy_(torch.tensor([[1.0]]))
        model[2].bias.fill_(-1.0)
        model[4].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        model[4].bias.zero_()
    return model.double()


def test_mixed_cells_count_cells_holding_two_classes():
    # Layer 1 cells: x1 <= 0 and x1 > 0. Layer 2 splits x1 > 0 at x1 = 1.
    model = _one_neuron_then_two()
    points = np.array([[-1.0, 0.0], [-2.0, 3.0], [0.5, 0.0], [0.7, 1.0], [2.0, 0.0], [3.0, 0.0]])
    labels = np.array([0, 0, 0, 1, 1, 1])
    # k = 1: the cell x1 > 0 holds classes 0 and 1; k = 2: 0 < x1 <= 1 still does.
    np.testing.assert_array_equal(mixed_cell_counts(model, points, labels), [1, 1])
    labels = np.array([0, 1, 0, 0, 1, 1])
    # k = 1: both cells mixed; k = 2: x1 <= 0 mixed only.
    np.testing.assert_array_equal(mixed_cell_counts(model, points, labels), [2, 1])


def test_prefix_ids_group_rows_by_their_leading_layers():
    patterns = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0], [1, 0, 1]], dtype=bool)
    by_layer = prefix_pattern_ids(patterns, [1, 2])
    assert len(set(by_layer[0])) == 2 and by_layer[0][0] == by_layer[0][1] == by_layer[0][3]
    assert len(set(by_layer[1])) == 3 and by_layer[1][0] == by_layer[1][3] != by_layer[1][1]


def test_cell_predictions_are_the_network_at_each_cells_centre():
    model = random_mlp([8, 8], n_outputs=3, seed=5)
    partition = partition_2d(model, BOX)
    predictions = cell_predictions(partition)
    with torch.no_grad():
        logits = model(torch.as_tensor(partition.centroids)).numpy()
    np.testing.assert_allclose(predictions.outputs, logits, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(predictions.predicted, logits.argmax(axis=1))
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(predictions.confidence, softmax.max(axis=1), rtol=1e-12)


def test_sampled_cells_agree_with_the_exact_partition_on_raw_inputs():
    model = random_mlp([5, 5], seed=3)
    partition = partition_2d(model, BOX)
    sampled = sample_cells(model, feature_transform("raw"), BOX, (120, 100))

    assert sampled.shape == (100, 120)
    centres = pixel_centres(BOX, 120, 100)
    patterns = network_layers(model).activation_pattern(centres)
    # Pixels share an id exactly when they share a pattern.
    ids = sampled.cell.ravel()
    _, first = np.unique(ids, return_index=True)
    np.testing.assert_array_equal(patterns, patterns[first][ids])
    # Sampling can only miss cells, never invent them.
    assert sampled.n_patterns <= partition.n_regions
    assert sampled.patterns_per_layer[-1] == sampled.n_patterns
    big = np.count_nonzero(partition.areas > 0.01 * 4.0)
    assert sampled.n_patterns >= big


def test_sampled_edges_mark_where_the_pattern_changes():
    model = _one_neuron_then_two()
    sampled = sample_cells(model, feature_transform("raw"), (-2.0, 2.0, -1.0, 1.0), (40, 10))
    columns = np.flatnonzero((sampled.edge_layer >= 0).any(axis=0))
    # x1 = 0 (layer 1) falls between columns 19 and 20; x1 = 1 (layer 2) between 29, 30.
    np.testing.assert_array_equal(columns, [19, 29])
    assert np.all(sampled.edge_layer[:, 19] == 0) and np.all(sampled.edge_layer[:, 29] == 1)
    np.testing.assert_array_equal(sampled.patterns_per_layer, [2, 3])


def test_sampled_cells_check_the_feature_count():
    with pytest.raises(ValueError, match="3 features"):
        sample_cells(random_mlp([4], seed=0), feature_transform("product"), BOX, 10)
