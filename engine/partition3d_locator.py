"""Point location among the convex polyhedra of a 3-D partition."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from engine import polygons
from engine.polyhedra import local_rank, offsets_of


class PolyhedralTiling(Protocol):
    """The arrays of a 3-D partition the locator reads (:class:`engine.partition3d.Partition3D`
    has them; see its docstring for their shapes)."""

    bounds: np.ndarray
    vertices: np.ndarray
    vertex_offsets: np.ndarray
    face_offsets: np.ndarray
    face_indices: np.ndarray
    face_normals: np.ndarray
    cell_offsets: np.ndarray

    @property
    def n_regions(self) -> int: ...


class PolyhedronLocator:
    """Locate points among convex polyhedra that tile a box.

    A uniform grid of buckets lists the cells whose bounding box meets each bucket; a
    query tests only its bucket's cells, with every face as an inward half-space.
    """

    def __init__(self, part: PolyhedralTiling) -> None:
        self.cell_offsets = part.cell_offsets
        self.low = part.bounds[0::2].copy()
        self.high = part.bounds[1::2].copy()
        n_cells = part.n_regions
        ring_xyz = part.vertices[part.face_indices]
        self.normal = part.face_normals
        level = np.einsum(
            "ik,ik->i", ring_xyz, np.repeat(self.normal, np.diff(part.face_offsets), 0)
        )
        self.level = polygons.segment_reduce(np.add, level, part.face_offsets) / np.diff(
            part.face_offsets
        )

        size = float(np.max(self.high - self.low))
        self.slack = 1e-9 * size
        self.grid = int(np.clip(round((n_cells / 2.0) ** (1.0 / 3.0)), 1, 128))
        vlow = polygons.segment_reduce(np.minimum, part.vertices, part.vertex_offsets)
        vhigh = polygons.segment_reduce(np.maximum, part.vertices, part.vertex_offsets)
        i0 = self._bucket_coordinates(vlow - self.slack)
        i1 = self._bucket_coordinates(vhigh + self.slack)
        span = i1 - i0 + 1
        per_cell = span.prod(axis=1)
        cell = np.repeat(np.arange(n_cells), per_cell)
        local = local_rank(per_cell)
        s = span[cell]
        bx = i0[cell, 0] + local % s[:, 0]
        by = i0[cell, 1] + (local // s[:, 0]) % s[:, 1]
        bz = i0[cell, 2] + local // (s[:, 0] * s[:, 1])
        bucket = (bz * self.grid + by) * self.grid + bx
        order = np.argsort(bucket, kind="stable")
        self.bucket_cells = cell[order]
        self.bucket_offsets = offsets_of(np.bincount(bucket, minlength=self.grid**3))

    def _bucket_coordinates(self, xyz: np.ndarray) -> np.ndarray:
        f = (xyz - self.low) / (self.high - self.low)
        return np.clip(np.floor(f * self.grid), 0, self.grid - 1).astype(np.int64)

    def depth(self, points: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """(K,) distance from ``points[k]`` to the boundary of ``cells[k]``, negative outside."""
        fidx, pair_offsets = polygons.gather_rings(self.cell_offsets, cells)
        pair = polygons.owner(pair_offsets)
        inside = self.level[fidx] - np.einsum("ik,ik->i", self.normal[fidx], points[pair])
        return polygons.segment_reduce(np.minimum, inside, pair_offsets)

    def locate(self, points: np.ndarray) -> np.ndarray:
        """(M,) id of the cell containing every point of ``points`` (M, 3), -1 outside."""
        result = np.full(len(points), -1, dtype=np.int64)
        within = np.all((points >= self.low - self.slack) & (points <= self.high + self.slack), 1)
        query = np.flatnonzero(within)
        # In chunks, to bound the memory of the (point, candidate cell) pairs.
        for chunk in np.array_split(query, max(1, len(query) // 20_000)):
            if len(chunk):
                result[chunk] = self._locate(points[chunk])
        return result

    def _locate(self, at: np.ndarray) -> np.ndarray:
        i = self._bucket_coordinates(at)
        bucket = (i[:, 2] * self.grid + i[:, 1]) * self.grid + i[:, 0]
        start = self.bucket_offsets[bucket]
        count = self.bucket_offsets[bucket + 1] - start
        pair_point = np.repeat(np.arange(len(at)), count)
        pair_cell = self.bucket_cells[np.repeat(start, count) + local_rank(count)]
        depth = self.depth(at[pair_point], pair_cell)
        # The deepest candidate of every point wins: the largest depth per point.
        best_depth = np.full(len(at), -np.inf)
        np.maximum.at(best_depth, pair_point, depth)
        winner = np.flatnonzero(depth == best_depth[pair_point])
        result = np.full(len(at), -1, dtype=np.int64)
        result[pair_point[winner[::-1]]] = pair_cell[winner[::-1]]
        result[best_depth < -self.slack] = -1
        return result
