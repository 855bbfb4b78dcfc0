"""The edges of a 2-D partition, each drawn once, with the layer that made it.

Every cell of a :class:`engine.partition2d.Partition2D` is a counter-clockwise ring, so an
interior edge lies in two rings, once in each direction. The canvas and the vector
exporter both draw every edge once; :func:`unique_edges` says which copy they keep.
"""

from __future__ import annotations

import numpy as np

from engine.partition2d import Partition2D


def ring_successors(offsets: np.ndarray) -> np.ndarray:
    """(N,) int64 position of the next vertex of the same ring, for every ring position.

    ``offsets`` is (R+1,) CSR ring offsets, N = ``offsets[-1]``; the last vertex of a ring
    is followed by its first. Empty rings are allowed (they own no position).
    """
    n = int(offsets[-1])
    successor = np.arange(1, n + 1, dtype=np.int64)
    lengths = np.diff(offsets)
    closing = offsets[1:][lengths > 0] - 1
    successor[closing] = offsets[:-1][lengths > 0]
    return successor


def unique_edges(partition: Partition2D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every edge of the partition once: (M, 2) starts, (M, 2) ends, (M,) layer (-1: domain).

    Of the two opposite copies of an interior edge the one pointing right (or up, if
    vertical, within 1e-12 of the domain's size) is kept; domain boundary edges lie in
    one ring only and are all kept.
    """
    start = partition.vertices[partition.indices]
    end = partition.vertices[partition.indices[ring_successors(partition.offsets)]]
    direction = end - start
    tolerance = 1e-12 * max(1.0, float(np.abs(partition.bounds).max()))
    keep = (direction[:, 0] > tolerance) | (
        (np.abs(direction[:, 0]) <= tolerance) & (direction[:, 1] > 0)
    )
    layer = np.asarray(partition.edge_layer)
    keep |= layer < 0
    return start[keep], end[keep], layer[keep]
