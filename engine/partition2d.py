"""Exact 2-D linear regions ("cells") of a piecewise-linear network.

The partition is built layer by layer. Inside a cell of the first ``l`` layers the
pre-activations of layer ``l + 1`` are affine, so each of its neurons cuts the cell along a
straight line. Per layer, one matrix product gives every neuron's line on every cell;
a compiled kernel (:mod:`engine.polygon_kernels`) then tests every neuron against every
cell (a bounding-circle test, then the exact test on the cell's corners) and cuts each
cell by the lines that cross it, as a binary space partition: each piece is cut by the
crossing line closest to its centre.

A network given as :class:`engine.networks.NetworkLayers` (numpy arrays) is partitioned
without importing torch; only a model the MLP reader refuses (a CNN, a residual network)
imports the traced-graph engine, and torch with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.blas_threads import one_blas_thread
from engine.cell_cutting import (
    RELATIVE_THICKNESS,
    ROUNDING_ULPS,
    Rings,
    TooManyRegionsError,
    check_bounds,
    cut_layer,
)
from engine.cells2d import Partition2D
from engine.input_checks import budgeted_partition
from engine.layerwise import (
    LayerProgress,
    PartitionCancelled,
    cut_layer_by_layer,
)
from engine.networks import NetworkLayers, NotAnMlpError, network_layers
from engine.pattern_keys import pattern_colour_keys
from engine.slices import PlaneSlice

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "RELATIVE_THICKNESS",
    "ROUNDING_ULPS",
    "Partition2D",
    "PartitionCancelled",
    "TooManyRegionsError",
    "partition_2d",
    "pattern_colour_keys",
]


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


@budgeted_partition(2)
def partition_2d(
    model: nn.Module | NetworkLayers,
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
    model : ``nn.Sequential`` of Linear layers and piecewise-linear activations (or its
        :class:`engine.networks.NetworkLayers`), or any
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
    except NotAnMlpError:  # a CNN, a residual network, ...: the traced-graph engine
        from engine.partition_graph import partition_graph_2d

        return partition_graph_2d(
            model, bounds, plane=plane, layers=layers, max_regions=max_regions, progress=progress
        )
    box = check_bounds(bounds)
    maps, plane_vectors = _input_map(net, plane)
    n_total = len(net.hidden)
    n_layers = n_total if layers is None else int(layers)
    if not 0 <= n_layers <= n_total:
        raise ValueError(f"layers must be between 0 and {n_total}, got {layers}")

    corners = np.array([[box[0], box[2]], [box[1], box[2]], [box[1], box[3]], [box[0], box[3]]])
    rings = Rings(corners, np.array([0, 4]), np.full(4, -1, dtype=np.int64), np.zeros(1, int))

    def cut(rings: Rings, pre: np.ndarray, first_neuron: int):
        return cut_layer(rings, pre, box, first_neuron, max_regions)

    with one_blas_thread():
        rings, maps, packed = cut_layer_by_layer(
            net, n_layers, maps, rings, cut, progress, packed=True
        )
    n_neurons = sum(layer.n_neurons for layer in net.hidden[:n_layers])

    A = np.ascontiguousarray(maps[:, :2, :].transpose(0, 2, 1))
    c = np.ascontiguousarray(maps[:, 2, :])
    n_ring = len(rings.xy)
    return Partition2D(
        bounds=box,
        vertices=rings.xy,
        offsets=rings.offsets,
        indices=np.arange(n_ring, dtype=np.int64),
        edge_neuron=rings.label,
        packed_patterns=packed,
        layer_of_neuron=net.layer_of_neuron()[:n_neurons].astype(np.int64),
        A=A,
        c=c,
        n_layers=n_layers,
        n_layers_total=n_total,
        plane=plane_vectors,
    )
