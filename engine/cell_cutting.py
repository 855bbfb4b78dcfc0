"""Cutting 2-D cells by one layer's lines: the step both 2-D partitions share.

Per layer, every neuron's line over every cell comes from the caller (the MLP engine in
:mod:`engine.partition2d`, the traced-graph engine in :mod:`engine.partition_graph`); a
compiled kernel (:mod:`engine.polygon_kernels`) tests every neuron against every cell and
cuts each cell by the lines that cross it, on parallel threads for large layers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from engine import polygon_kernels
from engine.layerwise import (
    PartitionCancelled as PartitionCancelled,
)
from engine.layerwise import (
    cut_in_groups,
    domain_diagonal,
)

#: Vertices closer than this fraction of the domain diagonal to a neuron's line count as
#: on the line: no cell thinner than that is made (it is merged with its neighbour).
RELATIVE_THICKNESS = 1e-12

#: Rounding allowance on a neuron's value, in units of machine epsilon times the size of
#: the terms that make it up.
ROUNDING_ULPS = 64.0

#: Threads that cut groups of cells at once, and the least work worth one: (cell, neuron)
#: pairs to test.
CUT_THREADS = max(1, min(4, os.cpu_count() or 1))

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


def check_bounds(bounds) -> np.ndarray:
    b = np.asarray(bounds, dtype=np.float64).reshape(-1)
    if b.shape != (4,) or not np.all(np.isfinite(b)):
        raise ValueError(
            f"bounds must be four finite numbers (xmin, xmax, ymin, ymax), got {bounds}"
        )
    if not (b[0] < b[1] and b[2] < b[3]):
        raise ValueError(f"bounds must satisfy xmin < xmax and ymin < ymax, got {tuple(b)}")
    return b


@dataclass
class Rings:
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

    def cells(self, lo: int, hi: int) -> Rings:
        """The polygons ``lo`` to ``hi - 1``."""
        start, stop = self.offsets[lo], self.offsets[hi]
        return Rings(
            self.xy[start:stop],
            self.offsets[lo : hi + 1] - start,
            self.label[start:stop],
            self.cell[lo:hi],
        )

    @staticmethod
    def concat(parts: list[Rings]) -> Rings:
        lengths = np.concatenate([np.diff(p.offsets) for p in parts])
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return Rings(
            np.concatenate([p.xy for p in parts]),
            offsets,
            np.concatenate([p.label for p in parts]),
            np.concatenate([p.cell for p in parts]),
            np.concatenate([p.bits for p in parts]),
        )


def line_tolerances(box: np.ndarray) -> tuple[np.ndarray, float]:
    """The on-line tolerance ``(thickness, rounding, reach_x, reach_y)`` (4,) and the least
    piece area of a 2-D partition's cuts over ``box`` ``(xmin, xmax, ymin, ymax)``: the
    tolerances :func:`cut_layer` cuts with, for code that cuts a partition's cells again
    (:mod:`engine.class_pieces`, :mod:`engine.graph_pooling`)."""
    diagonal = domain_diagonal(box)
    tolerance = np.array(
        [
            RELATIVE_THICKNESS * diagonal,
            ROUNDING_ULPS * 2.2e-16,
            np.abs(box[:2]).max(),
            np.abs(box[2:]).max(),
        ]
    )
    return tolerance, (RELATIVE_THICKNESS * diagonal) ** 2


def cut_layer(
    rings: Rings,
    pre: np.ndarray,
    bounds: np.ndarray,
    first_neuron: int,
    max_regions: int,
    n_threads: int | None = None,
) -> tuple[Rings, np.ndarray]:
    """Cut every cell of ``rings`` by the neurons of one layer that cross it.

    Groups of consecutive cells are cut on parallel threads (the kernel releases the
    GIL; cells never interact) when there are enough (cell, neuron) pairs to test, on
    at most ``n_threads`` (default :data:`CUT_THREADS`).

    Returns the pieces, cell after cell, each with the cell it came from and its bits
    (P, w), and ``cell_on`` (C, w), the bits of the neurons over the cells they do not
    cut (see :func:`engine.polygon_kernels.cut_cells`).
    """
    tolerance, least_area = line_tolerances(bounds)

    def cut_range(lo: int, hi: int) -> tuple[Rings, np.ndarray]:
        group = rings.cells(lo, hi)
        xy, offsets, label, cell, bits, cell_on, overflow = polygon_kernels.cut_cells(
            np.ascontiguousarray(group.xy, dtype=np.float64),
            np.ascontiguousarray(group.offsets, dtype=np.int64),
            np.ascontiguousarray(group.label, dtype=np.int64),
            np.ascontiguousarray(pre[lo:hi], dtype=np.float64),
            first_neuron,
            tolerance,
            least_area,
            max_regions,
        )
        if overflow:
            raise TooManyRegionsError(int(overflow), max_regions)
        return Rings(xy, offsets, label, cell + lo, bits), cell_on

    n_groups = min(
        n_threads or CUT_THREADS, max(1, rings.count * pre.shape[2] // _PAIRS_PER_THREAD)
    )
    pieces, cell_on = cut_in_groups(rings.count, n_groups, cut_range, Rings.concat)
    if pieces.count > max_regions:
        raise TooManyRegionsError(pieces.count, max_regions)
    return pieces, cell_on
