"""Exact 3-D linear regions ("cells") of a piecewise-linear network: convex polyhedra.

The same algorithm as :mod:`engine.partition2d`, one dimension up. The partition is built
layer by layer. Inside a cell of the first ``l`` layers the pre-activations of layer
``l + 1`` are affine, so each of its neurons cuts the cell along a plane. Per layer, one
matrix product gives every neuron's plane on every cell; a compiled kernel
(:mod:`engine.polyhedron_kernels`) then tests every neuron against every cell (a
bounding-sphere test, then the exact test on the cell's corners) and cuts each cell by a
binary space partition: each piece is cut by the crossing plane closest to its centre,
and the piece's other candidates are re-tested on both halves. The bit of a cutting
neuron is the side each half was cut to, inherited by its descendants; a candidate that
stops cutting is read on the corner farthest from its plane. Groups of cells are cut on
a few threads (the kernel releases the GIL).

A cut clips every face ring Sutherland–Hodgman style (a crossing point is computed once
per edge, so the two faces through the edge share it exactly), and each half is closed
by a cap face that runs backwards along the rim of its open surface (the in-plane edges
of its faces), so every edge of the closed surface has its twin. Should the rim not make
one loop (a tangle of corners within the tolerance of each other), the on-plane points
are ordered by angle about their centroid instead.

Robustness rules (as in 2-D): a corner whose value is within ``max(1e-12 * diagonal *
|grad|, 64 eps * rounding)`` of a plane is on it and goes to both halves; a cut is not
made when fewer than three points lie on the plane, when a half's farthest corner is
within :data:`SLIVER_HEIGHT` tolerances of the plane (a slab thinner than the geometry can
resolve), or when a half's volume is below ``(1e-12 * diagonal) ** 3`` (a plane just
past a sharp tip). Affine maps are tracked as ``(C, 4, w)`` coefficient arrays, one matrix
product per layer over the cells, corrected per piece for the bits it flips.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from torch import nn

from engine import polygons, polyhedra, polyhedron_kernels
from engine.blas_threads import one_blas_thread
from engine.input_checks import budgeted_partition
from engine.layerwise import (
    LayerProgress,
    PartitionCancelled,
    cut_in_groups,
    cut_layer_by_layer,
    domain_diagonal,
    join_parts,
)
from engine.networks import NetworkLayers, network_layers
from engine.partition2d import RELATIVE_THICKNESS, ROUNDING_ULPS, TooManyRegionsError
from engine.partition3d_locator import PolyhedronLocator
from engine.pattern_keys import pattern_colour_keys

__all__ = ["Partition3D", "PartitionCancelled", "TooManyRegionsError", "partition_3d"]

_EPS = float(np.finfo(np.float64).eps)
#: No cut leaves a half whose farthest corner is within this many on-plane tolerances of
#: the plane: such a slab is thinner than anything the geometry can resolve (later cuts
#: across it would meet corners that coincide). The neuron is then read on the uncut
#: piece, wrong by at most this many tolerances on the slab.
SLIVER_HEIGHT = 8.0
#: Threads that cut groups of cells at once, and the least work worth one: (cell, neuron)
#: pairs to test.
_THREADS = max(1, min(4, os.cpu_count() or 1))
_PAIRS_PER_THREAD = 10_000

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
    def colour_keys(self) -> np.ndarray:
        """(R,) uint64 stable colour key of every cell's pattern
        (:func:`engine.pattern_keys.pattern_colour_keys`)."""
        return pattern_colour_keys(self.patterns)

    def cell_pattern(self, r: int) -> np.ndarray:
        """(n_neurons,) bool activation pattern of cell ``r``."""
        return self.patterns[r]

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
        return polyhedra.area_vectors(self.vertices[self.face_indices], self.face_offsets)

    @cached_property
    def face_areas(self) -> np.ndarray:
        """(F,) float64 face areas."""
        return np.einsum("fk,fk->f", self._face_area_vectors, self.face_normals)

    @cached_property
    def _volumes_and_centroids(self) -> tuple[np.ndarray, np.ndarray]:
        return polyhedra.volumes_and_centroids(
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
    def _locator(self) -> PolyhedronLocator:
        return PolyhedronLocator(self)

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

    def cells(self, lo: int, hi: int) -> _Polyhedra:
        """The polyhedra ``lo`` to ``hi - 1`` (views where the layout allows)."""
        v0, v1 = self.voff[lo], self.voff[hi]
        f0, f1 = self.foff[lo], self.foff[hi]
        r0, r1 = self.roff[f0], self.roff[f1]
        return _Polyhedra(
            self.xyz[v0:v1],
            self.voff[lo : hi + 1] - v0,
            self.foff[lo : hi + 1] - f0,
            self.roff[f0 : f1 + 1] - r0,
            self.ring[r0:r1],
            self.label[f0:f1],
            self.normal[f0:f1],
            self.cell[lo:hi],
        )

    @staticmethod
    def concat(parts: list[_Polyhedra]) -> _Polyhedra:
        fields = [
            (p.xyz, p.voff, p.foff, p.roff, p.ring, p.label, p.normal, p.cell)
            + (() if p.bits is None else (p.bits,))
            for p in parts
        ]
        # voff points into xyz, foff into the faces (label), roff into ring.
        joined = join_parts(fields, {1: 0, 2: 5, 3: 4})
        return _Polyhedra(*joined[:8], joined[8] if len(joined) > 8 else None)


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


def _rules(bounds: np.ndarray) -> np.ndarray:
    """(7,) the tolerances of the kernels (:data:`engine.polyhedron_kernels.RULES`)."""
    thickness = RELATIVE_THICKNESS * domain_diagonal(bounds)
    reach = np.abs(bounds).reshape(3, 2).max(axis=1)
    return np.array([thickness, ROUNDING_ULPS * _EPS, *reach, SLIVER_HEIGHT, thickness**3])


def _cut_group(
    poly: _Polyhedra, pre: np.ndarray, rules: np.ndarray, first_neuron: int, max_regions: int
) -> tuple[_Polyhedra, np.ndarray]:
    """:func:`engine.polyhedron_kernels.cut_cells` on ``poly``."""
    *layout, cell, bits, cell_on, overflow = polyhedron_kernels.cut_cells(
        np.ascontiguousarray(poly.xyz, dtype=np.float64),
        np.ascontiguousarray(poly.voff, dtype=np.int64),
        np.ascontiguousarray(poly.foff, dtype=np.int64),
        np.ascontiguousarray(poly.roff, dtype=np.int64),
        np.ascontiguousarray(poly.ring, dtype=np.int64),
        np.ascontiguousarray(poly.label, dtype=np.int64),
        np.ascontiguousarray(poly.normal, dtype=np.float64),
        np.ascontiguousarray(pre, dtype=np.float64),
        first_neuron,
        rules,
        max_regions,
    )
    if overflow:
        raise TooManyRegionsError(int(overflow), max_regions)
    return _Polyhedra(*layout, cell, bits), cell_on


def _cut_layer(
    poly: _Polyhedra, pre: np.ndarray, bounds: np.ndarray, first_neuron: int, max_regions: int
) -> tuple[_Polyhedra, np.ndarray]:
    """Cut every cell of ``poly`` by the neurons of one layer that cross it.

    Groups of consecutive cells are cut on parallel threads (the kernel releases the
    GIL; cells never interact) when there are enough (cell, neuron) pairs to test.

    Returns the pieces, cell after cell, each with the cell it came from and its bits
    (P, w), and ``cell_on`` (C, w), the bits of the neurons over the cells they do not
    cut.
    """
    rules = _rules(bounds)

    def cut_range(lo: int, hi: int) -> tuple[_Polyhedra, np.ndarray]:
        pieces, cell_on = _cut_group(
            poly.cells(lo, hi), pre[lo:hi], rules, first_neuron, max_regions
        )
        pieces.cell += lo
        return pieces, cell_on

    n_groups = min(_THREADS, max(1, poly.count * pre.shape[2] // _PAIRS_PER_THREAD))
    pieces, cell_on = cut_in_groups(poly.count, n_groups, cut_range, _Polyhedra.concat)
    if pieces.count > max_regions:
        raise TooManyRegionsError(pieces.count, max_regions)
    return pieces, cell_on


@budgeted_partition(3)
def partition_3d(
    model: nn.Module,
    bounds,
    *,
    plane=None,
    layers: int | None = None,
    max_regions: int = 1_000_000,
    progress: LayerProgress | None = None,
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
    progress : optional ``progress(layers_done, n_layers, n_cells)`` called after each
        layer (from the calling thread); raise :class:`PartitionCancelled` in it to stop.

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
        return _cut_layer(poly, pre, box, first_neuron, max_regions)

    with one_blas_thread():
        poly, maps, patterns = cut_layer_by_layer(net, n_layers, maps, poly, cut_layer, progress)
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
