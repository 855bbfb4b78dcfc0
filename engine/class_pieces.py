"""The exact class pieces of a 2-D partition: every cell cut where the predicted class changes.

Inside a cell the network's outputs are affine, so the set of the cell's points where
class ``k`` wins, ``{x in cell : f_k(x) >= f_j(x) for all j}``, is the cell clipped by
the ``K - 1`` half-planes ``f_k - f_j >= 0``: a convex polygon, and these polygons tile
the cell. A single output ``f`` is read as a binary logit: class 1 where ``f > 0``
(sigmoid above one half), class 0 elsewhere.

The cutting is the compiled argmax kernel the traced-graph partition uses for max-pooling
(:func:`engine.argmax_kernels.cut_by_argmax`, one "window" whose entries are the outputs),
with the partition's own on-line tolerances: a cell the boundary misses by more than the
tolerance stays whole; no piece thinner than the partition's thinnest cell is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine import argmax_kernels, polygons
from engine.cell_cutting import CUT_THREADS, line_tolerances
from engine.cells2d import Partition2D
from engine.layerwise import GROUPS_PER_THREAD, in_ranges

#: Cells per thread below which one thread cuts them all.
CELLS_PER_THREAD = 20_000
#: The kernel numbers the winning entry of a window in an int16.
MAX_CLASSES = int(np.iinfo(np.int16).max)


@dataclass(frozen=True, eq=False)
class ClassPieces:
    """The cells of a partition cut into the convex pieces where one class wins.

    Attributes
    ----------
    vertices : (N, 2) float64 piece corners, ring after ring.
    offsets : (P+1,) int64; piece ``p`` is the counter-clockwise ring
        ``vertices[offsets[p]:offsets[p+1]]``.
    classes : (P,) int64 the class predicted everywhere inside each piece.
    cell : (P,) int64 the cell of the partition each piece lies in; the pieces of a cell
        are consecutive and cells come in the partition's order.
    outputs : (P, n_out) float64 the network output at each piece's vertex centroid.
    confidence : (P,) float64 the probability of the piece's class there: softmax over
        the outputs, or the sigmoid of a single output.
    """

    vertices: np.ndarray
    offsets: np.ndarray
    classes: np.ndarray
    cell: np.ndarray
    outputs: np.ndarray
    confidence: np.ndarray

    @property
    def n_pieces(self) -> int:
        return len(self.offsets) - 1

    @cached_property
    def areas(self) -> np.ndarray:
        """(P,) float64 piece areas."""
        return polygons.signed_areas(self.vertices, self.offsets)

    @cached_property
    def centroids(self) -> np.ndarray:
        """(P, 2) a point inside every piece (the mean of its corners)."""
        return polygons.vertex_centroids(self.vertices, self.offsets)

    def pieces_per_cell(self, n_cells: int) -> np.ndarray:
        """(n_cells,) int64 number of pieces of every cell (1: the cell is not cut)."""
        return np.bincount(self.cell, minlength=n_cells).astype(np.int64)

    def polygon(self, p: int) -> np.ndarray:
        """(k, 2) counter-clockwise corners of piece ``p``."""
        return self.vertices[self.offsets[p] : self.offsets[p + 1]]


def _output_entries(partition: Partition2D) -> np.ndarray:
    """(R, 3, 1, K) the classes' scores on every cell as the argmax kernel reads them:
    entry ``k`` is ``a x + b y + c`` with ``(a, b, c) = entries[r, :, 0, k]``."""
    maps = np.concatenate([partition.A, partition.c[:, :, None]], axis=2)  # (R, n_out, 3)
    if maps.shape[1] == 1:  # one logit f: class 0 scores 0, class 1 scores f
        maps = np.concatenate([np.zeros_like(maps), maps], axis=1)
    return np.ascontiguousarray(maps.transpose(0, 2, 1)[:, :, None, :])


def _class_confidence(outputs: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """(P,) probability of ``classes`` given the (P, n_out) ``outputs``."""
    if outputs.shape[1] == 1:
        sign = np.where(classes == 1, 1.0, -1.0)
        return 1.0 / (1.0 + np.exp(-sign * outputs[:, 0]))
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted[np.arange(len(classes)), classes] / shifted.sum(axis=1)


def class_pieces(partition: Partition2D) -> ClassPieces:
    """Cut every cell of a complete partition into its exact class pieces.

    Parameters
    ----------
    partition : a partition of every hidden layer (``partition.is_complete``), so that
        ``A (R, n_out, 2), c (R, n_out)`` map to the network output.

    Returns
    -------
    ClassPieces
        ``P >= R`` pieces, the pieces of each cell tiling it; a cell the decision boundary
        does not cross is one piece, its own ring.

    Raises
    ------
    ValueError
        for a partition of some hidden layers only, or more than :data:`MAX_CLASSES`
        outputs.
    """
    if not partition.is_complete:
        raise ValueError("class pieces need a partition of every hidden layer")
    entries = _output_entries(partition)
    n_classes = entries.shape[3]
    if n_classes > MAX_CLASSES:
        raise ValueError(f"class pieces take at most {MAX_CLASSES:,} outputs, got {n_classes:,}")
    valid = np.ones((1, n_classes), dtype=bool)
    tolerance, min_area = line_tolerances(np.asarray(partition.bounds, dtype=np.float64))
    ring_xy = np.ascontiguousarray(partition.ring_xy, dtype=np.float64)
    offsets = np.ascontiguousarray(partition.offsets, dtype=np.int64)
    label = np.ascontiguousarray(partition.edge_neuron, dtype=np.int64)
    no_limit = np.iinfo(np.int64).max

    def cut_range(lo: int, hi: int):
        start, stop = offsets[lo], offsets[hi]
        xy, piece_offsets, _label, cell, slot, _overflow = argmax_kernels.cut_by_argmax(
            ring_xy[start:stop], offsets[lo : hi + 1] - start, label[start:stop],
            entries[lo:hi], valid, 0, tolerance, min_area, no_limit,
        )  # fmt: skip
        return xy, piece_offsets, cell + lo, slot[:, 0]

    n_cells = partition.n_regions
    n_threads = min(CUT_THREADS, max(1, n_cells // CELLS_PER_THREAD))
    n_ranges = 1 if n_threads == 1 else n_threads * GROUPS_PER_THREAD
    parts = in_ranges(n_cells, n_ranges, cut_range, n_threads)
    lengths = np.concatenate([np.diff(p[1]) for p in parts])
    piece_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=piece_offsets[1:])
    vertices = np.concatenate([p[0] for p in parts]).reshape(-1, 2)
    cell = np.concatenate([p[2] for p in parts]).astype(np.int64)
    classes = np.concatenate([p[3] for p in parts]).astype(np.int64)
    centres = polygons.vertex_centroids(vertices, piece_offsets)
    outputs = np.einsum("pok,pk->po", partition.A[cell], centres) + partition.c[cell]
    return ClassPieces(
        vertices=vertices,
        offsets=piece_offsets,
        classes=classes,
        cell=cell,
        outputs=outputs,
        confidence=_class_confidence(outputs, classes),
    )
