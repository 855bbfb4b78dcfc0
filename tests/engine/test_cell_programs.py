"""The nearest point of a polyhedron, against SciPy's SLSQP and HiGHS feasibility, and the
L-infinity program against a brute-force grid in 2-D."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog, minimize

from engine.cell_programs import least_distance


def _polyhedra(n: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        d, m = int(rng.integers(2, 7)), int(rng.integers(1, 12))
        yield rng.normal(size=(m, d)), rng.normal(size=m) + 1.0, 3.0 * rng.normal(size=d)


def _slsqp(G: np.ndarray, h: np.ndarray, x0: np.ndarray, start: np.ndarray):
    return minimize(
        lambda x: ((x - x0) ** 2).sum(),
        start,
        jac=lambda x: 2 * (x - x0),
        constraints=[{"type": "ineq", "fun": lambda x: h - G @ x, "jac": lambda x: -G}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 1000},
    )


def test_l2_nearest_point_matches_slsqp_and_empty_means_infeasible() -> None:
    checked = 0
    # SLSQP from the LP's feasible point; it may stop early, but any feasible point it
    # returns bounds the exact distance from above.
    for G, h, x0 in _polyhedra(150, 0):
        found = least_distance(G, h, x0, "l2")
        lp = linprog(np.zeros(len(x0)), A_ub=G, b_ub=h, bounds=[(None, None)] * len(x0))
        if found is None:
            assert lp.status == 2
            continue
        assert lp.status == 0
        reference = _slsqp(G, h, x0, lp.x)
        if np.all(G @ reference.x <= h + 1e-9):  # SLSQP's point is feasible: no nearer
            assert found.distance <= np.linalg.norm(reference.x - x0) + 1e-9
        if reference.success:
            assert found.distance == pytest.approx(np.sqrt(reference.fun), abs=1e-6)
        assert found.distance == pytest.approx(np.linalg.norm(found.point - x0), rel=1e-12)
        assert np.all(G @ found.point <= h + 1e-9 * (1 + np.abs(h)))
        assert found.kkt_residual < 1e-9
        checked += 1
    assert checked > 50


def test_linf_nearest_point_beats_every_grid_point_in_2d() -> None:
    grid = np.stack(np.meshgrid(np.linspace(-8, 8, 801), np.linspace(-8, 8, 801)), -1)
    grid = grid.reshape(-1, 2)
    for G, h, x0 in _polyhedra(60, 1):
        if G.shape[1] != 2:
            continue
        found = least_distance(G, h, x0, "linf")
        inside = grid[np.all(grid @ G.T <= h, axis=1)]
        if found is None:
            assert len(inside) == 0
            continue
        assert np.all(G @ found.point <= h + 1e-9 * (1 + np.abs(h)))
        # A feasible point at that distance, and no point of the grid in the polyhedron nearer.
        assert found.distance == pytest.approx(np.abs(found.point - x0).max(), rel=1e-12)
        if len(inside):
            assert found.distance <= np.abs(inside - x0).max(axis=1).min() + 1e-9


def test_a_bad_norm_is_refused() -> None:
    with pytest.raises(ValueError, match="norm must be one of"):
        least_distance(np.eye(2), np.ones(2), np.zeros(2), "l1")
