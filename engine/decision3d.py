"""The exact decision surface of a network with 3 inputs, cell by cell.

Inside a cell the network is affine, so the surface between two classes is a plane there:
the convex polygon where the plane ``f_i = f_j`` cuts the cell's polyhedron, less the part
where another output is larger than both. With one output the surface is ``f_0 = 0``.

The section of a polyhedron by a plane is found without a loop over cells: every edge of
every cell whose corners lie strictly on both sides gives one corner of the section, a
corner of the cell on the plane (within the tolerance) gives one too, and each section's
corners are ordered by angle about their mean in the plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import polygons
from engine.cell_cutting import RELATIVE_THICKNESS, ROUNDING_ULPS
from engine.layerwise import domain_diagonal
from engine.partition3d import Partition3D

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, eq=False)
class DecisionSurface:
    """Polygons of the decision surface of a 3-D partition.

    Attributes
    ----------
    vertices : (N, 3) float64 polygon corners; polygon ``k`` is
        ``vertices[offsets[k]:offsets[k+1]]``, counter-clockwise seen from the side
        where ``f_i - f_j`` grows (its ``normals[k]`` side), convex, at least 3 corners.
    offsets : (S+1,) int64.
    cell : (S,) int64 the cell each polygon lies in.
    classes : (S, 2) int64 the classes ``(i, j)`` the polygon separates (``(0, 0)`` for a
        single-output network, whose surface is its zero set).
    normals : (S, 3) float64 unit normal of every polygon, towards class ``i``.
    """

    vertices: np.ndarray
    offsets: np.ndarray
    cell: np.ndarray
    classes: np.ndarray
    normals: np.ndarray

    @property
    def n_polygons(self) -> int:
        return len(self.offsets) - 1

    def polygon(self, k: int) -> np.ndarray:
        """(m, 3) corners of polygon ``k``."""
        return self.vertices[self.offsets[k] : self.offsets[k + 1]]

    @property
    def areas(self) -> np.ndarray:
        """(S,) float64 polygon areas."""
        return _areas(self.vertices, self.offsets, self.normals)


def _areas(xyz: np.ndarray, offsets: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(S,) areas of planar rings with unit ``normals`` (S, 3), positive when CCW about them."""
    if len(offsets) < 2:
        return np.zeros(0)
    first = np.repeat(xyz[offsets[:-1]], np.diff(offsets), axis=0)
    p = xyz - first
    q = p[polygons.next_in_ring(offsets)]
    area_vectors = 0.5 * polygons.segment_reduce(np.add, np.cross(p, q), offsets)
    return np.einsum("sk,sk->s", area_vectors, normals)


