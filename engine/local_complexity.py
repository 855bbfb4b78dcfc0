"""Local complexity: how many cells of a 2-D partition meet a disc around each point.

Humayun, Balestriero & Baraniuk (2024, "Deep networks always grok") measure a network's
local complexity as the number of linear regions near the training points. Here it is
exact, in the drawn plane: a convex polygon meets the closed disc of radius ``r`` around
``p`` if and only if its distance to ``p`` is at most ``r`` (zero when ``p`` lies inside
it), and that distance is the smallest distance from ``p`` to the polygon's edges.
"""

from __future__ import annotations

import numpy as np

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
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(centres)):
        raise ValueError("the centres must be finite numbers")
    starts, ends, first_edge = _edges(partition)
    n_edges = len(starts)
    result = np.empty((len(centres), partition.n_regions))
    step = max(1, _CHUNK_PAIRS // max(1, n_edges))
    for low in range(0, len(centres), step):
        p = centres[low : low + step, None, :]
        edge = ends - starts
        to_p = p - starts
        length2 = np.einsum("ij,ij->i", edge, edge)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.einsum("nij,ij->ni", to_p, edge) / length2, 0.0, 1.0)
        t = np.where(length2 > 0, t, 0.0)
        nearest = starts + t[..., None] * edge
        distance = np.hypot(*(p - nearest).transpose(2, 0, 1))
        cross = edge[:, 0] * to_p[..., 1] - edge[:, 1] * to_p[..., 0]
        to_cell = np.minimum.reduceat(distance, first_edge, axis=1)
        inside = np.minimum.reduceat(cross, first_edge, axis=1) >= 0.0
        result[low : low + step] = np.where(inside, 0.0, to_cell)
    return result


def cells_meeting_discs(partition: Partition2D, centres, radius: float) -> np.ndarray:
    """(N,) int64: how many cells meet the closed disc of ``radius`` around each centre.

    Parameters
    ----------
    partition : the cells.
    centres : (N, 2) disc centres in the partition's plane.
    radius : r >= 0, finite.
    """
    radius = float(radius)
    if not (np.isfinite(radius) and radius >= 0.0):
        raise ValueError(f"the radius must be a finite number >= 0, got {radius!r}")
    return np.count_nonzero(polygon_distances(partition, centres) <= radius, axis=1)


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
