"""The convex hull of a planar point set, and where a point stands against it, in closed form.

In the plane the hull of a training set is a polygon, so the questions
:mod:`engine.hulls` answers in any dimension with Frank–Wolfe and linear programs (is a
query inside, how far is it) have exact answers here from the polygon's edges alone, with
numpy only: the Hulls page's test point is judged without importing torch or scipy.

Inside means what :func:`engine.hulls.hull_membership` means: the query's max-norm
distance to the hull is at most ``tau = tol * R`` (R the training set's radius about its
mean). That distance is the value of the dual problem ``max (n . q - max_x n . x)`` over
normals with ``|n|_1 <= 1``, a concave piecewise-linear function of ``n`` that is linear on
each cone of normals that pick the same hull vertex; its maximum over the unit ball of the
1-norm lies at a corner of that ball (``+-e1``, ``+-e2``) or where a cone's boundary ray
(an edge's outward normal) meets the ball's boundary. Those few normals give it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Relative tolerance of "inside", the one :data:`engine.hulls.DEFAULT_TOLERANCE` sets.
DEFAULT_TOLERANCE = 1e-8

_AXES = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])


def convex_polygon(points: np.ndarray) -> np.ndarray:
    """(H, 2) the vertices of the convex hull of ``points``, counter-clockwise (y up),
    starting at the lowest-x (then lowest-y) point; points on an edge are not vertices.

    Andrew's monotone chain: sort the points, then keep left turns along the lower and
    the upper chain.

    Parameters
    ----------
    points : (N, 2) float64, N >= 1.
    """
    ordered = np.unique(np.asarray(points, dtype=np.float64).reshape(-1, 2), axis=0)
    if len(ordered) < 3:
        return ordered
    lower = _left_turns(ordered)
    upper = _left_turns(ordered[::-1])
    return np.array(lower[:-1] + upper[:-1])


def _left_turns(ordered: np.ndarray) -> list[np.ndarray]:
    """One chain of the monotone-chain hull over ``ordered`` points (both ends kept)."""
    chain: list[np.ndarray] = []
    for point in ordered:
        while len(chain) >= 2:
            (ox, oy), (ax, ay) = chain[-2], chain[-1]
            if (ax - ox) * (point[1] - oy) - (ay - oy) * (point[0] - ox) > 0:
                break
            chain.pop()
        chain.append(point)
    return chain


@dataclass(frozen=True)
class PlanarVerdict:
    """Where a query stands against the hull of a planar training set.

    Attributes
    ----------
    inside : whether the query's max-norm distance to the hull is at most ``tolerance``.
    max_norm_distance : that distance, exact up to rounding (0 inside the polygon).
    distance : the Euclidean distance to the polygon (0 inside it).
    nearest : (2,) the polygon's point nearest to the query (the query itself inside).
    tolerance : the absolute tolerance ``tol * R``.
    """

    inside: bool
    max_norm_distance: float
    distance: float
    nearest: np.ndarray
    tolerance: float


def planar_verdict(
    points: np.ndarray,
    ring: np.ndarray,
    query: np.ndarray,
    *,
    tol: float = DEFAULT_TOLERANCE,
) -> PlanarVerdict:
    """Judge ``query`` against the convex hull of ``points``.

    Parameters
    ----------
    points : (N, 2) the training set (finite).
    ring : (H, 2) its hull's vertices, counter-clockwise (:func:`convex_polygon`).
    query : (2,) the point to judge.
    tol : relative tolerance; the absolute one is ``tol * R``, R the largest distance of
        a training point from their mean (1 when they all coincide).
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    ring = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
    query = np.asarray(query, dtype=np.float64).reshape(2)
    centre = points.mean(axis=0)
    radius = float(np.sqrt(((points - centre) ** 2).sum(axis=1).max()))
    tau = tol * (radius if radius > 0 else 1.0)
    starts, ends = ring, np.roll(ring, -1, axis=0)
    edges = ends - starts
    outward = np.column_stack([edges[:, 1], -edges[:, 0]])  # right of a counter-clockwise edge
    norms = np.abs(outward).sum(axis=1)
    normals = np.vstack([_AXES, outward[norms > 0] / norms[norms > 0, None]])
    reach = (points @ normals.T).max(axis=0)
    max_norm = max(0.0, float((normals @ query - reach).max()))
    inside = max_norm <= tau
    if inside:
        return PlanarVerdict(inside, max_norm, 0.0, query.copy(), tau)
    lengths = (edges**2).sum(axis=1)
    along = np.einsum("kd,kd->k", query - starts, edges) / np.where(lengths > 0, lengths, 1.0)
    feet = starts + np.clip(along, 0.0, 1.0)[:, None] * edges
    gaps = np.linalg.norm(query - feet, axis=1)
    best = int(np.argmin(gaps))
    return PlanarVerdict(inside, max_norm, float(gaps[best]), feet[best], tau)
