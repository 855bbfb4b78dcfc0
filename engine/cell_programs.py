"""One cell of a piecewise-linear MLP as a polyhedron, and the distances inside it.

A hidden-neuron activation pattern names a cell: the closed polyhedron ``{x : G x <= h}``
on which every pre-activation keeps the sign the pattern gives it; there the network is
one affine map ``f(x) = W x + c``. :func:`cell_polyhedron` builds both from the pattern.

:func:`least_distance` is the exact nearest point of such a polyhedron (with extra rows)
to a point, in L2 (a least-distance program solved through Lawson & Hanson's NNLS, then
polished on its active set and checked against the KKT conditions) or in L-infinity (a
linear program, HiGHS). Both return ``None`` for an empty polyhedron.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.networks import NetworkLayers

#: The norms the distances are measured in.
NORMS = ("l2", "linf")
#: A program whose point violates a row by more than this (relative to the row's scale)
#: counts as infeasible: the polyhedron is empty or thinner than float64 resolves.
FEASIBILITY_TOLERANCE = 1e-7
#: The LP solvers tried in turn, with presolve on or off.
_LP_ATTEMPTS = (("highs", True), ("highs-ds", False), ("highs-ipm", False))


@dataclass(frozen=True)
class CellPolyhedron:
    """One cell of a network and its affine map.

    Attributes
    ----------
    pattern : (n_neurons,) bool, which hidden neurons are on.
    G : (n_neurons, d) float64 and ``h`` (n_neurons,): the cell is ``G x <= h``; row ``i``
        is neuron ``i``'s pre-activation with the sign that keeps it on its side
        (``-z_i(x) <= 0`` for an on neuron, ``z_i(x) <= 0`` for an off one).
    W : (n_out, d) float64 and ``c`` (n_out,): ``model(x) = W x + c`` on the cell.
    """

    pattern: np.ndarray
    G: np.ndarray
    h: np.ndarray
    W: np.ndarray
    c: np.ndarray


def cell_polyhedron(net: NetworkLayers, pattern: np.ndarray) -> CellPolyhedron:
    """The polyhedron and affine map of the cell with activation ``pattern``.

    Parameters
    ----------
    net : the network's layers (:func:`engine.networks.network_layers`).
    pattern : (n_neurons,) bool, layer by layer.

    Returns
    -------
    CellPolyhedron (its polyhedron may be empty for a pattern no input has).
    """
    pattern = np.asarray(pattern, dtype=bool)
    if pattern.shape != (net.n_neurons,):
        raise ValueError(f"need a pattern of {net.n_neurons} neurons, got shape {pattern.shape}")
    d = net.n_inputs
    map_w, map_b = np.eye(d), np.zeros(d)
    rows_g, rows_h = [], []
    start = 0
    for layer in net.hidden:
        z_w = layer.weight @ map_w
        z_b = layer.weight @ map_b + layer.bias
        on = pattern[start : start + layer.n_neurons]
        sign = np.where(on, -1.0, 1.0)
        rows_g.append(sign[:, None] * z_w)
        rows_h.append(-sign * z_b)
        slope = np.where(on, 1.0, layer.negative_slope)
        map_w, map_b = slope[:, None] * z_w, slope * z_b
        start += layer.n_neurons
    G = np.concatenate(rows_g) if rows_g else np.zeros((0, d))
    h = np.concatenate(rows_h) if rows_h else np.zeros(0)
    return CellPolyhedron(
        pattern, G, h, net.out_weight @ map_w, net.out_weight @ map_b + net.out_bias
    )


@dataclass(frozen=True)
class NearestPoint:
    """The nearest point of a polyhedron to ``x0``.

    Attributes
    ----------
    point : (d,) float64.
    distance : its distance to ``x0`` in the program's norm.
    kkt_residual : for L2, the largest violation of the KKT conditions (primal
        feasibility, dual sign, stationarity, complementary slackness), each relative to
        its scale; for L-infinity, the largest primal violation.
    """

    point: np.ndarray
    distance: float
    kkt_residual: float


def row_scales(G: np.ndarray, h: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """(m,) the scale of each row of ``G x <= h`` near ``x0``: programs divide by it."""
    return np.linalg.norm(G, axis=1) * (1.0 + np.linalg.norm(x0)) + np.abs(h) + 1e-300


def _polish_l2(
    G: np.ndarray, h: np.ndarray, x0: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Re-solve exactly on the rows with a positive multiplier: (point, multipliers)."""
    active = np.flatnonzero(lam > 0)
    if len(active) == 0:
        return x0.copy(), np.zeros(len(G))
    A, b = G[active], h[active]
    # x = x0 - A^T mu with A x = b: (A A^T) mu = A x0 - b (least squares for dependent rows).
    mu = np.linalg.lstsq(A @ A.T, A @ x0 - b, rcond=None)[0]
    polished = np.zeros(len(G))
    polished[active] = mu
    return x0 - A.T @ mu, polished


