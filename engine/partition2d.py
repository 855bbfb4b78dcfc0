"""Exact 2-D linear regions ("cells") of a piecewise-linear network.

The partition is built layer by layer. Inside a cell of the first ``l`` layers the
pre-activations of layer ``l + 1`` are affine, so each of its neurons cuts the cell along a
straight line. Per layer, one matrix product gives every neuron's line on every cell;
a compiled kernel (:mod:`engine.polygon_kernels`) then tests every neuron against every
cell (a bounding-circle test, then the exact test on the cell's corners) and cuts each
cell by the lines that cross it, as a binary space partition: each piece is cut by the
crossing line closest to its centre.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from torch import nn

from engine import polygon_kernels, polygons
from engine.cell_locator import CellLocator
from engine.input_checks import budgeted_partition
from engine.layerwise import (
    LayerProgress,
    cut_in_groups,
    cut_layer_by_layer,
    domain_diagonal,
)
from engine.layerwise import (
    PartitionCancelled as PartitionCancelled,
)
from engine.networks import NetworkLayers, network_layers
from engine.slices import PlaneSlice

#: Vertices closer than this fraction of the domain diagonal to a neuron's line count as
#: on the line: no cell thinner than that is made (it is merged with its neighbour).
RELATIVE_THICKNESS = 1e-12
#: Rounding allowance on a neuron's value, in units of machine epsilon times the size of
#: the terms that make it up.
ROUNDING_ULPS = 64.0
#: Threads that cut groups of cells at once, and the least work worth one: (cell, neuron)
#: pairs to test.
_THREADS = max(1, min(4, os.cpu_count() or 1))
_PAIRS_PER_THREAD = 100_000


class TooManyRegionsError(ValueError):
    """The partition would have more than ``max_regions`` cells.

    Attributes
    ----------
    n_regions : number of cells reached when the computation stopped.
    max_regions : the limit that was passed.
    """

    def __init__(self, n_regions: int, max_regions: int) -> None:
        super().__init__(
            f"the partition has at least {n_regions:,} cells, more than the limit of "
            f"{max_regions:,}: zoom in, use fewer layers, or raise max_regions"
        )
        self.n_regions = n_regions
        self.max_regions = max_regions


@dataclass(frozen=True, eq=False)
class Partition2D:
    """The exact cells of a network over a rectangle of a 2-D input plane.

    Attributes
    ----------
    bounds : (4,) float64 ``(xmin, xmax, ymin, ymax)``.
    vertices : (V, 2) float64 cell corners (a corner shared by k cells is stored k times).
    offsets : (R+1,) int64; cell ``r`` is the counter-clockwise ring
        ``vertices[indices[offsets[r]:offsets[r+1]]]``.
    indices : (offsets[-1],) int64 indices into ``vertices``.
    edge_neuron : (offsets[-1],) int64 global index of the hidden neuron that made the
        edge leaving each ring vertex, or -1 for the domain boundary.
    patterns : (R, n_neurons) bool activation pattern (pre-activation > 0) of every cell,
        over the neurons of the partitioned layers, layer by layer.
    layer_of_neuron : (n_neurons,) int64 0-based hidden layer of every neuron.
    A : (R, n_out, 2) float64 and c : (R, n_out) float64, the affine map of every cell:
        ``f(x) = A[r] @ x + c[r]`` where ``f`` is the network output when every hidden
        layer is partitioned, else the activations of the last partitioned layer.
    n_layers : number of hidden layers partitioned.
    n_layers_total : number of hidden layers of the network.
    plane : ``(origin (d,), u (d,), v (d,))`` when the rectangle lies in the 2-D slice
        ``origin + s u + t v`` of a d-dimensional input space, else None; coordinates are
        then ``(s, t)``.
    """

    bounds: np.ndarray
    vertices: np.ndarray
    offsets: np.ndarray
    indices: np.ndarray
    edge_neuron: np.ndarray
    patterns: np.ndarray
    layer_of_neuron: np.ndarray
    A: np.ndarray
    c: np.ndarray
    n_layers: int
    n_layers_total: int
    plane: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None)

    @property
    def n_regions(self) -> int:
        return len(self.offsets) - 1

    @property
    def is_complete(self) -> bool:
        """True when every hidden layer is partitioned, so ``A, c`` map to the output."""
        return self.n_layers == self.n_layers_total

    @cached_property
    def ring_xy(self) -> np.ndarray:
        """(offsets[-1], 2) ring vertex coordinates, cell after cell."""
        return self.vertices[self.indices]

    @cached_property
    def areas(self) -> np.ndarray:
        """(R,) float64 cell areas."""
        return polygons.signed_areas(self.ring_xy, self.offsets)

    @cached_property
    def centroids(self) -> np.ndarray:
        """(R, 2) a point inside every cell (the mean of its corners)."""
        return polygons.vertex_centroids(self.ring_xy, self.offsets)

    @cached_property
    def edge_layer(self) -> np.ndarray:
        """(offsets[-1],) int64 layer of the neuron that made each edge, -1 for the boundary."""
        layer = np.full(len(self.edge_neuron), -1, dtype=np.int64)
        inner = self.edge_neuron >= 0
        layer[inner] = self.layer_of_neuron[self.edge_neuron[inner]]
        return layer

    def polygon(self, r: int) -> np.ndarray:
        """(k, 2) counter-clockwise corners of cell ``r``."""
        return self.vertices[self.indices[self.offsets[r] : self.offsets[r + 1]]]

    @cached_property
    def _locator(self) -> CellLocator:
        return CellLocator(self.ring_xy, self.offsets, self.bounds)

    def locate(self, points: np.ndarray) -> np.ndarray:
        """Cell id of every point.

        Parameters
        ----------
        points : (M, 2) points of the plane.

        Returns
        -------
        (M,) int64 id of the cell containing each point, -1 outside the rectangle. A point on
        an edge gets one of the cells that share it.
        """
        return self._locator.locate(np.asarray(points, dtype=np.float64).reshape(-1, 2))

    def evaluate(self, points: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
        """(M, n_out) ``A[r] @ x + c[r]`` at every point, using the cell it lies in."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        cells = self.locate(points) if cells is None else cells
        return np.einsum("mok,mk->mo", self.A[cells], points) + self.c[cells]


