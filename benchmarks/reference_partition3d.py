"""A deliberately plain reference implementation of the exact 3-D partition.

This is the yardstick the fast engine (``engine.partition3d``) is measured against, both
for speed (``benchmarks/partition3d.py``) and, on small networks, for correctness
(``tests/engine/test_partition3d.py``). It shares nothing with the engine except
:func:`engine.networks.network_layers`, which turns a model into float64 arrays.

The algorithm is the textbook one:

1. start with one cell, the bounds box, on which the input of the first hidden layer is
   the affine map ``h(x) = M x + m`` (the identity, or the slice's map);
2. for each hidden layer, for each cell, for each neuron of that layer: on the cell the
   neuron's pre-activation ``z(x) = w . h(x) + b`` is affine, so its zero set is a plane;
   cut every piece of the cell by that plane: clip each face (Sutherland-Hodgman against
   the ``z >= 0`` and the ``z <= 0`` half-spaces) and close each half with a cap made of
   the points on the plane, sorted by angle around their mean;
3. each final piece records which side of every neuron it is on (its activation
   pattern), and its affine map is pushed through the layer's activation
   (``slope = 1`` where the neuron is on, ``negative_slope`` where it is off).

A polyhedron is a Python list of faces, a face a list of ``(x, y, z)`` tuples,
counter-clockwise seen from outside. Everything geometric is pure Python; only the small
per-cell affine maps use numpy.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

try:
    from engine.networks import network_layers
except ModuleNotFoundError:  # run as a script from anywhere: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from engine.networks import network_layers

#: A corner is on a neuron's plane when ``|z(corner)|`` is at most this fraction of the
#: scale of ``z`` over the box (``|grad z| * radius + |z(0)|``).
REL_TOL = 1e-12

Point = tuple[float, float, float]
Polyhedron = list[list[Point]]


def _sub(p: Point, q: Point) -> Point:
    return (p[0] - q[0], p[1] - q[1], p[2] - q[2])


def _cross(p: Point, q: Point) -> Point:
    return (p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0])


def _dot(p: Point, q: Point) -> float:
    return p[0] * q[0] + p[1] * q[1] + p[2] * q[2]


def volume(poly: Polyhedron) -> float:
    """Signed volume (positive for outward faces): a tetrahedron per fan triangle."""
    origin = poly[0][0]
    total = 0.0
    for face in poly:
        a = _sub(face[0], origin)
        for i in range(1, len(face) - 1):
            total += _dot(a, _cross(_sub(face[i], origin), _sub(face[i + 1], origin)))
    return total / 6.0


def _corners(poly: Polyhedron) -> list[Point]:
    return list({p: None for face in poly for p in face})


def _centre(points: list[Point]) -> Point:
    n = len(points)
    return (
        sum(p[0] for p in points) / n,
        sum(p[1] for p in points) / n,
        sum(p[2] for p in points) / n,
    )


def _cap(points: list[Point], normal: Point) -> list[Point]:
    """``points`` (on a plane of the given normal) counter-clockwise about the normal."""
    centre = _centre(points)
    axis = min(range(3), key=lambda k: abs(normal[k]))
    e1 = _cross(normal, tuple(1.0 if k == axis else 0.0 for k in range(3)))
    e2 = _cross(normal, e1)
    return sorted(
        points, key=lambda p: math.atan2(_dot(_sub(p, centre), e2), _dot(_sub(p, centre), e1))
    )


def _split(
    poly: Polyhedron, a: float, b: float, c: float, d: float, tol: float
) -> tuple[Polyhedron | None, Polyhedron | None]:
    """Split a convex polyhedron by the plane ``a x + b y + c z + d = 0``.

    Returns ``(positive piece, non-positive piece)``; a piece is ``None`` when empty.
    Corners within ``tol`` of the plane belong to both pieces; ``(None, None)`` means the
    plane holds the whole polyhedron (the caller decides its side).
    """
    value: dict[Point, float] = {}
    for p in _corners(poly):
        v = a * p[0] + b * p[1] + c * p[2] + d
        value[p] = 0.0 if abs(v) <= tol else v
    if all(v >= 0.0 for v in value.values()) and any(v > 0.0 for v in value.values()):
        return poly, None
    if all(v <= 0.0 for v in value.values()) and any(v < 0.0 for v in value.values()):
        return None, poly
    if all(v == 0.0 for v in value.values()):
        return None, None

    pos_faces: Polyhedron = []
    neg_faces: Polyhedron = []
    on_plane: dict[Point, None] = {p: None for p, v in value.items() if v == 0.0}
    for face in poly:
        pos: list[Point] = []
        neg: list[Point] = []
        n = len(face)
        for i in range(n):
            p, q = face[i], face[(i + 1) % n]
            dp, dq = value[p], value[q]
            if dp >= 0.0:
                pos.append(p)
            if dp <= 0.0:
                neg.append(p)
            if dp * dq < 0.0:
                # Computed from the positive end, so the two faces through this edge
                # get the very same point.
                hi, lo, vh, vl = (p, q, dp, dq) if dp > 0.0 else (q, p, dq, dp)
                t = vh / (vh - vl)
                x = (
                    hi[0] + t * (lo[0] - hi[0]),
                    hi[1] + t * (lo[1] - hi[1]),
                    hi[2] + t * (lo[2] - hi[2]),
                )
                pos.append(x)
                neg.append(x)
                on_plane[x] = None
        if any(value[p] > 0.0 for p in face):
            pos_faces.append(pos)
        if any(value[p] < 0.0 for p in face):
            neg_faces.append(neg)
    cap = _cap(list(on_plane), (a, b, c))
    if len(cap) < 3:
        return None, None
    return [*pos_faces, cap[::-1]], [*neg_faces, cap]


def _box(xmin, xmax, ymin, ymax, zmin, zmax) -> Polyhedron:
    corner = [
        (x, y, z) for z in (zmin, zmax) for y in (ymin, ymax) for x in (xmin, xmax)
    ]  # corner i = (x bit 0, y bit 1, z bit 2)
    faces = [[0, 4, 6, 2], [1, 3, 7, 5], [0, 1, 5, 4], [2, 6, 7, 3], [0, 2, 3, 1], [4, 5, 7, 6]]
    return [[corner[i] for i in face] for face in faces]


def reference_partition_3d(
    model, bounds, *, plane=None, layers: int | None = None
) -> list[tuple[Polyhedron, np.ndarray]]:
    """The exact cells of ``model`` inside ``bounds``, the slow and obvious way.

    Parameters
    ----------
    model : a network accepted by :func:`engine.networks.network_layers`.
    bounds : ``(xmin, xmax, ymin, ymax, zmin, zmax)``.
    plane : optional ``(origin, u, v, w)``; the 3-D coordinates are then ``(s, t, q)``
        with input ``origin + s*u + t*v + q*w``.
    layers : partition with the first ``layers`` hidden layers only (default: all).

    Returns
    -------
    A list of ``(polyhedron, pattern)``: ``polyhedron`` a list of faces, each a list of
    ``(x, y, z)`` corners counter-clockwise seen from outside; ``pattern`` the bool
    activation pattern (pre-activation > 0) of the partitioned layers' neurons.
    """
    net = network_layers(model)
    xmin, xmax, ymin, ymax, zmin, zmax = (float(v) for v in bounds)
    if not (xmin < xmax and ymin < ymax and zmin < zmax):
        raise ValueError(f"bounds must be increasing pairs, got {bounds}")
    if plane is None:
        if net.n_inputs != 3:
            raise ValueError(f"the network has {net.n_inputs} inputs: pass a plane")
        lin = np.eye(3)
        off = np.zeros(3)
    else:
        origin, u, v, w = (np.asarray(a, dtype=np.float64).reshape(-1) for a in plane)
        lin = np.stack([u, v, w], axis=1)
        off = origin
    hidden = net.hidden if layers is None else net.hidden[:layers]

    radius = math.sqrt(
        max(abs(xmin), abs(xmax)) ** 2
        + max(abs(ymin), abs(ymax)) ** 2
        + max(abs(zmin), abs(zmax)) ** 2
    )
    # A cell: (polyhedron, pattern as a list of bools, M, m) with layer input h = M x + m.
    cells = [(_box(xmin, xmax, ymin, ymax, zmin, zmax), [], lin, off)]

    for layer in hidden:
        weight, bias = layer.weight, layer.bias
        new_cells = []
        for poly, pattern, mat, vec in cells:
            z_lin = weight @ mat  # (n_neurons, 3)
            z_off = weight @ vec + bias  # (n_neurons,)
            pieces = [(poly, [])]
            for j in range(layer.n_neurons):
                a, b, c = (float(z) for z in z_lin[j])
                d = float(z_off[j])
                tol = REL_TOL * (math.sqrt(a * a + b * b + c * c) * radius + abs(d))
                next_pieces = []
                for piece, bits in pieces:
                    pos, neg = _split(piece, a, b, c, d, tol)
                    if pos is None and neg is None:
                        # The neuron is (numerically) zero on the whole piece.
                        x, y, z = _centre(_corners(piece))
                        next_pieces.append((piece, [*bits, a * x + b * y + c * z + d > 0.0]))
                        continue
                    if pos is not None and volume(pos) > 0.0:
                        next_pieces.append((pos, [*bits, True]))
                    if neg is not None and volume(neg) > 0.0:
                        next_pieces.append((neg, [*bits, False]))
                pieces = next_pieces
            for piece, bits in pieces:
                slope = np.where(bits, 1.0, layer.negative_slope)
                new_cells.append((piece, pattern + bits, slope[:, None] * z_lin, slope * z_off))
        cells = new_cells

    return [(poly, np.array(pattern, dtype=bool)) for poly, pattern, _, _ in cells]


def _main() -> None:
    import time

    from engine.networks import random_mlp

    model = random_mlp([8, 8], n_inputs=3, seed=0)
    start = time.perf_counter()
    cells = reference_partition_3d(model, (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0))
    elapsed = time.perf_counter() - start
    total = sum(volume(poly) for poly, _ in cells)
    print(f"{len(cells)} cells, total volume {total:.12f}, {elapsed:.3f} s")


if __name__ == "__main__":
    _main()
