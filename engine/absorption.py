"""Exact probability that a new Gaussian sample falls in the hull of N Gaussian samples.

Kabluchko & Zaporozhets (2020, "Absorption probabilities for Gaussian polytopes and
regular spherical simplices", Adv. Appl. Prob. 52) give, for X, X_1, ..., X_n independent
standard normal vectors in R^d and sigma >= 0,

    P[sigma X not in conv(X_1, ..., X_n)] = 2 (b_{n,d-1} + b_{n,d-3} + ...),
    b_{n,k} = C(n, k) g_k(-sigma^2 / (1 + k sigma^2)) g_{n-k}(sigma^2 / (1 + k sigma^2)),

with ``g_m(r) = E[Phi(sqrt(r) xi)^m]`` for r >= 0 (xi standard normal) and, for
-1/m <= r < 0, its analytic continuation ``g_m(r) = E[Re (Phi(i sqrt(-r) xi))^m]``, where
``Phi(iz) = 1/2 + i erfi(z / sqrt 2) / 2``. With sigma = 1 the point is a new sample of
the same law: this is the curve of the paper's Figure 1 for Gaussian data. In d = 1 it
reduces to ``(n - 1)/(n + 1)``, true for every continuous law.

Also here: the Bárány–Füredi (1988) threshold ``2^(d/2) / d`` on the number of samples
(a statement about points drawn uniformly in a ball, not Gaussian ones).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import special

#: Quadrature nodes of the integrals over the standard normal xi (trapezoid rule; the
#: integrands are smooth and decay like Gaussians, so it converges geometrically).
QUADRATURE_NODES = 8001


def _g_positive(m: int, r: float) -> float:
    """``E[Phi(sqrt(r) xi)^m]`` for r >= 0, computed in log space (m may be 10^6)."""
    if m == 0:
        return 1.0
    if r == 0:
        return 0.5**m
    s = math.sqrt(r)
    # Phi(s x)^m concentrates near x ~ sqrt(2 ln m) / s; cover it and the Gaussian.
    reach = max(12.0, (math.sqrt(2.0 * math.log(m + 1.0)) + 10.0) / s)
    x = np.linspace(-reach, reach, QUADRATURE_NODES)
    log_integrand = m * special.log_ndtr(s * x) - 0.5 * x * x
    values = np.exp(log_integrand) / math.sqrt(2.0 * math.pi)
    return float(np.trapezoid(values, x))


def _g_negative(m: int, r: float) -> float:
    """``E[Re (Phi(i sqrt(r) xi))^m]`` for 0 <= r <= 1/m (the continuation to -r)."""
    if m == 0:
        return 1.0
    s = math.sqrt(r)
    # |Phi(i s x)|^m grows like exp(m r x^2 / 2): the integrand is a Gaussian of
    # variance 1 / (1 - m r) at worst.
    spread = 1.0 / math.sqrt(max(1.0 - m * r, 1e-12))
    reach = 14.0 * spread
    x = np.linspace(-reach, reach, QUADRATURE_NODES)
    z = 0.5 + 0.5j * special.erfi(s * x / math.sqrt(2.0))
    # z^m times the Gaussian, in log space: z^m alone overflows for large m and x.
    values = np.real(np.exp(m * np.log(z) - 0.5 * x * x)) / math.sqrt(2.0 * math.pi)
    return float(np.trapezoid(values, x))


def gaussian_outside_probability(n: int, d: int, sigma: float = 1.0) -> float:
    """``P[sigma X not in conv(X_1..X_n)]`` for standard Gaussians in R^d (Kabluchko &
    Zaporozhets 2020, Theorem 1.2).

    Parameters
    ----------
    n : number of hull points, >= 1.
    d : dimension, >= 1.
    sigma : scale of the new point (1: a new sample of the same law).

    Returns
    -------
    float in [0, 1]; 1 when n <= d (the hull has no volume).
    """
    if n < 1 or d < 1:
        raise ValueError(f"need n >= 1 and d >= 1, got n={n}, d={d}")
    if n <= d:
        return 1.0
    s2 = sigma * sigma
    total = 0.0
    for k in range(d - 1, -1, -2):
        r = s2 / (1.0 + k * s2)
        log_binomial = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
        total += math.exp(log_binomial) * _g_negative(k, r) * _g_positive(n - k, r)
    return float(min(max(2.0 * total, 0.0), 1.0))


def gaussian_inside_probability(n: int, d: int, sigma: float = 1.0) -> float:
    """``P[sigma X in conv(X_1..X_n)]``, one minus :func:`gaussian_outside_probability`."""
    return 1.0 - gaussian_outside_probability(n, d, sigma)


def gaussian_inside_curve(sizes: np.ndarray, d: int) -> np.ndarray:
    """(K,) :func:`gaussian_inside_probability` (sigma = 1) at each of the (K,) sizes.

    The same sums, with the quadrature shared by every size: per term k, ``g_k(-r)`` is
    one integral for all sizes and ``g_{n-k}(r)`` one grid of ``log Phi`` values scaled by
    each ``n - k`` (the grid reaches far enough for the largest size), so a 60-point curve
    costs about as much as two sizes did one by one.
    """
    sizes = np.asarray(sizes)
    if sizes.ndim == 1 and sizes.dtype.kind in "iu":
        return _inside_curve_cached(tuple(int(n) for n in sizes), int(d)).copy()
    return _inside_curve(sizes, d)


@functools.lru_cache(maxsize=64)
def _inside_curve_cached(sizes: tuple[int, ...], d: int) -> np.ndarray:
    """:func:`_inside_curve`, kept: a second run of an experiment draws its curves at once."""
    return _inside_curve(np.array(sizes, dtype=np.int64), d)


def _inside_curve(sizes: np.ndarray, d: int) -> np.ndarray:
    if d < 1 or sizes.ndim != 1 or (sizes.size and int(sizes.min()) < 1):
        raise ValueError(f"need d >= 1 and sizes >= 1 in a 1-D array, got d={d}, {sizes!r}")
    n = sizes.astype(np.int64)
    outside = np.zeros(len(n))
    big = n > d
    if not big.any():
        return np.zeros(len(n))
    m_all = n[big]
    total = np.zeros(len(m_all))
    for k in range(d - 1, -1, -2):
        r = 1.0 / (1.0 + k)
        log_binomial = special.gammaln(m_all + 1) - special.gammaln(k + 1)
        log_binomial -= special.gammaln(m_all - k + 1)
        total += np.exp(log_binomial) * _g_negative(k, r) * _g_positive_many(m_all - k, r)
    outside[big] = np.clip(2.0 * total, 0.0, 1.0)
    outside[~big] = 1.0
    return 1.0 - outside


def _g_positive_many(m: np.ndarray, r: float) -> np.ndarray:
    """(K,) ``E[Phi(sqrt(r) xi)^m]`` for the (K,) integers ``m >= 1``, r > 0, on one grid."""
    s = math.sqrt(r)
    reach = max(12.0, (math.sqrt(2.0 * math.log(float(m.max()) + 1.0)) + 10.0) / s)
    x = np.linspace(-reach, reach, QUADRATURE_NODES)
    log_phi = special.log_ndtr(s * x)
    log_integrand = m[:, None].astype(np.float64) * log_phi[None, :] - 0.5 * x * x
    values = np.exp(log_integrand, out=log_integrand)
    # The trapezoid rule on the uniform grid, without np.trapezoid's temporaries.
    step = x[1] - x[0]
    edges = 0.5 * (values[:, 0] + values[:, -1])
    return (values.sum(axis=1) - edges) * step / math.sqrt(2.0 * math.pi)


def barany_furedi_threshold(d: int | np.ndarray) -> float | np.ndarray:
    """``2^(d/2) / d``: the number of points drawn uniformly in a d-ball around which the
    probability that a new one falls in their hull switches from 0 to 1 as d grows
    (Bárány & Füredi 1988). A statement about the uniform ball, shown beside Gaussians."""
    d = np.asarray(d, dtype=np.float64)
    value = 2.0 ** (d / 2.0) / d
    return float(value) if value.ndim == 0 else value
