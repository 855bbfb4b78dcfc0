"""2-D slices through an input space: the plane through data.

A slice is ``x = origin + s u + t v`` with ``u, v`` orthonormal (in the flattened input
space), and a rectangle of ``(s, t)`` to partition. :func:`plane_through` makes the slice
through three inputs (three images, as SplineCam does) or through two inputs and the zero
input, with a rectangle spanning them plus a margin; :func:`plane_slice` wraps an explicit
``origin, u, v``. Any of them can be passed as ``plane=`` to
:func:`engine.partition2d.partition_2d` (which then takes its ``bounds`` when none are
given).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class PlaneSlice:
    """A plane of the input space and a rectangle of its coordinates.

    Attributes
    ----------
    origin, u, v : float64 arrays of the model's per-sample input shape (e.g. (1, 8, 8));
        the plane is ``origin + s u + t v``.
    bounds : (4,) float64 ``(smin, smax, tmin, tmax)`` of the rectangle to partition.
    anchors : (k, 2) float64 ``(s, t)`` of the inputs the plane was made through (k = 0
        for an explicit plane).
    polygon : (m, 2) float64 counter-clockwise corners of a convex domain inside
        ``bounds`` to partition instead of the whole rectangle (the triangle of the
        anchors), or None for the rectangle.
    """

    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    bounds: np.ndarray
    anchors: np.ndarray
    polygon: np.ndarray | None = None

    @property
    def vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(origin, u, v)`` with the input's shape."""
        return self.origin, self.u, self.v

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.origin.shape)

    def lift(self, points: np.ndarray) -> np.ndarray:
        """(M, *input_shape) the inputs at the plane coordinates ``points`` (M, 2)."""
        st = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        flat = (
            self.origin.reshape(-1)
            + st[:, :1] * self.u.reshape(1, -1)
            + st[:, 1:] * self.v.reshape(1, -1)
        )
        return flat.reshape(-1, *self.input_shape)


def _inputs(*arrays) -> list[np.ndarray]:
    out = [np.asarray(a, dtype=np.float64) for a in arrays]
    if any(a.shape != out[0].shape for a in out) or out[0].size < 2:
        raise ValueError(
            f"the inputs must share one shape of at least 2 values, got {[a.shape for a in out]}"
        )
    if not all(np.all(np.isfinite(a)) for a in out):
        raise ValueError("the inputs must be finite")
    return out


def plane_through(a, b, c=None, *, margin: float = 0.1, domain: str = "rectangle") -> PlaneSlice:
    """The plane through the inputs ``a``, ``b`` and ``c`` (the zero input when None).

    ``a`` is at ``(0, 0)``, ``b`` on the positive ``s`` axis at its distance from ``a``,
    ``c`` on the positive ``t`` side: the slice keeps the input space's distances. With
    ``domain="rectangle"`` the domain is the anchors' bounding box grown by ``margin``
    times its larger side on every side; with ``domain="triangle"`` it is the anchors'
    triangle grown about its centroid by ``1 + margin`` (SplineCam's view), and
    ``bounds`` is that triangle's bounding box.

    Parameters
    ----------
    a, b, c : arrays of one shape, the model's per-sample input shape (e.g. (1, 8, 8)).
    margin : non-negative fraction of the anchors' extent added around them.
    domain : ``"rectangle"`` or ``"triangle"``.

    Raises
    ------
    ValueError
        If the three inputs are (nearly) on one line, or the margin is negative.
    """
    a, b = _inputs(a, b)
    c = np.zeros_like(a) if c is None else _inputs(a, c)[1]
    margin = float(margin)
    if not (np.isfinite(margin) and margin >= 0):
        raise ValueError(f"margin must be a non-negative number, got {margin}")
    ab = (b - a).reshape(-1)
    ac = (c - a).reshape(-1)
    length = float(np.linalg.norm(ab))
    scale = max(length, float(np.linalg.norm(ac)))
    if length <= 1e-12 * max(1.0, float(np.abs(a).max())):
        raise ValueError("the first two inputs coincide: they do not span a plane")
    u = ab / length
    along = float(ac @ u)
    w = ac - along * u
    height = float(np.linalg.norm(w))
    if height <= 1e-9 * scale:
        raise ValueError("the three inputs lie on one line: they do not span a plane")
    v = w / height
    anchors = np.array([[0.0, 0.0], [length, 0.0], [along, height]])
    shape = a.shape
    if domain == "triangle":
        centre = anchors.mean(axis=0)
        polygon = centre + (1.0 + margin) * (anchors - centre)
        low, high = polygon.min(axis=0), polygon.max(axis=0)
        bounds = np.array([low[0], high[0], low[1], high[1]])
        return PlaneSlice(a.copy(), u.reshape(shape), v.reshape(shape), bounds, anchors, polygon)
    if domain != "rectangle":
        raise ValueError(f"domain must be 'rectangle' or 'triangle', got {domain!r}")
    low, high = anchors.min(axis=0), anchors.max(axis=0)
    grow = margin * float((high - low).max())
    bounds = np.array([low[0] - grow, high[0] + grow, low[1] - grow, high[1] + grow])
    return PlaneSlice(a.copy(), u.reshape(shape), v.reshape(shape), bounds, anchors)


def plane_slice(origin, u, v, bounds) -> PlaneSlice:
    """The explicit plane ``origin + s u + t v`` over the rectangle ``bounds``."""
    origin, u, v = _inputs(origin, u, v)
    bounds = np.asarray(bounds, dtype=np.float64).reshape(-1)
    if bounds.shape != (4,):
        raise ValueError(f"bounds must be (smin, smax, tmin, tmax), got {bounds}")
    return PlaneSlice(origin, u, v, bounds, np.zeros((0, 2)))


def shrunk_about_centre(plane: PlaneSlice, extent: float) -> PlaneSlice:
    """``plane`` with its domain (rectangle or polygon) shrunk about the anchors' centre
    (the rectangle's centre for an explicit plane) to ``extent`` of its size.

    A slice of a 28x28 CNN through three images holds hundreds of thousands of cells;
    ``extent`` 0.03 keeps the few thousand around the centre. ``extent`` 1 returns
    ``plane`` itself.

    Raises
    ------
    ValueError
        If ``extent`` is not a number in (0, 1].
    """
    extent = float(extent)
    if not (np.isfinite(extent) and 0.0 < extent <= 1.0):
        raise ValueError(f"extent must be a number in (0, 1], got {extent}")
    if extent == 1.0:
        return plane
    bounds = plane.bounds
    if len(plane.anchors):
        centre = plane.anchors.mean(axis=0)
    else:
        centre = np.array([bounds[0] + bounds[1], bounds[2] + bounds[3]]) / 2.0
    if plane.polygon is not None:
        polygon = centre + extent * (plane.polygon - centre)
        low, high = polygon.min(axis=0), polygon.max(axis=0)
    else:
        polygon = None
        corners = np.array([[bounds[0], bounds[2]], [bounds[1], bounds[3]]])
        low, high = centre + extent * (corners - centre)
    new_bounds = np.array([low[0], high[0], low[1], high[1]])
    return PlaneSlice(plane.origin, plane.u, plane.v, new_bounds, plane.anchors, polygon)
