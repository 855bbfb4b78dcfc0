"""Where the Cells 3D view names its axes: beside the box's outline, apart on screen.

Each axis is named beside the middle of one of the box's four edges along it, a little
outward (away from the box's centre, across the edge): of the four places, the one that
shows farthest from the box's centre on screen (beside an edge of the outline, outside
it), ties going to the lower, then the more leftward one. The three names sit beside
edges along three different directions, so they stay apart from any side (the tests
check the four standard views and random ones).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: How far outward from its edge an axis name sits, as a fraction of the box's size.
OUTWARD = 0.12
#: Middles closer to the centre than the farthest by less than this share of the box's
#: projected size count as tied.
TIE = 0.05


def box_edges(bounds) -> np.ndarray:
    """(3, 4, 2, 3) the box's edges: for each axis, its four edges' two ends."""
    b = np.asarray(bounds, dtype=np.float64).reshape(3, 2)
    edges = np.empty((3, 4, 2, 3))
    for axis in range(3):
        others = [k for k in range(3) if k != axis]
        for i, (p, q) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            for end in range(2):
                edges[axis, i, end, axis] = b[axis, end]
                edges[axis, i, end, others[0]] = b[others[0], p]
                edges[axis, i, end, others[1]] = b[others[1], q]
    return edges


def convex_hull(points: np.ndarray) -> np.ndarray:
    """(H, 2) the convex hull of (N, 2) ``points``, counter-clockwise in a y-up frame
    (Andrew's monotone chain)."""
    pts = sorted(map(tuple, np.asarray(points, dtype=np.float64)))

    def half(sequence) -> list:
        chain: list = []
        for p in sequence:
            while len(chain) >= 2 and _cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        return chain[:-1]

    return np.array(half(pts) + half(reversed(pts)))


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def inside_hull(hull: np.ndarray, point: np.ndarray, margin: float = 0.0) -> bool:
    """Whether ``point`` is inside the convex polygon ``hull`` or within ``margin`` of it."""
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        edge = b - a
        distance = _cross(a, b, point) / (np.linalg.norm(edge) or 1.0)
        if distance < -margin:
            return False
    return True


def axis_label_anchors(
    bounds,
    to_screen: Callable[[np.ndarray], np.ndarray],
    viewport: tuple[float, float] | None = None,
    avoid: tuple[tuple[float, float, float, float], ...] = (),
) -> np.ndarray:
    """(3, 3) world points where to name x₁, x₂, x₃.

    ``bounds`` is ``(xmin, xmax, ymin, ymax, zmin, zmax)``; ``to_screen`` maps (N, 3)
    world points to (N, 2) screen points (x rightwards, y downwards); with ``viewport =
    (width, height)`` places that show inside it are preferred, and a name is moved out
    of the outline only as far as the view shows; places inside an ``avoid`` rectangle
    ``(left, top, right, bottom)`` (a caption's) are not used while others are free.
    """
    b = np.asarray(bounds, dtype=np.float64)
    centre = 0.5 * (b[0::2] + b[1::2])
    size = float(np.max(b[1::2] - b[0::2]))
    edges = box_edges(b)
    middles = edges.mean(axis=2)  # (3, 4, 3)
    outward = middles - centre
    for axis in range(3):
        outward[axis, :, axis] = 0.0
    outward /= np.linalg.norm(outward, axis=2, keepdims=True)
    candidates = middles + OUTWARD * size * outward  # (3, 4, 3)
    screen = to_screen(candidates.reshape(-1, 3)).reshape(3, 4, 2)
    centre_screen = to_screen(centre[None])[0]
    corners = to_screen(edges.reshape(-1, 3))
    extent = float(np.max(np.ptp(corners, axis=0))) or 1.0
    # Flipped to y up, so the hull runs counter-clockwise and inside is on the left.
    hull = convex_hull(corners * (1.0, -1.0))
    margin = TIE * extent

    def in_view(points: np.ndarray) -> np.ndarray:
        if viewport is None:
            return np.ones(len(points), bool)
        return np.all((points >= margin) & (points <= np.asarray(viewport) - margin), axis=1)

    anchors = np.empty((3, 3))
    for axis in range(3):
        distance = np.linalg.norm(screen[axis] - centre_screen, axis=1)
        free = in_view(screen[axis])
        for left, top, right, bottom in avoid:
            x, y = screen[axis, :, 0], screen[axis, :, 1]
            free &= ~(
                (x >= left - margin)
                & (x <= right + margin)
                & (y >= top - margin)
                & (y <= bottom + margin)
            )
        if free.any():
            distance = np.where(free, distance, -np.inf)
        tied = distance >= distance.max() - TIE * extent
        order = sorted(
            np.flatnonzero(tied), key=lambda i: (-screen[axis, i, 1], screen[axis, i, 0])
        )
        best = order[0]
        anchor = candidates[axis, best]
        # Seen along the axis, a perspective box's near face hides the edges' middles:
        # step further out until the name clears the outline.
        for _ in range(8):
            point = to_screen(anchor[None])[0]
            if not inside_hull(hull, point * (1.0, -1.0), margin=margin):
                break
            further = anchor + OUTWARD * size * outward[axis, best]
            if not in_view(to_screen(further[None]))[0]:
                break  # the box fills the view: the name stays on it, beside its edge
            anchor = further
        anchors[axis] = anchor
    return anchors
