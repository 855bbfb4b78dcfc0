"""Compiled kernels of the 2-D partition: every cell cut by the lines of one layer.

One call of :func:`cut_cells` cuts every cell of the partition so far by the neurons of
the next layer. Per cell it finds the neurons whose line crosses it (a bounding-circle
test, then the exact test on its corners), then cuts it by a binary space partition:
each piece is cut by the crossing line closest to its centre (Sutherland–Hodgman), and
the piece's other candidates are re-tested on both halves. The kernels are compiled by
numba once (cached on disk) and release the GIL, so a GUI thread keeps running while a
worker partitions. The helpers are inlined into the cutting loop at numba's level
(``inline="always"``): a call that passes arrays costs two atomic reference counts per
array, which made up a large share of the kernel's time. For the same reason the loop
(:func:`_cut_range`) never reassigns an array variable, takes no row of an array as a
view, and its inlined helpers have one exit each: any of these left numba's atomic
reference counts inside the loop (a third of the 2-D partition's samples under
``perf``).

Tolerances are those of :mod:`engine.partition2d`: a corner within
``max(thickness * |grad|, rounding * (|a| reach_x + |b| reach_y + |c|))`` of a line lies
on it (and goes to both pieces), and no cut leaves a piece of area below ``min_area``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def line_tolerance(a, b, c, thickness, rounding, reach_x, reach_y):
    """On-line tolerance of the values of the line ``a x + b y + c`` (see the module)."""
    scale = abs(a) * reach_x + abs(b) * reach_y + abs(c)
    return max(thickness * math.hypot(a, b), rounding * scale)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def line_extremes(xy, start, n, a, b, c):
    """Largest and smallest value of ``a x + b y + c`` on ``xy[start:start + n]``."""
    high = -np.inf
    low = np.inf
    for i in range(start, start + n):
        value = xy[i, 0] * a + xy[i, 1] * b + c
        high = max(high, value)
        low = min(low, value)
    return high, low


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def corner_mean(xy, start, n):
    """Mean of the corners ``xy[start:start + n]``: a point inside their polygon."""
    x = 0.0
    y = 0.0
    for i in range(start, start + n):
        x += xy[i, 0]
        y += xy[i, 1]
    return x / n, y / n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def crosses(xy, start, n, a, b, c, thickness, rounding, reach_x, reach_y):
    """``(cuts, on)``: does the line ``a x + b y + c`` have corners of ``xy[start:start + n]``
    on both sides (beyond the tolerance of :func:`line_tolerance`), and if not, is it on
    over them (its farthest corner decides)?"""
    high, low = line_extremes(xy, start, n, a, b, c)
    cuts = False
    if high > 0.0 and low < 0.0:
        # Beyond a bound of the tolerance that needs no hypot (|a| + |b| >= hypot(a, b),
        # and the factor covers hypot's rounding) the answer is the same; the exact
        # tolerance decides only near it.
        scale = abs(a) * reach_x + abs(b) * reach_y + abs(c)
        bound = max(thickness * (abs(a) + abs(b)) * (1.0 + 1e-14), rounding * scale)
        if high > bound and low < -bound:
            cuts = True
        else:
            limit = line_tolerance(a, b, c, thickness, rounding, reach_x, reach_y)
            cuts = high > limit and low < -limit
    return cuts, cuts or high + low > 0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def ring_area(xy, start, n):
    """Shoelace area of the ring ``xy[start:start + n]``, relative to its first corner."""
    x0 = xy[start, 0]
    y0 = xy[start, 1]
    total = 0.0
    for i in range(n):
        j = start + i
        k = start + (i + 1) % n
        px = xy[j, 0] - x0
        py = xy[j, 1] - y0
        qx = xy[k, 0] - x0
        qy = xy[k, 1] - y0
        total += px * qy - py * qx
    return 0.5 * total


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def clip_ring(xy, label, start, n, a, b, c, limit, new_label, out_xy, out_label, work):
    """Cut the counter-clockwise ring ``xy[start:start + n]`` by ``a x + b y + c = 0``.

    A corner whose value is within ``limit`` of 0 lies on the line and goes to both
    halves. The positive half is written to ``out_xy[:n_positive]``, the negative half
    after it; a crossing point is computed once and written to both. Edge labels follow
    the corners (``label[i]`` is the edge leaving corner ``i``); the new edges along the
    line get ``new_label``. ``out_xy`` needs room for ``4 n`` corners, ``work`` (4, n).

    Returns ``(n_positive, n_negative)``; ``(0, 0)`` when the line does not have corners
    strictly on both sides (nothing is written).
    """
    # Rows of ``work`` (indexed in place: a row taken as a view costs reference counts):
    # 0 the corners' values, 1 their sides, 2 and 3 the crossing point after each.
    has_positive = False
    has_negative = False
    for i in range(n):
        v = xy[start + i, 0] * a + xy[start + i, 1] * b + c
        work[0, i] = v
        if v > limit:
            work[1, i] = 1.0
            has_positive = True
        elif v < -limit:
            work[1, i] = -1.0
            has_negative = True
        else:
            work[1, i] = 0.0
    # One exit only (an early return keeps the reference counts of the arrays that an
    # inlined call binds).
    count = 0
    n_positive = 0
    if has_positive and has_negative:
        # Crossing points, computed once so both halves share them exactly.
        for i in range(n):
            j = (i + 1) % n
            if work[1, i] * work[1, j] < 0:
                p = start + i
                q = start + j
                t = work[0, i] / (work[0, i] - work[0, j])
                work[2, i] = xy[p, 0] + t * (xy[q, 0] - xy[p, 0])
                work[3, i] = xy[p, 1] + t * (xy[q, 1] - xy[p, 1])
        for sign in (1.0, -1.0):
            for i in range(n):
                j = (i + 1) % n
                side = work[1, i]
                if side * sign >= 0:
                    out_xy[count, 0] = xy[start + i, 0]
                    out_xy[count, 1] = xy[start + i, 1]
                    if side == 0 and work[1, j] * sign < 0:
                        out_label[count] = new_label
                    else:
                        out_label[count] = label[start + i]
                    count += 1
                if side * work[1, j] < 0:
                    out_xy[count, 0] = work[2, i]
                    out_xy[count, 1] = work[3, i]
                    out_label[count] = new_label if side * sign > 0 else label[start + i]
                    count += 1
            if sign > 0:
                n_positive = count
    return n_positive, count - n_positive


@njit(cache=True, nogil=True, error_model="numpy")
def _grown(xy, label, offsets, cell, bits, n_corners, n_pieces):
    """The piece buffers with room for ``n_corners`` corners and ``n_pieces`` pieces.
    (Explicit loops copy them: numba compiles slice assignments slowly.)"""
    if n_corners > len(xy):
        size = max(n_corners, 2 * len(xy))
        bigger_xy = np.empty((size, 2))
        bigger_label = np.empty(size, dtype=np.int64)
        for i in range(len(xy)):
            bigger_xy[i, 0] = xy[i, 0]
            bigger_xy[i, 1] = xy[i, 1]
            bigger_label[i] = label[i]
        xy, label = bigger_xy, bigger_label
    if n_pieces + 1 > len(offsets):
        size = max(n_pieces + 1, 2 * len(offsets))
        bigger_offsets = np.empty(size, dtype=np.int64)
        bigger_cell = np.empty(size, dtype=np.int64)
        bigger_bits = np.empty((size, bits.shape[1]), dtype=np.bool_)
        for i in range(len(offsets)):
            bigger_offsets[i] = offsets[i]
            bigger_cell[i] = cell[i]
            for j in range(bits.shape[1]):
                bigger_bits[i, j] = bits[i, j]
        offsets, cell, bits = bigger_offsets, bigger_cell, bigger_bits
    return xy, label, offsets, cell, bits


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _settle(xy, start, n, neuron, first, n_neurons, bits, piece, pre, cell, tolerances):
    """Keep, in ``neuron[first:first + n_neurons]``, the neurons whose line crosses the
    ring ``xy[start:start + n]``; read the bits of the others on its corners into
    ``bits[piece]``. ``tolerances`` are :func:`crosses`' four. Returns how many were kept."""
    thickness, rounding, reach_x, reach_y = tolerances
    kept = 0
    for k in range(first, first + n_neurons):
        j = neuron[k]
        cuts, on = crosses(
            xy, start, n, pre[cell, 0, j], pre[cell, 1, j], pre[cell, 2, j],
            thickness, rounding, reach_x, reach_y,
        )  # fmt: skip
        if cuts:
            neuron[first + kept] = j
            kept += 1
        else:
            bits[piece, j] = on
    return kept


