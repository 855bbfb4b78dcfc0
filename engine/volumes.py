"""Volumes in high dimension: the inscribed ball's vanishing share of the cube.

The ball of diameter 1 inside the unit cube ``[0, 1]^d`` fills a fraction

    V_d(1/2) = pi^(d/2) / Gamma(d/2 + 1) / 2^d

of it: 1 in 1-D, pi/4 in 2-D, pi/6 in 3-D, and less than 0.25% in 10-D. This module
computes that fraction exactly (in log space, so that d = 1000 neither overflows nor
underflows), estimates it by Monte Carlo, scans it slice by slice (by Cavalieri, the
slices integrate back to the volume) and samples the distances that concentrate as d
grows; :mod:`engine.packings` sets it beside the densest known sphere packings.

Everything returns plain numpy data; nothing here knows about the screen.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import special

from engine.torch_draws import TorchUniform

#: Elements (rows × d) drawn per Monte-Carlo batch: about 32 MB of float64.
MONTE_CARLO_BATCH_ELEMENTS = 1 << 22
_LN2 = math.log(2.0)
_LNPI = math.log(math.pi)


def as_dimension(d: np.ndarray | float) -> np.ndarray:
    """``d`` as a float64 array; raises ValueError for negative or non-finite dimensions."""
    d = np.asarray(d, dtype=np.float64)
    if np.any(~np.isfinite(d)) or np.any(d < 0):
        raise ValueError(f"dimensions must be finite and non-negative, got {d!r}")
    return d


def scalar_or_array(values: np.ndarray) -> np.ndarray | float:
    """A 0-d result as a float, any other as the array (for functions of d or of arrays)."""
    return float(values) if values.ndim == 0 else values


def log_unit_ball_volume(d: np.ndarray | float) -> np.ndarray | float:
    """Natural log of the volume of the unit ball, ``(d/2) ln pi - ln Gamma(d/2 + 1)``.

    Parameters
    ----------
    d : scalar or (D,) dimensions, non-negative (real values interpolate).

    Returns
    -------
    float or (D,) float64.
    """
    d = as_dimension(d)
    return scalar_or_array(0.5 * d * _LNPI - special.gammaln(0.5 * d + 1.0))


def log_ball_volume_fraction(d: np.ndarray | float) -> np.ndarray | float:
    """Natural log of the fraction of the unit cube filled by its inscribed ball.

    ``ln V_d(1/2) = (d/2) ln pi - ln Gamma(d/2 + 1) - d ln 2``, finite for every
    dimension (at d = 1000 it is about -2726).

    Parameters
    ----------
    d : scalar or (D,) dimensions, non-negative.

    Returns
    -------
    float or (D,) float64, always <= 0.
    """
    d = as_dimension(d)
    return scalar_or_array(np.asarray(log_unit_ball_volume(d)) - d * _LN2)


def ball_volume_fraction(d: np.ndarray | float) -> np.ndarray | float:
    """Fraction of the unit cube ``[0, 1]^d`` inside the ball of diameter 1 at its centre.

    Computed as ``exp(log_ball_volume_fraction(d))``: it never overflows, and underflows
    to 0.0 only where the true value is below the smallest float64 (d > about 500).

    Parameters
    ----------
    d : scalar or (D,) dimensions, non-negative.

    Returns
    -------
    float or (D,) float64 in [0, 1]: 1, pi/4, pi/6, ... for d = 1, 2, 3, ...
    """
    return scalar_or_array(np.exp(np.asarray(log_ball_volume_fraction(d))))


# --- Monte Carlo ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonteCarloEstimate:
    """A Monte-Carlo estimate of the ball's volume fraction in dimension ``d``.

    Attributes
    ----------
    d : dimension.
    n_samples : uniform points drawn in the cube.
    hits : how many of them fell inside the ball.
    fraction : ``hits / n_samples``.
    standard_error : ``sqrt(fraction (1 - fraction) / n_samples)``.
    ci_low, ci_high : Wilson score interval at ``confidence`` (never below 0 or above 1,
        meaningful even with 0 hits).
    confidence : the interval's confidence level, e.g. 0.95.
    """

    d: int
    n_samples: int
    hits: int
    fraction: float
    standard_error: float
    ci_low: float
    ci_high: float
    confidence: float


def monte_carlo_estimate(
    d: int, n_samples: int, hits: int, confidence: float = 0.95
) -> MonteCarloEstimate:
    """The estimate, standard error and Wilson interval of ``hits`` out of ``n_samples``."""
    if n_samples <= 0 or not 0 <= hits <= n_samples:
        raise ValueError(f"need 0 <= hits <= n_samples and n_samples > 0, got {hits}/{n_samples}")
    p = hits / n_samples
    z = float(special.ndtri(0.5 + 0.5 * confidence))
    denominator = 1.0 + z * z / n_samples
    centre = (p + z * z / (2 * n_samples)) / denominator
    half = z * math.sqrt(p * (1 - p) / n_samples + z * z / (4 * n_samples**2)) / denominator
    return MonteCarloEstimate(
        d=int(d),
        n_samples=int(n_samples),
        hits=int(hits),
        fraction=p,
        standard_error=math.sqrt(p * (1 - p) / n_samples),
        ci_low=0.0 if hits == 0 else max(0.0, centre - half),
        ci_high=1.0 if hits == n_samples else min(1.0, centre + half),
        confidence=float(confidence),
    )


def iter_monte_carlo_ball_fraction(
    d: int,
    n_samples: int,
    *,
    seed: int = 0,
    confidence: float = 0.95,
    batch_elements: int = MONTE_CARLO_BATCH_ELEMENTS,
) -> Iterator[MonteCarloEstimate]:
    """Estimate the ball's volume fraction batch by batch; yield the running estimate.

    Points are drawn uniformly in ``[0, 1]^d`` (float64, seeded by ``(seed, d)``: the
    draws of torch's generator, see :mod:`engine.torch_draws`), in batches of about
    ``batch_elements / d`` points; a point is a hit when its distance to the centre is at
    most 1/2. The last estimate yielded uses all ``n_samples`` points. A caller may stop
    iterating at any time (cancellation).

    Parameters
    ----------
    d : dimension >= 1.
    n_samples : total number of points.
    seed : random seed; the same ``(seed, d, n_samples)`` always gives the same estimate.

    Yields
    ------
    MonteCarloEstimate of all points drawn so far.
    """
    if d < 1 or n_samples < 1:
        raise ValueError(f"need d >= 1 and n_samples >= 1, got d={d}, n_samples={n_samples}")
    generator = TorchUniform(int(seed) * 1_000_003 + int(d))
    rows = max(1, min(n_samples, batch_elements // d))
    drawn = hits = 0
    while drawn < n_samples:
        count = min(rows, n_samples - drawn)
        offsets = generator.rand(count, d)
        offsets -= 0.5
        squared = np.einsum("ij,ij->i", offsets, offsets)
        hits += int(np.count_nonzero(squared <= 0.25))
        drawn += count
        yield monte_carlo_estimate(d, drawn, hits, confidence)


def monte_carlo_ball_fraction(
    d: int, n_samples: int, *, seed: int = 0, confidence: float = 0.95
) -> MonteCarloEstimate:
    """Monte-Carlo estimate of :func:`ball_volume_fraction` from ``n_samples`` points."""
    *_, final = iter_monte_carlo_ball_fraction(d, n_samples, seed=seed, confidence=confidence)
    return final


# --- Scanning: slices of the ball ----------------------------------------------------------


def slice_radius(s: np.ndarray | float) -> np.ndarray | float:
    """Radius of the ball's cross-section by the hyperplane ``x_1 = s``.

    ``sqrt(1/4 - (s - 1/2)^2)`` for s in [0, 1], 0 outside.

    Parameters
    ----------
    s : scalar or (S,) positions along the first axis.

    Returns
    -------
    float or (S,) float64 in [0, 1/2].
    """
    s = np.asarray(s, dtype=np.float64)
    return scalar_or_array(np.sqrt(np.clip(0.25 - (s - 0.5) ** 2, 0.0, None)))


def slice_coverage(s: np.ndarray | float, d: int) -> np.ndarray | float:
    """Covered fraction of the slice ``x_1 = s`` of the unit d-cube.

    The slice is a unit (d-1)-cube and the ball's cross-section in it is a (d-1)-ball of
    radius :func:`slice_radius` (s), which always fits inside; so the covered fraction is
    ``V_{d-1}(1) r^(d-1)``. In 2-D it is the covered length ``2 r`` of a line across the
    square (1 in the middle, 0 at the edges), in 3-D the disc area ``pi r^2``. Integrated
    over s in [0, 1] it gives :func:`ball_volume_fraction` (d).

    Parameters
    ----------
    s : scalar or (S,) positions along the first axis.
    d : dimension of the cube, >= 1.

    Returns
    -------
    float or (S,) float64 in [0, 1].
    """
    if d < 1:
        raise ValueError(f"need d >= 1, got {d}")
    s = np.asarray(s, dtype=np.float64)
    inside = (s >= 0.0) & (s <= 1.0)
    if d == 1:
        return scalar_or_array(inside.astype(np.float64))
    radius = np.asarray(slice_radius(s))
    with np.errstate(divide="ignore"):
        log_coverage = log_unit_ball_volume(d - 1) + (d - 1) * np.log(radius)
    return scalar_or_array(np.where(inside, np.exp(log_coverage), 0.0))


def scanned_fraction(s: np.ndarray | float, d: int) -> np.ndarray | float:
    """Volume fraction of the cube that is inside the ball and has ``x_1 <= s``.

    The running integral of :func:`slice_coverage` from 0 to s, in closed form: the first
    coordinate of a uniform point of the ball follows Beta((d+1)/2, (d+1)/2) on [0, 1], so
    this is ``ball_volume_fraction(d) * I_s((d+1)/2, (d+1)/2)``. It grows from 0 at s = 0
    to the whole fraction (pi/4 in 2-D, pi/6 in 3-D) at s = 1.

    Parameters
    ----------
    s : scalar or (S,) positions along the first axis.
    d : dimension of the cube, >= 1.

    Returns
    -------
    float or (S,) float64.
    """
    if d < 1:
        raise ValueError(f"need d >= 1, got {d}")
    s = np.clip(np.asarray(s, dtype=np.float64), 0.0, 1.0)
    a = 0.5 * (d + 1)
    return scalar_or_array(ball_volume_fraction(d) * special.betainc(a, a, s))


@dataclass(frozen=True)
class BallSlice:
    """The scan of the d-cube by the hyperplane ``x_1 = position``.

    Attributes
    ----------
    d : dimension of the cube.
    position : s, clipped to [0, 1].
    radius : radius of the ball's cross-section, centred at (1/2, ..., 1/2).
    coverage : covered fraction of the slice, :func:`slice_coverage`.
    scanned : volume fraction swept so far, :func:`scanned_fraction`.
    total : the whole volume fraction, :func:`ball_volume_fraction`.
    """

    d: int
    position: float
    radius: float
    coverage: float
    scanned: float
    total: float


def ball_slice(s: float, d: int) -> BallSlice:
    """The :class:`BallSlice` of the d-cube at ``x_1 = s`` (s clipped to [0, 1])."""
    s = float(np.clip(s, 0.0, 1.0))
    return BallSlice(
        d=int(d),
        position=s,
        radius=float(slice_radius(s)),
        coverage=float(slice_coverage(s, d)),
        scanned=float(scanned_fraction(s, d)),
        total=float(ball_volume_fraction(d)),
    )


@dataclass(frozen=True)
class CoverageCurve:
    """Slice coverage and running integral on a grid of scan positions.

    Attributes
    ----------
    d : dimension of the cube.
    s : (S,) float64 scan positions from 0 to 1.
    coverage : (S,) :func:`slice_coverage` at ``s``.
    scanned : (S,) :func:`scanned_fraction` at ``s``.
    total : the whole volume fraction (``scanned[-1]``).
    """

    d: int
    s: np.ndarray
    coverage: np.ndarray
    scanned: np.ndarray
    total: float


def coverage_curve(d: int, n_points: int = 801) -> CoverageCurve:
    """The :class:`CoverageCurve` of the d-cube on ``n_points`` equally spaced positions.

    The grid is refined near 0 and 1, where the coverage has vertical tangents.
    """
    u = np.linspace(0.0, 1.0, n_points)
    s = 0.5 - 0.5 * np.cos(np.pi * u)
    return CoverageCurve(
        d=int(d),
        s=s,
        coverage=np.asarray(slice_coverage(s, d)),
        scanned=np.asarray(scanned_fraction(s, d)),
        total=float(ball_volume_fraction(d)),
    )


# --- Concentration of distances -------------------------------------------------------------


@dataclass(frozen=True)
class DistanceSample:
    """Distances among uniform random points of the unit cube ``[0, 1]^d``.

    As d grows both kinds of distance concentrate: their spread stays about constant
    while their mean grows like sqrt(d), so relative to the mean every point is about
    equally far from the centre and from every other point.

    Attributes
    ----------
    d : dimension.
    to_centre : (N,) float64 distance of each point to the centre (1/2, ..., 1/2); the
        point is inside the inscribed ball when it is <= 1/2. Mean square d/12.
    pairwise : (N (N-1) / 2,) float64 distance of every pair of points. Mean square d/6.
    """

    d: int
    to_centre: np.ndarray
    pairwise: np.ndarray

    @property
    def inside_ball_fraction(self) -> float:
        """Fraction of the points within 1/2 of the centre (a Monte-Carlo volume estimate)."""
        return float(np.mean(self.to_centre <= 0.5))

    @property
    def relative_spread_to_centre(self) -> float:
        """Standard deviation over mean of ``to_centre``; shrinks like 1/sqrt(d)."""
        return float(np.std(self.to_centre) / np.mean(self.to_centre))

    @property
    def relative_spread_pairwise(self) -> float:
        """Standard deviation over mean of ``pairwise``; shrinks like 1/sqrt(d)."""
        return float(np.std(self.pairwise) / np.mean(self.pairwise))


def distance_sample(d: int, n_points: int = 1500, *, seed: int = 0) -> DistanceSample:
    """Draw ``n_points`` uniform points of ``[0, 1]^d`` and measure their distances.

    Parameters
    ----------
    d : dimension >= 1.
    n_points : number of points N >= 2 (N (N-1)/2 pairwise distances).
    seed : random seed, combined with d.

    Returns
    -------
    DistanceSample with ``to_centre`` (N,) and ``pairwise`` (N (N-1)/2,).
    """
    if d < 1 or n_points < 2:
        raise ValueError(f"need d >= 1 and n_points >= 2, got d={d}, n_points={n_points}")
    from scipy.spatial.distance import pdist  # 66 ms of import the Volume page's first result skips

    points = TorchUniform(int(seed) * 1_000_003 + int(d)).rand(n_points, d)
    return DistanceSample(
        d=int(d),
        to_centre=np.linalg.norm(points - 0.5, axis=1),
        pairwise=pdist(points),
    )
