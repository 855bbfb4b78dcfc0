"""engine.polygon_kernels.cut_cells: cells cut by lines, checked with plain geometry.

The kernel cuts into buffers it grows by stopping and resuming; the pieces must not depend
on where that happens. Cells with many corners and many crossing lines make it grow every
buffer (pieces, corners, the stack of one cell's pieces, the halves of a cut).
"""

from __future__ import annotations

import numpy as np

from engine.cell_cutting import Rings, cut_layer

BOUNDS = np.array([-1.0, 1.0, -1.0, 1.0])


def _regular_polygon(n: int, centre: tuple[float, float], radius: float) -> np.ndarray:
    """(n, 2) counter-clockwise corners."""
    angle = np.linspace(0.0, 2 * np.pi, n, endpoint=False) + 0.1
    return np.column_stack([centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle)])


def _cells(rng: np.random.Generator) -> Rings:
    """A 600-gon, a 40-gon and some triangles and quadrilaterals, as one working set."""
    polygons = [_regular_polygon(600, (0.0, 0.0), 0.9), _regular_polygon(40, (0.5, -0.4), 0.3)]
    for _ in range(12):
        n = int(rng.integers(3, 5))
        polygons.append(_regular_polygon(n, tuple(rng.uniform(-0.6, 0.6, 2)), 0.3))
    lengths = [len(p) for p in polygons]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    label = np.full(offsets[-1], -1, dtype=np.int64)
    return Rings(np.concatenate(polygons), offsets, label, np.arange(len(polygons)))


def _lines_through(rng: np.random.Generator, n_cells: int, width: int) -> np.ndarray:
    """(C, 3, w) lines a x + b y + c through random points of [-0.7, 0.7]^2."""
    angle = rng.uniform(0.0, np.pi, (n_cells, width))
    a, b = np.cos(angle), np.sin(angle)
    points = rng.uniform(-0.7, 0.7, (n_cells, width, 2))
    c = -(a * points[..., 0] + b * points[..., 1])
    return np.stack([a, b, c], axis=1)


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def test_cells_cut_together_or_alone_give_the_same_pieces():
    """Cutting all cells in one call (large buffers from the start) and each cell alone
    (buffers grown while it is cut) make the same pieces, bits and edge labels; and the
    pieces are evidence of a correct cut: they tile each cell (areas add up), are convex
    and counter-clockwise, and each piece's bit of every neuron is the sign of that
    neuron's line at the piece's centre."""
    rng = np.random.default_rng(7)
    cells = _cells(rng)
    pre = _lines_through(rng, cells.count, 24)
    together, on_together = cut_layer(cells, pre, BOUNDS, 5, 10**6, n_threads=1)
    alone = [
        cut_layer(cells.cells(i, i + 1), pre[i : i + 1], BOUNDS, 5, 10**6, n_threads=1)
        for i in range(cells.count)
    ]
    np.testing.assert_array_equal(together.xy, np.concatenate([p.xy for p, _ in alone]))
    np.testing.assert_array_equal(together.label, np.concatenate([p.label for p, _ in alone]))
    np.testing.assert_array_equal(together.bits, np.concatenate([p.bits for p, _ in alone]))
    np.testing.assert_array_equal(
        np.diff(together.offsets), np.concatenate([np.diff(p.offsets) for p, _ in alone])
    )
    np.testing.assert_array_equal(on_together, np.concatenate([on for _, on in alone]))
    np.testing.assert_array_equal(
        together.cell, np.repeat(np.arange(cells.count), [p.count for p, _ in alone])
    )
    assert together.count > 2 * cells.count  # the lines did cut
    assert together.count > 300  # enough pieces from one cell to grow the buffers

    for cell in range(cells.count):
        ring = cells.xy[cells.offsets[cell] : cells.offsets[cell + 1]]
        mine = np.flatnonzero(together.cell == cell)
        areas = []
        for piece in mine:
            poly = together.xy[together.offsets[piece] : together.offsets[piece + 1]]
            edge = np.roll(poly, -1, axis=0) - poly
            turn = edge[:, 0] * np.roll(edge[:, 1], -1) - edge[:, 1] * np.roll(edge[:, 0], -1)
            assert turn.min() > -1e-12, "a piece is not convex and counter-clockwise"
            areas.append(_area(poly))
            centre = poly.mean(axis=0)
            value = pre[cell, 0] * centre[0] + pre[cell, 1] * centre[1] + pre[cell, 2]
            clear = np.abs(value) > 1e-9
            np.testing.assert_array_equal(together.bits[piece][clear], (value > 0)[clear])
        np.testing.assert_allclose(sum(areas), _area(ring), rtol=1e-12)
