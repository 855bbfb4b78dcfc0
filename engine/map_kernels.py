"""Compiled kernels of the layer-by-layer partitions: maps and patterns of the pieces.

Compiled by numba once (cached on disk); they release the GIL, so a range of pieces can
be done on each of a few threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def masked_maps(pre, cell_on, negative_slope):
    """(C, k+1, w) the maps ``pre`` of every cell times its activation slopes: 1 where
    ``cell_on`` (C, w), else ``negative_slope``."""
    out = np.empty(pre.shape)
    for c in range(pre.shape[0]):
        for r in range(pre.shape[1]):
            for j in range(pre.shape[2]):
                out[c, r, j] = pre[c, r, j] if cell_on[c, j] else pre[c, r, j] * negative_slope
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def piece_maps(maps, first, first_cell, base, pre, cell_on, parent, bits, weight_t, negative_slope):
    """Fill ``maps`` (n, k+1, m) with the maps of the next affine layer on the pieces
    ``first`` to ``first + n - 1`` of a layer.

    A piece's map is its cell's map ``base[parent - first_cell]``, made with the cell's
    bits, plus a correction for every neuron whose bit differs on the piece.

    Parameters
    ----------
    first_cell : the cell of ``base[0]``, ``pre[0]`` and ``cell_on[0]``: they hold the
        cells ``first_cell`` to ``first_cell + c - 1``, which the pieces come from.
    base : (c, k+1, m) the next layer's map on those cells, with the bits ``cell_on``.
    pre : (c, k+1, w) the layer's pre-activation maps on the cells.
    cell_on : (c, w) bool; parent : (P,) int64 the cell of every piece of the layer;
        bits : (P, w) bool the bits of every piece.
    weight_t : (w, m) the next layer's weight, transposed; negative_slope : the
        activation's slope where the pre-activation is negative.
    """
    rows = base.shape[1]
    n_next = base.shape[2]
    width = pre.shape[2]
    for i in range(maps.shape[0]):
        p = first + i
        c = parent[p] - first_cell
        for r in range(rows):
            for o in range(n_next):
                maps[i, r, o] = base[c, r, o]
        for j in range(width):
            if bits[p, j] != cell_on[c, j]:
                delta = 1.0 - negative_slope if bits[p, j] else negative_slope - 1.0
                for r in range(rows):
                    column = pre[c, r, j] * delta
                    for o in range(n_next):
                        maps[i, r, o] += column * weight_t[j, o]


@njit(cache=True, nogil=True, error_model="numpy")
def gather_rows(out, column, rows, index):
    """``out[:, column:column + w] = rows[index]`` for ``rows`` (n, w) bool; ``out`` (P,
    n_columns) bool."""
    width = rows.shape[1]
    for p in range(len(index)):
        for j in range(width):
            out[p, column + j] = rows[index[p], j]


@njit(cache=True, nogil=True, error_model="numpy")
def narrow_piece_maps(maps, first, first_cell, pre, cell_on, parent, bits, weight_t, bias, slope):
    """Fill ``maps`` (n, k+1, m) with the maps of a narrow next affine layer (few outputs
    ``m``, such as the network's output layer) on the pieces ``first`` to
    ``first + n - 1``: every cell's map is made here, output by output as dot products
    over the neurons, with no masked copy of the cells' maps and no matrix product (both
    cost more than the product itself when ``m`` is small); then as in
    :func:`piece_maps`.

    Parameters
    ----------
    first_cell : the cell of ``pre[0]`` and ``cell_on[0]``; pre : (c, k+1, w) the
        layer's pre-activation maps on the cells the pieces come from; cell_on : (c, w)
        bool; parent : (P,) int64 the cell of every piece; bits : (P, w) bool.
    weight_t : (w, m) the next layer's weight, transposed; bias : (m,); slope : the
        activation's slope where the pre-activation is negative.
    """
    rows = pre.shape[1]
    width = pre.shape[2]
    n_next = weight_t.shape[1]
    base = np.empty((rows, n_next))
    cell = -1
    for i in range(maps.shape[0]):
        p = first + i
        c = parent[p] - first_cell
        if c != cell:
            # The cell's map, neuron after neuron: rows * m running sums at once.
            cell = c
            for r in range(rows - 1):
                for o in range(n_next):
                    base[r, o] = 0.0
            for o in range(n_next):
                base[rows - 1, o] = bias[o]
            for j in range(width):
                scale = 1.0 if cell_on[c, j] else slope
                for r in range(rows):
                    value = pre[c, r, j] * scale
                    for o in range(n_next):
                        base[r, o] += value * weight_t[j, o]
        for r in range(rows):
            for o in range(n_next):
                maps[i, r, o] = base[r, o]
        for j in range(width):
            if bits[p, j] != cell_on[c, j]:
                delta = 1.0 - slope if bits[p, j] else slope - 1.0
                for r in range(rows):
                    column = pre[c, r, j] * delta
                    for o in range(n_next):
                        maps[i, r, o] += column * weight_t[j, o]