#: Why :func:`_cut_range` stopped before the last cell: a buffer too small.
_OUT_CORNERS, _OUT_PIECES, _STACK_CORNERS, _HALVES = 1, 2, 3, 4


@njit(cache=True, nogil=True, error_model="numpy")
def cut_cells(xy, offsets, label, pre, first_neuron, tolerance, min_area, max_regions):
    """Cut every cell by the neurons of one layer that cross it.

    Parameters
    ----------
    xy : (N, 2) float64 ring corners of the C cells; offsets : (C+1,) int64 ring offsets;
    label : (N,) int64 neuron of the edge leaving every corner (-1: the domain boundary).
    pre : (C, 3, w) float64; on cell ``c`` neuron ``j`` is
        ``pre[c, 0, j] x + pre[c, 1, j] y + pre[c, 2, j]``.
    first_neuron : global index of the layer's first neuron (the label of its edges).
    tolerance : (4,) float64 ``thickness, rounding, reach_x, reach_y`` of the on-line
        tolerance (module docstring).
    min_area : no cut leaves a piece smaller than this.
    max_regions : stop once the cells are sure to make more pieces than this.

    Returns
    -------
    piece_xy (M, 2), piece_offsets (P+1,), piece_label (M,) : the pieces, cell after cell.
    piece_cell : (P,) int64 the cell each piece came from.
    piece_bits : (P, w) bool the pattern of the layer on every piece.
    cell_on : (C, w) bool the bits of the neurons over the cells they do not cut (the
        sign at the cell's centre for those that do).
    overflow : 0, or the number of pieces reached when more than ``max_regions`` (the
        other outputs are then incomplete).

    The cells are cut by :func:`_cut_range` into buffers that it never reallocates (an
    array variable reassigned inside its loops would cost atomic reference counts at
    every turn); when one is too small it stops at the cell that needs more room, and
    that cell is cut again once the buffer has grown.
    """
    n_cells = len(offsets) - 1
    width = pre.shape[2]
    cell_on = np.zeros((n_cells, width), dtype=np.bool_)
    out_xy = np.empty((2 * len(xy) + 16, 2))
    out_label = np.empty(2 * len(xy) + 16, dtype=np.int64)
    out_offsets = np.zeros(2 * n_cells + 2, dtype=np.int64)
    out_cell = np.empty(2 * n_cells + 2, dtype=np.int64)
    out_bits = np.empty((2 * n_cells + 2, width), dtype=np.bool_)
    # The binary space partition of one cell: a stack of pieces. Piece ``k`` has the
    # corners ``stack_xy[corner[k]:corner[k] + size[k]]``, the candidate neurons
    # ``stack_neuron[first[k]:first[k] + n_neurons[k]]`` and the bits ``stack_bits[k]``;
    # every piece cuts off one candidate, so the stack never holds more than w + 1.
    depth = width + 2
    stack_xy = np.empty((depth * 16, 2))
    stack_label = np.empty(len(stack_xy), dtype=np.int64)
    stack_neuron = np.empty(depth * width + 1, dtype=np.int64)
    stack_bits = np.empty((depth, width), dtype=np.bool_)
    stack = np.empty((4, depth), dtype=np.int64)  # corner, size, first, n_neurons
    halves_xy = np.empty((64, 2))
    halves_label = np.empty(64, dtype=np.int64)
    work = np.empty((4, 16))
    cell = 0
    top = 0
    n_out = 0
    n_corners = 0
    while True:
        cell, top, n_out, n_corners, overflow, short, room = _cut_range(
            xy, offsets, label, pre, first_neuron, tolerance, min_area, max_regions,
            cell_on, out_xy, out_label, out_offsets, out_cell, out_bits,
            stack_xy, stack_label, stack_neuron, stack_bits, stack, halves_xy, halves_label,
            work, cell, top, n_out, n_corners,
        )  # fmt: skip
        if short == _OUT_CORNERS or short == _OUT_PIECES:
            out_xy, out_label, out_offsets, out_cell, out_bits = _grown(
                out_xy, out_label, out_offsets, out_cell, out_bits,
                room if short == _OUT_CORNERS else 0, room if short == _OUT_PIECES else 0,
            )  # fmt: skip
        elif short == _STACK_CORNERS:
            bigger_xy = np.empty((max(room, 2 * len(stack_xy)), 2))
            bigger_label = np.empty(len(bigger_xy), dtype=np.int64)
            for i in range(len(stack_xy)):
                bigger_xy[i, 0] = stack_xy[i, 0]
                bigger_xy[i, 1] = stack_xy[i, 1]
                bigger_label[i] = stack_label[i]
            stack_xy, stack_label = bigger_xy, bigger_label
        elif short == _HALVES:
            halves_xy = np.empty((8 * room, 2))
            halves_label = np.empty(8 * room, dtype=np.int64)
            work = np.empty((4, 2 * room))
        else:
            break
    return (
        out_xy[:n_corners],
        out_offsets[: n_out + 1],
        out_label[:n_corners],
        out_cell[:n_out],
        out_bits[:n_out],
        cell_on,
        overflow,
    )


