"""A plane through a box, as a 2-D slice the planar partition can show.

``partition_2d(model, bounds, plane=(origin, u, v))`` partitions the rectangle ``bounds``
of the plane ``origin + s u + t v``. :func:`box_slice` chooses ``origin, u, v`` and a
square of ``(s, t)`` that covers the plane's cross-section of a box, so that the slice
shown in 2-D is the whole part of the plane inside the 3-D view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The 12 edges of a box as pairs of corners; corner ``i`` is ``(i & 1, i >> 1 & 1,
#: i >> 2 & 1)`` of (low, high) per axis.
_BOX_EDGES = np.array(
    [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3], [4, 6], [5, 7], [0, 4], [1, 5], [2, 6], [3, 7]]
)


@dataclass(frozen=True)
class BoxSlice:
    """A plane through a box and a square of its coordinates covering the cross-section.

    Attributes
    ----------
    plane : ``(origin (3,), u (3,), v (3,))`` with ``u, v`` orthonormal and ``u x v``
        along the plane's normal; ``origin`` is the centre of the covering square.
    bounds : ``(smin, smax, tmin, tmax)``, a square (with a 2% margin) holding the
        cross-section.
    section : (k, 3) corners of the cross-section polygon (k = 0 when the plane misses
        the box), in no particular order.
    """

    plane: tuple[np.ndarray, np.ndarray, np.ndarray]
    bounds: tuple[float, float, float, float]
    section: np.ndarray


def box_corners(bounds) -> np.ndarray:
    """(8, 3) corners of the box ``(xmin, xmax, ymin, ymax, zmin, zmax)``."""
    low, high = np.asarray(bounds, dtype=np.float64)[0::2], np.asarray(bounds, float)[1::2]
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1
    return np.where(bits == 1, high, low)


def plane_basis(normal) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal ``u, v`` (3,) spanning the plane of ``normal``, with ``u x v`` along it.

    ``u`` is horizontal (no x3 component) unless the plane is horizontal, so that the
    slice is shown upright.
    """
    n = np.asarray(normal, dtype=np.float64).reshape(3)
    n = n / np.linalg.norm(n)
    u = np.cross([0.0, 0.0, 1.0], n)
    if np.linalg.norm(u) < 1e-9:
        u = np.array([1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    return u, np.cross(n, u)


def box_slice(bounds, origin, normal) -> BoxSlice:
    """The plane through ``origin`` with ``normal``, cut by the box ``bounds``.

    Parameters
    ----------
    bounds : ``(xmin, xmax, ymin, ymax, zmin, zmax)``.
    origin : (3,) a point of the plane.
    normal : (3,) its normal (any length but zero).

    Returns
    -------
    BoxSlice
    """
    origin = np.asarray(origin, dtype=np.float64).reshape(3)
    n = np.asarray(normal, dtype=np.float64).reshape(3)
    if not np.linalg.norm(n) > 0:
        raise ValueError("the plane's normal must not be zero")
    n = n / np.linalg.norm(n)
    u, v = plane_basis(n)
    corners = box_corners(bounds)
    value = (corners - origin) @ n
    a, b = value[_BOX_EDGES[:, 0]], value[_BOX_EDGES[:, 1]]
    crossing = (a * b <= 0) & (a != b)
    t = a[crossing] / (a[crossing] - b[crossing])
    p, q = corners[_BOX_EDGES[crossing, 0]], corners[_BOX_EDGES[crossing, 1]]
    section = p + t[:, None] * (q - p)
    if len(section) == 0:
        # The plane misses the box: show the square around the nearest point instead.
        centre = origin
        half = 0.5 * float(np.max(corners.max(axis=0) - corners.min(axis=0)))
    else:
        st = (section - origin) @ np.stack([u, v]).T
        low, high = st.min(axis=0), st.max(axis=0)
        centre = origin + 0.5 * (low[0] + high[0]) * u + 0.5 * (low[1] + high[1]) * v
        half = 0.5 * float(np.max(high - low))
    half *= 1.02
    return BoxSlice((centre, u, v), (-half, half, -half, half), section)
