"""Compiled kernel of the 2-D partition at a max-pooling step: cells cut by argmax regions.

On a cell every entry of a pooling window is affine, ``a_e x + b_e y + c_e``, and the
window's output is the largest entry. The region where entry ``e`` wins is the cell
clipped by the half-planes ``a_e >= a_j`` of the other entries: convex, and together
these regions tile the cell (the lines ``a_i = a_j`` meet at Y junctions, which is why
they are not cut as a binary space partition of lines). Windows are taken one after the
other; each cuts every piece the windows before it made.

Per piece and window: an entry tied with an earlier one over the whole piece (their
difference within the on-line tolerance at every corner) never wins, as in torch, which
keeps the first maximum; an entry that another beats at every corner cannot win; when
one entry is left, the piece is not cut. Otherwise each remaining entry's region is
clipped out (Sutherland–Hodgman, one side at a time) and kept if its area reaches
``min_area``. Tolerances are those of :mod:`engine.polygon_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.polygon_kernels import line_extremes, line_tolerance, ring_area


@njit(cache=True, nogil=True, error_model="numpy")
def _clip_keep(src_xy, src_label, start, n, a, b, c, limit, new_label, dst_xy, dst_label, value):
    """Keep the part of the ring ``src_xy[start:start + n]`` where ``a x + b y + c >= 0``
    (corners within ``limit`` of 0 count as on the line), written to ``dst_xy`` from 0;
    new edges along the line get ``new_label``. Returns the number of corners (0 when
    nothing of positive area is left). ``dst_xy`` needs room for ``n + 1`` corners,
    ``value`` for ``n``."""
    has_positive = False
    has_negative = False
    for i in range(n):
        v = src_xy[start + i, 0] * a + src_xy[start + i, 1] * b + c
        value[i] = v
        if v > limit:
            has_positive = True
        elif v < -limit:
            has_negative = True
    if not has_positive:
        return 0
    if not has_negative:
        for i in range(n):
            dst_xy[i, 0] = src_xy[start + i, 0]
            dst_xy[i, 1] = src_xy[start + i, 1]
            dst_label[i] = src_label[start + i]
        return n
    count = 0
    for i in range(n):
        j = (i + 1) % n
        vi = value[i]
        vj = value[j]
        si = 1 if vi > limit else (-1 if vi < -limit else 0)
        sj = 1 if vj > limit else (-1 if vj < -limit else 0)
        if si >= 0:
            dst_xy[count, 0] = src_xy[start + i, 0]
            dst_xy[count, 1] = src_xy[start + i, 1]
            dst_label[count] = new_label if (si == 0 and sj < 0) else src_label[start + i]
            count += 1
        if si * sj < 0:
            p = start + i
            q = start + j
            t = vi / (vi - vj)
            dst_xy[count, 0] = src_xy[p, 0] + t * (src_xy[q, 0] - src_xy[p, 0])
            dst_xy[count, 1] = src_xy[p, 1] + t * (src_xy[q, 1] - src_xy[p, 1])
            dst_label[count] = new_label if si > 0 else src_label[start + i]
            count += 1
    return count


@njit(cache=True, nogil=True, error_model="numpy")
def _room(xy, label, need):
    """``xy, label`` with room for ``need`` corners (copied into bigger arrays if short)."""
    if need <= len(xy):
        return xy, label
    size = max(need, 2 * len(xy))
    bigger_xy = np.empty((size, 2))
    bigger_label = np.empty(size, dtype=np.int64)
    for i in range(len(xy)):
        bigger_xy[i, 0] = xy[i, 0]
        bigger_xy[i, 1] = xy[i, 1]
        bigger_label[i] = label[i]
    return bigger_xy, bigger_label


@njit(cache=True, nogil=True, error_model="numpy")
def _piece_room(offsets, slot, need):
    """``offsets, slot`` with room for ``need`` pieces."""
    if need + 1 <= len(offsets):
        return offsets, slot
    size = max(need + 1, 2 * len(offsets))
    bigger_offsets = np.empty(size, dtype=np.int64)
    bigger_slot = np.empty((size, slot.shape[1]), dtype=slot.dtype)
    for i in range(len(offsets)):
        bigger_offsets[i] = offsets[i]
        for w in range(slot.shape[1]):
            bigger_slot[i, w] = slot[i, w]
    return bigger_offsets, bigger_slot


@njit(cache=True, nogil=True, error_model="numpy")
def _load_window(rows, parent, on, slope, position, cell, w, entry):
    """Write entry ``e`` of window ``w`` on ``cell`` to ``entry[e]`` (k, 3): the values
    ``rows[parent[cell], :, i]`` at ``i = position[w, e]``, times ``slope[i]`` where
    ``on[cell, i]`` is False (no scaling when ``on`` has no rows)."""
    row = parent[cell]
    scaled = on.shape[0] > 0
    for e in range(position.shape[1]):
        at = position[w, e]
        if scaled and not on[cell, at]:
            entry[e, 0] = rows[row, 0, at] * slope[at]
            entry[e, 1] = rows[row, 1, at] * slope[at]
            entry[e, 2] = rows[row, 2, at] * slope[at]
        else:
            entry[e, 0] = rows[row, 0, at]
            entry[e, 1] = rows[row, 1, at]
            entry[e, 2] = rows[row, 2, at]


@njit(cache=True, nogil=True, error_model="numpy")
def _difference(entry, e, j):
    """Coefficients of ``entry e - entry j`` of a window (``entry`` (k, 3))."""
    return entry[e, 0] - entry[j, 0], entry[e, 1] - entry[j, 1], entry[e, 2] - entry[j, 2]


@njit(cache=True, nogil=True, error_model="numpy")
def _sure_winner(entry, valid, w, cx, cy, radius, tolerance):
    """The entry of window ``w`` (its entries ``entry`` (k, 3)) that wins on the whole
    disc ``(cx, cy, radius)`` by more than the on-line tolerance over every other entry
    (or ties an identical later one), or -1 when the disc test cannot tell. A quick test
    before the exact one."""
    k = entry.shape[0]
    best = -1
    best_value = -np.inf
    for e in range(k):
        if valid[w, e]:
            value = entry[e, 0] * cx + entry[e, 1] * cy
            value += entry[e, 2]
            if value > best_value:
                best_value = value
                best = e
    for j in range(k):
        if j == best or not valid[w, j]:
            continue
        a, b, c = _difference(entry, best, j)
        if a == 0.0 and b == 0.0 and c == 0.0:
            if j < best:
                return -1
            continue
        margin = a * cx + b * cy + c
        # |a| + |b| bounds the line's gradient norm from above, so this cheaper test
        # (no hypot, no square root) passing means the exact one below passes too.
        bound = abs(a) + abs(b)
        scale = abs(a) * tolerance[2] + abs(b) * tolerance[3] + abs(c)
        if margin - bound * radius > max(tolerance[0] * bound, tolerance[1] * scale):
            continue
        limit = line_tolerance(a, b, c, tolerance[0], tolerance[1], tolerance[2], tolerance[3])
        if margin - np.sqrt(a * a + b * b) * radius <= limit:
            return -1
    return best


@njit(cache=True, nogil=True, error_model="numpy")
def _contenders(entry, valid, w, xy, start, n, tolerance, out):
    """Write to ``out`` the entries of window ``w`` (its entries ``entry`` (k, 3)) that may
    win somewhere on the ring ``xy[start:start + n]``; return how many."""
    k = entry.shape[0]
    m = 0
    for e in range(k):
        if not valid[w, e]:
            continue
        tied = False
        for q in range(m):
            a, b, c = _difference(entry, e, out[q])
            limit = line_tolerance(a, b, c, tolerance[0], tolerance[1], tolerance[2], tolerance[3])
            high, low = line_extremes(xy, start, n, a, b, c)
            if high <= limit and low >= -limit:
                tied = True
                break
        if not tied:
            out[m] = e
            m += 1
    kept = 0
    for q in range(m):
        e = out[q]
        beaten = False
        for r in range(m):
            if r == q:
                continue
            a, b, c = _difference(entry, out[r], e)
            limit = line_tolerance(a, b, c, tolerance[0], tolerance[1], tolerance[2], tolerance[3])
            high, low = line_extremes(xy, start, n, a, b, c)
            if low > limit:
                beaten = True
                break
        if not beaten:
            out[k + kept] = e
            kept += 1
    for q in range(kept):
        out[q] = out[k + q]
    return kept


@njit(cache=True, nogil=True, error_model="numpy")
def cut_by_argmax(xy, offsets, label, entries, valid, first_bit, tolerance, min_area, max_regions):
    """Cut every cell by the argmax regions of every pooling window, its entries given
    window by window: ``entries`` (C, 3, W, k) float64, on cell ``c`` entry ``e`` of
    window ``w`` is ``entries[c, 0, w, e] x + entries[c, 1, w, e] y + entries[c, 2, w, e]``.
    The other parameters and the results are those of :func:`cut_by_argmax_at`."""
    n_cells, n_rows, n_windows, k = entries.shape
    rows = np.ascontiguousarray(entries).reshape((n_cells, n_rows, n_windows * k))
    position = np.arange(n_windows * k).reshape((n_windows, k))
    parent = np.arange(n_cells)
    unscaled = np.zeros((0, 0), dtype=np.bool_)
    return cut_by_argmax_at(
        xy, offsets, label, rows, parent, unscaled, np.zeros(0), position, valid, first_bit,
        tolerance, min_area, max_regions,
    )  # fmt: skip


@njit(cache=True, nogil=True, error_model="numpy")
def cut_by_argmax_at(
    xy, offsets, label, rows, parent, on, slope, position, valid, first_bit, tolerance,
    min_area, max_regions,
):  # fmt: skip
    """Cut every cell by the argmax regions of every pooling window.

    Parameters
    ----------
    xy : (N, 2) float64 ring corners of the C cells; offsets : (C+1,) int64;
    label : (N,) int64 edge labels (the bit that made each edge, -1: the boundary).
    rows : (R, 3, S) float64 values; on cell ``c`` entry ``e`` of window ``w`` is
        ``rows[r, 0, i] x + rows[r, 1, i] y + rows[r, 2, i]`` at ``r = parent[c]``,
        ``i = position[w, e]``, times ``slope[i]`` where ``on[c, i]`` is False (so the
        windows' entries are read where they are, never copied out; the pieces of a
        ReLU-like step before the pooling need not be made: their cells' rows and their
        decisions give their values).
    parent : (C,) int64 the row of every cell.
    on : (C, S) bool, or (0, 0) for no scaling; slope : (S,) float64 (or empty).
    position : (W, k) int64 the value of every window entry (padding entries repeat a
        valid one).
    valid : (W, k) bool, False for the padding entries of a window.
    first_bit : pattern bit of window 0 entry 0; the edge where entry ``j`` of window
        ``w`` takes over is labelled ``first_bit + w k + j``.
    tolerance : (4,) float64 ``thickness, rounding, reach_x, reach_y``.
    min_area : no region smaller than this is made.
    max_regions : stop once more pieces than this are made.

    Returns
    -------
    piece_xy (M, 2), piece_offsets (P+1,), piece_label (M,) : the pieces, cell after cell.
    piece_cell : (P,) int64 the cell each piece came from.
    piece_slot : (P, W) int16 the winning entry of every window on every piece.
    overflow : 0, or the number of pieces reached when more than ``max_regions``.
    """
    n_cells = len(offsets) - 1
    n_windows = position.shape[0]
    k = position.shape[1]
    out_xy = np.empty((2 * len(xy) + 16, 2))
    out_label = np.empty(2 * len(xy) + 16, dtype=np.int64)
    out_offsets = np.zeros(2 * n_cells + 2, dtype=np.int64)
    out_slot = np.zeros((2 * n_cells + 2, n_windows), dtype=np.int16)
    out_cell = np.empty(2 * n_cells + 2, dtype=np.int64)
    # The pieces of the cell being cut (before and after a window), in CSR form.
    cur_xy = np.empty((64, 2))
    cur_label = np.empty(64, dtype=np.int64)
    cur_offsets = np.zeros(8, dtype=np.int64)
    cur_slot = np.zeros((8, n_windows), dtype=np.int16)
    new_xy = np.empty((64, 2))
    new_label = np.empty(64, dtype=np.int64)
    new_offsets = np.zeros(8, dtype=np.int64)
    new_slot = np.zeros((8, n_windows), dtype=np.int16)
    scratch_xy = np.empty((2, 64, 2))
    scratch_label = np.empty((2, 64), dtype=np.int64)
    value = np.empty(64)
    contenders = np.empty(2 * k + 1, dtype=np.int64)
    entry = np.empty((k, 3))
    decided = np.empty(n_windows, dtype=np.int64)
    open_windows = np.empty(n_windows, dtype=np.int64)
    n_out = 0
    n_corners = 0
    for cell in range(n_cells):
        start = offsets[cell]
        n = offsets[cell + 1] - start
        cur_xy, cur_label = _room(cur_xy, cur_label, n)
        for i in range(n):
            cur_xy[i, 0] = xy[start + i, 0]
            cur_xy[i, 1] = xy[start + i, 1]
            cur_label[i] = label[start + i]
        n_cur = 1
        cur_offsets[1] = n
        # Windows with one contender on the whole cell have it on every piece: only the
        # others (``open_windows``) cut.
        cx = 0.0
        cy = 0.0
        for i in range(start, start + n):
            cx += xy[i, 0] / n
            cy += xy[i, 1] / n
        radius = 0.0
        for i in range(start, start + n):
            radius = max(radius, np.hypot(xy[i, 0] - cx, xy[i, 1] - cy))
        radius *= 1.0 + 1e-9
        n_open = 0
        for w in range(n_windows):
            _load_window(rows, parent, on, slope, position, cell, w, entry)
            sure = _sure_winner(entry, valid, w, cx, cy, radius, tolerance)
            if sure >= 0:
                decided[w] = sure
            elif _contenders(entry, valid, w, xy, start, n, tolerance, contenders) == 1:
                decided[w] = contenders[0]
            else:
                decided[w] = -1
                open_windows[n_open] = w
                n_open += 1
        for o in range(n_open):
            w = open_windows[o]
            _load_window(rows, parent, on, slope, position, cell, w, entry)
            n_new = 0
            new_offsets[0] = 0
            for p in range(n_cur):
                s = cur_offsets[p]
                size = cur_offsets[p + 1] - s
                m = _contenders(entry, valid, w, cur_xy, s, size, tolerance, contenders)
                room = size + m + 2
                if room > scratch_xy.shape[1]:
                    scratch_xy = np.empty((2, 2 * room, 2))
                    scratch_label = np.empty((2, 2 * room), dtype=np.int64)
                    value = np.empty(2 * room)
                made = 0
                for q in range(m):
                    e = contenders[q]
                    # Clip the piece to where e beats every other contender.
                    count = size
                    src = 0
                    for i in range(size):
                        scratch_xy[0, i, 0] = cur_xy[s + i, 0]
                        scratch_xy[0, i, 1] = cur_xy[s + i, 1]
                        scratch_label[0, i] = cur_label[s + i]
                    for r in range(m):
                        if r == q or count == 0:
                            continue
                        j = contenders[r]
                        a, b, c = _difference(entry, e, j)
                        limit = line_tolerance(
                            a, b, c, tolerance[0], tolerance[1], tolerance[2], tolerance[3]
                        )
                        count = _clip_keep(
                            scratch_xy[src], scratch_label[src], 0, count, a, b, c, limit,
                            first_bit + w * k + j, scratch_xy[1 - src], scratch_label[1 - src],
                            value,
                        )  # fmt: skip
                        src = 1 - src
                    if count < 3 or (m > 1 and ring_area(scratch_xy[src], 0, count) < min_area):
                        continue
                    new_xy, new_label = _room(new_xy, new_label, new_offsets[n_new] + count)
                    new_offsets, new_slot = _piece_room(new_offsets, new_slot, n_new + 1)
                    base = new_offsets[n_new]
                    for i in range(count):
                        new_xy[base + i, 0] = scratch_xy[src, i, 0]
                        new_xy[base + i, 1] = scratch_xy[src, i, 1]
                        new_label[base + i] = scratch_label[src, i]
                    for v in range(o):
                        new_slot[n_new, open_windows[v]] = cur_slot[p, open_windows[v]]
                    new_slot[n_new, w] = e
                    n_new += 1
                    new_offsets[n_new] = base + count
                    made += 1
                if made == 0:
                    # Every region was too thin to keep (near-ties): the piece stays
                    # whole with the entry that wins at its centre.
                    cx = 0.0
                    cy = 0.0
                    for i in range(size):
                        cx += cur_xy[s + i, 0] / size
                        cy += cur_xy[s + i, 1] / size
                    best = contenders[0]
                    best_value = -np.inf
                    for q in range(m):
                        e = contenders[q]
                        at = entry[e, 0] * cx + entry[e, 1] * cy
                        at += entry[e, 2]
                        if at > best_value:
                            best_value = at
                            best = e
                    new_xy, new_label = _room(new_xy, new_label, new_offsets[n_new] + size)
                    new_offsets, new_slot = _piece_room(new_offsets, new_slot, n_new + 1)
                    base = new_offsets[n_new]
                    for i in range(size):
                        new_xy[base + i, 0] = cur_xy[s + i, 0]
                        new_xy[base + i, 1] = cur_xy[s + i, 1]
                        new_label[base + i] = cur_label[s + i]
                    for v in range(o):
                        new_slot[n_new, open_windows[v]] = cur_slot[p, open_windows[v]]
                    new_slot[n_new, w] = best
                    n_new += 1
                    new_offsets[n_new] = base + size
            if n_out + n_new > max_regions:
                return (
                    out_xy[:n_corners], out_offsets[: n_out + 1], out_label[:n_corners],
                    out_cell[:n_out], out_slot[:n_out], n_out + n_new,
                )  # fmt: skip
            cur_xy, new_xy = new_xy, cur_xy
            cur_label, new_label = new_label, cur_label
            cur_offsets, new_offsets = new_offsets, cur_offsets
            cur_slot, new_slot = new_slot, cur_slot
            n_cur = n_new
        # The cell's pieces join the output.
        out_xy, out_label = _room(out_xy, out_label, n_corners + cur_offsets[n_cur])
        out_offsets, out_slot = _piece_room(out_offsets, out_slot, n_out + n_cur)
        if n_out + n_cur + 1 > len(out_cell):
            bigger = np.empty(len(out_offsets), dtype=np.int64)
            for i in range(n_out):
                bigger[i] = out_cell[i]
            out_cell = bigger
        for i in range(cur_offsets[n_cur]):
            out_xy[n_corners + i, 0] = cur_xy[i, 0]
            out_xy[n_corners + i, 1] = cur_xy[i, 1]
            out_label[n_corners + i] = cur_label[i]
        for p in range(n_cur):
            for v in range(n_windows):
                out_slot[n_out + p, v] = decided[v] if decided[v] >= 0 else cur_slot[p, v]
            out_cell[n_out + p] = cell
            out_offsets[n_out + p + 1] = n_corners + cur_offsets[p + 1]
        n_out += n_cur
        n_corners += cur_offsets[n_cur]
    return (
        out_xy[:n_corners], out_offsets[: n_out + 1], out_label[:n_corners],
        out_cell[:n_out], out_slot[:n_out], 0,
    )  # fmt: skip
