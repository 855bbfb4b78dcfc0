"""Convex-hull membership, certified: is a query an interpolation or an extrapolation?

Balestriero, Pesenti & LeCun (2021) call a new sample an *interpolation* of a training set
exactly when it lies in the training set's convex hull. This module answers that question
for many queries at once, in any dimension, and proves every answer:

- **inside** comes with convex weights ``lambda >= 0``, ``sum(lambda) = 1``, whose
  combination of training points is within the tolerance of the query;
- **outside** comes with a hyperplane ``normal . x <= offset`` that every training point
  satisfies and that the query violates by more than the tolerance.

The code checks both kinds of certificate in float64 before it reports them.

The tolerance
-------------
Let ``R = max_i |x_i - mean(x)|_2`` be the radius of the training set about its mean and
``tau = tol * R`` (``tol`` defaults to :data:`DEFAULT_TOLERANCE`). A query ``q`` is *inside*
when some point of the hull is within ``tau`` of it in every coordinate (its max-norm
distance to the hull is at most ``tau``), and *outside* otherwise. The two certificates
match this definition exactly: the weights prove a max-norm residual ``<= tau``, and the
hyperplane proves ``normal . q - offset > tau * |normal|_1``, which keeps the whole cube of
half-width ``tau`` around ``q`` off the hull. By linear-programming duality, exactly one of
the two exists for every query. So points exactly on a facet, an edge or a vertex are
inside, and a point is outside only if it is more than ``tau`` away from the hull. Only a
query whose distance is within about 1e-10 R of ``tau`` itself can come back with neither
certificate verifying; it is then flagged ``certified = False`` and gets the LP's verdict.

The method
----------
A batched Frank–Wolfe with away steps (in torch, float64) runs on all queries at once,
minimising ``|X^T lambda - q|^2`` over the simplex. Every iteration checks both
certificates: the iterate's residual (inside), and the hyperplane normal to ``q - p``
through the training point furthest along it (outside). Most queries settle within a few
dozen iterations. The few that do not (queries within a hair of the boundary, where
first-order methods crawl) go to scipy's HiGHS linear program, one per query, which
minimises the max-norm residual and whose dual gives the hyperplane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy import optimize, sparse

from engine.frank_wolfe import INSIDE, OUTSIDE, frank_wolfe
from engine.input_checks import check_hull_points
from engine.training import one_torch_thread

#: Default relative tolerance: ``tau = DEFAULT_TOLERANCE * R`` (see the module docstring).
DEFAULT_TOLERANCE = 1e-8
#: Frank–Wolfe iterations before a query is handed to the linear program.
DEFAULT_MAX_ITERATIONS = 300
#: Queries per Frank–Wolfe chunk are chosen so that a chunk's weights hold about this
#: many float64 entries (32 MB).
CHUNK_ELEMENTS = 1 << 22
#: HiGHS's own tolerances, well below any ``tau`` the certificates are checked against.
_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
#: The LP's solvers, tried in turn until one finishes: HiGHS's simplex at tight
#: tolerances can end with an unknown model status (HiGHS status 15) on near-degenerate
#: sets, such as 2,000 points of a smooth curve in R^4, where its interior-point method
#: and its default tolerances solve the same LP. Whatever answers is checked by the
#: certificates afterwards, as always.
_LP_ATTEMPTS = (
    ("highs", _HIGHS_OPTIONS),
    ("highs-ipm", _HIGHS_OPTIONS),
    ("highs", {}),
)


@dataclass(frozen=True)
class HullMembership:
    """Certified answers of :func:`hull_membership` for M queries against N points in R^d.

    Attributes
    ----------
    inside : (M,) bool, the verdicts.
    certified : (M,) bool, whether the verdict's certificate verified (see the module
        docstring: only queries at distance ~tau from the hull can be False).
    weights : (M, N) sparse CSR float64; row m holds convex weights (non-negative, summing
        to 1) whose combination of the training points is within ``tolerance`` of query m
        in every coordinate. Empty rows for queries outside.
    residual : (M,) max-norm of ``weights[m] @ train - queries[m]``; NaN when outside.
    normal : (M, d) float64; for queries outside, a hyperplane normal with
        ``train @ normal[m] <= offset[m]`` for every training point; NaN rows when inside.
    offset : (M,) float64, the hyperplanes' offsets; NaN when inside.
    margin : (M,) ``(normal . q - offset) / |normal|_1``, greater than ``tolerance`` for
        queries outside; NaN when inside.
    tolerance : the absolute tolerance tau = tol * R.
    by_lp : (M,) bool, the queries the linear program decided (the rest took Frank–Wolfe).
    """

    inside: np.ndarray
    certified: np.ndarray
    weights: sparse.csr_array
    residual: np.ndarray
    normal: np.ndarray
    offset: np.ndarray
    margin: np.ndarray
    tolerance: float
    by_lp: np.ndarray

    def verify(self, train: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """Re-check every certificate from scratch; (M,) bool, True where it holds.

        Inside: weights non-negative, summing to 1 (to 1e-12), combination within
        ``tolerance`` of the query in every coordinate. Outside: every training point on
        the hyperplane's side and the query beyond it by more than
        ``tolerance * |normal|_1``.
        """
        train = np.asarray(train, dtype=np.float64)
        queries = np.asarray(queries, dtype=np.float64)
        weights = self.weights
        sums = np.asarray(weights.sum(axis=1)).ravel()
        non_negative = np.ones(len(queries), dtype=bool)
        negative_rows = np.unique(
            np.repeat(np.arange(len(queries)), np.diff(weights.indptr))[weights.data < 0]
        )
        non_negative[negative_rows] = False
        residual = np.abs(weights @ train - queries).max(axis=1)
        inside_ok = non_negative & (np.abs(sums - 1.0) <= 1e-12) & (residual <= self.tolerance)
        with np.errstate(invalid="ignore"):
            reach = (train @ self.normal.T).max(axis=0) if len(train) else np.zeros(len(queries))
            excess = np.einsum("md,md->m", queries, self.normal) - self.offset
            outside_ok = (reach <= self.offset) & (
                excess > self.tolerance * np.abs(self.normal).sum(axis=1)
            )
        return np.where(self.inside, inside_ok, outside_ok)


@dataclass(frozen=True)
class HullDistance:
    """Euclidean distances from M queries to the convex hull of N points, bracketed.

    Attributes
    ----------
    distance : (M,) ``|q - nearest|_2``, an upper bound reached by a point of the hull.
    lower : (M,) a lower bound proved by a separating hyperplane (0 when the query is
        inside); ``distance - lower`` is at most the requested gap.
    nearest : (M, d) the point of the hull achieving ``distance``.
    """

    distance: np.ndarray
    lower: np.ndarray
    nearest: np.ndarray


def _as_points(train: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    train = np.atleast_2d(np.asarray(train, dtype=np.float64))
    queries = np.atleast_2d(np.asarray(queries, dtype=np.float64))
    if train.ndim != 2 or queries.ndim != 2 or train.shape[1] != queries.shape[1]:
        raise ValueError(
            f"need train (N, d) and queries (M, d) with the same d, got {train.shape} "
            f"and {queries.shape}"
        )
    if len(train) == 0:
        raise ValueError("the training set is empty")
    check_hull_points(train, queries)  # finite, and no coordinate past 1e150
    return train, queries


def _normalisation(train: np.ndarray) -> tuple[np.ndarray, float]:
    """The mean and radius R of the training set (R = 1 for a single point)."""
    centre = train.mean(axis=0)
    with np.errstate(over="ignore"):
        radius = float(np.sqrt(((train - centre) ** 2).sum(axis=1).max()))
    if not np.isfinite(radius):  # squares past float64's range: measure in units of spread
        spread = float(np.abs(train - centre).max())
        radius = spread * float(np.sqrt((((train - centre) / spread) ** 2).sum(axis=1).max()))
    return centre, radius if radius > 0 else 1.0


def _lp_decide(
    train: np.ndarray, query: np.ndarray, tau: float
) -> tuple[bool, np.ndarray, np.ndarray]:
    """One HiGHS LP: ``min s`` such that ``|train^T lambda - q|_inf <= s``, lambda in the
    simplex (normalised units). Returns (inside by the LP's value, weights, a normal from
    the dual of the residual constraints)."""
    n, d = train.shape
    ones = np.ones((d, 1))
    a_ub = np.block([[train.T, -ones], [-train.T, -ones]])
    b_ub = np.concatenate([query, -query])
    a_eq = np.concatenate([np.ones(n), [0.0]])[None, :]
    cost = np.zeros(n + 1)
    cost[-1] = 1.0
    result = None
    for method, options in _LP_ATTEMPTS:
        result = optimize.linprog(
            cost,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=[1.0],
            bounds=(0, None),
            method=method,
            options=options,
        )
        if result.status == 0:
            break
    else:
        raise RuntimeError(f"HiGHS failed on a hull query: {result.message}")
    duals = result.ineqlin.marginals
    normal = duals[d:] - duals[:d]  # the combination the dual puts on q's coordinates
    return bool(result.fun <= tau), result.x[:n], normal


def _inside_certificate(
    train: np.ndarray, query: np.ndarray, weights: np.ndarray, tau: float
) -> tuple[np.ndarray, float] | None:
    """Clean weights (clip, renormalise, drop below 1e-15) and check them; None if they
    fail."""
    w = np.where(weights > 1e-15, weights, 0.0)
    total = w.sum()
    if total <= 0:
        return None
    w = w / total
    residual = float(np.abs(w @ train - query).max())
    return (w, residual) if residual <= tau else None


def _outside_certificate(
    train: np.ndarray, query: np.ndarray, normal: np.ndarray, tau: float
) -> tuple[np.ndarray, float, float] | None:
    """Offset and margin of a candidate normal (either sign); None if neither separates.

    The offset sits a rounding allowance above the furthest training point (d * 2^-45
    times ``|normal|_1 max|x|``, far more than any float64 dot product's error), so that
    the hyperplane still holds when the products are summed in another order.
    """
    allowance = train.shape[1] * 2.0**-45 * float(np.abs(train).max())
    for candidate in (normal, -normal):
        scale = np.abs(candidate).sum()
        if not np.isfinite(scale) or scale == 0:
            continue
        offset = float((train @ candidate).max()) + allowance * scale
        margin = (float(query @ candidate) - offset) / scale
        if margin > tau:
            return candidate, offset, margin
    return None


def hull_membership(
    train: np.ndarray,
    queries: np.ndarray,
    *,
    tol: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    use_lp: bool = True,
    should_stop: Callable[[], bool] | None = None,
) -> HullMembership:
    """Which queries lie in the convex hull of the training points, with certificates.

    Parameters
    ----------
    train : (N, d) training points.
    queries : (M, d) query points.
    tol : relative tolerance; the absolute one is ``tol * R`` with R the training set's
        radius about its mean (see the module docstring for the exact definition).
    max_iterations : Frank–Wolfe iterations before a query goes to the LP.
    use_lp : with False, queries Frank–Wolfe leaves undecided raise ``RuntimeError``
        (for measuring the first-order method alone).
    should_stop : polled between chunks; when it returns True, raises ``InterruptedError``.

    Returns
    -------
    HullMembership, every certificate already verified.

    Raises
    ------
    engine.input_checks.InputRangeError
        For coordinates that are not finite or past 1e150, or queries more than 1e150
        training radii away (see :mod:`engine.input_checks`).
    """
    train, queries = _as_points(train, queries)
    n = len(train)
    m = len(queries)
    centre, radius = _normalisation(train)
    x = (train - centre) / radius
    qn = (queries - centre) / radius
    x_t = torch.from_numpy(x)
    # Certificates are checked in the caller's coordinates, as verify() checks them.
    tau = tol * radius
    verdicts = _Verdicts(train, queries, tau)

    chunk = max(1, CHUNK_ELEMENTS // max(n, 1))
    undecided: list[int] = []
    for start in range(0, m, chunk):
        if should_stop is not None and should_stop():
            raise InterruptedError("hull membership cancelled")
        stop = min(m, start + chunk)
        with one_torch_thread():
            outcome = frank_wolfe(x_t, torch.from_numpy(qn[start:stop]), tol, max_iterations)
        for j, status in enumerate(outcome.status):
            i = start + j
            settled = False
            if status == INSIDE:
                settled = verdicts.try_inside(i, outcome.weights[j])
            elif status == OUTSIDE:
                settled = verdicts.try_outside(i, outcome.normal[j])
            if not settled:
                undecided.append(i)

    if undecided and not use_lp:
        raise RuntimeError(f"{len(undecided)} queries left undecided by Frank–Wolfe")
    for i in undecided:
        if should_stop is not None and should_stop():
            raise InterruptedError("hull membership cancelled")
        verdicts.by_lp[i] = True
        lp_inside, lp_weights, lp_normal = _lp_decide(x, qn[i], tol)
        if not (verdicts.try_inside(i, lp_weights) or verdicts.try_outside(i, lp_normal)):
            verdicts.uncertified(i, lp_inside, lp_weights)
    return verdicts.membership()


class _Verdicts:
    """The answers of :func:`hull_membership` as they settle, query by query."""

    def __init__(self, train: np.ndarray, queries: np.ndarray, tau: float) -> None:
        m, d = queries.shape
        self.train, self.queries, self.tau = train, queries, tau
        self.inside = np.zeros(m, dtype=bool)
        self.certified = np.zeros(m, dtype=bool)
        self.by_lp = np.zeros(m, dtype=bool)
        self.residual = np.full(m, np.nan)
        self.normal = np.full((m, d), np.nan)
        self.offset = np.full(m, np.nan)
        self.margin = np.full(m, np.nan)
        self.weight_rows: list[np.ndarray] = [np.zeros(0)] * m
        self.weight_cols: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * m

    def _keep_weights(self, i: int, w: np.ndarray) -> None:
        cols = np.flatnonzero(w)
        self.weight_cols[i], self.weight_rows[i] = cols, w[cols]

    def try_inside(self, i: int, weights: np.ndarray) -> bool:
        """Settle query ``i`` as inside if ``weights`` certify it."""
        certificate = _inside_certificate(self.train, self.queries[i], weights, self.tau)
        if certificate is None:
            return False
        w, self.residual[i] = certificate
        self._keep_weights(i, w)
        self.inside[i] = self.certified[i] = True
        return True

    def try_outside(self, i: int, normal: np.ndarray) -> bool:
        """Settle query ``i`` as outside if the hyperplane along ``normal`` certifies it."""
        certificate = _outside_certificate(self.train, self.queries[i], normal, self.tau)
        if certificate is None:
            return False
        self.normal[i], self.offset[i], self.margin[i] = certificate
        self.certified[i] = True
        return True

    def uncertified(self, i: int, lp_inside: bool, lp_weights: np.ndarray) -> None:
        """The ambiguity band: the LP's verdict, uncertified."""
        self.inside[i] = lp_inside
        if lp_inside:
            w = np.clip(lp_weights, 0.0, None)
            w /= w.sum()
            self._keep_weights(i, w)
            self.residual[i] = float(np.abs(w @ self.train - self.queries[i]).max())

    def membership(self) -> HullMembership:
        m, n = len(self.queries), len(self.train)
        counts = np.array([len(c) for c in self.weight_cols], dtype=np.int64)
        weights = sparse.csr_array(
            (
                np.concatenate(self.weight_rows) if m else np.zeros(0),
                np.concatenate(self.weight_cols) if m else np.zeros(0, dtype=np.int64),
                np.concatenate([[0], np.cumsum(counts)]),
            ),
            shape=(m, n),
        )
        return HullMembership(
            inside=self.inside,
            certified=self.certified,
            weights=weights,
            residual=self.residual,
            normal=self.normal,
            offset=self.offset,
            margin=self.margin,
            tolerance=self.tau,
            by_lp=self.by_lp,
        )


def in_convex_hull(
    train: np.ndarray, queries: np.ndarray, *, tol: float = DEFAULT_TOLERANCE
) -> np.ndarray:
    """(M,) bool: whether each query lies in the convex hull of the training points.

    Parameters
    ----------
    train : (N, d) training points.
    queries : (M, d) query points.
    tol : relative tolerance (see :func:`hull_membership` and the module docstring).

    Returns
    -------
    (M,) bool; :func:`hull_membership` gives the same answers with their certificates.
    """
    return hull_membership(train, queries, tol=tol).inside


def distance_to_hull(
    train: np.ndarray,
    queries: np.ndarray,
    *,
    gap: float = 1e-7,
    max_iterations: int = 5000,
) -> HullDistance:
    """Euclidean distance from each query to the convex hull of the training points.

    Away-step Frank–Wolfe runs until the distance it reaches and the lower bound its
    separating hyperplane proves are within ``gap * R`` of each other (R the training
    set's radius about its mean), or until ``max_iterations``.

    Parameters
    ----------
    train : (N, d) training points.
    queries : (M, d) query points.
    gap : relative width of the bracket ``[lower, distance]``.

    Returns
    -------
    HullDistance with (M,) ``distance`` and ``lower`` and (M, d) ``nearest``.
    """
    train, queries = _as_points(train, queries)
    centre, radius = _normalisation(train)
    x = (train - centre) / radius
    qn = (queries - centre) / radius
    x_t = torch.from_numpy(x)
    chunk = max(1, CHUNK_ELEMENTS // len(train))
    distance = np.empty(len(queries))
    lower = np.empty(len(queries))
    nearest = np.empty_like(queries)
    for start in range(0, len(queries), chunk):
        stop = min(len(queries), start + chunk)
        with one_torch_thread():
            outcome = frank_wolfe(
                x_t,
                torch.from_numpy(qn[start:stop]),
                0.0,
                max_iterations,
                stop_at_certificate=False,
                gap=gap,
            )
        w = np.clip(outcome.weights, 0.0, None)
        w /= w.sum(axis=1, keepdims=True)
        p = w @ x
        q = qn[start:stop]
        w_vec = q - p
        dist = np.linalg.norm(w_vec, axis=1)
        reach = (x @ w_vec.T).max(axis=0)
        excess = np.einsum("md,md->m", q, w_vec) - reach
        low = np.where(dist > 0, np.clip(excess, 0.0, None) / np.where(dist > 0, dist, 1.0), 0.0)
        distance[start:stop] = dist * radius
        lower[start:stop] = np.minimum(low, dist) * radius
        nearest[start:stop] = p * radius + centre
    return HullDistance(distance=distance, lower=lower, nearest=nearest)