def _plane_bases(normal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two (K, 3) unit vectors ``e1, e2`` with ``e1 x e2 = normal`` (unit, (K, 3))."""
    helper = np.zeros_like(normal)
    helper[np.arange(len(normal)), np.argmin(np.abs(normal), axis=1)] = 1.0
    e1 = np.cross(normal, helper)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return e1, np.cross(normal, e1)


def _plane_tolerance(gradient: np.ndarray, offset: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """(K,) on-plane tolerance of ``gradient . x + offset`` over the box, as the partition's."""
    reach = np.abs(gradient) @ np.maximum(np.abs(bounds[0::2]), np.abs(bounds[1::2]))
    return np.maximum(
        RELATIVE_THICKNESS * domain_diagonal(bounds) * np.linalg.norm(gradient, axis=1),
        ROUNDING_ULPS * _EPS * (reach + np.abs(offset)),
    )


def plane_sections(
    partition: Partition3D, gradient: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The polygon where the plane ``gradient[r] . x + offset[r] = 0`` cuts every cell ``r``.

    Parameters
    ----------
    partition : the cells.
    gradient : (R, 3) and offset : (R,), one plane per cell.

    Returns
    -------
    xyz : (N, 3) corners of the sections, counter-clockwise about ``gradient``.
    offsets : (S+1,) ring offsets.
    cell : (S,) the cell of every section; cells the plane misses (or only touches)
        have none. A plane along a face shared by two cells cuts only the cell on its
        negative side.
    """
    gradient = np.asarray(gradient, dtype=np.float64)
    offset = np.asarray(offset, dtype=np.float64)
    norm = np.linalg.norm(gradient, axis=1)
    tolerance = _plane_tolerance(gradient, offset, partition.bounds)
    vertex_cell = polygons.owner(partition.vertex_offsets)
    xyz = partition.vertices
    value = np.einsum("ik,ik->i", xyz, gradient[vertex_cell]) + offset[vertex_cell]
    tol = tolerance[vertex_cell]
    side = (value > tol).astype(np.int8) - (value < -tol).astype(np.int8)
    high = polygons.segment_reduce(np.maximum, side, partition.vertex_offsets)
    low = polygons.segment_reduce(np.minimum, side, partition.vertex_offsets)
    on_count = polygons.segment_reduce(
        np.add, (side == 0).astype(np.int64), partition.vertex_offsets
    )
    # A plane along a face of two cells is kept once: in the cell on its negative side.
    candidate = (norm > 0) & (low < 0) & ((high > 0) | (on_count >= 3))

    # Every edge of a candidate cell once: face rings use each edge once each way.
    slot = np.arange(len(partition.face_indices))
    face_of_slot = polygons.owner(partition.face_offsets)
    start = partition.face_indices
    end = partition.face_indices[polygons.next_in_ring(partition.face_offsets)]
    edge = slot[(start < end) & candidate[partition.face_cell[face_of_slot]]]
    p, q = start[edge], end[edge]
    crossing = side[p] * side[q] < 0
    p, q = p[crossing], q[crossing]
    t = value[p] / (value[p] - value[q])
    points = np.concatenate([xyz[p] + t[:, None] * (xyz[q] - xyz[p]), xyz[(side == 0)]])
    point_cell = np.concatenate([vertex_cell[p], vertex_cell[side == 0]])
    keep = candidate[point_cell]
    points, point_cell = points[keep], point_cell[keep]

    count = np.bincount(point_cell, minlength=partition.n_regions)
    enough = count >= 3
    chosen = enough[point_cell]
    points, point_cell = points[chosen], point_cell[chosen]
    cells = np.flatnonzero(enough)
    # Order each section's corners by angle about their mean, in a basis of its plane.
    unit = gradient[cells] / norm[cells, None]
    e1, e2 = _plane_bases(unit)
    rank = np.searchsorted(cells, point_cell)
    sums = np.zeros((len(cells), 3))
    np.add.at(sums, rank, points)
    centre = sums / count[cells, None]
    relative = points - centre[rank]
    angle = np.arctan2(
        np.einsum("ik,ik->i", relative, e2[rank]), np.einsum("ik,ik->i", relative, e1[rank])
    )
    order = np.lexsort((angle, rank))
    points = points[order]
    offsets = np.zeros(len(cells) + 1, dtype=np.int64)
    np.cumsum(count[cells], out=offsets[1:])
    # A plane through an edge or a corner only (or a sliver of rounding) makes no section.
    min_area = (RELATIVE_THICKNESS * domain_diagonal(partition.bounds)) ** 2
    solid = _areas(points, offsets, unit) > min_area
    index, offsets = polygons.gather_rings(offsets, np.flatnonzero(solid))
    return points[index], offsets, cells[solid]


def _clip_below(
    xyz: np.ndarray,
    offsets: np.ndarray,
    normals: np.ndarray,
    gradient: np.ndarray,
    offset: np.ndarray,
    bounds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the part of every planar polygon where ``gradient[k] . x + offset[k] <= 0``.

    The polygons are cut in 2-D coordinates of their own planes (Sutherland–Hodgman, in
    :func:`engine.polygons.split_by_lines`) and lifted back.

    Returns ``(xyz, offsets, kept)`` with ``kept`` the indices of the surviving polygons.
    """
    n = len(offsets) - 1
    if n == 0:
        return xyz, offsets, np.zeros(0, dtype=np.int64)
    owner = polygons.owner(offsets)
    e1, e2 = _plane_bases(normals)
    origin = polygons.segment_reduce(np.add, xyz, offsets) / np.diff(offsets)[:, None]
    relative = xyz - origin[owner]
    st = np.column_stack(
        [np.einsum("ik,ik->i", relative, e1[owner]), np.einsum("ik,ik->i", relative, e2[owner])]
    )
    # The kept side is the positive side of split_by_lines: -(gradient . x + offset) >= 0.
    lines = -np.column_stack(
        [
            np.einsum("ik,ik->i", gradient, e1),
            np.einsum("ik,ik->i", gradient, e2),
            np.einsum("ik,ik->i", gradient, origin) + offset,
        ]
    )
    tolerance = _plane_tolerance(gradient, offset, bounds)
    labels = np.zeros(len(st), dtype=np.int64)
    split = polygons.split_by_lines(
        st, offsets, labels, lines, tolerance, np.zeros(n, dtype=np.int64)
    )
    index, new_offsets = polygons.gather_rings(split.offsets, np.arange(n))
    st = split.xy[index]
    # An uncut polygon may lie wholly on the wrong side.
    mean = polygons.vertex_centroids(st, new_offsets)
    side = np.einsum("ij,ij->i", mean, lines[:, :2]) + lines[:, 2]
    kept = np.flatnonzero(side >= -tolerance)
    index, new_offsets = polygons.gather_rings(new_offsets, kept)
    st, owner = st[index], polygons.owner(new_offsets)
    lifted = origin[kept][owner] + st[:, :1] * e1[kept][owner] + st[:, 1:] * e2[kept][owner]
    return lifted, new_offsets, kept


def decision_surface(partition: Partition3D) -> DecisionSurface:
    """The exact decision surface of a complete 3-D partition.

    Parameters
    ----------
    partition : a partition with every hidden layer (``partition.is_complete``).

    Returns
    -------
    DecisionSurface
        For every pair of classes ``(i, j)``, the polygons of ``f_i = f_j`` where both are
        at least every other output (for one output: the polygons of ``f_0 = 0``).
    """
    if not partition.is_complete:
        raise ValueError("the decision surface needs a partition of every hidden layer")
    A, c = partition.A, partition.c
    n_out = c.shape[1]
    pairs = [(0, 0)] if n_out == 1 else [(i, j) for i in range(n_out) for j in range(i + 1, n_out)]
    parts = []
    for i, j in pairs:
        gradient = A[:, 0] if n_out == 1 else A[:, i] - A[:, j]
        offset = c[:, 0] if n_out == 1 else c[:, i] - c[:, j]
        xyz, offsets, cell = plane_sections(partition, gradient, offset)
        normal = gradient[cell] / np.linalg.norm(gradient[cell], axis=1, keepdims=True)
        for k in range(n_out):
            if k in (i, j):
                continue
            # f_k - f_i <= 0: class k is not above the two classes meeting here.
            xyz, offsets, kept = _clip_below(
                xyz,
                offsets,
                normal,
                A[cell, k] - A[cell, i],
                c[cell, k] - c[cell, i],
                partition.bounds,
            )
            cell, normal = cell[kept], normal[kept]
        parts.append((xyz, offsets, cell, normal, (i, j)))
    lengths = np.concatenate([np.diff(part[1]) for part in parts])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return DecisionSurface(
        vertices=np.concatenate([part[0] for part in parts]).reshape(-1, 3),
        offsets=offsets,
        cell=np.concatenate([part[2] for part in parts]).astype(np.int64),
        classes=np.concatenate([np.tile(part[4], (len(part[2]), 1)) for part in parts])
        .reshape(-1, 2)
        .astype(np.int64),
        normals=np.concatenate([part[3] for part in parts]).reshape(-1, 3),
    )
