"""The exact 2-D cells of a network, as plain data: :class:`Partition2D`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from engine import polygons
from engine.cell_locator import CellLocator
from engine.layerwise import (
    PartitionCancelled as PartitionCancelled,
)
from engine.pattern_keys import packed_pattern_keys


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
    packed_patterns : (R, ceil(n_neurons / 8)) uint8 the activation pattern
        (pre-activation > 0) of every cell over the neurons of the partitioned layers,
        layer by layer, packed as ``np.packbits(patterns, axis=1)`` packs them (patterns
        are a CNN partition's largest array: :attr:`patterns` unpacks them on first use).
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
    packed_patterns: np.ndarray
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

    @property
    def n_neurons(self) -> int:
        """Bits of every activation pattern (the neurons of the partitioned layers)."""
        return len(self.layer_of_neuron)

    @cached_property
    def patterns(self) -> np.ndarray:
        """(R, n_neurons) bool activation pattern of every cell, unpacked once."""
        return unpacked_patterns(self.packed_patterns, self.n_neurons)

    @cached_property
    def colour_keys(self) -> np.ndarray:
        """(R,) uint64 stable colour key of every cell's pattern, hashed from the packed
        rows (:func:`engine.pattern_keys.packed_pattern_keys`) without unpacking them."""
        return packed_pattern_keys(self.packed_patterns, self.n_neurons)

    def cell_pattern(self, r: int) -> np.ndarray:
        """(n_neurons,) bool activation pattern of cell ``r`` (without unpacking them all)."""
        return unpacked_patterns(self.packed_patterns[r : r + 1], self.n_neurons)[0]

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


def unpacked_patterns(packed: np.ndarray, n_neurons: int) -> np.ndarray:
    """(R, n_neurons) bool patterns from their rows ``packed`` (R, ceil(n_neurons / 8))
    uint8 in ``np.packbits`` order."""
    return np.unpackbits(packed, axis=1, count=n_neurons).view(bool)