@njit(cache=True, nogil=True, error_model="numpy")
def _cut_range(
    xy, offsets, label, pre, first_neuron, tolerance, min_area, max_regions,
    cell_on, out_xy, out_label, out_offsets, out_cell, out_bits,
    stack_xy, stack_label, stack_neuron, stack_bits, stack, halves_xy, halves_label,
    work, cell, top, n_out, n_corners,
):  # fmt: skip
    """Cut the cells from ``cell`` on (see :func:`cut_cells`), appending the pieces after
    the ``n_out`` pieces and ``n_corners`` corners already in the ``out_*`` buffers; when
    ``top`` > 0, first finish the binary space partition of ``cell`` left with ``top``
    pieces on the stack (``stack_*``, and ``stack`` (4, w + 2): the corner, size, first
    candidate and number of candidates of every piece).

    Returns ``(cell, top, n_out, n_corners, overflow, short, room)``. When ``short`` is
    0, ``cell`` is the number of cells (all cut, or ``overflow`` > 0). Otherwise the
    buffer ``short`` is too small and needs room for ``room`` (``_OUT_CORNERS``,
    ``_OUT_PIECES``: corners or pieces of the ``out_*`` buffers; ``_STACK_CORNERS``:
    corners of ``stack_*``, whose contents are kept; ``_HALVES``: ``halves_*`` and
    ``work``, for a piece of ``room`` corners): the call stopped before changing
    anything, and a call with the returned state resumes there.
    """
    n_cells = len(offsets) - 1
    width = pre.shape[2]
    thickness, rounding, reach_x, reach_y = tolerance[0], tolerance[1], tolerance[2], tolerance[3]
    tolerances = (thickness, rounding, reach_x, reach_y)
    corner = stack[0]
    size = stack[1]
    first = stack[2]
    n_neurons = stack[3]

    overflow = 0
    while cell < n_cells:
        if top == 0:
            # The cell is the first piece, with the neurons whose line crosses it.
            start = offsets[cell]
            n = offsets[cell + 1] - start
            if n > len(stack_xy):
                return cell, 0, n_out, n_corners, 0, _STACK_CORNERS, n
            centre_x, centre_y = corner_mean(xy, start, n)
            radius2 = 0.0
            for i in range(start, start + n):
                dx = xy[i, 0] - centre_x
                dy = xy[i, 1] - centre_y
                radius2 = max(radius2, dx * dx + dy * dy)
            radius2 *= 1.0 + 1e-9
            n_candidates = 0
            for j in range(width):
                a = pre[cell, 0, j]
                b = pre[cell, 1, j]
                c = pre[cell, 2, j]
                at_centre = a * centre_x + b * centre_y + c
                on = at_centre > 0
                if at_centre * at_centre <= (a * a + b * b) * radius2:
                    cuts, side = crosses(
                        xy, start, n, a, b, c, thickness, rounding, reach_x, reach_y
                    )
                    if cuts:
                        stack_neuron[n_candidates] = j
                        n_candidates += 1
                    else:
                        on = side
                cell_on[cell, j] = on
            for i in range(n):
                stack_xy[i, 0] = xy[start + i, 0]
                stack_xy[i, 1] = xy[start + i, 1]
                stack_label[i] = label[start + i]
            corner[0] = 0
            size[0] = n
            first[0] = 0
            n_neurons[0] = n_candidates
            for j in range(width):
                stack_bits[0, j] = cell_on[cell, j]
            top = 1
        while top > 0:
            top -= 1
            corner0 = corner[top]
            n = size[top]
            n_candidates = n_neurons[top]
            if n_candidates == 0:
                # A finished piece.
                reached = n_out + 1 + top + (n_cells - 1 - cell)
                if reached > max_regions:
                    overflow = reached
                    break
                if n_corners + n > len(out_xy):
                    return cell, top + 1, n_out, n_corners, 0, _OUT_CORNERS, n_corners + n
                if n_out + 2 > len(out_offsets):
                    return cell, top + 1, n_out, n_corners, 0, _OUT_PIECES, n_out + 2
                for i in range(n):
                    out_xy[n_corners + i, 0] = stack_xy[corner0 + i, 0]
                    out_xy[n_corners + i, 1] = stack_xy[corner0 + i, 1]
                    out_label[n_corners + i] = stack_label[corner0 + i]
                for j in range(width):
                    out_bits[n_out, j] = stack_bits[top, j]
                out_cell[n_out] = cell
                n_corners += n
                n_out += 1
                out_offsets[n_out] = n_corners
                continue
            # Its candidate whose line passes closest to its centre (the first on a tie).
            centre_x, centre_y = corner_mean(stack_xy, corner0, n)
            best = 0
            best_distance = np.inf
            at = first[top]
            for k in range(n_candidates):
                j = stack_neuron[at + k]
                a = pre[cell, 0, j]
                b = pre[cell, 1, j]
                value = a * centre_x + b * centre_y + pre[cell, 2, j]
                distance = value * value / (a * a + b * b)
                if distance < best_distance:
                    best_distance = distance
                    best = k
            chosen = stack_neuron[at + best]
            a = pre[cell, 0, chosen]
            b = pre[cell, 1, chosen]
            c = pre[cell, 2, chosen]
            limit = line_tolerance(a, b, c, thickness, rounding, reach_x, reach_y)
            if 4 * n > len(halves_xy) or n > work.shape[1]:
                return cell, top + 1, n_out, n_corners, 0, _HALVES, n
            n_positive, n_negative = clip_ring(
                stack_xy, stack_label, corner0, n, a, b, c, limit, first_neuron + chosen,
                halves_xy, halves_label, work,
            )  # fmt: skip
            if n_negative > 0 and (
                min(
                    ring_area(halves_xy, 0, n_positive),
                    ring_area(halves_xy, n_positive, n_negative),
                )
                < min_area
            ):
                n_negative = 0  # a sliver past a tip: not cut
            if n_negative > 0 and corner0 + n_positive + n_negative > len(stack_xy):
                room = corner0 + n_positive + n_negative
                return cell, top + 1, n_out, n_corners, 0, _STACK_CORNERS, room
            # The other candidates, in order.
            for k in range(best, n_candidates - 1):
                stack_neuron[at + k] = stack_neuron[at + k + 1]
            n_others = n_candidates - 1
            if n_negative == 0:
                # Not cut: the chosen neuron is read on the corners; the rest stay.
                high, low = line_extremes(stack_xy, corner0, n, a, b, c)
                stack_bits[top, chosen] = high + low > 0
                n_neurons[top] = n_others
                top += 1
                continue
            # The negative half, then the positive one (cut first), in the room of the
            # piece, each with the other candidates that still cross it.
            for j in range(width):
                stack_bits[top + 1, j] = stack_bits[top, j]
            stack_bits[top, chosen] = False
            stack_bits[top + 1, chosen] = True
            for i in range(n_positive + n_negative):
                # halves_xy holds the positive half, then the negative one.
                h = (i + n_positive) % (n_positive + n_negative)
                stack_xy[corner0 + i, 0] = halves_xy[h, 0]
                stack_xy[corner0 + i, 1] = halves_xy[h, 1]
                stack_label[corner0 + i] = halves_label[h]
            for k in range(n_others):
                stack_neuron[at + n_others + k] = stack_neuron[at + k]
            for half in range(2):
                piece = top + half
                corner[piece] = corner0 + (0 if half == 0 else n_negative)
                size[piece] = n_negative if half == 0 else n_positive
                kept = _settle(
                    stack_xy, corner[piece], size[piece], stack_neuron, at + half * n_others,
                    n_others, stack_bits, piece, pre, cell, tolerances,
                )  # fmt: skip
                first[piece] = at + half * n_others
                n_neurons[piece] = kept
            top += 2
        if overflow:
            return n_cells, 0, n_out, n_corners, overflow, 0, 0
        cell += 1
    return n_cells, 0, n_out, n_corners, 0, 0, 0
