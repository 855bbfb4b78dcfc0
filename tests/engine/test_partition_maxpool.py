"""engine.partition_graph at max-pooling steps: argmax regions as cells, checked against
torch (outputs, and the argmax indices torch's own max-pooling returns), and against the
same pooling rewritten with ReLUs, max(a, b) = b + relu(a - b)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch import nn

from engine.partition2d import partition_2d
from engine.partition_graph import GraphPartition2D
from engine.pl_graph import trace_piecewise_linear
from engine.slices import plane_through
from tests.engine.test_partition2d import sample_points
from tests.engine.test_partition_graph import (
    _anchors,
    _randomise_batchnorms,
    check_graph_partition,
    lift,
    torch_bits,
)


def _digits_like_cnn(seed: int) -> nn.Module:
    """Two conv layers with BatchNorm and max-pooling, two linear layers, on 8x8."""
    torch.manual_seed(seed)
    return _randomise_batchnorms(
        nn.Sequential(
            nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(12, 6), nn.ReLU(), nn.Linear(6, 4),
        )
    )  # fmt: skip


def _pool_first_cnn(seed: int) -> nn.Module:
    """Max-pooling straight after a convolution (no ties), with padding and a 3x3 window."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.MaxPool2d(3, stride=2, padding=1), nn.Flatten(),
        nn.Linear(2 * 3 * 3, 5), nn.ReLU(), nn.Linear(5, 2),
    ).eval()  # fmt: skip


def _pool_1d(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv1d(1, 3, 3, padding=1), nn.LeakyReLU(0.1), nn.MaxPool1d(3, stride=2, padding=1),
        nn.Flatten(), nn.Linear(3 * 5, 3),
    ).eval()  # fmt: skip


CASES = {
    "digits-like": lambda: (_digits_like_cnn(0), plane_through(*_anchors((1, 8, 8), 20))),
    "pool-after-conv": lambda: (_pool_first_cnn(1), plane_through(*_anchors((1, 7, 7), 21))),
    "pool-1d": lambda: (_pool_1d(2), plane_through(*_anchors((1, 10), 22), margin=0.5)),
}


@functools.cache
def _case(name):
    return CASES[name]()


@functools.cache
def _partition(name):
    model, sl = _case(name)
    return partition_2d(model, None, plane=sl)


def engine_bits_as_torch(part: GraphPartition2D, model, input_shape) -> np.ndarray:
    """(R, n) the cells' patterns in torch's terms: ReLU-like bits as they are, and for
    every max-pooling window the input position of its winning entry."""
    steps = trace_piecewise_linear(model, input_shape).cutting_steps
    columns = []
    for layer, step in enumerate(steps):
        bits = part.patterns[:, part.layer_of_neuron == layer]
        if step.kind != "maxpool":
            columns.append(bits.astype(np.int64))
            continue
        k = step.windows.shape[1]
        slot = bits.reshape(len(bits), -1, k).argmax(axis=2)  # (R, C * P)
        position = np.tile(np.arange(step.windows.shape[0]), step.shape[0])
        columns.append(step.windows[position[None, :], slot])
    return np.concatenate(columns, axis=1)


@pytest.mark.parametrize("name", list(CASES))
def test_partition_with_max_pooling_is_exact(name):
    model, sl = _case(name)
    part = _partition(name)
    assert part.n_regions > 20
    assert "maxpool" in " ".join(part.layer_ops).lower().replace("_", "")
    bits, cell_of = check_graph_partition(part, model, sl)
    # Every cell's pattern is torch's: ReLU bits and the argmax index of every window.
    np.testing.assert_array_equal(engine_bits_as_torch(part, model, sl.input_shape)[cell_of], bits)
    # Every window of a max-pooling layer has exactly one winning entry.
    for layer in _pool_layers(part):
        bits = part.patterns[:, part.layer_of_neuron == layer]
        k = int(part.neuron_entry[part.layer_of_neuron == layer].max()) + 1
        assert np.all(bits.reshape(len(bits), -1, k).sum(axis=2) == 1)


def _pool_layers(part):
    return [i for i, op in enumerate(part.layer_ops) if "MaxPool" in op]


