"""Local complexity: how many cells of a 2-D partition meet a disc around each point.

Humayun, Balestriero & Baraniuk (2024, "Deep networks always grok") measure a network's
local complexity as the number of linear regions near the training points. Here it is
exact, in the drawn plane: a convex polygon meets the closed disc of radius ``r`` around
``p`` if and only if its distance to ``p`` is at most ``r`` (zero when ``p`` lies inside
it), and that distance is the smallest distance from ``p`` to the polygon's edges.
"""

from __future__ import annotations

import numpy as np

from engine import disc_kernels
from engine.cells2d import Partition2D

#: Centre-edge pairs computed at once (memory: a few float64 arrays of this size).
_CHUNK_PAIRS = 2_000_000


def polygon_distances(partition: Partition2D, centres) -> np.ndarray:
    """(N, R) float64: the Euclidean distance from each centre to each cell (0 inside).

    Parameters
    ----------
    partition : the cells (convex, counter-clockwise rings).
    centres : (N, 2) points in the partition's plane.
    """
    centres = _checked_centres(centres)
    n, r = len(centres), partition.n_regions
    pair_centre = np.repeat(np.arange(n), r)
    pair_cell = np.tile(np.arange(r), n)
    return _pair_distances(partition, centres, pair_centre, pair_cell).reshape(n, r)


def cells_meeting_discs(partition: Partition2D, centres, radius: float) -> np.ndarray:
    """(N,) int64: how many cells meet the closed disc of ``radius`` around each centre.

    Only the cells whose bounding box lies within ``radius`` of a centre are measured,
    exactly, in a compiled kernel (:func:`engine.disc_kernels.count_cells_near`).

    Parameters
    ----------
    partition : the cells.
    centres : (N, 2) disc centres in the partition's plane.
    radius : r >= 0, finite.
    """
    radius = float(radius)
    if not (np.isfinite(radius) and radius >= 0.0):
        raise ValueError(f"the radius must be a finite number >= 0, got {radius!r}")
    centres = _checked_centres(centres)
    ring_xy = np.ascontiguousarray(partition.ring_xy, dtype=np.float64)
    offsets = np.ascontiguousarray(partition.offsets, dtype=np.int64)
    return disc_kernels.count_cells_near(ring_xy, offsets, centres, radius)


def _checked_centres(centres) -> np.ndarray:
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(centres)):
        raise ValueError("the centres must be finite numbers")
    return centres


def _pair_distances(
    partition: Partition2D, centres: np.ndarray, pair_centre: np.ndarray, pair_cell: np.ndarray
) -> np.ndarray:
    """(P,) distance from ``centres[pair_centre]`` to cell ``pair_cell``, pair by pair."""
    result = np.empty(len(pair_cell))
    if len(pair_cell) == 0:
        return result
    starts, ends, first_edge = _edges(partition)
    n_edges = np.diff(np.r_[first_edge, len(starts)])
    per_pair = n_edges[pair_cell]
    # Pairs in chunks of about _CHUNK_PAIRS centre-edge rows.
    bounds = np.searchsorted(np.cumsum(per_pair), np.arange(0, per_pair.sum(), _CHUNK_PAIRS))
    for low, high in zip(bounds, np.r_[bounds[1:], len(pair_cell)], strict=True):
        cells, counts = pair_cell[low:high], per_pair[low:high]
        row_start = np.r_[0, np.cumsum(counts)[:-1]]
        edge = np.repeat(first_edge[cells] - row_start, counts) + np.arange(counts.sum())
        p = np.repeat(centres[pair_centre[low:high]], counts, axis=0)
        a, b = starts[edge], ends[edge]
        d, to_p = b - a, p - a
        length2 = np.einsum("ij,ij->i", d, d)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.einsum("ij,ij->i", to_p, d) / length2, 0.0, 1.0)
        t = np.where(length2 > 0, t, 0.0)
        distance = np.hypot(*(to_p - t[:, None] * d).T)
        cross = d[:, 0] * to_p[:, 1] - d[:, 1] * to_p[:, 0]
        inside = np.minimum.reduceat(cross, row_start) >= 0.0
        result[low:high] = np.where(inside, 0.0, np.minimum.reduceat(distance, row_start))
    return result


def local_complexity(partition: Partition2D, centres, radius: float) -> float:
    """The mean over the centres (N, 2) of :func:`cells_meeting_discs`; NaN when N = 0."""
    counts = cells_meeting_discs(partition, centres, radius)
    return float(counts.mean()) if len(counts) else float("nan")


def _edges(partition: Partition2D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ring's edges, ring by ring: starts (E, 2), ends (E, 2), and the index of each
    ring's first edge (R,)."""
    offsets = np.asarray(partition.offsets)
    indices = np.asarray(partition.indices)
    position = np.arange(offsets[-1])
    ring = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    following = np.where(position + 1 == offsets[ring + 1], offsets[ring], position + 1)
    vertices = np.asarray(partition.vertices, dtype=np.float64)
    return vertices[indices], vertices[indices[following]], offsets[:-1]
