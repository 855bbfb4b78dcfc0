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
    width = pre.shape[2]
    scales = np.empty(width)
    for c in range(pre.shape[0]):
        # The slopes as numbers, not a branch per value (the bits are as good as random;
        # times 1.0 is exact).
        for j in range(width):
            scales[j] = 1.0 if cell_on[c, j] else negative_slope
        for r in range(pre.shape[1]):
            for j in range(width):
                out[c, r, j] = pre[c, r, j] * scales[j]
    return out


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _add_bit_corrections(maps, i, p, c, pre, cell_on, bits, weight_t, negative_slope):
    """Add to ``maps[i]`` (k+1, m) the change of the next layer's map on piece ``p`` for
    every neuron whose bit ``bits[p]`` differs from its cell's ``cell_on[c]``, in the
    order of the neurons. The differences are counted first, without a branch (most
    pieces have none or one), and the second pass stops after the last."""
    width = bits.shape[1]
    n_different = 0
    for j in range(width):
        n_different += bits[p, j] != cell_on[c, j]
    j = 0
    while n_different > 0:
        if bits[p, j] != cell_on[c, j]:
            n_different -= 1
            delta = 1.0 - negative_slope if bits[p, j] else negative_slope - 1.0
            for r in range(pre.shape[1]):
                column = pre[c, r, j] * delta
                for o in range(weight_t.shape[1]):
                    maps[i, r, o] += column * weight_t[j, o]
        j += 1


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
    for i in range(maps.shape[0]):
        p = first + i
        c = parent[p] - first_cell
        for r in range(rows):
            for o in range(n_next):
                maps[i, r, o] = base[c, r, o]
        _add_bit_corrections(maps, i, p, c, pre, cell_on, bits, weight_t, negative_slope)


@njit(cache=True, nogil=True, error_model="numpy")
def gather_rows(out, column, rows, index):
    """``out[:, column:column + w] = rows[index]`` for ``rows`` (n, w) bool; ``out`` (P,
    n_columns) bool."""
    width = rows.shape[1]
    for p in range(len(index)):
        for j in range(width):
            out[p, column + j] = rows[index[p], j]


@njit(cache=True, nogil=True, error_model="numpy")
def gather_packed_rows(out, column, rows, index):
    """OR ``rows[index]`` into the bits ``column`` to ``column + w - 1`` of ``out`` (P,
    n_bytes) uint8, zeroed there: ``rows`` (n, ceil(w / 8)) uint8 are rows of ``w`` bits
    in ``np.packbits`` order (first bit in the high bit, zero padding). Whole bytes are
    shifted into place, not single bits."""
    n_bytes = out.shape[1]
    at = column >> 3
    shift = column & 7
    for p in range(len(index)):
        r = index[p]
        for b in range(rows.shape[1]):
            byte = np.int64(rows[r, b])
            out[p, at + b] |= np.uint8(byte >> shift)
            if shift and at + b + 1 < n_bytes:
                out[p, at + b + 1] |= np.uint8((byte << (8 - shift)) & 0xFF)


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
    scales = np.empty(width)
    cell = -1
    for i in range(maps.shape[0]):
        p = first + i
        c = parent[p] - first_cell
        if c != cell:
            # The cell's map: a sum over the neurons for every row and output, in the
            # order of the neurons.
            cell = c
            for j in range(width):
                scales[j] = 1.0 if cell_on[c, j] else slope
            if rows == 3:
                # A plane's three rows and two outputs at a time: six running sums held
                # in registers, not in memory.
                for o in range(0, n_next, 2):
                    pair = o + 1 < n_next
                    x0 = 0.0
                    y0 = 0.0
                    z0 = bias[o]
                    x1 = 0.0
                    y1 = 0.0
                    z1 = bias[o + 1] if pair else 0.0
                    for j in range(width):
                        x = pre[c, 0, j] * scales[j]
                        y = pre[c, 1, j] * scales[j]
                        z = pre[c, 2, j] * scales[j]
                        w0 = weight_t[j, o]
                        w1 = weight_t[j, o + 1] if pair else 0.0
                        x0 += x * w0
                        y0 += y * w0
                        z0 += z * w0
                        x1 += x * w1
                        y1 += y * w1
                        z1 += z * w1
                    base[0, o] = x0
                    base[1, o] = y0
                    base[2, o] = z0
                    if pair:
                        base[0, o + 1] = x1
                        base[1, o + 1] = y1
                        base[2, o + 1] = z1
            else:
                for r in range(rows - 1):
                    for o in range(n_next):
                        base[r, o] = 0.0
                for o in range(n_next):
                    base[rows - 1, o] = bias[o]
                for j in range(width):
                    for r in range(rows):
                        value = pre[c, r, j] * scales[j]
                        for o in range(n_next):
                            base[r, o] += value * weight_t[j, o]
        for r in range(rows):
            for o in range(n_next):
                maps[i, r, o] = base[r, o]
        _add_bit_corrections(maps, i, p, c, pre, cell_on, bits, weight_t, slope)