@pytest.mark.parametrize("name", list(CASES))
def test_pooling_edges_name_the_window_and_entry_that_takes_over(name):
    model, sl = _case(name)
    part = _partition(name)
    pools = _pool_layers(part)
    ring = part.vertices[part.indices]
    nxt = np.arange(1, len(ring) + 1)
    nxt[part.offsets[1:] - 1] = part.offsets[:-1]
    edge = part.edge_neuron
    is_pool = (edge >= 0) & np.isin(part.layer_of_neuron[np.maximum(edge, 0)], pools)
    assert is_pool.sum() > 0
    mid = 0.5 * (ring[is_pool] + ring[nxt][is_pool])
    neuron = edge[is_pool]
    # At the midpoint the entry named by the edge reaches its window's maximum.
    steps = trace_piecewise_linear(model, sl.input_shape).cutting_steps
    inputs = {}

    def hook(module, args, output):
        inputs[len(inputs)] = args[0].flatten(2).numpy()

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d))
    ]
    with torch.no_grad():
        model(lift(sl, mid))
    for h in handles:
        h.remove()
    for order, layer in enumerate(pools):
        here = part.layer_of_neuron[neuron] == layer
        step = steps[layer]
        n_positions = step.windows.shape[0]
        window = part.neuron_unit[neuron[here]]
        channel, position = window // n_positions, window % n_positions
        entry = part.neuron_entry[neuron[here]]
        x = inputs[order][here]  # (E, C, S)
        rows = np.arange(len(x))
        members = step.windows[position]  # (E, k)
        values = np.where(members >= 0, x[rows[:, None], channel[:, None], members], -np.inf)
        named = x[rows, channel, step.windows[position, entry]]
        scale = np.maximum(1.0, np.abs(values).max(axis=1))
        np.testing.assert_array_less(values.max(axis=1) - named, 1e-9 * scale)


class RewrittenPool(nn.Module):
    """The digits-like CNN with every 2x2 max-pooling as max(a, b) = b + relu(a - b)."""

    def __init__(self, model: nn.Sequential) -> None:
        super().__init__()
        self.layers = nn.ModuleList(model)

    @staticmethod
    def pool(x):
        a, b = x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2]
        c, d = x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]
        top = b + torch.relu(a - b)
        bottom = d + torch.relu(c - d)
        return bottom + torch.relu(top - bottom)

    def forward(self, x):
        for layer in self.layers:
            x = self.pool(x) if isinstance(layer, nn.MaxPool2d) else layer(x)
        return x


def test_max_pooling_and_its_relu_rewrite_are_the_same_function():
    model, sl = _case("digits-like")
    rewrite = RewrittenPool(model).eval()
    pooled = _partition("digits-like")
    rewritten = partition_2d(rewrite, None, plane=sl)
    assert "MaxPool" not in " ".join(rewritten.layer_ops)
    points = sample_points(tuple(sl.bounds), 4000, seed=5)
    ours = pooled.evaluate(points)
    theirs = rewritten.evaluate(points)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9 * max(1.0, np.abs(theirs).max()))
    # The rewrite cuts each argmax region along extra lines: it never has fewer cells.
    assert rewritten.n_regions >= pooled.n_regions
    # Both are cells of the same function: torch agrees with either at every sample.
    with torch.no_grad():
        expected = model(lift(sl, points)).numpy()
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-9 * max(1.0, np.abs(expected).max()))
    bits, _ = torch_bits(model, sl, points[:10])
    assert bits.shape[0] == 10


@pytest.mark.parametrize("name", ["digits-like", "pool-1d"])
def test_cutting_in_small_chunks_gives_the_same_cells(name, monkeypatch):
    """Chunks of a few cells, a few units per cut and threaded argmax cuts change the
    order of the work, not the cells."""
    from engine import graph_pooling, partition_graph

    model, sl = _case(name)
    whole = _partition(name)
    monkeypatch.setattr(partition_graph, "CHUNK_BYTES", 400_000)
    monkeypatch.setattr(partition_graph, "CUT_BYTES", 200_000)
    monkeypatch.setattr(partition_graph, "UNITS_PER_CUT", 7)
    monkeypatch.setattr(graph_pooling, "ENTRIES_PER_THREAD", 1)
    chunked = partition_2d(model, None, plane=sl)
    assert chunked.n_regions == whole.n_regions
    key = {bytes(p): i for i, p in enumerate(np.packbits(whole.patterns, axis=1))}
    order = np.array([key[bytes(p)] for p in np.packbits(chunked.patterns, axis=1)])
    np.testing.assert_allclose(chunked.areas, whole.areas[order], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(chunked.A, whole.A[order], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(chunked.c, whole.c[order], rtol=1e-9, atol=1e-12)


def test_too_many_cells_and_cancelling_stop_the_partition():
    from engine.partition2d import PartitionCancelled, TooManyRegionsError

    model, sl = _case("pool-after-conv")
    with pytest.raises(TooManyRegionsError):
        partition_2d(model, None, plane=sl, max_regions=50)
    calls = []

    def progress(done, total, cells):
        calls.append((done, total, cells))
        if done == 1:
            raise PartitionCancelled

    with pytest.raises(PartitionCancelled):
        partition_2d(model, None, plane=sl, progress=progress)
    assert [c[:2] for c in calls] == [(1, 2)]
