"""Compiled kernel of the layer-by-layer partitions: the maps of the pieces of a layer.

Compiled by numba once (cached on disk); it releases the GIL.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def piece_maps(base, pre, cell_on, parent, bits, weight, negative_slope):
    """(P, k+1, n) maps of the next affine layer on every piece of a layer.

    A piece's map is its cell's map ``base[parent]``, made with the cell's bits, plus a
    correction for every neuron whose bit differs on the piece.

    Parameters
    ----------
    base : (C, k+1, n) the next layer's map on every cell, with the bits ``cell_on``.
    pre : (C, k+1, w) the layer's pre-activation maps on the cells.
    cell_on : (C, w) bool; parent : (P,) int64 the cell of every piece; bits : (P, w)
        bool the bits of every piece.
    weight : (n, w) the next layer's weight; negative_slope : the activation's slope
        where the pre-activation is negative.
    """
    n_pieces = len(parent)
    rows = base.shape[1]
    n_next = base.shape[2]
    width = pre.shape[2]
    maps = np.empty((n_pieces, rows, n_next))
    weight_t = np.ascontiguousarray(weight.T)
    for p in range(n_pieces):
        c = parent[p]
        for r in range(rows):
            for o in range(n_next):
                maps[p, r, o] = base[c, r, o]
        for j in range(width):
            if bits[p, j] != cell_on[c, j]:
                delta = 1.0 - negative_slope if bits[p, j] else negative_slope - 1.0
                for r in range(rows):
                    column = pre[c, r, j] * delta
                    for o in range(n_next):
                        maps[p, r, o] += column * weight_t[j, o]
    return maps
