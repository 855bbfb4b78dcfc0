"""The values a ReLU-like step leaves unmade when only a max-pooling step reads them
(:class:`engine.graph_pieces.ScaledRows`), and the max-pooling cut's quick disc test:
partitions, pooled values and decisions are those of the made values, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine import argmax_kernels, graph_kernels, partition_graph
from engine.graph_pieces import ScaledRows, piece_value, pooled_values, scaled_pieces
from engine.graph_pooling import pooled_relus
from engine.partition2d import partition_2d
from engine.pl_graph import trace_piecewise_linear
from engine.slices import plane_through
from tests.engine.test_partition_graph import _anchors
from tests.engine.test_partition_maxpool import _case

FIELDS = (
    "vertices", "offsets", "edge_neuron", "packed_patterns", "layer_of_neuron", "A", "c",
    "neuron_unit", "neuron_entry",
)  # fmt: skip


def _relu_then_pool(slope: float) -> nn.Module:
    torch.manual_seed(5)
    activation = nn.ReLU() if slope == 0 else nn.LeakyReLU(slope)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), activation, nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(27, 4), nn.ReLU(), nn.Linear(4, 3),
    ).eval()  # fmt: skip


def _made_and_unmade(model, sl, monkeypatch):
    unmade = partition_2d(model, None, plane=sl)
    with monkeypatch.context() as patch:
        patch.setattr(partition_graph, "pooled_relus", lambda graph: set())
        made = partition_2d(model, None, plane=sl)
    return made, unmade


@pytest.mark.parametrize("slope", [0.0, 0.3, -0.7, 2.0])
def test_unmade_relu_values_give_the_partition_of_the_made_ones(slope, monkeypatch):
    """ReLU, LeakyReLU and a slope past 1 (whose values are made anyway, and checked):
    the same cells, array for array, with the ReLU's pieces' values made or not."""
    model = _relu_then_pool(slope)
    sl = plane_through(*_anchors((1, 6, 6), 30))
    graph = trace_piecewise_linear(model, sl.input_shape)
    relu = graph.cutting_steps[0]
    assert pooled_relus(graph) == {relu.name}
    assert pooled_relus(graph.truncated(1)) == set()  # the output
    made, unmade = _made_and_unmade(model, sl, monkeypatch)
    assert made.n_regions > 50
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(unmade, field), getattr(made, field), field)


def test_unmade_values_of_the_digits_like_cnn_give_its_partition(monkeypatch):
    model, sl = _case("digits-like")
    made, unmade = _made_and_unmade(model, sl, monkeypatch)
    assert made.n_regions > 20
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(unmade, field), getattr(made, field), field)


@pytest.mark.parametrize("slope", [0.0, 0.25])
def test_pooled_unmade_values_are_the_pooled_made_values(slope):
    """Random cells, ReLU decisions and winning entries: pooling the unmade pieces gives
    the values of pooling the pieces ``piece_value`` makes, bit for bit."""
    rng = np.random.default_rng(7)
    model = _relu_then_pool(slope)
    relu, pool, _ = trace_piecewise_linear(model, (1, 6, 6)).cutting_steps
    n_cells, n_pieces, n_pooled = 4, 11, 23
    value = torch.from_numpy(rng.normal(size=(n_cells * 3, *relu.shape)))
    parent = rng.integers(0, n_cells, n_pieces)
    on = torch.from_numpy(rng.random((n_pieces, *relu.shape)) < 0.5)
    unmade = scaled_pieces(relu, value, parent, on)
    assert isinstance(unmade, ScaledRows) and unmade.count == n_pieces
    made = piece_value(relu, value, parent, on)
    pooled_parent = rng.integers(0, n_pieces, n_pooled)
    slot = rng.integers(0, pool.windows.shape[1], (n_pooled, *pool.shape)).astype(np.int16)
    decision = torch.from_numpy(slot)
    expected = piece_value(pool, made, pooled_parent, decision)
    ours = pooled_values(pool, unmade, pooled_parent, decision)
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())
    picked = unmade.taken(np.array([3, 0, 3]))
    np.testing.assert_array_equal(picked.on, unmade.on[[3, 0, 3]])
    assert picked.cells(1, 3).parent.tolist() == unmade.parent[[0, 3]].tolist()


def test_a_slope_past_one_leaves_the_values_to_be_made():
    model = _relu_then_pool(1.5)
    relu = trace_piecewise_linear(model, (1, 6, 6)).cutting_steps[0]
    value = torch.zeros((3, *relu.shape), dtype=torch.float64)
    on = torch.zeros((1, *relu.shape), dtype=torch.bool)
    assert scaled_pieces(relu, value, np.zeros(1, dtype=np.int64), on) is None


def test_the_quick_disc_test_only_names_the_entry_that_wins_on_the_whole_cell():
    """Whenever the disc test names a winner, the exact test on a polygon inside the disc
    finds that entry alone; on random windows it decides most of them."""
    rng = np.random.default_rng(11)
    tolerance = np.array([1e-12, 64 * 2.2e-16, 2.0, 2.0])
    valid = np.ones((1, 4), dtype=bool)
    out = np.empty(9, dtype=np.int64)
    decided = 0
    for trial in range(3000):
        entry = rng.normal(size=(4, 3)) * np.array([1.0, 1.0, 0.3])
        if trial % 7 == 0:
            entry[2] = entry[0]  # a tie, which the first entry wins
        cx, cy = rng.uniform(-1, 1, 2)
        radius = 10 ** rng.uniform(-4, -0.5)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 6))
        xy = np.stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)], axis=1)
        sure = argmax_kernels._sure_winner(entry, valid, 0, cx, cy, radius * (1 + 1e-9), tolerance)
        if sure < 0:
            continue
        decided += 1
        m = argmax_kernels._contenders(entry, valid, 0, xy, 0, len(xy), tolerance, out)
        assert (m, out[0]) == (1, sure)
    assert decided > 1500


def test_packed_slots_set_one_bit_per_window():
    slot = np.array([[0, 3, 1], [2, 2, 0]], dtype=np.int16)
    bits = np.zeros((2, 3, 4), dtype=bool)
    np.put_along_axis(bits, slot[..., None].astype(np.int64), True, axis=2)
    expected = np.packbits(bits.reshape(2, -1), axis=1)
    np.testing.assert_array_equal(graph_kernels.packed_slots(slot, 4), expected)
