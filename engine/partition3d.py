"""Exact 3-D linear regions ("cells") of a piecewise-linear network: convex polyhedra.

The same algorithm as :mod:`engine.partition2d`, one dimension up. The partition is built
layer by layer. Inside a cell of the first ``l`` layers the pre-activations of layer
``l + 1`` are affine, so each of its neurons cuts the cell along a plane. Per layer, every
neuron is tested against every cell at once (one matrix product for a bounding-sphere
test, a bounding-box test, then the exact test on the cell's corners for the pairs still
in doubt); the cells are then cut, all together, by a binary space partition per cell:
every round cuts every unfinished piece by the crossing plane closest to its centre, and
re-tests the piece's other candidates on both halves. The bit of a cutting neuron is the
side each half was cut to, inherited by its descendants; a candidate that stops cutting
is read on the corner farthest from its plane. Groups of cells are cut on a few threads.

A polyhedron is cut by a plane without any Python loop over cells or faces: every face
ring is clipped Sutherland–Hodgman style (a crossing point is computed once per edge, so
the two faces through the edge share it exactly), and each half is closed by a cap face
that runs backwards along the rim of its open surface (the in-plane edges of its faces),
so every edge of the closed surface has its twin. Should the rim not make one loop (a
tangle of corners within the tolerance of each other), the on-plane points are ordered
by angle about their centroid instead.

Robustness rules (as in 2-D): a corner whose value is within ``max(1e-12 * diagonal *
|grad|, 64 eps * rounding)`` of a plane is on it and goes to both halves; a cut is not
made when its cap has fewer than three corners, when a half's farthest corner is within
:data:`SLIVER_HEIGHT` tolerances of the plane (a slab thinner than the geometry can
resolve), or when a half's volume is below ``(1e-12 * diagonal) ** 3`` (a plane just
past a sharp tip). Affine maps are tracked as ``(C, 4, w)`` coefficient arrays, one matrix
product per layer, and the output maps are corrected per piece.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from torch import nn

from engine import polygons
from engine.layerwise import (
    cut_layer_by_layer,
    domain_diagonal,
)
from engine.networks import NetworkLayers, network_layers
from engine.partition2d import RELATIVE_THICKNESS, ROUNDING_ULPS, TooManyRegionsError

__all__ = ["Partition3D", "TooManyRegionsError", "partition_3d"]

_EPS = float(np.finfo(np.float64).eps)
#: No cut leaves a half whose farthest corner is within this many on-plane tolerances of
#: the plane: such a slab is thinner than anything the geometry can resolve (later cuts
#: across it would meet corners that coincide). The neuron is then read on the uncut
#: piece, wrong by at most this many tolerances on the slab.
SLIVER_HEIGHT = 8.0
#: Threads that cut groups of cells at once, and the least work (cutting pairs) worth one.
_THREADS = max(1, min(4, os.cpu_count() or 1))
_PAIRS_PER_THREAD = 2000

#: The box ``[0, 1]^3``: corner ``i`` has coordinates ``(i & 1, i >> 1 & 1, i >> 2 & 1)``;
#: its six faces, counter-clockwise seen from outside (-x, +x, -y, +y, -z, +z).
_BOX_FACES = np.array(
    [[0, 4, 6, 2], [1, 3, 7, 5], [0, 1, 5, 4], [2, 6, 7, 3], [0, 2, 3, 1], [4, 5, 7, 6]]
)
_BOX_NORMALS = np.repeat(np.eye(3), 2, axis=0) * np.tile([-1.0, 1.0], 3)[:, None]


@dataclass(frozen=True, eq=False)
class Partition3D:
    """The exact cells of a network over a box of a 3-D input space.

    Every cell is a convex polyhedron. Its vertices are stored once per cell (a corner
    shared by k cells is stored k times), contiguously; its faces are rings of indices
    into ``vertices``, counter-clockwise seen from outside the cell (outward normals), and
    every edge of a cell is used once each way by two of its faces. (Near-coincident
    planes can make needles thinner than the tolerance, whose corners may coincide.)

    Attributes
    ----------
    bounds : (6,) float64 ``(xmin, xmax, ymin, ymax, zmin, zmax)``.
    vertices : (V, 3) float64 cell corners; cell ``r`` owns
        ``vertices[vertex_offsets[r]:vertex_offsets[r+1]]``.
    vertex_offsets : (R+1,) int64.
    cell_offsets : (R+1,) int64; the faces of cell ``r`` are ``cell_offsets[r]`` to
        ``cell_offsets[r+1] - 1``.
    face_offsets : (F+1,) int64; face ``f`` is the ring
        ``vertices[face_indices[face_offsets[f]:face_offsets[f+1]]]`` (at least 3 corners).
    face_indices : (face_offsets[-1],) int64 indices into ``vertices``.
    face_neuron : (F,) int64 global index of the hidden neuron that made each face, or
        -1 for the boundary of the box.
    face_normals : (F, 3) float64 outward unit normal of every face, exact: the direction
        of its neuron's gradient on the cell (or of the box side), not estimated from the
        face's corners, so it is reliable on slivers too.
    patterns : (R, n_neurons) bool activation pattern (pre-activation > 0) of every cell,
        over the neurons of the partitioned layers, layer by layer.
    layer_of_neuron : (n_neurons,) int64 0-based hidden layer of every neuron.
    A : (R, n_out, 3) float64 and c : (R, n_out) float64, the affine map of every cell:
        ``f(x) = A[r] @ x + c[r]`` where ``f`` is the network output when every hidden
        layer is partitioned, else the activations of the last partitioned layer.
    n_layers : number of hidden layers partitioned.
    n_layers_total : number of hidden layers of the network.
    plane : ``(origin (d,), u (d,), v (d,), w (d,))`` when the box lies in the 3-D slice
        ``origin + s u + t v + q w`` of a d-dimensional input space, else None;
        coordinates are then ``(s, t, q)``.
    """

    bounds: np.ndarray
    vertices: np.ndarray
    vertex_offsets: np.ndarray
    cell_offsets: np.ndarray
    face_offsets: np.ndarray
    face_indices: np.ndarray
    face_neuron: np.ndarray
    face_normals: np.ndarray
    patterns: np.ndarray
    layer_of_neuron: np.ndarray
    A: np.ndarray
    c: np.ndarray
    n_layers: int
    n_layers_total: int
    plane: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(default=None)

    @property
    def n_regions(self) -> int:
        return len(self.cell_offsets) - 1

    @property
    def n_faces(self) -> int:
        return len(self.face_offsets) - 1

    @property
    def is_complete(self) -> bool:
        """True when every hidden layer is partitioned, so ``A, c`` map to the output."""
        return self.n_layers == self.n_layers_total

    @cached_property
    def face_cell(self) -> np.ndarray:
        """(F,) int64 the cell every face belongs to."""
        return polygons.owner(self.cell_offsets)

    @cached_property
    def face_layer(self) -> np.ndarray:
        """(F,) int64 layer of the neuron that made each face, -1 for the box."""
        layer = np.full(len(self.face_neuron), -1, dtype=np.int64)
        inner = self.face_neuron >= 0
        layer[inner] = self.layer_of_neuron[self.face_neuron[inner]]
        return layer

    @cached_property
    def _face_area_vectors(self) -> np.ndarray:
        return _area_vectors(self.vertices[self.face_indices], self.face_offsets)

    @cached_property
    def face_areas(self) -> np.ndarray:
        """(F,) float64 face areas."""
        return np.einsum("fk,fk->f", self._face_area_vectors, self.face_normals)

    @cached_property
    def _volumes_and_centroids(self) -> tuple[np.ndarray, np.ndarray]:
        return _volumes_and_centroids(
            self.vertices,
            self.vertex_offsets,
            self.cell_offsets,
            self.face_offsets,
            self.face_indices - np.repeat(self.vertex_offsets[:-1], self._slots_per_cell),
        )

    @cached_property
    def _slots_per_cell(self) -> np.ndarray:
        return np.diff(self.face_offsets[self.cell_offsets])

    @property
    def volumes(self) -> np.ndarray:
        """(R,) float64 cell volumes."""
        return self._volumes_and_centroids[0]

    @property
    def centroids(self) -> np.ndarray:
        """(R, 3) float64 centres of mass of the cells, inside every cell (the mean of
        the corners for a needle or wafer thinner than the tolerance)."""
        return self._volumes_and_centroids[1]

    def polyhedron(self, r: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """Cell ``r`` alone: its ``(k, 3)`` corners and its faces as index rings into them."""
        base = self.vertex_offsets[r]
        corners = self.vertices[base : self.vertex_offsets[r + 1]]
        faces = [
            self.face_indices[self.face_offsets[f] : self.face_offsets[f + 1]] - base
            for f in range(self.cell_offsets[r], self.cell_offsets[r + 1])
        ]
        return corners, faces

    def neuron_faces(self, neuron: int) -> np.ndarray:
        """(k,) int64 ids of the faces made by one neuron: its bent hyperplane."""
        return np.flatnonzero(self.face_neuron == neuron)

    @cached_property
    def _locator(self) -> _PolyhedronLocator:
        return _PolyhedronLocator(self)

    def locate(self, points: np.ndarray) -> np.ndarray:
        """Cell id of every point.

        Parameters
        ----------
        points : (M, 3) points of the box's space.

        Returns
        -------
        (M,) int64 id of the cell containing each point, -1 outside the box. A point on a
        face gets one of the cells that share it.
        """
        return self._locator.locate(np.asarray(points, dtype=np.float64).reshape(-1, 3))

    def evaluate(self, points: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
        """(M, n_out) ``A[r] @ x + c[r]`` at every point, using the cell it lies in (NaN
        for a point outside the box)."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        cells = self.locate(points) if cells is None else np.asarray(cells)
        out = np.einsum("mok,mk->mo", self.A[cells], points) + self.c[cells]
        out[cells < 0] = np.nan
        return out


