"""engine.cell_edges: every edge of a 2-D partition once, as the canvas and the SVG draw it."""

from __future__ import annotations

import numpy as np

from engine.cell_edges import ring_successors, unique_edges
from engine.networks import random_mlp
from engine.partition2d import partition_2d

BOUNDS = (-1.0, 1.0, -0.5, 1.5)


def _undirected(start: np.ndarray, end: np.ndarray) -> set[tuple[float, ...]]:
    """Each segment as a set key that does not depend on its direction."""
    ends = np.round(np.concatenate([start, end], axis=1), 9)
    return {
        min(tuple(row[:2]), tuple(row[2:])) + max(tuple(row[:2]), tuple(row[2:])) for row in ends
    }


def test_ring_successors_close_each_ring_and_skip_empty_rings():
    offsets = np.array([0, 3, 3, 7])
    assert ring_successors(offsets).tolist() == [1, 2, 0, 4, 5, 6, 3]


def test_unique_edges_keep_every_edge_of_the_partition_exactly_once():
    partition = partition_2d(random_mlp([8, 8], n_inputs=2, seed=1), BOUNDS)
    start, end, layer = unique_edges(partition)
    all_start = partition.vertices[partition.indices]
    all_end = partition.vertices[partition.indices[ring_successors(partition.offsets)]]

    kept = _undirected(start, end)
    assert len(kept) == len(start)  # no edge twice
    assert kept == _undirected(all_start, all_end)  # none missing
    assert start.shape == end.shape == (len(layer), 2)
    # Interior edges are made by hidden layers; the domain boundary (-1) lies on the box.
    on_box = (
        np.isclose(start[:, 0], end[:, 0]) & np.isin(np.round(start[:, 0], 9), BOUNDS[:2])
    ) | (np.isclose(start[:, 1], end[:, 1]) & np.isin(np.round(start[:, 1], 9), BOUNDS[2:]))
    assert np.array_equal(layer < 0, on_box)
    assert set(np.unique(layer[layer >= 0])) == {0, 1}
