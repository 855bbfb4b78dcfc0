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
    """Polygons cut by one line each: their pieces on both sides.

    Attributes
    ----------
    xy : (n, 2) ring vertices of the pieces, positive pieces first, then negative ones.
    offsets : (2 * K + 1,) ring offsets; piece ``i < K`` is the positive side of the
        ``i``-th cut polygon, piece ``K + i`` its negative side.
    edge_label : (n,) label of the edge leaving every ring vertex.
    source : (K,) index (into the input batch) of every polygon that was cut.
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
) -> SplitResult:
    """Cut every polygon by its own line ``a x + b y + c = 0`` (Sutherland–Hodgman).

    A vertex whose value ``|a x + b y + c|`` is at most its polygon's tolerance lies on the
    line and goes to both pieces, so no piece thinner than the tolerance is ever made.
    A polygon is cut only when it has vertices strictly on both sides.

    Parameters
    ----------
    xy : (N, 2) ring vertices; offsets : (P+1,) ring offsets.
    edge_label : (N,) label of the edge leaving every vertex (kept on the pieces).
    lines : (P, 3) coefficients ``(a, b, c)`` of every polygon's line.
    tolerance : (P,) on-line tolerance on the line's value.
    line_label : (P,) label given to the new edge along the line.
    """
    owner_of = owner(offsets)
    value = xy[:, 0] * lines[owner_of, 0] + xy[:, 1] * lines[owner_of, 1] + lines[owner_of, 2]
    tol = tolerance[owner_of]
    side = np.where(value > tol, 1, np.where(value < -tol, -1, 0)).astype(np.int8)
    has_pos = segment_reduce(np.maximum, side, offsets) > 0
    has_neg = segment_reduce(np.minimum, side, offsets) < 0
    source = np.flatnonzero(has_pos & has_neg)

    vidx, cut_offsets = gather_rings(offsets, source)
    s = side[vidx]
    val = value[vidx]
    pts = xy[vidx]
    lab = edge_label[vidx]
    cut_owner = owner(cut_offsets)
    new_label = line_label[source][cut_owner]
    nxt = next_in_ring(cut_offsets)
    s_next = s[nxt]
    crossing = (s.astype(np.int16) * s_next) < 0

    # Crossing points, computed once so both pieces share them exactly.
    ci = np.flatnonzero(crossing)
    t = val[ci] / (val[ci] - val[nxt[ci]])
    cross_xy = pts[ci] + t[:, None] * (pts[nxt[ci]] - pts[ci])

    rings_xy, rings_offsets, rings_label = [], [], []
    for sign in (1, -1):
        keep = s * sign >= 0
        keep_label = np.where((s == 0) & (s_next * sign < 0), new_label, lab)
        cross_label = np.where(s[ci] * sign > 0, new_label[ci], lab[ci])
        count = keep.astype(np.int64)
        count[ci] += 1
        before = np.cumsum(count) - count
        out_xy = np.empty((int(count.sum()), 2))
        out_label = np.empty(len(out_xy), dtype=edge_label.dtype)
        kv = np.flatnonzero(keep)
        out_xy[before[kv]] = pts[kv]
        out_label[before[kv]] = keep_label[kv]
        pos = before[ci] + keep[ci]
        out_xy[pos] = cross_xy
        out_label[pos] = cross_label
        piece_len = segment_reduce(np.add, count, cut_offsets)
        rings_xy.append(out_xy)
        rings_label.append(out_label)
        rings_offsets.append(piece_len)

    lengths = np.concatenate(rings_offsets)
    all_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=all_offsets[1:])
    return SplitResult(
        xy=np.concatenate(rings_xy),
        offsets=all_offsets,
        edge_label=np.concatenate(rings_label),
        source=source,
    )


def concat_rings(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate batches ``(xy, offsets, edge_label)`` into one batch."""
    xy = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[2] for p in parts])
    lengths = np.concatenate([np.diff(p[1]) for p in parts])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return xy, offsets, labels