# --------------------------------------------------------------------------------------
# Plain geometry of many polyhedra
# --------------------------------------------------------------------------------------


def _offsets(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _segment_rank(mask: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of every True entry among the True entries of its segment, and their count.

    Returns ``(rank (N,), count (S,))``; ``rank`` is meaningless where ``mask`` is False.
    """
    inclusive = np.cumsum(mask, dtype=np.int64)
    before = np.zeros(len(offsets), dtype=np.int64)
    before[1:] = inclusive[offsets[1:] - 1] if len(mask) else 0
    rank = inclusive - mask - np.repeat(before[:-1], np.diff(offsets))
    return rank, np.diff(before)


def _area_vectors(ring_xyz: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(F, 3) area vectors (area times unit normal, right-hand rule) of 3-D rings."""
    first = np.repeat(ring_xyz[offsets[:-1]], np.diff(offsets), axis=0)
    p = ring_xyz - first
    q = p[polygons.next_in_ring(offsets)]
    return 0.5 * polygons.segment_reduce(np.add, _cross(p, q), offsets)


def _cross(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    out = np.empty_like(p)
    out[:, 0] = p[:, 1] * q[:, 2] - p[:, 2] * q[:, 1]
    out[:, 1] = p[:, 2] * q[:, 0] - p[:, 0] * q[:, 2]
    out[:, 2] = p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]
    return out


def _volumes_and_centroids(
    xyz: np.ndarray,
    voff: np.ndarray,
    foff: np.ndarray,
    roff: np.ndarray,
    ring: np.ndarray,
    *,
    with_centroids: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Volumes (P,) and centres of mass (P, 3) of polyhedra with outward face rings.

    Every face is a fan of triangles from its first corner; every triangle with the
    polyhedron's first corner makes a signed tetrahedron. ``ring`` holds indices local to
    each polyhedron's vertex range.
    """
    n = len(voff) - 1
    if n == 0:
        return np.zeros(0), np.zeros((0, 3))
    slot_face = polygons.owner(roff)
    slot_piece = polygons.owner(foff)[slot_face]
    origin = xyz[voff[:-1]]
    x = xyz[voff[:-1][slot_piece] + ring] - origin[slot_piece]
    first = x[roff[:-1]][slot_face]
    six = np.einsum("ik,ik->i", first, _cross(x, x[polygons.next_in_ring(roff)]))
    slot_offsets = roff[foff]
    volume = polygons.segment_reduce(np.add, six, slot_offsets) / 6.0
    if not with_centroids:
        return volume, None
    moment = (first + x + x[polygons.next_in_ring(roff)]) * six[:, None]
    moment = polygons.segment_reduce(np.add, moment, slot_offsets) / 24.0
    safe = np.where(volume != 0, volume, 1.0)
    centroid = moment / safe[:, None] + origin
    # A needle or wafer thinner than the tolerance has a volume (and so a centre of mass)
    # made of rounding: fall back on the mean of its corners there.
    low = polygons.segment_reduce(np.minimum, xyz, voff)
    high = polygons.segment_reduce(np.maximum, xyz, voff)
    flat = (volume <= 0) | np.any((centroid < low) | (centroid > high), axis=1)
    if flat.any():
        mean = polygons.segment_reduce(np.add, xyz, voff) / np.diff(voff)[:, None]
        centroid[flat] = mean[flat]
    return volume, centroid


# --------------------------------------------------------------------------------------
# The working set: many polyhedra, cut together
# --------------------------------------------------------------------------------------


@dataclass
class _Polyhedra:
    """Working set of convex polyhedra in a two-level CSR layout.

    ``xyz`` (Nv, 3) corners, polyhedron ``p`` owning ``xyz[voff[p]:voff[p+1]]``; its faces
    are ``foff[p]`` to ``foff[p+1] - 1``; face ``f`` is the ring ``ring[roff[f]:roff[f+1]]``
    of corner indices local to its polyhedron, counter-clockwise seen from outside;
    ``label`` (F,) the neuron that made every face (-1: the box) and ``normal`` (F, 3) its
    exact outward unit normal (from the neuron's plane). ``cell`` (P,) is the cell
    each piece came from, ``bits`` (P, w) the bits of the layer being cut (or None).
    """

    xyz: np.ndarray
    voff: np.ndarray
    foff: np.ndarray
    roff: np.ndarray
    ring: np.ndarray
    label: np.ndarray
    normal: np.ndarray
    cell: np.ndarray
    bits: np.ndarray | None = None

    @property
    def count(self) -> int:
        return len(self.voff) - 1

    def take(self, chosen: np.ndarray) -> _Polyhedra:
        vidx, voff = polygons.gather_rings(self.voff, chosen)
        fidx, foff = polygons.gather_rings(self.foff, chosen)
        sidx, roff = polygons.gather_rings(self.roff, fidx)
        bits = None if self.bits is None else self.bits[chosen]
        return _Polyhedra(
            self.xyz[vidx],
            voff,
            foff,
            roff,
            self.ring[sidx],
            self.label[fidx],
            self.normal[fidx],
            self.cell[chosen],
            bits,
        )

    @staticmethod
    def concat(parts: list[_Polyhedra]) -> _Polyhedra:
        bits = None if parts[0].bits is None else np.concatenate([p.bits for p in parts])
        return _Polyhedra(
            np.concatenate([p.xyz for p in parts]),
            _offsets(np.concatenate([np.diff(p.voff) for p in parts])),
            _offsets(np.concatenate([np.diff(p.foff) for p in parts])),
            _offsets(np.concatenate([np.diff(p.roff) for p in parts])),
            np.concatenate([p.ring for p in parts]),
            np.concatenate([p.label for p in parts]),
            np.concatenate([p.normal for p in parts]),
            np.concatenate([p.cell for p in parts]),
            bits,
        )

    def centres(self) -> np.ndarray:
        """(P, 3) mean of every polyhedron's corners: a point inside it."""
        return polygons.segment_reduce(np.add, self.xyz, self.voff) / np.diff(self.voff)[:, None]


def _box(bounds: np.ndarray) -> _Polyhedra:
    corner = np.arange(8)
    xyz = np.column_stack(
        [bounds[0:2][corner & 1], bounds[2:4][(corner >> 1) & 1], bounds[4:6][(corner >> 2) & 1]]
    )
    return _Polyhedra(
        xyz=xyz,
        voff=np.array([0, 8]),
        foff=np.array([0, 6]),
        roff=np.arange(0, 25, 4),
        ring=_BOX_FACES.reshape(-1).astype(np.int64),
        label=np.full(6, -1, dtype=np.int64),
        normal=_BOX_NORMALS.copy(),
        cell=np.zeros(1, dtype=np.int64),
    )


@dataclass(frozen=True)
class _Cut:
    """Polyhedra after each was cut (or not) by its own plane.

    ``pieces``: piece ``i < P`` is input polyhedron ``i`` itself when its plane does not
    cut it, else its positive side; piece ``P + k`` is the negative side of input
    polyhedron ``source[k]``. ``degenerate`` (K,) flags the cuts not to make: a cap of
    fewer than three corners, or a half whose farthest corner is within
    :data:`SLIVER_HEIGHT` on-plane tolerances of the plane; ``pyramid`` (K,) is a lower
    bound of the volume of both halves (the cap times the height of the thinner half's
    farthest corner, over 3).
    """

    pieces: _Polyhedra
    source: np.ndarray
    degenerate: np.ndarray
    pyramid: np.ndarray


def _cut_by_planes(
    poly: _Polyhedra, planes: np.ndarray, tolerance: np.ndarray, plane_label: np.ndarray
) -> _Cut:
    """Cut every polyhedron by its own plane ``a x + b y + c z + d = 0``.

    A corner whose value is at most its polyhedron's tolerance lies on the plane and goes
    to both halves; a polyhedron is cut only when it has corners strictly on both sides.
    A face goes to each half it has a corner strictly inside (a face lying in the plane
    goes to neither: the caps replace it).
    """
    xyz, voff, foff, roff, ring = poly.xyz, poly.voff, poly.foff, poly.roff, poly.ring
    n_pieces, n_vertices = poly.count, len(xyz)
    vertex_piece = polygons.owner(voff)
    plane = planes[vertex_piece]
    value = xyz[:, 0] * plane[:, 0] + xyz[:, 1] * plane[:, 1] + xyz[:, 2] * plane[:, 2]
    value += plane[:, 3]
    tol = tolerance[vertex_piece]
    side = (value > tol).view(np.int8) - (value < -tol).view(np.int8)
    is_cut = (polygons.segment_reduce(np.maximum, side, voff) > 0) & (
        polygons.segment_reduce(np.minimum, side, voff) < 0
    )
    side[~is_cut[vertex_piece]] = 0
    source = np.flatnonzero(is_cut)
    n_cut = len(source)
    negative_of = np.full(n_pieces, -1, dtype=np.int64)
    negative_of[source] = n_pieces + np.arange(n_cut)

    # ---- ring slots and the edges that cross the plane -----------------------------------
    slot_face = polygons.owner(roff)
    face_piece = polygons.owner(foff)
    slot_vertex = voff[:-1][face_piece[slot_face]] + ring
    nxt = polygons.next_in_ring(roff)
    side_here = side[slot_vertex]
    crossing = side_here * side_here[nxt] < 0
    cs = np.flatnonzero(crossing)
    here, there = slot_vertex[cs], slot_vertex[nxt[cs]]
    starts_positive = side_here[cs] > 0
    positive_end = np.where(starts_positive, here, there)
    negative_end = np.where(starts_positive, there, here)
    # Every crossing edge is met twice (once by each face through it): one point each.
    edge_key, slot_edge = np.unique(positive_end * n_vertices + negative_end, return_inverse=True)
    edge_positive, edge_negative = np.divmod(edge_key, n_vertices)
    vp, vn = value[edge_positive], value[edge_negative]
    t = vp / (vp - vn)
    cross_xyz = xyz[edge_positive] + t[:, None] * (xyz[edge_negative] - xyz[edge_positive])
    edge_piece = vertex_piece[edge_positive]
    n_edges = np.bincount(edge_piece, minlength=n_pieces)
    edge_rank = np.arange(len(edge_key)) - (np.cumsum(n_edges) - n_edges)[edge_piece]

    # ---- corners of the halves: kept corners, then the crossing points -------------------
    keep_positive = side >= 0
    keep_negative = (side <= 0) & is_cut[vertex_piece]
    positive_id, n_positive = _segment_rank(keep_positive, voff)
    negative_id, n_negative = _segment_rank(keep_negative, voff)
    new_voff = _offsets(np.concatenate([n_positive + n_edges, (n_negative + n_edges)[source]]))
    new_xyz = np.empty((new_voff[-1], 3))
    kept = np.flatnonzero(keep_positive)
    new_xyz[new_voff[vertex_piece[kept]] + positive_id[kept]] = xyz[kept]
    kept = np.flatnonzero(keep_negative)
    new_xyz[new_voff[negative_of[vertex_piece[kept]]] + negative_id[kept]] = xyz[kept]
    edge_positive_id = n_positive[edge_piece] + edge_rank
    edge_negative_id = n_negative[edge_piece] + edge_rank
    new_xyz[new_voff[edge_piece] + edge_positive_id] = cross_xyz
    new_xyz[new_voff[negative_of[edge_piece]] + edge_negative_id] = cross_xyz

    # ---- faces of the halves: clipped faces, then the cap ------------------------------
    face_high = polygons.segment_reduce(np.maximum, side_here, roff)
    face_low = polygons.segment_reduce(np.minimum, side_here, roff)
    in_positive = (face_high > 0) | ~is_cut[face_piece]
    in_negative = face_low < 0
    positive_face_rank, n_positive_faces = _segment_rank(in_positive, foff)
    negative_face_rank, n_negative_faces = _segment_rank(in_negative, foff)
    new_foff = _offsets(np.concatenate([n_positive_faces + is_cut, n_negative_faces[source] + 1]))
    positive_face = new_foff[face_piece] + positive_face_rank
    negative_face = new_foff[negative_of[face_piece]] + negative_face_rank
    positive_cap = new_foff[source + 1] - 1
    negative_cap = new_foff[n_pieces + np.arange(n_cut) + 1] - 1

    # On-plane points of every cut piece: corners on the plane, then crossing points.
    zero = np.flatnonzero((side == 0) & is_cut[vertex_piece])
    cap_count = np.bincount(np.concatenate([vertex_piece[zero], edge_piece]), minlength=n_pieces)[
        source
    ]

    ring_length = np.empty(new_foff[-1], dtype=np.int64)
    halves = []
    for keep, in_half, face_of, ids, edge_ids in (
        (side_here >= 0, in_positive, positive_face, positive_id, edge_positive_id),
        (side_here <= 0, in_negative, negative_face, negative_id, edge_negative_id),
    ):
        keep &= in_half[slot_face]
        count = keep.astype(np.int64)
        count += crossing
        face_of = np.where(in_half, face_of, 0)
        ring_length[face_of[in_half]] = polygons.segment_reduce(np.add, count, roff)[in_half]
        halves.append((keep, count, face_of, ids, edge_ids))
    caps = np.concatenate([positive_cap, negative_cap])
    ring_length[caps] = np.tile(cap_count, 2)
    new_roff = _offsets(ring_length)
    out_ring = np.empty(new_roff[-1], dtype=np.int64)
    # 1: a corner on the plane, 2: a crossing point.
    on_plane = np.zeros(new_roff[-1], dtype=np.int8)
    # Every on-plane entry of the clipped rings: its position, face and piece.
    marks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for (keep, count, face_of, ids, edge_ids), piece_of in zip(
        halves, (np.arange(n_pieces), negative_of), strict=True
    ):
        # Position of every emitted corner: its face's new start plus the corners before
        # it in the face (a kept corner, then the crossing point of its outgoing edge).
        before = np.cumsum(count)
        before -= count
        destination = (new_roff[face_of] - before[roff[:-1]])[slot_face]
        destination += before
        kept = np.flatnonzero(keep)
        out_ring[destination[kept]] = ids[slot_vertex[kept]]
        out_ring[destination[cs] + keep[cs]] = edge_ids[slot_edge]
        on_plane[destination[cs] + keep[cs]] = 2
        touching = kept[side_here[kept] == 0]
        on_plane[destination[touching]] = 1
        for slots, shift in ((cs, keep[cs]), (touching, 0)):
            face = slot_face[slots]
            marks.append((destination[slots] + shift, face_of[face], piece_of[face_piece[face]]))

    # Caps: each half's cap runs backwards along the edges of its faces that lie in the
    # plane and have no twin in the half (so the surface closes exactly); where those
    # edges do not make one loop through the on-plane points (a tolerance-scale tangle),
    # the points go by angle about their centroid instead.
    halves_with_cap = np.concatenate([source, n_pieces + np.arange(n_cut)])
    room = np.tile(cap_count, 2)
    order, length, chained = _chain_caps(
        out_ring,
        on_plane,
        new_roff,
        new_voff,
        halves_with_cap,
        room,
        *(np.concatenate(column) for column in zip(*marks, strict=True)),
    )
    if not chained.all():
        order = _angle_caps(
            order,
            np.flatnonzero(~chained),
            n_cut,
            cap_count,
            (source, vertex_piece[zero], edge_piece),
            (xyz[zero], cross_xyz),
            (positive_id[zero], edge_positive_id),
            (negative_id[zero], edge_negative_id),
            planes,
        )
        length[~chained] = room[~chained]
    out_ring[np.repeat(new_roff[caps], room) + _local_rank(room)] = order
    if np.any(length < room):
        # A cap traced through fewer corners than lie on the plane: drop the spare room,
        # and any corner no face of its half uses any more.
        new_roff, out_ring = _shrink_faces(new_roff, out_ring, caps, length)
        new_xyz, new_voff, new_foff, new_roff, out_ring = _drop_unused_corners(
            new_xyz, new_voff, new_foff, new_roff, out_ring
        )
    # Each half holds the pyramid on the cap with its farthest corner as apex.
    cap_ring, cap_offsets = polygons.gather_rings(new_roff, positive_cap)
    positive_cap_xyz = new_xyz[
        np.repeat(new_voff[source], np.diff(cap_offsets)) + out_ring[cap_ring]
    ]
    cap_area = np.sqrt(np.sum(_area_vectors(positive_cap_xyz, cap_offsets) ** 2, axis=1))
    gradient = _norms(planes[source, :3])
    height = (
        np.minimum(
            polygons.segment_reduce(np.maximum, value, voff)[source],
            -polygons.segment_reduce(np.minimum, value, voff)[source],
        )
        / gradient
    )
    thickness = tolerance[source] / gradient

    new_label = np.empty(new_foff[-1], dtype=np.int64)
    new_label[positive_face[in_positive]] = poly.label[in_positive]
    new_label[negative_face[in_negative]] = poly.label[in_negative]
    new_label[positive_cap] = plane_label[source]
    new_label[negative_cap] = plane_label[source]
    new_normal = np.empty((new_foff[-1], 3))
    new_normal[positive_face[in_positive]] = poly.normal[in_positive]
    new_normal[negative_face[in_negative]] = poly.normal[in_negative]
    unit = planes[source, :3] / _norms(planes[source, :3])[:, None]
    new_normal[positive_cap] = -unit
    new_normal[negative_cap] = unit

    pieces = _Polyhedra(
        new_xyz,
        new_voff,
        new_foff,
        new_roff,
        out_ring,
        new_label,
        new_normal,
        np.concatenate([poly.cell, poly.cell[source]]),
    )
    return _Cut(
        pieces,
        source,
        degenerate=(cap_count < 3) | (height <= SLIVER_HEIGHT * thickness),
        pyramid=cap_area * height / 3.0,
    )


def _local_rank(counts: np.ndarray) -> np.ndarray:
    """``0, 1, ..., counts[i] - 1`` for every segment, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _chain_caps(
    ring: np.ndarray,
    on_plane: np.ndarray,
    roff: np.ndarray,
    voff: np.ndarray,
    halves: np.ndarray,
    counts: np.ndarray,
    start: np.ndarray,
    face: np.ndarray,
    piece: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cap ring of every half, traced along the in-plane edges of its other faces.

    The cap runs backwards along the rim of the half's open surface: the edges of its
    faces that join two on-plane points and have no twin in the half. So the closed
    surface pairs every edge exactly.

    Parameters
    ----------
    ring, roff, voff : the new pieces (caps not yet written).
    on_plane : (len(ring),) int8, the ring entries that are on-plane points: 1 for
        corners that were on the plane, 2 for crossing points, else 0.
    halves : (H,) the pieces that get a cap; counts : (H,) their on-plane points (room
        for the cap's corners).
    start, face, piece : (E,) every on-plane ring entry: position, face and piece.

    Returns
    -------
    order : (counts.sum(),) local corner ids of every cap, counter-clockwise seen from
        outside, half after half in blocks of ``counts`` (each filled to its length).
    length : (H,) corners of each traced cap (a corner within the tolerance of a rim edge
        may be left out of it).
    chained : (H,) bool, whether the rim of the half is one loop of at least 3 corners.
    """
    order = np.zeros(int(counts.sum()), dtype=np.int64)
    after = start + 1
    wrap = after == roff[face + 1]
    after[wrap] = roff[face[wrap]]
    inplane = on_plane[after] > 0
    start, after, piece = start[inplane], after[inplane], piece[inplane]
    # Only an edge between two corners that were on the plane can have a twin (a face on
    # each side of an old edge lying in the plane).
    both_old = (on_plane[start] == 1) & (on_plane[after] == 1)
    base = voff[piece]
    a = base + ring[start]
    b = base + ring[after]
    n = int(voff[-1])
    # An in-plane edge used both ways inside the half is not on its rim.
    rim = np.ones(len(a), dtype=bool)
    old = np.flatnonzero(both_old)
    if len(old):
        rim[old] = ~np.isin(b[old] * n + a[old], a[old] * n + b[old])
    a, b, piece = a[rim], b[rim], piece[rim]
    # The cap runs each rim edge a -> b backwards: after b comes a.
    successor = np.full(n, -1, dtype=np.int64)
    successor[b] = a
    length = np.bincount(piece, minlength=len(voff) - 1)[halves]
    tangled = np.zeros(len(voff) - 1, dtype=bool)
    tangled[piece[np.bincount(b, minlength=n)[b] > 1]] = True
    tangled[piece[np.bincount(a, minlength=n)[a] > 1]] = True
    chained = (length >= 3) & (length <= counts) & ~tangled[halves]
    any_rim = np.zeros(len(voff) - 1, dtype=np.int64)
    any_rim[piece] = b
    begin = any_rim[halves]
    current = begin.copy()
    offsets = _offsets(counts)
    for step in range(int(length.max(initial=0))):
        live = np.flatnonzero(chained & (step < length))
        if len(live) == 0:
            break
        here = current[live]
        order[offsets[live] + step] = here - voff[halves[live]]
        nxt = successor[here]
        early = (nxt == begin[live]) & (step + 1 < length[live])
        chained[live[(nxt < 0) | early]] = False
        current[live] = nxt
    chained &= current == begin
    return order, length, chained


def _shrink_faces(
    roff: np.ndarray, ring: np.ndarray, faces: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cut the rings of ``faces`` down to their first ``lengths`` entries."""
    size = np.diff(roff)
    size[faces] = lengths
    keep = _local_rank(np.diff(roff)) < np.repeat(size, np.diff(roff))
    return _offsets(size), ring[keep]


def _drop_unused_corners(
    xyz: np.ndarray, voff: np.ndarray, foff: np.ndarray, roff: np.ndarray, ring: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Remove the corners that no face uses, renumbering the rings."""
    slot_piece = np.repeat(polygons.owner(foff), np.diff(roff))
    used = np.zeros(len(xyz), dtype=bool)
    used[voff[:-1][slot_piece] + ring] = True
    if used.all():
        return xyz, voff, foff, roff, ring
    rank, count = _segment_rank(used, voff)
    ring = rank[voff[:-1][slot_piece] + ring]
    return xyz[used], _offsets(count), foff, roff, ring


def _angle_caps(
    order: np.ndarray,
    halves: np.ndarray,
    n_cut: int,
    cap_count: np.ndarray,
    pieces: tuple[np.ndarray, np.ndarray, np.ndarray],
    xyz: tuple[np.ndarray, np.ndarray],
    positive_ids: tuple[np.ndarray, np.ndarray],
    negative_ids: tuple[np.ndarray, np.ndarray],
    planes: np.ndarray,
) -> np.ndarray:
    """``order`` with the caps of ``halves`` (indices into the 2K halves) made of their
    on-plane points sorted by angle about their centroid (the fallback of
    :func:`_chain_caps`)."""
    source, zero_piece, edge_piece = pieces
    cut = np.unique(halves % n_cut)
    index = np.full(len(planes), -1, dtype=np.int64)
    index[source[cut]] = np.arange(len(cut))
    piece = index[np.concatenate([zero_piece, edge_piece])]
    mine = np.flatnonzero(piece >= 0)
    piece = piece[mine]
    sorted_ = _cap_order(piece, np.concatenate(xyz)[mine], cap_count[cut], planes[source[cut]])
    positive = np.concatenate(positive_ids)[mine][sorted_]
    negative = np.concatenate(negative_ids)[mine][sorted_]
    offsets = _offsets(cap_count[cut])
    # Every corner of every half to redo: where it goes, and where it comes from (the
    # negative half in angle order, the positive half reversed).
    j = np.searchsorted(cut, halves % n_cut)
    size = cap_count[cut][j]
    rank = _local_rank(size)
    destination = np.repeat(_offsets(np.tile(cap_count, 2))[halves], size) + rank
    is_negative = np.repeat(halves >= n_cut, size)
    src = np.repeat(offsets[j], size) + np.where(
        is_negative, rank, np.repeat(size, size) - 1 - rank
    )
    order = order.copy()
    order[destination] = np.where(is_negative, negative[src], positive[src])
    return order


def _norms(vectors: np.ndarray) -> np.ndarray:
    """(K,) Euclidean norms of (K, 3) vectors, 1 where a vector is zero."""
    norm = np.sqrt(np.einsum("kj,kj->k", vectors, vectors))
    norm[norm == 0] = 1.0
    return norm


def _cap_order(
    piece: np.ndarray, xyz: np.ndarray, count: np.ndarray, planes: np.ndarray
) -> np.ndarray:
    """Order of the on-plane points: by piece, then by angle about their centroid,
    counter-clockwise seen from the plane's positive side."""
    if len(piece) == 0:
        return np.zeros(0, dtype=np.int64)
    safe = np.maximum(count, 1)[:, None]
    centre = np.stack([np.bincount(piece, xyz[:, k], len(count)) for k in range(3)], 1) / safe
    normal = planes[:, :3] / _norms(planes[:, :3])[:, None]
    # Unit vectors e1, e2 in the plane, with (e1, e2, normal) right-handed: e1 is the
    # normal crossed with the axis it is least aligned with. (Unit length matters: a
    # neuron that nearly vanishes on a cell has a gradient of 1e-15 or less.)
    axis = np.zeros_like(normal)
    axis[np.arange(len(normal)), np.argmin(np.abs(normal), axis=1)] = 1.0
    e1 = _cross(normal, axis)
    e1 /= _norms(e1)[:, None]
    e2 = _cross(normal, e1)
    d = xyz - centre[piece]
    angle = np.arctan2(np.einsum("ik,ik->i", d, e2[piece]), np.einsum("ik,ik->i", d, e1[piece]))
    # One float key sorts by piece, then angle (a lexsort is ten times slower): pieces
    # are 8 apart and angles span 2 pi, so only angles within ~1e-10 of each other (points
    # that nearly coincide) may swap.
    rank = np.cumsum(count > 0) - 1
    return np.argsort(rank[piece] * 8.0 + angle)


def _split_by_planes(
    poly: _Polyhedra,
    planes: np.ndarray,
    tolerance: np.ndarray,
    plane_label: np.ndarray,
    min_volume: float,
) -> _Cut:
    """:func:`_cut_by_planes`, except that a cut leaving a half smaller than
    ``min_volume`` (a plane just past a sharp tip), or flagged degenerate (a cap of fewer
    than three corners, a half thinner than :data:`SLIVER_HEIGHT` tolerances), is not
    made: the piece stays whole and the neuron is read on its corners."""
    cut = _cut_by_planes(poly, planes, tolerance, plane_label)
    # Only the halves whose pyramid is too small need their volume.
    bad = cut.degenerate.copy()
    doubt = np.flatnonzero(~bad & (cut.pyramid < min_volume))
    if len(doubt):
        part = cut.pieces.take(np.concatenate([cut.source[doubt], poly.count + doubt]))
        volume, _ = _volumes_and_centroids(
            part.xyz, part.voff, part.foff, part.roff, part.ring, with_centroids=False
        )
        bad[doubt] = np.minimum(volume[: len(doubt)], volume[len(doubt) :]) < min_volume
    if not bad.any():
        return cut
    tolerance = tolerance.copy()
    tolerance[cut.source[bad]] = np.inf
    return _cut_by_planes(poly, planes, tolerance, plane_label)


# --------------------------------------------------------------------------------------
# The layer-by-layer partition
# --------------------------------------------------------------------------------------


def _check_bounds(bounds) -> np.ndarray:
    b = np.asarray(bounds, dtype=np.float64).reshape(-1)
    if b.shape != (6,) or not np.all(np.isfinite(b)):
        raise ValueError(
            f"bounds must be six finite numbers (xmin, xmax, ymin, ymax, zmin, zmax), got {bounds}"
        )
    if not (b[0] < b[1] and b[2] < b[3] and b[4] < b[5]):
        raise ValueError(
            f"bounds must satisfy xmin < xmax, ymin < ymax and zmin < zmax, got {tuple(b)}"
        )
    return b


def _input_map(net: NetworkLayers, plane) -> tuple[np.ndarray, tuple | None]:
    """(1, 4, d) affine map from box coordinates (x, y, z, 1) to the network input."""
    d = net.n_inputs
    if plane is None:
        if d != 3:
            raise ValueError(
                f"the network has {d} inputs; give plane=(origin, u, v, w) to partition a "
                f"3-D slice of its input space"
            )
        return np.vstack([np.eye(3), np.zeros((1, 3))])[None], None
    try:
        origin, u, v, w = (np.asarray(a, dtype=np.float64).reshape(-1) for a in plane)
    except (TypeError, ValueError) as error:
        raise ValueError("plane must be a quadruple (origin, u, v, w) of vectors") from error
    if not (origin.shape == u.shape == v.shape == w.shape == (d,)):
        raise ValueError(
            f"plane vectors must have the network's input dimension {d}, got shapes "
            f"{origin.shape}, {u.shape}, {v.shape}, {w.shape}"
        )
    if not all(np.all(np.isfinite(a)) for a in (origin, u, v, w)):
        raise ValueError("plane vectors must be finite")
    basis = np.stack([u, v, w])
    gram = basis @ basis.T
    if np.linalg.det(gram) <= 1e-12 * max(float(np.prod(np.diag(gram))), 1e-300):
        raise ValueError("plane directions u, v and w must be linearly independent")
    return np.vstack([basis, origin])[None], (origin, u, v, w)


def _plane_tolerance(planes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """(K,) on-plane tolerance of the values of the planes (K, 4) over ``bounds``."""
    reach = np.append(np.abs(bounds).reshape(3, 2).max(axis=1), 1.0)
    gradient = np.sqrt(np.einsum("kj,kj->k", planes[:, :3], planes[:, :3]))
    rounding = np.abs(planes) @ reach
    return np.maximum(
        RELATIVE_THICKNESS * domain_diagonal(bounds) * gradient, ROUNDING_ULPS * _EPS * rounding
    )


def _pair_extremes(
    poly: _Polyhedra, piece: np.ndarray, planes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(K,) largest and (K,) smallest value of ``planes[k]`` (K, 4) on the corners of
    ``piece[k]``."""
    vidx, pair_offsets = polygons.gather_rings(poly.voff, piece)
    plane = planes[polygons.owner(pair_offsets)]
    xyz = poly.xyz[vidx]
    value = xyz[:, 0] * plane[:, 0] + xyz[:, 1] * plane[:, 1] + xyz[:, 2] * plane[:, 2]
    value += plane[:, 3]
    high = polygons.segment_reduce(np.maximum, value, pair_offsets)
    low = polygons.segment_reduce(np.minimum, value, pair_offsets)
    return high, low


def _pairs_cut(
    poly: _Polyhedra, piece: np.ndarray, neuron: np.ndarray, pre: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Does ``neuron[k]`` take both signs on the corners of ``piece[k]``, and if not, is
    it on over the piece?

    Where a neuron does not cut a piece, the corner farthest from its plane decides its
    side: any corner on the other side is within the on-plane tolerance. A pair whose
    plane clearly misses the piece's bounding box is settled without its corners.

    Returns ``(cuts, on)``, two (K,) bool arrays.
    """
    planes = pre[poly.cell[piece], :, neuron]
    tolerance = _plane_tolerance(planes, bounds)
    low_corner = polygons.segment_reduce(np.minimum, poly.xyz, poly.voff)
    high_corner = polygons.segment_reduce(np.maximum, poly.xyz, poly.voff)
    centre = (0.5 * (low_corner + high_corner))[piece]
    half = (0.5 * (high_corner - low_corner))[piece]
    at_centre = np.einsum("kj,kj->k", planes[:, :3], centre) + planes[:, 3]
    reach = np.einsum("kj,kj->k", np.abs(planes[:, :3]), half)
    above = at_centre - reach > tolerance
    unsure = np.flatnonzero(~above & (at_centre + reach >= -tolerance))
    high, low = _pair_extremes(poly, piece[unsure], planes[unsure])
    cuts = np.zeros(len(piece), dtype=bool)
    cuts[unsure] = (high > tolerance[unsure]) & (low < -tolerance[unsure])
    on = above
    on[unsure] = high + low > 0
    return cuts, on


def _cutting_pairs(
    poly: _Polyhedra, pre: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (cell, neuron) pairs whose neuron takes both signs on the cell's corners.

    A neuron can only cut a cell when its value at the cell's centre is within the cell's
    radius times its gradient; only those pairs are tested on the corners.

    Returns
    -------
    cell, neuron : (K,) int arrays of the cutting pairs, sorted by cell then neuron.
    cell_on : (C, w) bool, whether each neuron is on over each cell it does not cut.
    """
    centre = poly.centres()
    offset = poly.xyz - np.repeat(centre, np.diff(poly.voff), axis=0)
    radius2 = polygons.segment_reduce(np.maximum, np.einsum("ik,ik->i", offset, offset), poly.voff)
    at_centre = np.einsum("ckw,ck->cw", pre, np.column_stack([centre, np.ones(len(centre))]))
    reach2 = np.einsum("ckw,ckw->cw", pre[:, :3, :], pre[:, :3, :])
    reach2 *= (radius2 * (1 + 1e-9))[:, None]
    cell, neuron = np.nonzero(np.square(at_centre) <= reach2)
    cell_on = at_centre > 0
    cuts, on = _pairs_cut(poly, cell, neuron, pre, bounds)
    cell_on[cell[~cuts], neuron[~cuts]] = on[~cuts]
    return cell[cuts], neuron[cuts], cell_on


def _closest_planes(
    poly: _Polyhedra, piece: np.ndarray, neuron: np.ndarray, pre: np.ndarray
) -> np.ndarray:
    """(P,) for every piece, the candidate neuron whose plane passes closest to its centre.

    ``piece`` / ``neuron`` list the candidate pairs, sorted by piece, every piece at least
    once. Cutting by the closest plane keeps the two halves balanced, so the number of
    rounds grows like the logarithm of the number of pieces a cell ends in.
    """
    centre = poly.centres()[piece]
    plane = pre[poly.cell[piece], :, neuron]
    value = np.einsum("ik,ik->i", plane[:, :3], centre) + plane[:, 3]
    distance = value * value / np.einsum("ik,ik->i", plane[:, :3], plane[:, :3])
    order = np.lexsort((distance, piece))
    first = np.ones(len(order), dtype=bool)
    first[1:] = piece[order[1:]] != piece[order[:-1]]
    return neuron[order[first]]


def _split_layer(
    poly: _Polyhedra,
    cut_cell: np.ndarray,
    cut_neuron: np.ndarray,
    cell_on: np.ndarray,
    pre: np.ndarray,
    bounds: np.ndarray,
    first_neuron: int,
    max_regions: int,
) -> _Polyhedra:
    """Cut every cell by the neurons of one layer that cross it.

    Each round cuts every unfinished piece by one of the neurons that still cross it
    (a binary space partition per cell); a piece's candidates are re-tested on its
    corners after each cut and dropped when they no longer cross it. Every piece starts
    with its cell's bits ``cell_on`` (C, w); a cut sets the cutting neuron's bit on each
    side, and a dropped candidate's bit is read on the piece's corners.

    Returns the pieces, each with the cell it came from and its bits.
    """
    min_volume = (RELATIVE_THICKNESS * domain_diagonal(bounds)) ** 3
    poly.bits = cell_on[poly.cell]
    n_cuts = np.bincount(cut_cell, minlength=poly.count)
    done: list[_Polyhedra] = [poly.take(np.flatnonzero(n_cuts == 0))]
    n_done = done[0].count
    active = poly.take(np.flatnonzero(n_cuts > 0))
    rank = np.cumsum(n_cuts > 0) - 1
    piece, neuron = rank[cut_cell], cut_neuron
    while active.count:
        chosen = _closest_planes(active, piece, neuron, pre)
        planes = pre[active.cell, :, chosen]
        split = _split_by_planes(
            active,
            planes,
            _plane_tolerance(planes, bounds),
            first_neuron + chosen,
            min_volume,
        )
        n_pieces, source = active.count, split.source
        bits = np.concatenate([active.bits, active.bits[source]])
        bits[source, chosen[source]] = True
        bits[n_pieces + np.arange(len(source)), chosen[source]] = False
        active = split.pieces
        active.bits = bits
        # Both halves inherit the other candidates of their piece, if they still cut. A
        # chosen neuron that did not cut its piece (too thin a piece) is dropped too.
        other = neuron != chosen[piece]
        piece, neuron = piece[other], neuron[other]
        negative_half = np.full(n_pieces, -1)
        negative_half[source] = n_pieces + np.arange(len(source))
        twin = negative_half[piece] >= 0
        uncut = np.ones(n_pieces, dtype=bool)
        uncut[source] = False
        uncut = np.flatnonzero(uncut)
        piece = np.concatenate([piece, negative_half[piece[twin]], uncut])
        neuron = np.concatenate([neuron, neuron[twin], chosen[uncut]])
        still, on = _pairs_cut(active, piece, neuron, pre, bounds)
        still[len(piece) - len(uncut) :] = False
        active.bits[piece[~still], neuron[~still]] = on[~still]
        piece, neuron = piece[still], neuron[still]
        order = np.argsort(piece, kind="stable")
        piece, neuron = piece[order], neuron[order]

        unfinished = np.zeros(active.count, dtype=bool)
        unfinished[piece] = True
        finished = np.flatnonzero(~unfinished)
        if len(finished):
            done.append(active.take(finished))
            n_done += len(finished)
            active = active.take(np.flatnonzero(unfinished))
            piece = (np.cumsum(unfinished) - 1)[piece]
        if n_done + active.count > max_regions:
            raise TooManyRegionsError(n_done + active.count, max_regions)
    return _Polyhedra.concat(done)


def _split_layer_parallel(
    poly: _Polyhedra,
    cut_cell: np.ndarray,
    cut_neuron: np.ndarray,
    cell_on: np.ndarray,
    pre: np.ndarray,
    bounds: np.ndarray,
    first_neuron: int,
    max_regions: int,
) -> _Polyhedra:
    """:func:`_split_layer` on groups of cells in parallel threads (numpy releases the
    GIL in its loops): cells never interact, so each group is cut on its own."""
    n_groups = min(_THREADS, max(1, len(cut_cell) // _PAIRS_PER_THREAD))
    if n_groups == 1:
        return _split_layer(
            poly, cut_cell, cut_neuron, cell_on, pre, bounds, first_neuron, max_regions
        )
    # Groups of consecutive cells with about as many cutting pairs each.
    load = np.cumsum(np.bincount(cut_cell, minlength=poly.count))
    edges = np.searchsorted(load, np.arange(1, n_groups) * load[-1] / n_groups)
    bounds_of = np.concatenate([[0], edges, [poly.count]])
    jobs = []
    for lo, hi in itertools.pairwise(bounds_of):
        mine = (cut_cell >= lo) & (cut_cell < hi)
        jobs.append((poly.take(np.arange(lo, hi)), cut_cell[mine] - lo, cut_neuron[mine], cell_on))
    with ThreadPoolExecutor(n_groups) as pool:
        parts = list(
            pool.map(lambda job: _split_layer(*job, pre, bounds, first_neuron, max_regions), jobs)
        )
    total = sum(part.count for part in parts)
    if total > max_regions:
        raise TooManyRegionsError(total, max_regions)
    return _Polyhedra.concat(parts)


def partition_3d(
    model: nn.Module,
    bounds,
    *,
    plane=None,
    layers: int | None = None,
    max_regions: int = 1_000_000,
) -> Partition3D:
    """Exact cells of ``model`` over a box.

    Parameters
    ----------
    model : ``nn.Sequential`` of Linear layers and piecewise-linear activations, with 3
        inputs (or any number with ``plane``).
    bounds : ``(xmin, xmax, ymin, ymax, zmin, zmax)`` of the box.
    plane : optional ``(origin (d,), u (d,), v (d,), w (d,))``; the box then lies in the
        3-D slice ``x = origin + s u + t v + q w`` of the d-dimensional input space.
    layers : partition with the first ``layers`` hidden layers only (0..L; default all).
    max_regions : stop with :class:`TooManyRegionsError` past this many cells.

    Returns
    -------
    Partition3D
    """
    net = network_layers(model)
    box = _check_bounds(bounds)
    maps, plane_vectors = _input_map(net, plane)
    n_total = len(net.hidden)
    n_layers = n_total if layers is None else int(layers)
    if not 0 <= n_layers <= n_total:
        raise ValueError(f"layers must be between 0 and {n_total}, got {layers}")

    poly = _box(box)

    def cut_layer(poly: _Polyhedra, pre: np.ndarray, first_neuron: int):
        cut_cell, cut_neuron, cell_on = _cutting_pairs(poly, pre, box)
        pieces = _split_layer_parallel(
            poly, cut_cell, cut_neuron, cell_on, pre, box, first_neuron, max_regions
        )
        return pieces, cell_on

    poly, maps, patterns = cut_layer_by_layer(net, n_layers, maps, poly, cut_layer)
    n_neurons = patterns.shape[1]

    slots_per_cell = np.diff(poly.roff[poly.foff])
    return Partition3D(
        bounds=box,
        vertices=poly.xyz,
        vertex_offsets=poly.voff,
        cell_offsets=poly.foff,
        face_offsets=poly.roff,
        face_indices=poly.ring + np.repeat(poly.voff[:-1], slots_per_cell),
        face_neuron=poly.label,
        face_normals=poly.normal,
        patterns=patterns,
        layer_of_neuron=net.layer_of_neuron()[:n_neurons].astype(np.int64),
        A=np.ascontiguousarray(maps[:, :3, :].transpose(0, 2, 1)),
        c=np.ascontiguousarray(maps[:, 3, :]),
        n_layers=n_layers,
        n_layers_total=n_total,
        plane=plane_vectors,
    )


# --------------------------------------------------------------------------------------
# Point location
# --------------------------------------------------------------------------------------


class _PolyhedronLocator:
    """Locate points among convex polyhedra that tile a box.

    A uniform grid of buckets lists the cells whose bounding box meets each bucket; a
    query tests only its bucket's cells, with every face as an inward half-space.
    """

    def __init__(self, part: Partition3D) -> None:
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
        local = _local_rank(per_cell)
        s = span[cell]
        bx = i0[cell, 0] + local % s[:, 0]
        by = i0[cell, 1] + (local // s[:, 0]) % s[:, 1]
        bz = i0[cell, 2] + local // (s[:, 0] * s[:, 1])
        bucket = (bz * self.grid + by) * self.grid + bx
        order = np.argsort(bucket, kind="stable")
        self.bucket_cells = cell[order]
        self.bucket_offsets = _offsets(np.bincount(bucket, minlength=self.grid**3))

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
        pair_cell = self.bucket_cells[np.repeat(start, count) + _local_rank(count)]
        depth = self.depth(at[pair_point], pair_cell)
        # The deepest candidate of every point wins: the largest depth per point.
        best_depth = np.full(len(at), -np.inf)
        np.maximum.at(best_depth, pair_point, depth)
        winner = np.flatnonzero(depth == best_depth[pair_point])
        result = np.full(len(at), -1, dtype=np.int64)
        result[pair_point[winner[::-1]]] = pair_cell[winner[::-1]]
        result[best_depth < -self.slack] = -1
        return result
