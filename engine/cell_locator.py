"""Point location among many convex polygons that tile a rectangle.

A uniform grid of buckets lists the polygons whose bounding box meets each bucket; a query
tests only its bucket's polygons, with every edge as an inward half-plane.
"""

from __future__ import annotations

import numpy as np

from engine import polygons


class CellLocator:
    """Locate points among convex counter-clockwise polygons in CSR form.

    Parameters
    ----------
    ring_xy : (N, 2) ring vertices; offsets : (R+1,) ring offsets.
    bounds : (4,) ``(xmin, xmax, ymin, ymax)`` of the tiled rectangle.
    """

    def __init__(self, ring_xy: np.ndarray, offsets: np.ndarray, bounds: np.ndarray) -> None:
        self.offsets = offsets
        self.bounds = np.asarray(bounds, dtype=np.float64)
        n_cells = len(offsets) - 1
        nxt = polygons.next_in_ring(offsets)
        direction = ring_xy[nxt] - ring_xy
        length = np.hypot(direction[:, 0], direction[:, 1])
        length[length == 0] = 1.0
        # Inward unit normal of every edge (left of a counter-clockwise edge).
        self.normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1) / length[:, None]
        self.level = np.einsum("ij,ij->i", self.normal, ring_xy)

        size = max(self.bounds[1] - self.bounds[0], self.bounds[3] - self.bounds[2])
        self.slack = 1e-9 * size
        self.grid = int(np.clip(np.sqrt(n_cells / 2.0), 1, 1024))
        low = polygons.segment_reduce(np.minimum, ring_xy, offsets)
        high = polygons.segment_reduce(np.maximum, ring_xy, offsets)
        i0, j0 = self._bucket_coordinates(low - self.slack)
        i1, j1 = self._bucket_coordinates(high + self.slack)
        span_i, span_j = i1 - i0 + 1, j1 - j0 + 1
        per_cell = span_i * span_j
        cell = np.repeat(np.arange(n_cells), per_cell)
        local = np.arange(per_cell.sum()) - np.repeat(np.cumsum(per_cell) - per_cell, per_cell)
        bucket_i = i0[cell] + local % span_i[cell]
        bucket_j = j0[cell] + local // span_i[cell]
        bucket = bucket_j * self.grid + bucket_i
        order = np.argsort(bucket, kind="stable")
        self.bucket_cells = cell[order]
        self.bucket_offsets = np.zeros(self.grid * self.grid + 1, dtype=np.int64)
        np.cumsum(np.bincount(bucket, minlength=self.grid * self.grid), out=self.bucket_offsets[1:])

    def _bucket_coordinates(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fx = (xy[:, 0] - self.bounds[0]) / (self.bounds[1] - self.bounds[0])
        fy = (xy[:, 1] - self.bounds[2]) / (self.bounds[3] - self.bounds[2])
        i = np.clip(np.floor(fx * self.grid), 0, self.grid - 1).astype(np.int64)
        j = np.clip(np.floor(fy * self.grid), 0, self.grid - 1).astype(np.int64)
        return i, j

    def depth(self, points: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """(K,) distance from ``points[k]`` to the boundary of ``cells[k]``, negative outside."""
        vidx, pair_offsets = polygons.gather_rings(self.offsets, cells)
        pair = polygons.owner(pair_offsets)
        inside = np.einsum("ij,ij->i", self.normal[vidx], points[pair]) - self.level[vidx]
        return polygons.segment_reduce(np.minimum, inside, pair_offsets)

    def locate(self, points: np.ndarray) -> np.ndarray:
        """(M,) id of the cell containing every point of ``points`` (M, 2), -1 outside."""
        result = np.full(len(points), -1, dtype=np.int64)
        b = self.bounds
        s = self.slack
        within = (
            (points[:, 0] >= b[0] - s)
            & (points[:, 0] <= b[1] + s)
            & (points[:, 1] >= b[2] - s)
            & (points[:, 1] <= b[3] + s)
        )
        query = np.flatnonzero(within)
        if len(query) == 0:
            return result
        i, j = self._bucket_coordinates(points[query])
        bucket = j * self.grid + i
        start = self.bucket_offsets[bucket]
        count = self.bucket_offsets[bucket + 1] - start
        pair_point = np.repeat(np.arange(len(query)), count)
        local = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        pair_cell = self.bucket_cells[np.repeat(start, count) + local]
        depth = self.depth(points[query][pair_point], pair_cell)
        # The deepest candidate of every point wins: sort by (point, -depth).
        order = np.lexsort((-depth, pair_point))
        first = np.ones(len(order), dtype=bool)
        first[1:] = pair_point[order][1:] != pair_point[order][:-1]
        best = order[first]
        found = depth[best] >= -s
        result[query[pair_point[best][found]]] = pair_cell[best][found]
        return result