def _check_bounds(bounds) -> np.ndarray:
    b = np.asarray(bounds, dtype=np.float64).reshape(-1)
    if b.shape != (4,) or not np.all(np.isfinite(b)):
        raise ValueError(
            f"bounds must be four finite numbers (xmin, xmax, ymin, ymax), got {bounds}"
        )
    if not (b[0] < b[1] and b[2] < b[3]):
        raise ValueError(f"bounds must satisfy xmin < xmax and ymin < ymax, got {tuple(b)}")
    return b


def _input_map(net: NetworkLayers, plane) -> tuple[np.ndarray, tuple | None]:
    """(1, 3, d) affine map from plane coordinates (x, y, 1) to the network input."""
    d = net.n_inputs
    if plane is None:
        if d != 2:
            raise ValueError(
                f"the network has {d} inputs; give plane=(origin, u, v) to partition a 2-D "
                f"slice of its input space"
            )
        return np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]), None
    try:
        origin, u, v = (np.asarray(a, dtype=np.float64).reshape(-1) for a in plane)
    except (TypeError, ValueError) as error:
        raise ValueError("plane must be a triple (origin, u, v) of vectors") from error
    if not (origin.shape == u.shape == v.shape == (d,)):
        raise ValueError(
            f"plane vectors must have the network's input dimension {d}, got shapes "
            f"{origin.shape}, {u.shape}, {v.shape}"
        )
    if not all(np.all(np.isfinite(a)) for a in (origin, u, v)):
        raise ValueError("plane vectors must be finite")
    gram = np.array([[u @ u, u @ v], [u @ v, v @ v]])
    if np.linalg.det(gram) <= 1e-12 * max(gram[0, 0] * gram[1, 1], 1e-300):
        raise ValueError("plane directions u and v must be linearly independent")
    return np.stack([u, v, origin])[None], (origin, u, v)


