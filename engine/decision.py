"""The exact decision boundary of a network, cell by cell.

Inside a cell the network is affine, so the boundary between two classes is a straight
segment there: the part of the line ``f_i = f_j`` inside the cell where both ``f_i`` and
``f_j`` are at least every other output. With one output the boundary is ``f_0 = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import polygons
from engine.cells2d import Partition2D


@dataclass(frozen=True)
class DecisionBoundary:
    """Segments of the decision boundary.

    Attributes
    ----------
    segments : (S, 2, 2) float64 end points of every segment.
    cell : (S,) int64 the cell each segment lies in.
    classes : (S, 2) int64 the two classes the segment separates (``(0, 0)`` for a
        single-output network, whose boundary is its zero set).
    """

    segments: np.ndarray
    cell: np.ndarray
    classes: np.ndarray

    @property
    def n_segments(self) -> int:
        return len(self.segments)


def _clip_lines(
    partition: Partition2D,
    cells: np.ndarray,
    lines: np.ndarray,
    extra: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Clip the line ``lines[k] . (x, y, 1) = 0`` to cell ``cells[k]`` and half-planes.

    ``extra`` holds (K, 3) arrays ``h`` of additional constraints ``h . (x, y, 1) <= 0``.
    Returns a (K,) bool mask of the non-empty clipped lines and their (n, 2, 2) segments.
    """
    normal = lines[:, :2]
    norm2 = np.einsum("ij,ij->i", normal, normal)
    valid = norm2 > 0
    norm2[~valid] = 1.0
    # A point of the line near the cell, and the line's direction.
    centre = partition.centroids[cells]
    value = np.einsum("ij,ij->i", normal, centre) + lines[:, 2]
    base = centre - (value / norm2)[:, None] * normal
    direction = np.stack([-normal[:, 1], normal[:, 0]], axis=1) / np.sqrt(norm2)[:, None]

    locator = partition._locator
    vidx, pair_offsets = polygons.gather_rings(partition.offsets, cells)
    pair = polygons.owner(pair_offsets)
    # Cell edges: inward normal n, level l, inside when n . x >= l.
    n = locator.normal[vidx]
    slope = np.einsum("ij,ij->i", n, direction[pair])
    room = np.einsum("ij,ij->i", n, base[pair]) - locator.level[vidx]
    t_low, t_high = _interval(slope, room, pair_offsets)
    for h in extra:
        h_slope = -np.einsum("ij,ij->i", h[:, :2], direction)
        h_room = -(np.einsum("ij,ij->i", h[:, :2], base) + h[:, 2])
        low, high = _interval(h_slope, h_room, np.arange(len(h) + 1))
        t_low, t_high = np.maximum(t_low, low), np.minimum(t_high, high)
    size = np.max(np.abs(partition.bounds))
    keep = valid & (t_high - t_low > 1e-12 * max(size, 1.0))
    span = np.stack([t_low[keep], t_high[keep]], axis=1)
    ends = base[keep][:, None, :] + span[:, :, None] * direction[keep][:, None]
    return ends, keep


def _interval(slope: np.ndarray, room: np.ndarray, offsets: np.ndarray):
    """Per group, the interval of t with ``room + t * slope >= 0`` for all its rows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = -room / slope
    lower = np.where(slope > 0, bound, -np.inf)
    upper = np.where(slope < 0, bound, np.inf)
    infeasible = (slope == 0) & (room < 0)
    upper = np.where(infeasible, -np.inf, upper)
    return (
        polygons.segment_reduce(np.maximum, lower, offsets),
        polygons.segment_reduce(np.minimum, upper, offsets),
    )


def decision_boundary(partition: Partition2D) -> DecisionBoundary:
    """The exact decision boundary of a complete partition.

    Parameters
    ----------
    partition : a partition with every hidden layer (``partition.is_complete``).

    Returns
    -------
    DecisionBoundary
    """
    if not partition.is_complete:
        raise ValueError("the decision boundary needs a partition of every hidden layer")
    A, c = partition.A, partition.c
    n_cells, n_out = c.shape
    maps = np.concatenate([A, c[:, :, None]], axis=2)  # (R, n_out, 3)
    cells = np.arange(n_cells)
    pieces = []
    pairs = [(0, 0)] if n_out == 1 else [(i, j) for i in range(n_out) for j in range(i + 1, n_out)]
    for i, j in pairs:
        line = maps[:, 0] if n_out == 1 else maps[:, i] - maps[:, j]
        # f_k - f_i <= 0 for every other class k.
        extra = [maps[:, k] - maps[:, i] for k in range(n_out) if k not in (i, j)]
        ends, keep = _clip_lines(partition, cells, line, extra)
        pieces.append((ends, cells[keep], np.tile([i, j], (int(keep.sum()), 1))))
    return DecisionBoundary(
        segments=np.concatenate([p[0] for p in pieces]).reshape(-1, 2, 2),
        cell=np.concatenate([p[1] for p in pieces]).astype(np.int64),
        classes=np.concatenate([p[2] for p in pieces]).reshape(-1, 2).astype(np.int64),
    )
