"""Compiled kernels of the traced-graph 2-D partition: the pieces' values and patterns.

After a cutting step every piece takes its cell's input value, changed by the piece's
decisions (:func:`engine.pl_slice.cutting_value` does the same on whole tensors): a
ReLU-like step scales every unit's rows by 1 or its slope, a max-pooling step keeps the
winning entry of every window. Gathering the cell's rows and applying the decision in
one pass writes each piece's value once, where numpy and torch made two or three full
copies of the pieces' input values. The last kernel joins every layer's packed pattern
bits into the partition's packed pattern rows. All are compiled by numba once (cached on
disk) and release the GIL, so ranges of pieces can run on several threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def scaled_rows(rows, parent, on, slope):
    """(P, r, n) the rows ``rows[parent[p]]`` (rows (C, r, n)) of every piece ``p``,
    unit ``j`` times 1 where ``on[p, j]`` (P, n) bool, else times ``slope[j]`` (n,)."""
    n_pieces = parent.shape[0]
    n_rows, width = rows.shape[1], rows.shape[2]
    out = np.empty((n_pieces, n_rows, width))
    for p in range(n_pieces):
        cell = parent[p]
        for r in range(n_rows):
            for j in range(width):
                value = rows[cell, r, j]
                out[p, r, j] = value if on[p, j] else value * slope[j]
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def pooled_rows(rows, parent, position, slot, on, on_row, slope):
    """(P, r, W) the winning entries of every piece's pooling windows.

    Parameters
    ----------
    rows : (C, r, S) the cells' values before pooling, flattened per row.
    parent : (P,) int64 the row of ``rows`` of every piece.
    position : (W, k) int64 where in a row every window entry is (padding entries repeat
        a valid one; :func:`engine.graph_pieces.window_positions`).
    slot : (P, W) the winning entry of every window on every piece.
    on, on_row, slope : a value ``i`` of piece ``p`` is times ``slope[i]`` (S,) where
        ``on[on_row[p], i]`` is False (the values of a ReLU-like step's pieces, made
        here from their cells' rows); ``on`` (0, 0) for none.
    """
    n_pieces = parent.shape[0]
    n_rows = rows.shape[1]
    n_windows = position.shape[0]
    out = np.empty((n_pieces, n_rows, n_windows))
    at = np.empty(n_windows, dtype=np.int64)
    factor = np.ones(n_windows)
    scaled = on.shape[0] > 0
    for p in range(n_pieces):
        cell = parent[p]
        for w in range(n_windows):
            at[w] = position[w, slot[p, w]]
        if scaled:
            # Times 1 where the unit is on: the value as it is.
            for w in range(n_windows):
                factor[w] = 1.0 if on[on_row[p], at[w]] else slope[at[w]]
        for r in range(n_rows):
            for w in range(n_windows):
                out[p, r, w] = rows[cell, r, at[w]] * factor[w]
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def packed_slots(slot, k):
    """(P, ceil(W k / 8)) uint8 ``np.packbits`` of the one-hot bits of every window's
    winning entry: bit ``w k + slot[p, w]`` of row ``p`` set (slot (P, W), entries
    0 to k - 1)."""
    n_pieces, n_windows = slot.shape
    out = np.zeros((n_pieces, (n_windows * k + 7) >> 3), dtype=np.uint8)
    for p in range(n_pieces):
        for w in range(n_windows):
            bit = w * k + slot[p, w]
            out[p, bit >> 3] |= np.uint8(0x80 >> (bit & 7))
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def join_packed_bits(packed, byte_start, widths, out, first_row):
    """OR the pattern bits of ``n`` cells into the rows ``first_row`` to
    ``first_row + n - 1`` of ``out`` (R, ceil(sum(widths) / 8)) uint8, zeroed, so that a
    row holds ``np.packbits`` of the cell's layers' bits side by side.

    ``packed`` (n, B) uint8 holds every layer's bits packed apart (``np.packbits`` order,
    first bit in the high bit, zero padding), layer ``l`` in the bytes from
    ``byte_start[l]`` on, its ``widths[l]`` bits going after those of the layers before it.
    Whole bytes are shifted into place, not single bits.
    """
    n_bytes = out.shape[1]
    for i in range(packed.shape[0]):
        row = first_row + i
        column = 0
        for layer in range(widths.shape[0]):
            start, at, shift = byte_start[layer], column >> 3, column & 7
            for b in range((widths[layer] + 7) >> 3):
                byte = np.int64(packed[i, start + b])
                out[row, at + b] |= np.uint8(byte >> shift)
                if shift and at + b + 1 < n_bytes:
                    out[row, at + b + 1] |= np.uint8((byte << (8 - shift)) & 0xFF)
            column += widths[layer]


@njit(cache=True, nogil=True, error_model="numpy")
def row_magnitudes(rows):
    """(r,) the largest magnitude of every row of ``rows`` (C, r, n) over all cells and
    units, in one pass; NaN for a row that holds a NaN."""
    n_rows = rows.shape[1]
    out = np.zeros(n_rows)
    for c in range(rows.shape[0]):
        for r in range(n_rows):
            largest = out[r]
            if largest != largest:
                continue  # NaN already
            for j in range(rows.shape[2]):
                value = abs(rows[c, r, j])
                if not value <= largest:  # larger, or NaN
                    largest = value
                    if value != value:
                        break
            out[r] = largest
    return out
