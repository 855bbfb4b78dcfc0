"""Softer notions of "inside the training set" than the convex hull.

The convex hull is the smallest convex set holding the training points; in high dimension
almost nothing new falls inside it. Larger, smoother enclosures ask a gentler question:

- the minimum-volume enclosing ellipsoid (MVEE, the Löwner–John ellipsoid), computed by
  Khachiyan's algorithm with Todd–Yildirim away steps from a Kumar–Yildirim start;
- the minimum enclosing ball, by Yildirim's Frank–Wolfe with away steps;
- the axis-aligned bounding box;
- the fraction of coordinates of a query inside the training range of that coordinate.

The ellipsoid and the ball are (1 + eps)-approximations (eps is a parameter) that are then
grown to hold every training point exactly, so "inside" never wrongly excludes a training
point. Data on a lower-dimensional affine subspace (constant pixels, a 4-D subspace of a
larger space) get a flat ellipsoid inside that subspace: a query must lie in the subspace,
to the tolerance, to be inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Singular values below this fraction of the largest one span no direction of the data.
RANK_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Ellipsoid:
    """``{c + U z : z^T A z <= 1}``: an ellipsoid in the affine span ``c + span(U)``.

    Attributes
    ----------
    centre : (d,) centre c.
    basis : (d, k) orthonormal directions of the span (k = d for full-dimensional data).
    matrix : (k, k) symmetric positive-definite A.
    iterations : iterations the algorithm used.
    """

    centre: np.ndarray
    basis: np.ndarray
    matrix: np.ndarray
    iterations: int

    @property
    def semi_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """(k,) lengths and (d, k) unit directions of the semi-axes, longest first."""
        eigenvalues, vectors = np.linalg.eigh(self.matrix)
        order = np.argsort(eigenvalues)
        return 1.0 / np.sqrt(eigenvalues[order]), self.basis @ vectors[:, order]

    def level(self, points: np.ndarray) -> np.ndarray:
        """(M,) ``z^T A z`` of the points' components in the span (<= 1 inside)."""
        z = (np.atleast_2d(points) - self.centre) @ self.basis
        return np.einsum("mi,ij,mj->m", z, self.matrix, z)

    def off_span(self, points: np.ndarray) -> np.ndarray:
        """(M,) Euclidean distance of each point from the ellipsoid's affine span."""
        offset = np.atleast_2d(points) - self.centre
        return np.linalg.norm(offset - (offset @ self.basis) @ self.basis.T, axis=1)

    def contains(self, points: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """(M,) bool: level <= 1 + tol and within ``tol * scale`` of the span, where
        scale is the longest semi-axis."""
        scale = float(self.semi_axes[0].max()) if self.basis.shape[1] else 1.0
        return (self.level(points) <= 1.0 + tol) & (self.off_span(points) <= tol * scale)

    def boundary(self, n: int = 200) -> np.ndarray:
        """(n, d) points around the ellipse spanned by the two longest semi-axes."""
        lengths, directions = self.semi_axes
        t = np.linspace(0.0, 2.0 * np.pi, n)
        ring = np.cos(t)[:, None] * lengths[-1] * directions[:, -1]
        if len(lengths) > 1:
            ring = ring + np.sin(t)[:, None] * lengths[-2] * directions[:, -2]
        return self.centre + ring


@dataclass(frozen=True)
class Ball:
    """The ball ``|x - centre| <= radius``.

    Attributes
    ----------
    centre : (d,).
    radius : float.
    lower_radius : a lower bound on the minimum enclosing ball's radius (from the dual).
    """

    centre: np.ndarray
    radius: float
    lower_radius: float

    def contains(self, points: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """(M,) bool: within ``radius (1 + tol)`` of the centre."""
        distance = np.linalg.norm(np.atleast_2d(points) - self.centre, axis=1)
        return distance <= self.radius * (1.0 + tol)


@dataclass(frozen=True)
class BoundingBox:
    """The axis-aligned box ``low <= x <= high`` (each (d,))."""

    low: np.ndarray
    high: np.ndarray

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(M,) bool: every coordinate inside its range."""
        return coordinates_in_range(self, points).all(axis=1)


def affine_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean (d,) and an orthonormal basis (d, k) of the affine span of the points."""
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    centre = points.mean(axis=0)
    _, singular, vt = np.linalg.svd(points - centre, full_matrices=False)
    if len(singular) == 0 or singular[0] == 0:
        return centre, np.zeros((points.shape[1], 0))
    rank = int((singular > RANK_TOLERANCE * singular[0]).sum())
    return centre, vt[:rank].T


def _kumar_yildirim_start(points: np.ndarray) -> np.ndarray:
    """Initial weights on at most 2k points: the extremes along k orthogonal directions,
    each new direction orthogonal to the span of the extremes already chosen."""
    n, k = points.shape
    chosen: list[int] = []
    basis = np.zeros((k, 0))
    direction = np.ones(k) / np.sqrt(k)
    scale = float(np.abs(points - points.mean(axis=0)).max()) or 1.0
    rng = np.random.default_rng(0)
    for _ in range(k):
        projections = points @ direction
        for index in (int(projections.argmax()), int(projections.argmin())):
            if index in chosen:
                continue
            chosen.append(index)
            offset = points[index] - points[chosen[0]]
            offset = offset - basis @ (basis.T @ offset)
            if np.linalg.norm(offset) > 1e-9 * scale:
                basis = np.hstack([basis, (offset / np.linalg.norm(offset))[:, None]])
        direction = rng.standard_normal(k)
        direction -= basis @ (basis.T @ direction)
        norm = np.linalg.norm(direction)
        if norm < 1e-12:
            break
        direction /= norm
    weights = np.zeros(n)
    weights[chosen] = 1.0 / len(chosen)
    return weights


def minimum_volume_ellipsoid(
    points: np.ndarray, *, eps: float = 1e-6, max_iterations: int = 100_000
) -> Ellipsoid:
    """The minimum-volume enclosing ellipsoid of the points, to a (1 + eps) factor.

    Khachiyan's algorithm with Todd–Yildirim away steps, from a Kumar–Yildirim start,
    on the points expressed in their own affine span; then grown by the least factor
    that makes every point's level at most 1.

    Parameters
    ----------
    points : (N, d), at least one point.
    eps : stop when no point's level exceeds ``1 + eps`` and no support point's falls
        below ``1 - eps`` (relative to the lifted problem's ``k + 1``).

    Returns
    -------
    Ellipsoid holding every point.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    centre, basis = affine_frame(points)
    k = basis.shape[1]
    if k == 0:
        return Ellipsoid(centre, basis, np.zeros((0, 0)), 0)
    local = (points - centre) @ basis
    lifted = np.hstack([local, np.ones((len(local), 1))])  # (N, k + 1)
    u = _kumar_yildirim_start(local)
    inverse = np.linalg.inv(lifted.T @ (u[:, None] * lifted))
    level = np.einsum("ni,ij,nj->n", lifted, inverse, lifted)
    dim = k + 1
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        j = int(level.argmax())
        support = np.flatnonzero(u > 0)
        l_idx = int(support[level[support].argmin()])
        up = level[j] / dim - 1.0
        down = 1.0 - level[l_idx] / dim
        if up <= eps and down <= eps:
            break
        if up >= down:
            index, g = j, level[j]
            beta = (g - dim) / (dim * (g - 1.0))
        else:
            index, g = l_idx, level[l_idx]
            beta = max((g - dim) / (dim * (g - 1.0)), -u[index] / (1.0 - u[index]))
        # Rank-one update of the inverse moment matrix and of every point's level.
        v = lifted @ (inverse @ lifted[index])
        denominator = (1.0 - beta) + beta * g
        level = (level - beta * v * v / denominator) / (1.0 - beta)
        w = inverse @ lifted[index]
        inverse = (inverse - beta * np.outer(w, w) / denominator) / (1.0 - beta)
        u *= 1.0 - beta
        u[index] += beta
        if u[index] < 1e-15:
            u[index] = 0.0
        if iteration % 200 == 0:  # refresh against drift
            inverse = np.linalg.inv(lifted.T @ (u[:, None] * lifted))
            level = np.einsum("ni,ij,nj->n", lifted, inverse, lifted)
    centre_local = u @ local
    scatter = (local - centre_local).T @ (u[:, None] * (local - centre_local))
    matrix = np.linalg.inv(scatter) / k
    offset = local - centre_local
    worst = float(np.einsum("ni,ij,nj->n", offset, matrix, offset).max())
    if worst > 1.0:
        matrix = matrix / worst
    return Ellipsoid(centre + basis @ centre_local, basis, matrix, iteration)


def minimum_enclosing_ball(
    points: np.ndarray, *, eps: float = 1e-7, max_iterations: int = 100_000
) -> Ball:
    """The smallest ball holding the points, to a (1 + eps) factor in radius.

    Yildirim's (2008) Frank–Wolfe with away steps on the dual; the radius returned is the
    exact distance to the furthest point from the centre found, so every point is inside.

    Parameters
    ----------
    points : (N, d).

    Returns
    -------
    Ball, with ``radius <= (1 + eps) * lower_radius``.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    n = len(points)
    u = np.zeros(n)
    first = int(np.linalg.norm(points - points[0], axis=1).argmax())
    second = int(np.linalg.norm(points - points[first], axis=1).argmax())
    u[first] += 0.5
    u[second] += 0.5
    squared = (points * points).sum(axis=1)
    target = (1.0 + eps) ** 2 - 1.0
    for _ in range(max_iterations):
        centre = u @ points
        radius2 = float(u @ squared - centre @ centre)
        distance2 = ((points - centre) ** 2).sum(axis=1)
        if radius2 <= 0:  # all weight on coincident points
            radius2 = 0.0
            if distance2.max() == 0:
                break
        j = int(distance2.argmax())
        support = np.flatnonzero(u > 0)
        l_idx = int(support[distance2[support].argmin()])
        up = distance2[j] / radius2 - 1.0 if radius2 > 0 else np.inf
        down = 1.0 - distance2[l_idx] / radius2 if radius2 > 0 else 0.0
        if up <= target and down <= target:
            break
        if up >= down:
            step = up / (2.0 * (1.0 + up)) if np.isfinite(up) else 0.5
            u *= 1.0 - step
            u[j] += step
        else:
            step = min(down / (2.0 * (1.0 - down)), u[l_idx] / (1.0 - u[l_idx]))
            u *= 1.0 + step
            u[l_idx] -= step
            if u[l_idx] < 1e-15:
                u[l_idx] = 0.0
    centre = u @ points
    lower = float(np.sqrt(max(u @ squared - centre @ centre, 0.0)))
    radius = float(np.linalg.norm(points - centre, axis=1).max())
    return Ball(centre, radius, min(lower, radius))


def bounding_box(points: np.ndarray) -> BoundingBox:
    """The axis-aligned bounding box of (N, d) points."""
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    return BoundingBox(points.min(axis=0), points.max(axis=0))


def coordinates_in_range(box: BoundingBox, points: np.ndarray) -> np.ndarray:
    """(M, d) bool: which coordinates of each point lie in the box's range."""
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    return (points >= box.low) & (points <= box.high)


def fraction_in_range(train: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(M,) fraction of each query's d coordinates inside the training range of that
    coordinate (1 exactly when the query is in the bounding box)."""
    return coordinates_in_range(bounding_box(train), queries).mean(axis=1)
