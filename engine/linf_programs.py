"""The L-infinity programs of one cell, solved warm: one HiGHS model per cell.

The best-first search (:mod:`engine.adversarial_distance`) asks, for each cell it explores,
the L-infinity distance from ``x0`` to each of the cell's facets and to each of its class
pieces: dozens of linear programs that differ from one another in one row. Solving each
from scratch through :func:`scipy.optimize.linprog` spends most of its time outside the
solver (parsing, checks, a sparse copy) and starts the simplex from nothing.
:class:`CellLinfPrograms` passes the cell's program to HiGHS once, with a spare row per
other class; a facet program pins one row to equality, a class piece program opens one
spare row, and HiGHS re-solves from the previous basis in a few dual simplex iterations.

The program is :func:`engine.cell_programs.least_distance`'s, with the same row scaling,
tolerances and feasibility check, so both give the same answers; when HiGHS reports
anything but optimal or infeasible, the program is solved again by ``least_distance``.
HiGHS comes through SciPy's bindings (``scipy.optimize._highspy``); where SciPy does not
have them, :data:`WARM_HIGHS` is False and the search solves every program afresh.
"""

from __future__ import annotations

import numpy as np

from engine.cell_programs import (
    FEASIBILITY_TOLERANCE,
    NearestPoint,
    least_distance,
    row_scales,
)

try:
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - SciPy without its HiGHS bindings
    _highs = None

#: Whether warm-started cell programs are available.
WARM_HIGHS = _highs is not None and hasattr(_highs, "_Highs")
_OPTIONS = {
    "output_flag": False,
    "presolve": "off",
    "solver": "simplex",
    # The rows come scaled (``row_scales``): HiGHS's own scaling only costs time here.
    "simplex_scale_strategy": 0,
    "primal_feasibility_tolerance": 1e-9,
    "dual_feasibility_tolerance": 1e-9,
}


class CellLinfPrograms:
    """The L-infinity distance from ``x0`` to parts of one cell ``{x : G x <= h}``.

    Parameters
    ----------
    G : (m, d) float64, ``h`` : (m,) float64, the cell's rows.
    extra : (k, d) float64 rows ``a`` whose half-spaces ``a x <= b`` are asked for one at
        a time (the class pieces).
    x0 : (d,) float64.

    Variables are ``(y, t)`` with ``x = x0 + y``: minimise ``t`` subject to the scaled rows
    and ``-t <= y_i <= t``.
    """

    def __init__(self, G: np.ndarray, h: np.ndarray, extra: np.ndarray, x0: np.ndarray) -> None:
        self.G, self.h, self.extra, self.x0 = G, h, extra, x0
        m, d = G.shape
        self._scale = row_scales(G, h, x0)
        rows = np.vstack([G, extra]) if len(extra) else G
        self._extra_scale = np.linalg.norm(extra, axis=1) * (1.0 + np.linalg.norm(x0)) + 1e-300
        scaled = rows / np.concatenate([self._scale, self._extra_scale])[:, None]
        inf = _highs.kHighsInf
        # Row blocks: the cell (m), the spare rows (k), y_i - t <= 0 and -y_i - t <= 0 (d each).
        eye = np.eye(d)
        matrix = np.block(
            [
                [scaled, np.zeros((len(rows), 1))],
                [eye, -np.ones((d, 1))],
                [-eye, -np.ones((d, 1))],
            ]
        )
        self._upper = np.concatenate([(h - G @ x0) / self._scale, np.full(len(extra), inf)])
        lp = _highs.HighsLp()
        lp.num_col_, lp.num_row_ = d + 1, len(matrix)
        lp.col_cost_ = np.r_[np.zeros(d), 1.0]
        lp.col_lower_ = np.r_[np.full(d, -inf), 0.0]
        lp.col_upper_ = np.full(d + 1, inf)
        lp.row_lower_ = np.full(len(matrix), -inf)
        lp.row_upper_ = np.r_[self._upper, np.zeros(2 * d)]
        nonzero = matrix != 0
        sparse = lp.a_matrix_
        sparse.format_ = _highs.MatrixFormat.kRowwise
        sparse.start_ = np.r_[0, np.cumsum(nonzero.sum(axis=1))].astype(np.int32)
        sparse.index_ = np.nonzero(nonzero)[1].astype(np.int32)
        sparse.value_ = matrix[nonzero]
        lp.a_matrix_ = sparse
        self._solver = _highs._Highs()
        for name, value in _OPTIONS.items():
            self._solver.setOptionValue(name, value)
        self._solver.passModel(lp)
        self._m, self._d, self._inf = m, d, inf

    def to_facet(self, i: int) -> NearestPoint | None:
        """The nearest point of the cell's facet ``G[i] x = h[i]`` (None: empty)."""
        upper = self._upper[i]
        self._solver.changeRowBounds(i, upper, upper)
        try:
            found = self._solve(np.vstack([self.G, -self.G[i]]), np.append(self.h, -self.h[i]))
        finally:
            self._solver.changeRowBounds(i, -self._inf, upper)
        return found

    def to_piece(self, k: int, rhs: float) -> NearestPoint | None:
        """The nearest point of the cell where ``extra[k] x <= rhs`` (None: empty)."""
        row = self._m + k
        upper = (rhs - self.extra[k] @ self.x0) / self._extra_scale[k]
        self._solver.changeRowBounds(row, -self._inf, upper)
        try:
            found = self._solve(np.vstack([self.G, self.extra[k]]), np.append(self.h, rhs))
        finally:
            self._solver.changeRowBounds(row, -self._inf, self._inf)
        return found

    def _solve(self, G: np.ndarray, h: np.ndarray) -> NearestPoint | None:
        """Run HiGHS from the last basis; ``G x <= h`` is the program's polyhedron, for
        the feasibility check and the from-scratch fallback."""
        self._solver.run()
        status = self._solver.getModelStatus()
        if status == _highs.HighsModelStatus.kInfeasible:
            return None
        if status != _highs.HighsModelStatus.kOptimal:
            self._solver.clearSolver()  # the basis is suspect: the next program starts afresh
            return least_distance(G, h, self.x0, "linf")
        y = np.asarray(self._solver.getSolution().col_value[: self._d])
        x = self.x0 + y
        violation = float(((G @ x - h) / row_scales(G, h, self.x0)).max(initial=0.0))
        if violation > FEASIBILITY_TOLERANCE:
            return None
        return NearestPoint(x, float(np.abs(y).max(initial=0.0)), violation)
