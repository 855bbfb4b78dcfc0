"""The ball's share of the cube beside sphere packings: the densest known packings, the
Minkowski–Hlawka lower bound and the Kabatiansky–Levenshtein rate, tabulated against d.

Everything returns plain numpy data; nothing here knows about the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from engine.volumes import (
    as_dimension,
    log_ball_volume_fraction,
    scalar_or_array,
)

#: Exponent of the Kabatiansky–Levenshtein rate: density <= 2^(-0.599 d (1 + o(1))).
KABATIANSKY_LEVENSHTEIN_EXPONENT = 0.599

_LN2 = math.log(2.0)


@dataclass(frozen=True)
class PackingDensity:
    """The densest known packing of equal balls in dimension ``d``.

    Attributes
    ----------
    d : dimension.
    lattice : its usual symbol, e.g. ``"E₈"``.
    name : a short description, e.g. ``"face-centred cubic"``.
    density : fraction of space covered by the balls.
    """

    d: int
    lattice: str
    name: str
    density: float


#: Best known packing densities for d = 1..8 and 24 (all lattice packings; proven
#: optimal in d = 1, 2, 3, 8 and 24). Conway & Sloane, *Sphere Packings, Lattices and
#: Groups*, table 1.2.
PACKING_DENSITIES: tuple[PackingDensity, ...] = (
    PackingDensity(1, "ℤ", "integers", 1.0),
    PackingDensity(2, "A₂", "hexagonal", math.pi / math.sqrt(12)),
    PackingDensity(3, "A₃", "face-centred cubic", math.pi / math.sqrt(18)),
    PackingDensity(4, "D₄", "checkerboard D₄", math.pi**2 / 16),
    PackingDensity(5, "D₅", "checkerboard D₅", math.pi**2 / (15 * math.sqrt(2))),
    PackingDensity(6, "E₆", "E₆ lattice", math.pi**3 / (48 * math.sqrt(3))),
    PackingDensity(7, "E₇", "E₇ lattice", math.pi**3 / 105),
    PackingDensity(8, "E₈", "E₈ lattice", math.pi**4 / 384),
    PackingDensity(24, "Λ₂₄", "Leech lattice", math.pi**12 / math.factorial(12)),
)


def log_minkowski_hlawka_bound(d: np.ndarray | float) -> np.ndarray | float:
    """Natural log of the Minkowski–Hlawka lower bound ``zeta(d) / 2^(d-1)``.

    Some lattice packing in dimension d (d >= 2) is at least this dense.

    Parameters
    ----------
    d : scalar or (D,) dimensions >= 2.

    Returns
    -------
    float or (D,) float64.
    """
    d = as_dimension(d)
    if np.any(d < 2):
        raise ValueError("the Minkowski–Hlawka bound needs d >= 2 (zeta(1) diverges)")
    return scalar_or_array(np.log(special.zeta(d, 1.0)) - (d - 1.0) * _LN2)


def minkowski_hlawka_bound(d: np.ndarray | float) -> np.ndarray | float:
    """The Minkowski–Hlawka lower bound ``zeta(d) / 2^(d-1)`` on the best packing density."""
    return scalar_or_array(np.exp(np.asarray(log_minkowski_hlawka_bound(d))))


def log_kabatiansky_levenshtein_rate(d: np.ndarray | float) -> np.ndarray | float:
    """Natural log of the Kabatiansky–Levenshtein rate ``2^(-0.599 d)``.

    Asymptotic only: no packing is denser than ``2^(-0.599 d (1 + o(1)))`` as d grows.
    At small d the rate itself is not a bound (at d = 1 it is below the density 1 of ℤ).

    Parameters
    ----------
    d : scalar or (D,) dimensions.

    Returns
    -------
    float or (D,) float64.
    """
    d = as_dimension(d)
    return scalar_or_array(-KABATIANSKY_LEVENSHTEIN_EXPONENT * d * _LN2)


def kabatiansky_levenshtein_rate(d: np.ndarray | float) -> np.ndarray | float:
    """The asymptotic Kabatiansky–Levenshtein upper rate ``2^(-0.599 d)``."""
    return scalar_or_array(np.exp(np.asarray(log_kabatiansky_levenshtein_rate(d))))


@dataclass(frozen=True)
class DimensionTable:
    """The curves of the volume-against-dimension plot, as base-10 logarithms.

    The ball-in-cube fraction is also the density of the cubic lattice packing ℤ^d (balls
    of diameter 1 on the integer points), so it sits on the same axis as the packings.

    Attributes
    ----------
    d : (D,) int64 dimensions 1..d_max.
    log10_ball_fraction : (D,) log10 of :func:`ball_volume_fraction`.
    log10_minkowski_hlawka : (D,) log10 of the Minkowski–Hlawka bound; NaN at d = 1.
    log10_kabatiansky_levenshtein : (D,) log10 of the asymptotic K–L rate.
    packings : the entries of :data:`PACKING_DENSITIES` with d <= d_max.
    """

    d: np.ndarray
    log10_ball_fraction: np.ndarray
    log10_minkowski_hlawka: np.ndarray
    log10_kabatiansky_levenshtein: np.ndarray
    packings: tuple[PackingDensity, ...]


def dimension_table(d_max: int) -> DimensionTable:
    """The :class:`DimensionTable` for dimensions 1..``d_max``."""
    if d_max < 1:
        raise ValueError(f"need d_max >= 1, got {d_max}")
    d = np.arange(1, d_max + 1, dtype=np.int64)
    ln10 = math.log(10.0)
    minkowski = np.full(d_max, np.nan)
    minkowski[1:] = np.asarray(log_minkowski_hlawka_bound(d[1:])) / ln10
    return DimensionTable(
        d=d,
        log10_ball_fraction=np.asarray(log_ball_volume_fraction(d)) / ln10,
        log10_minkowski_hlawka=minkowski,
        log10_kabatiansky_levenshtein=np.asarray(log_kabatiansky_levenshtein_rate(d)) / ln10,
        packings=tuple(p for p in PACKING_DENSITIES if p.d <= d_max),
    )
