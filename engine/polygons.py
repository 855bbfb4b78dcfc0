"""Vectorised operations on many convex polygons stored as rings in CSR form.

A batch of polygons is ``(xy (N, 2), offsets (P+1,))``: polygon ``p`` is the ring
``xy[offsets[p]:offsets[p+1]]``, counter-clockwise, and every polygon has at least three
vertices. Nothing here loops over polygons in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def ring_lengths(offsets: np.ndarray) -> np.ndarray:
    """(P,) number of vertices of every polygon."""
    return np.diff(offsets)


def owner(offsets: np.ndarray) -> np.ndarray:
    """(N,) index of the polygon that owns every ring vertex."""
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))


def next_in_ring(offsets: np.ndarray) -> np.ndarray:
    """(N,) index of the next vertex of every ring vertex (wrapping to the ring start)."""
    n = int(offsets[-1])
    nxt = np.arange(1, n + 1)
    nxt[offsets[1:] - 1] = offsets[:-1]
    return nxt


def gather_rings(offsets: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertex indices and new offsets of the polygons ``chosen`` (int indices), in order.

    Returns
    -------
    vertex_index : (n,) indices into the old vertex arrays.
    new_offsets : (len(chosen) + 1,) offsets of the chosen rings in the gathered arrays.
    """
    starts = offsets[chosen]
    lengths = offsets[chosen + 1] - starts
    new_offsets = np.zeros(len(chosen) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    vertex_index = np.repeat(starts - new_offsets[:-1], lengths) + np.arange(new_offsets[-1])
    return vertex_index, new_offsets


def segment_reduce(ufunc: np.ufunc, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``ufunc.reduceat`` over the rings (all rings are non-empty)."""
    if len(offsets) < 2:
        return np.zeros((0, *values.shape[1:]), dtype=values.dtype)
    return ufunc.reduceat(values, offsets[:-1], axis=0)


def signed_areas(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(P,) shoelace areas, positive for counter-clockwise rings."""
    nxt = next_in_ring(offsets)
    # Shift to each ring's first vertex to keep the cross products small.
    base = xy[np.repeat(offsets[:-1], np.diff(offsets))]
    p = xy - base
    q = xy[nxt] - base
    cross = p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]
    return 0.5 * segment_reduce(np.add, cross, offsets)


def vertex_centroids(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(P, 2) mean of every ring's vertices: a point strictly inside a non-degenerate ring."""
    return segment_reduce(np.add, xy, offsets) / np.diff(offsets)[:, None]


@dataclass(frozen=True)
class SplitResult:
    """Polygons after each was cut (or not) by its own line.

    Attributes
    ----------
    xy : (n, 2) ring vertices of the pieces.
    offsets : (P + K + 1,) ring offsets. Piece ``i < P`` is input polygon ``i`` itself when
        its line does not cut it, else its positive side; piece ``P + k`` is the negative
        side of input polygon ``source[k]``.
    edge_label : (n,) label of the edge leaving every ring vertex.
    source : (K,) indices of the input polygons that were cut, increasing.
    """

    xy: np.ndarray
    offsets: np.ndarray
    edge_label: np.ndarray
    source: np.ndarray


def split_by_lines(
    xy: np.ndarray,
    offsets: np.ndarray,
    edge_label: np.ndarray,
    lines: np.ndarray,
    tolerance: np.ndarray,
    line_label: np.ndarray,
    min_area: float = 0.0,
) -> SplitResult:
    """Cut every polygon by its own line ``a x + b y + c = 0`` (Sutherland–Hodgman).

    A vertex whose value ``|a x + b y + c|`` is at most its polygon's tolerance lies on the
    line and goes to both pieces. A polygon is cut only when it has vertices strictly on
    both sides and both pieces have an area of at least ``min_area`` (a line just past a
    needle's tip would otherwise cut off a piece far thinner than the tolerance, even of
    zero area once rounded); a polygon whose tolerance is infinite is never cut.

    Parameters
    ----------
    xy : (N, 2) ring vertices; offsets : (P+1,) ring offsets.
    edge_label : (N,) label of the edge leaving every vertex (kept on the pieces).
    lines : (P, 3) coefficients ``(a, b, c)`` of every polygon's line.
    tolerance : (P,) on-line tolerance on the line's value.
    line_label : (P,) label given to the new edge along the line.
    """
    result = _sutherland_hodgman(xy, offsets, edge_label, lines, tolerance, line_label)
    n = len(offsets) - 1
    area = signed_areas(result.xy, result.offsets)
    too_small = np.minimum(area[result.source], area[n:]) < min_area
    if not too_small.any():
        return result
    tolerance = tolerance.copy()
    tolerance[result.source[too_small]] = np.inf
    return _sutherland_hodgman(xy, offsets, edge_label, lines, tolerance, line_label)


def _sutherland_hodgman(
    xy: np.ndarray,
    offsets: np.ndarray,
    edge_label: np.ndarray,
    lines: np.ndarray,
    tolerance: np.ndarray,
    line_label: np.ndarray,
) -> SplitResult:
    """:func:`split_by_lines` without the thickness check."""
    owner_of = owner(offsets)
    line = lines[owner_of]
    value = xy[:, 0] * line[:, 0] + xy[:, 1] * line[:, 1] + line[:, 2]
    tol = tolerance[owner_of]
    side = (value > tol).view(np.int8) - (value < -tol).view(np.int8)
    is_cut = (segment_reduce(np.maximum, side, offsets) > 0) & (
        segment_reduce(np.minimum, side, offsets) < 0
    )
    source = np.flatnonzero(is_cut)
    side[~is_cut[owner_of]] = 0
    new_label = line_label[owner_of]
    nxt = next_in_ring(offsets)
    side_next = side[nxt]
    # Crossing points, computed once so both pieces share them exactly.
    ci = np.flatnonzero(side * side_next < 0)
    t = value[ci] / (value[ci] - value[nxt[ci]])
    cross_xy = xy[ci] + t[:, None] * (xy[nxt[ci]] - xy[ci])

    parts_xy, parts_label, parts_length = [], [], []
    for sign in (1, -1):
        keep = side * sign >= 0
        if sign < 0:
            keep &= is_cut[owner_of]
        keep_label = np.where((side == 0) & (side_next * sign < 0), new_label, edge_label)
        cross_label = np.where(side[ci] * sign > 0, new_label[ci], edge_label[ci])
        count = keep.astype(np.int64)
        count[ci] += 1
        before = np.cumsum(count) - count
        out_xy = np.empty((int(before[-1] + count[-1]) if len(count) else 0, 2))
        out_label = np.empty(len(out_xy), dtype=edge_label.dtype)
        kv = np.flatnonzero(keep)
        out_xy[before[kv]] = xy[kv]
        out_label[before[kv]] = keep_label[kv]
        pos = before[ci] + keep[ci]
        out_xy[pos] = cross_xy
        out_label[pos] = cross_label
        length = segment_reduce(np.add, count, offsets)
        parts_xy.append(out_xy)
        parts_label.append(out_label)
        parts_length.append(length if sign > 0 else length[source])

    lengths = np.concatenate(parts_length)
    all_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=all_offsets[1:])
    return SplitResult(
        xy=np.concatenate(parts_xy),
        offsets=all_offsets,
        edge_label=np.concatenate(parts_label),
        source=source,
    )
