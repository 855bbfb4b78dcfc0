"""The interpolation experiments of Balestriero, Pesenti & LeCun (2021), as generators.

Each experiment is a generator: it yields an :class:`ExperimentProgress` (steps done, a
message and the partial :class:`ExperimentResult`) after every small step, and returns the
final result. A consumer cancels by no longer iterating (closing the generator): every
step is short, so that happens promptly.

- :func:`sample_probability_experiment`: the paper's Figure 1, the probability that a new
  sample falls in the hull of N samples, for Gaussian data (with the exact
  Kabluchko–Zaporozhets curve and the Bárány–Füredi threshold), for a random smooth closed
  curve (intrinsic dimension 1) in d dimensions, and for Gaussian data on a 4-D affine
  subspace of a d-dimensional space.

The pixel and latent experiments (digits inside the hull of the training digits, beside
softer enclosures) are in :mod:`engine.enclosure_experiments`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

# The exact curves (scipy.special) and the hull test (torch, scipy's linear programs) are
# imported when an experiment runs: the result classes here are all the Hulls page needs
# before that (a second of imports less before its first result).
if TYPE_CHECKING:
    from engine.hulls import HullMembership


def hull_membership(train: np.ndarray, queries: np.ndarray) -> HullMembership:
    """:func:`engine.hulls.hull_membership`, imported when an experiment first tests a hull."""
    from engine.hulls import hull_membership as membership

    return membership(train, queries)


#: The paper's Figure 1 families.
FAMILIES = ("gaussian", "curve", "subspace")
#: Intrinsic dimension of the "subspace" family.
SUBSPACE_DIM = 4


@dataclass(frozen=True)
class Series:
    """One line of an experiment's plot.

    Attributes
    ----------
    name : legend text.
    group : what it belongs to (``"d = 4"``, ``"central pixels"``), for its colour.
    x, y : (K,) float64 points.
    stderr : (K,) standard errors of y, or None for exact curves.
    exact : True for formulas, False for measurements.
    variant : 0, 1, ...: which of several series of one group this is (e.g. the
        strategy), for its line style.
    """

    name: str
    group: str
    x: np.ndarray
    y: np.ndarray
    stderr: np.ndarray | None = None
    exact: bool = False
    variant: int = 0


@dataclass(frozen=True)
class ExperimentResult:
    """The plot and the table of an experiment (partial while it runs).

    Attributes
    ----------
    title, x_label, y_label : texts of the plot.
    log_x : whether x is shown on a log axis.
    series : the lines.
    markers : ``(label, x)`` vertical marks (thresholds).
    header : the table's column names.
    header_notes : what each column means (its header's tooltip; "" for none), or ().
    rows : the table's rows (numbers behind the plot); NaN where there is no value (an
        empty group's accuracy), written as an empty field in :meth:`tsv`.
    percent_columns : indices of the columns holding shares or accuracies (fractions in
        [0, 1]), which a table shows as percentages with one decimal.
    """

    title: str
    x_label: str
    y_label: str
    log_x: bool
    series: tuple[Series, ...] = ()
    markers: tuple[tuple[str, float], ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[object, ...], ...] = field(default_factory=tuple)
    header_notes: tuple[str, ...] = ()
    percent_columns: tuple[int, ...] = ()

    def tsv(self) -> str:
        """The table as tab-separated text with a header line."""
        lines = ["\t".join(self.header)]
        lines += ["\t".join(_cell_text(value) for value in row) for row in self.rows]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ExperimentProgress:
    """How far an experiment is: ``done`` of ``total`` steps, and what it has so far."""

    done: int
    total: int
    message: str
    result: ExperimentResult


def _cell_text(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}" if np.isfinite(value) else ""
    return str(value)


# --- samplers ----------------------------------------------------------------------------


def _curve_sampler(d: int, rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    """A random smooth closed curve in R^d: ``sum_k (a_k cos 2 pi k t + b_k sin 2 pi k t)
    / k`` over d harmonics with Gaussian a_k, b_k; samples at uniform t."""
    a = rng.standard_normal((d, d))
    b = rng.standard_normal((d, d))
    harmonics = np.arange(1, d + 1)

    def sample(n: int) -> np.ndarray:
        t = rng.uniform(0.0, 1.0, n)
        angle = 2.0 * np.pi * t[:, None] * harmonics
        return (np.cos(angle) / harmonics) @ a + (np.sin(angle) / harmonics) @ b

    return sample


def _subspace_sampler(d: int, rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    """Standard Gaussians on a random 4-D affine subspace of R^d (random offset)."""
    k = min(SUBSPACE_DIM, d)
    frame = np.linalg.qr(rng.standard_normal((d, k)))[0]
    offset = rng.standard_normal(d)
    return lambda n: offset + rng.standard_normal((n, k)) @ frame.T


def make_sampler(family: str, d: int, seed: int) -> Callable[[int], np.ndarray]:
    """``sample(n) -> (n, d)`` i.i.d. points of ``family`` in dimension ``d``; the curve
    and the subspace are fixed by ``(seed, d)``."""
    rng = np.random.default_rng([seed, d, FAMILIES.index(family)])
    if family == "gaussian":
        return lambda n: rng.standard_normal((n, d))
    if family == "curve":
        return _curve_sampler(d, rng)
    if family == "subspace":
        return _subspace_sampler(d, rng)
    raise ValueError(f"unknown family {family!r}; choose one of {FAMILIES}")


# --- Figure 1 ----------------------------------------------------------------------------

_FAMILY_TITLES = {
    "gaussian": "Gaussian data in d dimensions",
    "curve": "a smooth closed curve (1-D manifold) in d dimensions",
    "subspace": f"Gaussian data on a {SUBSPACE_DIM}-D affine subspace of R^d",
}


def intrinsic_dimension(family: str, d: int) -> int | None:
    """The dimension of the Gaussian law behind ``family`` in R^d, or None (the curve)."""
    if family == "gaussian":
        return d
    return min(SUBSPACE_DIM, d) if family == "subspace" else None


def _figure1_result(
    family: str,
    dimensions: list[int],
    sizes: list[int],
    dense: np.ndarray,
    exact_curves: dict[int, np.ndarray],
    measured: dict[int, list[tuple[int, float, float]]],
    rows: list[tuple[object, ...]],
) -> ExperimentResult:
    """Figure 1 as measured so far: exact and measured series per d, markers, table."""
    from engine.absorption import barany_furedi_threshold

    series: list[Series] = []
    for d in dimensions:
        k = intrinsic_dimension(family, d)
        if k is not None and d in exact_curves:
            label = f"d = {d}: exact" if k == d else f"d = {d}: exact for {k}-D"
            series.append(
                Series(label, f"d = {d}", dense.astype(float), exact_curves[d], exact=True)
            )
        if measured[d]:
            n, p, se = np.array(measured[d], dtype=float).T
            series.append(Series(f"d = {d}", f"d = {d}", n, p, se))
    markers = tuple(
        (f"2^(d/2)/d, d = {d}", float(barany_furedi_threshold(d)))
        for d in dimensions
        if family == "gaussian" and sizes[0] <= barany_furedi_threshold(d) <= sizes[-1]
    )
    return ExperimentResult(
        title=f"P[new sample in hull]: {_FAMILY_TITLES[family]}",
        x_label="N training samples",
        y_label="P[new sample in the convex hull]",
        log_x=True,
        series=tuple(series),
        markers=markers,
        header=FIGURE1_HEADER,
        rows=tuple(rows),
    )


#: The columns of Figure 1's table.
FIGURE1_HEADER = (
    "d",
    "N",
    "trials",
    "queries",
    "inside",
    "share",
    "standard error",
    "exact (Kabluchko–Zaporozhets)",
    "Bárány–Füredi 2^(d/2)/d (ball)",
)


def sample_probability_experiment(
    family: str = "gaussian",
    dimensions: Sequence[int] = (2, 3, 4, 5, 6, 7),
    sizes: Sequence[int] = (10, 20, 50, 100, 200, 500, 1000, 2000),
    *,
    trials: int = 4,
    queries: int = 50,
    seed: int = 0,
) -> Generator[ExperimentProgress, None, ExperimentResult]:
    """Probability that a new sample lies in the convex hull of N samples, against N.

    For every d and N, ``trials`` training sets of N points are drawn, and ``queries`` new
    points are tested against each. The estimate is the share of queries inside; its
    standard error comes from the spread of the per-trial shares (the trials are
    independent; queries of one trial share its hull). For the Gaussian family (and the
    subspace family, whose intrinsic law is a 4-D Gaussian) the exact probability of
    Kabluchko & Zaporozhets is drawn beside it.

    Yields
    ------
    ExperimentProgress with the exact curves of every d (when the family has them) before
    the first trial, then after every trial; dimensions are measured smallest first.

    Returns
    -------
    ExperimentResult: per d a measured series (and an exact one), markers at the
    Bárány–Füredi threshold, and the table (d, N, trials, queries, inside, share, standard
    error, exact).
    """
    from engine.absorption import barany_furedi_threshold, gaussian_inside_curve

    dimensions, sizes = [int(d) for d in dimensions], sorted(int(n) for n in sizes)
    if trials < 2 or queries < 1 or not dimensions or not sizes:
        raise ValueError("need trials >= 2, queries >= 1 and some dimensions and sizes")
    total = len(dimensions) * len(sizes) * trials
    dense = np.unique(np.geomspace(max(2, sizes[0]), sizes[-1], 60).round()).astype(int)
    exact_curves: dict[int, np.ndarray] = {}
    measured: dict[int, list[tuple[int, float, float]]] = {d: [] for d in dimensions}
    rows: list[tuple[object, ...]] = []
    exact_at: dict[tuple[int, int], float] = {}
    done = 0

    def snapshot() -> ExperimentResult:
        return _figure1_result(family, dimensions, sizes, dense, exact_curves, measured, rows)

    # The exact curves first, for every d: they are drawn before the first trial.
    for d in dimensions:
        k = intrinsic_dimension(family, d)
        if k is not None:
            exact_curves[d] = gaussian_inside_curve(dense, k)
            at_sizes = gaussian_inside_curve(np.array(sizes), k)
            exact_at.update({(d, n): float(p) for n, p in zip(sizes, at_sizes, strict=True)})
    if exact_curves:
        yield ExperimentProgress(0, total, "exact curves drawn; measuring", snapshot())
    for d in dimensions:
        sample = make_sampler(family, d, seed)
        for n in sizes:
            shares = []
            for trial in range(trials):
                train = sample(n)
                inside = hull_membership(train, sample(queries)).inside
                shares.append(float(inside.mean()))
                done += 1
                yield ExperimentProgress(
                    done, total, f"d = {d}, N = {n}: trial {trial + 1} of {trials}", snapshot()
                )
            share = float(np.mean(shares))
            stderr = float(np.std(shares, ddof=1) / np.sqrt(trials))
            measured[d].append((n, share, stderr))
            rows.append(
                (
                    d,
                    n,
                    trials,
                    trials * queries,
                    round(share * trials * queries),
                    share,
                    stderr,
                    exact_at.get((d, n), float("nan")),
                    float(barany_furedi_threshold(d)),
                )
            )
    result = snapshot()
    yield ExperimentProgress(done, total, "done", result)
    return result