@dataclass
class _Rings:
    """Working set of polygons: CSR rings, edge labels, the cell each came from, and
    the bits of the layer being cut (``bits`` (P, w) bool, or None before a layer)."""

    xy: np.ndarray
    offsets: np.ndarray
    label: np.ndarray
    cell: np.ndarray
    bits: np.ndarray | None = None

    @property
    def count(self) -> int:
        return len(self.offsets) - 1

    def cells(self, lo: int, hi: int) -> _Rings:
        """The polygons ``lo`` to ``hi - 1``."""
        start, stop = self.offsets[lo], self.offsets[hi]
        return _Rings(
            self.xy[start:stop],
            self.offsets[lo : hi + 1] - start,
            self.label[start:stop],
            self.cell[lo:hi],
        )

    @staticmethod
    def concat(parts: list[_Rings]) -> _Rings:
        lengths = np.concatenate([np.diff(p.offsets) for p in parts])
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return _Rings(
            np.concatenate([p.xy for p in parts]),
            offsets,
            np.concatenate([p.label for p in parts]),
            np.concatenate([p.cell for p in parts]),
            np.concatenate([p.bits for p in parts]),
        )


def _cut_layer(
    rings: _Rings,
    pre: np.ndarray,
    bounds: np.ndarray,
    first_neuron: int,
    max_regions: int,
) -> tuple[_Rings, np.ndarray]:
    """Cut every cell of ``rings`` by the neurons of one layer that cross it.

    Groups of consecutive cells are cut on parallel threads (the kernel releases the
    GIL; cells never interact) when there are enough (cell, neuron) pairs to test.

    Returns the pieces, cell after cell, each with the cell it came from and its bits
    (P, w), and ``cell_on`` (C, w), the bits of the neurons over the cells they do not
    cut (see :func:`engine.polygon_kernels.cut_cells`).
    """
    diagonal = domain_diagonal(bounds)
    tolerance = np.array(
        [
            RELATIVE_THICKNESS * diagonal,
            ROUNDING_ULPS * 2.2e-16,
            np.abs(bounds[:2]).max(),
            np.abs(bounds[2:]).max(),
        ]
    )

    def cut_range(lo: int, hi: int) -> tuple[_Rings, np.ndarray]:
        group = rings.cells(lo, hi)
        xy, offsets, label, cell, bits, cell_on, overflow = polygon_kernels.cut_cells(
            np.ascontiguousarray(group.xy, dtype=np.float64),
            np.ascontiguousarray(group.offsets, dtype=np.int64),
            np.ascontiguousarray(group.label, dtype=np.int64),
            np.ascontiguousarray(pre[lo:hi], dtype=np.float64),
            first_neuron,
            tolerance,
            (RELATIVE_THICKNESS * diagonal) ** 2,
            max_regions,
        )
        if overflow:
            raise TooManyRegionsError(int(overflow), max_regions)
        return _Rings(xy, offsets, label, cell + lo, bits), cell_on

    n_groups = min(_THREADS, max(1, rings.count * pre.shape[2] // _PAIRS_PER_THREAD))
    pieces, cell_on = cut_in_groups(rings.count, n_groups, cut_range, _Rings.concat)
    if pieces.count > max_regions:
        raise TooManyRegionsError(pieces.count, max_regions)
    return pieces, cell_on


@budgeted_partition(2)
def partition_2d(
    model: nn.Module,
    bounds,
    *,
    plane=None,
    layers: int | None = None,
    max_regions: int = 2_000_000,
    progress: LayerProgress | None = None,
) -> Partition2D:
    """Exact cells of ``model`` over a rectangle.

    Parameters
    ----------
    model : ``nn.Sequential`` of Linear layers and piecewise-linear activations, or any
        piecewise-linear model :func:`engine.pl_graph.trace_piecewise_linear` accepts
        (convolutions, BatchNorm, pooling, residual blocks): those are partitioned by
        :func:`engine.partition_graph.partition_graph_2d` and give a
        :class:`engine.partition_graph.GraphPartition2D`.
    bounds : ``(xmin, xmax, ymin, ymax)`` of the rectangle; may be None when ``plane`` is
        an :class:`engine.slices.PlaneSlice` (its rectangle is used).
    plane : optional ``(origin (d,), u (d,), v (d,))`` (arrays of the model's input shape
        for a traced model) or an :class:`engine.slices.PlaneSlice` (e.g. from
        :func:`engine.slices.plane_through`, the plane through three inputs); the
        rectangle then lies in the 2-D slice ``x = origin + s u + t v`` of the input space.
        A PlaneSlice with a ``polygon`` (the triangle of its anchors) is partitioned over
        that polygon, by the graph engine for any model.
    layers : partition with the first ``layers`` hidden layers only (0..L; default all);
        for a traced model, its first ``layers`` ReLU-like, clamp or max-pooling steps.
    max_regions : stop with :class:`TooManyRegionsError` past this many cells.
    progress : optional ``progress(layers_done, n_layers, n_cells)`` called after each
        layer (from the calling thread); raise :class:`PartitionCancelled` in it to stop.

    Returns
    -------
    Partition2D
    """
    if isinstance(plane, PlaneSlice):
        bounds = plane.bounds if bounds is None else bounds
        if plane.polygon is not None:
            from engine.partition_graph import partition_graph_2d

            return partition_graph_2d(
                model, bounds, plane=plane.vectors, domain=plane.polygon, layers=layers,
                max_regions=max_regions, progress=progress,
            )  # fmt: skip
        plane = plane.vectors
    try:
        net = network_layers(model)
    except ValueError:
        from engine.partition_graph import partition_graph_2d

        return partition_graph_2d(
            model, bounds, plane=plane, layers=layers, max_regions=max_regions, progress=progress
        )
    box = _check_bounds(bounds)
    maps, plane_vectors = _input_map(net, plane)
    n_total = len(net.hidden)
    n_layers = n_total if layers is None else int(layers)
    if not 0 <= n_layers <= n_total:
        raise ValueError(f"layers must be between 0 and {n_total}, got {layers}")

    corners = np.array([[box[0], box[2]], [box[1], box[2]], [box[1], box[3]], [box[0], box[3]]])
    rings = _Rings(corners, np.array([0, 4]), np.full(4, -1, dtype=np.int64), np.zeros(1, int))

    def cut_layer(rings: _Rings, pre: np.ndarray, first_neuron: int):
        return _cut_layer(rings, pre, box, first_neuron, max_regions)

    rings, maps, patterns = cut_layer_by_layer(net, n_layers, maps, rings, cut_layer, progress)
    n_neurons = patterns.shape[1]

    A = np.ascontiguousarray(maps[:, :2, :].transpose(0, 2, 1))
    c = np.ascontiguousarray(maps[:, 2, :])
    n_ring = len(rings.xy)
    return Partition2D(
        bounds=box,
        vertices=rings.xy,
        offsets=rings.offsets,
        indices=np.arange(n_ring, dtype=np.int64),
        edge_neuron=rings.label,
        patterns=patterns,
        layer_of_neuron=net.layer_of_neuron()[:n_neurons].astype(np.int64),
        A=A,
        c=c,
        n_layers=n_layers,
        n_layers_total=n_total,
        plane=plane_vectors,
    )


def pattern_colour_keys(patterns: np.ndarray) -> np.ndarray:
    """(R,) uint64 stable hash (FNV-1a over the packed bits) of every activation pattern.

    The same pattern gives the same key in every run, so cells keep their colour when a
    view is recomputed.
    """
    packed = np.packbits(np.asarray(patterns, dtype=bool), axis=1)
    key = np.full(len(packed), 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for column in packed.T:
            key = (key ^ column.astype(np.uint64)) * prime
        key ^= np.uint64(patterns.shape[1] if patterns.ndim == 2 else 0)
        key = (key ^ (key >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)
        key ^= key >> np.uint64(32)
    return key
