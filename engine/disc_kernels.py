"""Compiled kernel of the local complexity: how many convex cells meet each disc.

A convex polygon meets the closed disc of radius ``r`` around ``p`` exactly when its
distance to ``p`` is at most ``r``: zero when ``p`` is inside (no edge has ``p`` strictly
on its right), else the smallest distance from ``p`` to its edges. :func:`count_cells_near`
measures that for every cell whose bounding box comes within ``r`` of ``p`` (the box is
only a filter: a cell it keeps is measured exactly), one centre after another, with the
same arithmetic as :func:`engine.local_complexity.polygon_distances`. Compiled by numba
once (cached on disk); it releases the GIL, so the Playground's frame worker leaves the
GUI thread and the training free while it counts.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def _distance_to_ring(ring_xy, start, stop, px, py):
    """Distance from (px, py) to the convex counter-clockwise ring
    ``ring_xy[start:stop]``: 0 inside or on it, else to its nearest edge."""
    nearest = np.inf
    inside = True
    for i in range(start, stop):
        j = i + 1 if i + 1 < stop else start
        ax, ay = ring_xy[i, 0], ring_xy[i, 1]
        dx, dy = ring_xy[j, 0] - ax, ring_xy[j, 1] - ay
        tx, ty = px - ax, py - ay
        if dx * ty - dy * tx < 0.0:
            inside = False
        length2 = dx * dx + dy * dy
        t = 0.0
        if length2 > 0.0:
            t = min(max((tx * dx + ty * dy) / length2, 0.0), 1.0)
        nearest = min(nearest, math.hypot(tx - t * dx, ty - t * dy))
    return 0.0 if inside else nearest


@njit(cache=True, nogil=True, error_model="numpy")
def count_cells_near(ring_xy, offsets, centres, radius):
    """(N,) int64: for each of the (N, 2) ``centres``, the cells within ``radius``.

    ``ring_xy`` (V, 2) float64 holds every cell's corners, ring after ring, and
    ``offsets`` (R+1,) int64 where each ring starts.
    """
    n_cells = len(offsets) - 1
    low = np.empty((n_cells, 2))
    high = np.empty((n_cells, 2))
    for cell in range(n_cells):
        low[cell, 0] = low[cell, 1] = np.inf
        high[cell, 0] = high[cell, 1] = -np.inf
        for k in range(offsets[cell], offsets[cell + 1]):
            for axis in range(2):
                low[cell, axis] = min(low[cell, axis], ring_xy[k, axis])
                high[cell, axis] = max(high[cell, axis], ring_xy[k, axis])
    counts = np.zeros(len(centres), dtype=np.int64)
    for c in range(len(centres)):
        px, py = centres[c, 0], centres[c, 1]
        for cell in range(n_cells):
            gap_x = max(max(low[cell, 0] - px, px - high[cell, 0]), 0.0)
            gap_y = max(max(low[cell, 1] - py, py - high[cell, 1]), 0.0)
            if gap_x > radius or gap_y > radius or math.hypot(gap_x, gap_y) > radius:
                continue
            distance = _distance_to_ring(ring_xy, offsets[cell], offsets[cell + 1], px, py)
            if distance <= radius:
                counts[c] += 1
    return counts
