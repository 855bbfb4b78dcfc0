"""Plain geometry of many convex polyhedra stored in a two-level CSR layout.

Polyhedron ``p`` owns the corners ``xyz[voff[p]:voff[p+1]]`` and the faces ``foff[p]`` to
``foff[p+1] - 1``; face ``f`` is the ring ``ring[roff[f]:roff[f+1]]`` of corner indices
(local to its polyhedron where a function says so), counter-clockwise seen from outside.
Nothing here loops over polyhedra in Python.
"""

from __future__ import annotations

import numpy as np

from engine import polygons


def offsets_of(lengths: np.ndarray) -> np.ndarray:
    """(n+1,) int64 CSR offsets of segments of ``lengths`` (n,)."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def area_vectors(ring_xyz: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(F, 3) area vectors (area times unit normal, right-hand rule) of 3-D rings."""
    first = np.repeat(ring_xyz[offsets[:-1]], np.diff(offsets), axis=0)
    p = ring_xyz - first
    q = p[polygons.next_in_ring(offsets)]
    return 0.5 * polygons.segment_reduce(np.add, cross(p, q), offsets)


def cross(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(K, 3) row-wise cross products of (K, 3) vectors."""
    out = np.empty_like(p)
    out[:, 0] = p[:, 1] * q[:, 2] - p[:, 2] * q[:, 1]
    out[:, 1] = p[:, 2] * q[:, 0] - p[:, 0] * q[:, 2]
    out[:, 2] = p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]
    return out


def volumes_and_centroids(
    xyz: np.ndarray,
    voff: np.ndarray,
    foff: np.ndarray,
    roff: np.ndarray,
    ring: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Volumes (P,) and centres of mass (P, 3) of polyhedra with outward face rings.

    Every face is a fan of triangles from its first corner; every triangle with the
    polyhedron's first corner makes a signed tetrahedron. ``ring`` holds indices local to
    each polyhedron's vertex range.
    """
    n = len(voff) - 1
    if n == 0:
        return np.zeros(0), np.zeros((0, 3))
    slot_face = polygons.owner(roff)
    slot_piece = polygons.owner(foff)[slot_face]
    origin = xyz[voff[:-1]]
    x = xyz[voff[:-1][slot_piece] + ring] - origin[slot_piece]
    first = x[roff[:-1]][slot_face]
    six = np.einsum("ik,ik->i", first, cross(x, x[polygons.next_in_ring(roff)]))
    slot_offsets = roff[foff]
    volume = polygons.segment_reduce(np.add, six, slot_offsets) / 6.0
    moment = (first + x + x[polygons.next_in_ring(roff)]) * six[:, None]
    moment = polygons.segment_reduce(np.add, moment, slot_offsets) / 24.0
    safe = np.where(volume != 0, volume, 1.0)
    centroid = moment / safe[:, None] + origin
    # A needle or wafer thinner than the tolerance has a volume (and so a centre of mass)
    # made of rounding: fall back on the mean of its corners there.
    low = polygons.segment_reduce(np.minimum, xyz, voff)
    high = polygons.segment_reduce(np.maximum, xyz, voff)
    flat = (volume <= 0) | np.any((centroid < low) | (centroid > high), axis=1)
    if flat.any():
        mean = polygons.segment_reduce(np.add, xyz, voff) / np.diff(voff)[:, None]
        centroid[flat] = mean[flat]
    return volume, centroid


def local_rank(counts: np.ndarray) -> np.ndarray:
    """``0, 1, ..., counts[i] - 1`` for every segment, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