def _kkt_residual(
    G: np.ndarray, h: np.ndarray, x0: np.ndarray, x: np.ndarray, lam: np.ndarray, scale: np.ndarray
) -> float:
    size = 1.0 + np.linalg.norm(x - x0) + np.linalg.norm(x0)
    slack = (G @ x - h) / scale
    lam_scale = 1.0 + np.abs(lam).max(initial=0.0)
    return float(
        max(
            slack.max(initial=0.0),
            (-lam).max(initial=0.0) / lam_scale,
            np.linalg.norm(x - x0 + G.T @ lam) / size,
            (np.abs(lam * slack)).max(initial=0.0) / lam_scale,
        )
    )


def _least_distance_l2(G: np.ndarray, h: np.ndarray, x0: np.ndarray) -> NearestPoint | None:
    # Least-distance programming (Lawson & Hanson, ch. 23): min |y| s.t. (-G) y >= G x0 - h
    # is NNLS on E = [-G^T; (G x0 - h)^T], f = (0, ..., 0, 1).
    scale = row_scales(G, h, x0)
    Gs, hs = G / scale[:, None], h / scale
    d = len(x0)
    E = np.vstack([-Gs.T, (Gs @ x0 - hs)[None, :]])
    f = np.zeros(d + 1)
    f[-1] = 1.0
    from scipy.optimize import nnls  # loaded on first use: windows open without it

    u, _ = nnls(E, f, maxiter=50 * max(len(hs), 1) + 100)
    r = E @ u - f
    if -r[-1] < 1e-12:
        return None  # the rows contradict one another: no point satisfies them all
    x = x0 - r[:d] / r[-1]
    lam = u / -r[-1]
    ones = np.ones(len(hs))
    residual = _kkt_residual(Gs, hs, x0, x, lam, ones)
    point, polished = _polish_l2(Gs, hs, x0, lam)
    polished_residual = _kkt_residual(Gs, hs, x0, point, polished, ones)
    if polished_residual <= residual:
        x, residual = point, polished_residual
    if (Gs @ x - hs).max(initial=0.0) > FEASIBILITY_TOLERANCE:
        return None
    return NearestPoint(x, float(np.linalg.norm(x - x0)), residual)


def _least_distance_linf(G: np.ndarray, h: np.ndarray, x0: np.ndarray) -> NearestPoint | None:
    # min t s.t. G (x0 + y) <= h, |y_k| <= t: variables (y, t), centred on x0.
    d = len(x0)
    scale = row_scales(G, h, x0)
    eye = np.eye(d)
    A = np.block(
        [
            [G / scale[:, None], np.zeros((len(G), 1))],
            [eye, -np.ones((d, 1))],
            [-eye, -np.ones((d, 1))],
        ]
    )
    b = np.concatenate([(h - G @ x0) / scale, np.zeros(2 * d)])
    cost = np.zeros(d + 1)
    cost[-1] = 1.0
    bounds = [(None, None)] * d + [(0, None)]
    messages = []
    # HiGHS now and then reports a spurious status on these tiny LPs (an objective
    # bounded below by 0 called unbounded): the dual simplex without presolve, then the
    # interior-point method, settle them.
    from scipy.optimize import linprog  # loaded on first use, as nnls

    for method, presolve in _LP_ATTEMPTS:
        result = linprog(
            cost, A_ub=A, b_ub=b, bounds=bounds, method=method,
            options={"presolve": presolve, "primal_feasibility_tolerance": 1e-9,
                     "dual_feasibility_tolerance": 1e-9},
        )  # fmt: skip
        if result.status == 2:
            return None
        if result.status == 0:
            break
        messages.append(result.message)
    else:
        raise ArithmeticError(f"the L-infinity program failed: {'; '.join(messages)}")
    x = x0 + result.x[:d]
    violation = float(((G @ x - h) / scale).max(initial=0.0))
    if violation > FEASIBILITY_TOLERANCE:
        return None
    return NearestPoint(x, float(np.abs(x - x0).max(initial=0.0)), violation)


def least_distance(
    G: np.ndarray, h: np.ndarray, x0: np.ndarray, norm: str = "l2"
) -> NearestPoint | None:
    """The point of ``{x : G x <= h}`` nearest to ``x0``.

    Parameters
    ----------
    G : (m, d) float64, ``h`` : (m,) float64, the polyhedron's rows.
    x0 : (d,) float64.
    norm : ``"l2"`` (exact least-distance program) or ``"linf"`` (linear program).

    Returns
    -------
    NearestPoint, or None if the polyhedron is empty.
    """
    if norm not in NORMS:
        raise ValueError(f"the norm must be one of {', '.join(NORMS)}, got {norm!r}")
    G = np.asarray(G, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    x0 = np.asarray(x0, dtype=np.float64)
    if norm == "l2":
        return _least_distance_l2(G, h, x0)
    return _least_distance_linf(G, h, x0)
