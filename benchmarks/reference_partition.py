"""A deliberately plain reference implementation of the exact 2-D partition.

This is the yardstick the fast engine (``engine.partition2d``) is measured against, both
for speed (``benchmarks/partition2d.py``) and, on tiny networks, for correctness
(``tests/engine/test_partition2d.py``). It shares nothing with the engine except
:func:`engine.networks.network_layers`, which turns a model into float64 arrays.

The algorithm is the textbook one:

1. start with one cell, the bounds rectangle, on which the input of the first hidden
   layer is the affine map ``h(x) = M x + m`` (the identity, or the plane's map);
2. for each hidden layer, for each cell, for each neuron of that layer: on the cell the
   neuron's pre-activation ``z(x) = w . h(x) + b`` is affine, so its zero set is a
   straight line; clip every piece of the cell against that line (Sutherland-Hodgman
   against one half-plane, done twice: the ``z > 0`` side and the ``z <= 0`` side);
3. each final piece records which side of every neuron it is on (its activation
   pattern), and its affine map is pushed through the layer's activation
   (``slope = 1`` where the neuron is on, ``negative_slope`` where it is off);
4. after the last hidden layer the output layer's affine map is applied.

Polygons are Python lists of ``(x, y)`` tuples and the clipping is pure Python; only the
small per-cell affine maps use numpy.
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

#: A vertex is on a neuron's line when ``|z(vertex)|`` is at most this fraction of the
#: scale of ``z`` over the domain (``|grad z| * radius + |z(0)|``).
REL_TOL = 1e-12

Point = tuple[float, float]


def _signed_area(poly: list[Point]) -> float:
    area = 0.0
    n = len(poly)
    ox, oy = poly[0]  # relative to the first corner: no cancellation far from the origin
    for i in range(n):
        x0, y0 = poly[i][0] - ox, poly[i][1] - oy
        x1, y1 = poly[(i + 1) % n][0] - ox, poly[(i + 1) % n][1] - oy
        area += x0 * y1 - x1 * y0
    return 0.5 * area


def _centroid(poly: list[Point]) -> Point:
    n = len(poly)
    return (sum(p[0] for p in poly) / n, sum(p[1] for p in poly) / n)


def _split(
    poly: list[Point], ax: float, ay: float, beta: float, tol: float
) -> tuple[list[Point] | None, list[Point] | None]:
    """Split a convex counter-clockwise polygon by the line ``ax*x + ay*y + beta = 0``.

    Returns ``(positive piece, non-positive piece)``; a piece is ``None`` if it is empty
    or degenerate (fewer than three vertices). Vertices within ``tol`` of the line
    belong to both pieces.
    """
    values = []
    for x, y in poly:
        d = ax * x + ay * y + beta
        values.append(0.0 if abs(d) <= tol else d)

    if all(d >= 0.0 for d in values) and any(d > 0.0 for d in values):
        return poly, None
    if all(d <= 0.0 for d in values) and any(d < 0.0 for d in values):
        return None, poly
    if all(d == 0.0 for d in values):
        return None, None  # the caller decides which side the whole cell is on

    pos: list[Point] = []
    neg: list[Point] = []
    n = len(poly)
    for i in range(n):
        p, dp = poly[i], values[i]
        q, dq = poly[(i + 1) % n], values[(i + 1) % n]
        if dp > 0.0:
            pos.append(p)
        elif dp < 0.0:
            neg.append(p)
        else:
            pos.append(p)
            neg.append(p)
        if (dp > 0.0 and dq < 0.0) or (dp < 0.0 and dq > 0.0):
            t = dp / (dp - dq)
            crossing = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
            pos.append(crossing)
            neg.append(crossing)
    return (pos if len(pos) >= 3 else None), (neg if len(neg) >= 3 else None)


def reference_partition_2d(
    model, bounds, *, plane=None, layers: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The exact cells of ``model`` inside ``bounds``, the slow and obvious way.

    Parameters
    ----------
    model : a network accepted by :func:`engine.networks.network_layers`.
    bounds : ``(xmin, xmax, ymin, ymax)``.
    plane : optional ``(origin, u, v)``; the 2-D coordinates are then ``(s, t)`` with
        input ``origin + s*u + t*v``.
    layers : partition with the first ``layers`` hidden layers only (default: all).

    Returns
    -------
    A list of ``(polygon, pattern)``: ``polygon`` is a ``(k, 2)`` float64 array,
    counter-clockwise; ``pattern`` is the bool activation pattern (pre-activation > 0)
    of the partitioned layers' neurons, layer by layer.
    """
    net = network_layers(model)
    xmin, xmax, ymin, ymax = (float(b) for b in bounds)
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(f"bounds must satisfy xmin < xmax and ymin < ymax, got {bounds}")
    if plane is None:
        if net.n_inputs != 2:
            raise ValueError(f"the network has {net.n_inputs} inputs: pass a plane")
        lin = np.eye(2)
        off = np.zeros(2)
    else:
        origin, u, v = (np.asarray(a, dtype=np.float64).reshape(-1) for a in plane)
        lin = np.stack([u, v], axis=1)
        off = origin
    hidden = net.hidden if layers is None else net.hidden[:layers]

    radius = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    rectangle = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)]
    # A cell: (polygon, pattern as a list of bools, M, m) with layer input h = M x + m.
    cells = [(rectangle, [], lin, off)]

    for layer in hidden:
        weight, bias = layer.weight, layer.bias
        new_cells = []
        for poly, pattern, mat, vec in cells:
            z_lin = weight @ mat  # (n_neurons, 2)
            z_off = weight @ vec + bias  # (n_neurons,)
            pieces = [(poly, [])]
            for j in range(layer.n_neurons):
                ax, ay, beta = float(z_lin[j, 0]), float(z_lin[j, 1]), float(z_off[j])
                tol = REL_TOL * (math.hypot(ax, ay) * radius + abs(beta))
                next_pieces = []
                for piece, bits in pieces:
                    pos, neg = _split(piece, ax, ay, beta, tol)
                    if pos is None and neg is None:
                        # The neuron is (numerically) zero on the whole piece.
                        cx, cy = _centroid(piece)
                        on = ax * cx + ay * cy + beta > 0.0
                        next_pieces.append((piece, [*bits, on]))
                        continue
                    if pos is not None and _signed_area(pos) > 0.0:
                        next_pieces.append((pos, [*bits, True]))
                    if neg is not None and _signed_area(neg) > 0.0:
                        next_pieces.append((neg, [*bits, False]))
                pieces = next_pieces
            for piece, bits in pieces:
                slope = np.where(bits, 1.0, layer.negative_slope)
                new_cells.append((piece, pattern + bits, slope[:, None] * z_lin, slope * z_off))
        cells = new_cells

    return [
        (np.array(poly, dtype=np.float64), np.array(pattern, dtype=bool))
        for poly, pattern, _, _ in cells
    ]


def _main() -> None:
    import time

    from engine.networks import random_mlp

    model = random_mlp([16, 16], seed=0)
    start = time.perf_counter()
    cells = reference_partition_2d(model, (-1.0, 1.0, -1.0, 1.0))
    elapsed = time.perf_counter() - start
    area = sum(abs(_signed_area([tuple(p) for p in poly])) for poly, _ in cells)
    print(f"{len(cells)} cells, total area {area:.12f}, {elapsed:.3f} s")


if __name__ == "__main__":
    _main()
