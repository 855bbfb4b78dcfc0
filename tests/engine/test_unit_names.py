"""Pattern bits of a traced CNN decoded to layer, channel, position and pooling window,
checked against torch's own activations and pooling indices on both sides of an edge."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine.partition2d import partition_2d
from engine.slices import plane_through
from engine.unit_names import bit_unit, pattern_changes
from tests.cnn_case import small_cnn


@pytest.fixture(scope="module")
def sliced():
    model = small_cnn()
    rng = np.random.default_rng(0)
    plane = plane_through(*(rng.uniform(0, 1, (1, 8, 8)) for _ in range(3)), margin=0.1)
    return model, plane, partition_2d(model, None, plane=plane)


def _edges_of_layer(partition, layer: int):
    """(start, end, neuron) of every ring edge made by a bit of ``layer``."""
    lengths = np.diff(partition.offsets)
    ring_start = np.repeat(partition.offsets[:-1], lengths)
    ring_end = np.repeat(partition.offsets[1:], lengths)
    positions = np.arange(len(partition.indices))
    after = np.where(positions + 1 < ring_end, positions + 1, ring_start)
    a = partition.vertices[partition.indices[positions]]
    b = partition.vertices[partition.indices[after]]
    neuron = partition.edge_neuron
    mine = (neuron >= 0) & (partition.layer_of_neuron[np.maximum(neuron, 0)] == layer)
    long_enough = np.linalg.norm(b - a, axis=1) > 1e-3 * np.ptp(partition.bounds)
    keep = mine & long_enough
    return a[keep], b[keep], neuron[keep]


def _both_sides(partition, plane, a, b):
    middle = 0.5 * (a + b)
    d = b - a
    normal = np.array([-d[1], d[0]]) / np.linalg.norm(d)
    step = 1e-7 * float(np.ptp(plane.bounds))
    points = np.array([middle + step * normal, middle - step * normal])
    return points, plane.lift(points)


def test_a_relu_bit_names_the_channel_and_position_torch_sees_flip(sliced):
    model, plane, partition = sliced
    a, b, neuron = _edges_of_layer(partition, 0)
    checked = 0
    for k in range(0, len(a), max(1, len(a) // 12)):
        _, x = _both_sides(partition, plane, a[k], b[k])
        with torch.no_grad():
            signs = (model[0](torch.from_numpy(x)) > 0).numpy()
        flipped = np.argwhere(signs[0] != signs[1])
        if len(flipped) != 1:
            continue  # a corner where two units meet
        unit = bit_unit(partition, int(neuron[k]), model)
        assert (unit.layer, unit.kind, unit.node) == (0, "ReLU", "1")
        assert (unit.channel, unit.row, unit.col) == tuple(int(v) for v in flipped[0])
        assert unit.window is None
        checked += 1
    assert checked >= 5


def test_a_max_pool_bit_names_the_window_and_the_entry_torch_picks(sliced):
    model, plane, partition = sliced
    a, b, neuron = _edges_of_layer(partition, 1)
    pool = nn.MaxPool2d(2, return_indices=True)
    checked = 0
    for k in range(0, len(a), max(1, len(a) // 12)):
        points, x = _both_sides(partition, plane, a[k], b[k])
        with torch.no_grad():
            _, winners = pool(model[1](model[0](torch.from_numpy(x))))
        winners = winners.numpy()  # (2, 3, 4, 4) flat index into the 8x8 map
        changed = np.argwhere(winners[0] != winners[1])
        if len(changed) != 1:
            continue
        channel, row, col = (int(v) for v in changed[0])
        cells = partition.locate(points)
        before, after = partition.patterns[cells[0]], partition.patterns[cells[1]]
        bits, turned_on = pattern_changes(before, after)
        assert int(neuron[k]) in bits.tolist()
        assert turned_on.tolist() == after[bits].tolist()
        winner_side = 0 if partition.patterns[cells[0], neuron[k]] else 1
        unit = bit_unit(partition, int(neuron[k]), model)
        assert (unit.kind, unit.channel, unit.row, unit.col) == ("MaxPool2d", channel, row, col)
        assert unit.window == (2 * row, 2 * row + 1, 2 * col, 2 * col + 1)
        win = int(winners[winner_side, channel, row, col])
        assert (unit.window[0] + unit.entry[0], unit.window[2] + unit.entry[1]) == divmod(win, 8)
        assert "window rows" in unit.unit_text
        checked += 1
    assert checked >= 3


def test_bad_bits_and_patterns_are_refused(sliced):
    _, _, partition = sliced
    with pytest.raises(ValueError, match="bit must be"):
        bit_unit(partition, len(partition.layer_of_neuron))
    with pytest.raises(ValueError, match="one length"):
        pattern_changes(np.zeros(3, bool), np.zeros(4, bool))
