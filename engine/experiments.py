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
- :func:`pixel_experiment`: the share of test digits inside the hull of the training digits
  as pixels are kept ("central pixels") or the image is smoothed and subsampled.
- :func:`latent_experiment`: the same in the last hidden layer of classifiers with
  embedding sizes 2..64 (the paper's Table 1 on the 8x8 digits).

Pixel and latent experiments also report the softer enclosures of ``engine.enclosing``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import ndimage
from torch import nn

from engine.absorption import barany_furedi_threshold, gaussian_inside_curve
from engine.digit_models import embed, train_classifier
from engine.digits import DigitImages, load_digits, train_test_split
from engine.enclosing import (
    bounding_box,
    fraction_in_range,
    minimum_enclosing_ball,
    minimum_volume_ellipsoid,
)
from engine.hulls import hull_membership

#: The paper's Figure 1 families.
FAMILIES = ("gaussian", "curve", "subspace")
#: Intrinsic dimension of the "subspace" family.
SUBSPACE_DIM = 4
#: Queries handed to the hull test at a time between two progress reports.
QUERY_BATCH = 64
#: Columns of the pixel and latent tables after the setting: what "inside" means.
ENCLOSURES = ("convex hull", "ellipsoid (MVEE)", "ball", "bounding box", "coordinates in range")


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
    rows : the table's rows (numbers behind the plot).
    """

    title: str
    x_label: str
    y_label: str
    log_x: bool
    series: tuple[Series, ...] = ()
    markers: tuple[tuple[str, float], ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[object, ...], ...] = field(default_factory=tuple)

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


def _relay(inner: Generator, wrap: Callable[[object], ExperimentProgress]) -> Generator:
    """Yield ``wrap(item)`` for every item of ``inner``; return what ``inner`` returns."""
    while True:
        try:
            item = next(inner)
        except StopIteration as stop:
            return stop.value
        yield wrap(item)


def _cell_text(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
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
    ExperimentProgress after every trial.

    Returns
    -------
    ExperimentResult: per d a measured series (and an exact one), markers at the
    Bárány–Füredi threshold, and the table (d, N, trials, queries, inside, share, standard
    error, exact).
    """
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

    def intrinsic(d: int) -> int | None:
        if family == "gaussian":
            return d
        return min(SUBSPACE_DIM, d) if family == "subspace" else None

    def snapshot() -> ExperimentResult:
        series: list[Series] = []
        for d in dimensions:
            k = intrinsic(d)
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
            header=(
                "d",
                "N",
                "trials",
                "queries",
                "inside",
                "share",
                "standard error",
                "exact (Kabluchko–Zaporozhets)",
                "Bárány–Füredi 2^(d/2)/d (ball)",
            ),
            rows=tuple(rows),
        )

    for d in dimensions:
        sample = make_sampler(family, d, seed)
        k = intrinsic(d)
        if k is not None:
            exact_curves[d] = gaussian_inside_curve(dense, k)
            for n in sizes:
                exact_at[(d, n)] = float(gaussian_inside_curve(np.array([n]), k)[0])
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


# --- pixels and latents ------------------------------------------------------------------


def central_pixels(images: np.ndarray, k: int) -> np.ndarray:
    """(N, k) the k pixels nearest the image centre (ties by row-major order).

    Parameters
    ----------
    images : (N, h, w).
    """
    n, h, w = images.shape
    rows, cols = np.mgrid[0:h, 0:w]
    distance = (rows - (h - 1) / 2.0) ** 2 + (cols - (w - 1) / 2.0) ** 2
    order = np.argsort(distance.ravel(), kind="stable")[:k]
    return images.reshape(n, -1)[:, order]


def smooth_and_subsample(images: np.ndarray, side: int) -> np.ndarray:
    """(N, side^2): each image blurred by a Gaussian of width ``0.5 h / side`` pixels, then
    sampled bilinearly on a ``side x side`` grid of cell centres.

    Parameters
    ----------
    images : (N, h, w).
    """
    n, h, w = images.shape
    sigma = 0.5 * h / side if side < h else 0.0
    blurred = ndimage.gaussian_filter(images, sigma=(0.0, sigma, sigma), mode="nearest")
    centres_r = (np.arange(side) + 0.5) * h / side - 0.5
    centres_c = (np.arange(side) + 0.5) * w / side - 0.5
    rr, cc = np.meshgrid(centres_r, centres_c, indexing="ij")
    out = np.empty((n, side * side))
    for i in range(n):
        out[i] = ndimage.map_coordinates(
            blurred[i], [rr.ravel(), cc.ravel()], order=1, mode="nearest"
        )
    return out


def _enclosure_shares(
    train: np.ndarray, test: np.ndarray
) -> Generator[tuple[int, int], None, tuple[float, ...]]:
    """Share of the test points inside each of :data:`ENCLOSURES`; yields (done, total)
    query counts while the hull test runs."""
    inside = 0
    for start in range(0, len(test), QUERY_BATCH):
        inside += int(hull_membership(train, test[start : start + QUERY_BATCH]).inside.sum())
        yield min(start + QUERY_BATCH, len(test)), len(test)
    ellipsoid = minimum_volume_ellipsoid(train, eps=1e-4)
    ball = minimum_enclosing_ball(train)
    box = bounding_box(train)
    return (
        inside / len(test),
        float(ellipsoid.contains(test, tol=1e-7).mean()),
        float(ball.contains(test).mean()),
        float(box.contains(test).mean()),
        float(fraction_in_range(train, test).mean()),
    )


def _shares_result(
    title: str,
    x_label: str,
    setting_header: tuple[str, ...],
    groups: dict[str, list],
    extra_header: tuple[str, ...] = (),
) -> ExperimentResult:
    """Plot and table from ``groups[name] = [(x, setting..., shares (5,), extra...)]``."""
    series: list[Series] = []
    rows: list[tuple[object, ...]] = []
    for variant, (group, entries) in enumerate(groups.items()):
        if not entries:
            continue
        x = np.array([entry[0] for entry in entries], dtype=float)
        shares = np.array([entry[2] for entry in entries])
        for j, enclosure in enumerate(ENCLOSURES):
            name = f"{group}: {enclosure}" if len(groups) > 1 else enclosure
            series.append(Series(name, enclosure, x, shares[:, j], variant=variant))
        rows += [(*entry[1], *entry[2], *entry[3]) for entry in entries]
    return ExperimentResult(
        title=title,
        x_label=x_label,
        y_label="share of test points inside",
        log_x=True,
        series=tuple(series),
        header=(*setting_header, *ENCLOSURES, *extra_header),
        rows=tuple(rows),
    )


#: Dimensions kept by the pixel experiment: pixel counts and smoothing grid sides.
PIXEL_COUNTS = (1, 2, 4, 8, 16, 24, 32, 48, 64)
SMOOTH_SIDES = (1, 2, 3, 4, 5, 6, 8)


def pixel_experiment(
    digits: DigitImages | None = None,
    *,
    pixel_counts: Sequence[int] = PIXEL_COUNTS,
    sides: Sequence[int] = SMOOTH_SIDES,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Generator[ExperimentProgress, None, ExperimentResult]:
    """Share of test digits inside the training digits' hull, against the dimensions kept.

    Two ways to keep fewer dimensions: the k central pixels, or a smoothed image sampled
    on a ``side x side`` grid (``side^2`` dimensions). The softer enclosures are reported
    beside the hull.

    Yields
    ------
    ExperimentProgress after every batch of test images.

    Returns
    -------
    ExperimentResult with one series per strategy and enclosure; table columns strategy,
    dimensions, then the shares of :data:`ENCLOSURES`.
    """
    digits = load_digits() if digits is None else digits
    train, test = train_test_split(digits, test_fraction, seed)
    settings = [("central pixels", k) for k in pixel_counts]
    settings += [("smooth and subsample", s) for s in sides]
    groups: dict[str, list] = {"central pixels": [], "smooth and subsample": []}
    total = len(settings) * len(test)
    title = f"Pixel space: {len(test)} test digits vs the hull of {len(train)} training digits"

    def result() -> ExperimentResult:
        return _shares_result(title, "dimensions kept", ("strategy", "dimensions"), groups)

    for index, (strategy, k) in enumerate(settings):
        if strategy == "central pixels":
            x_train, x_test = central_pixels(train.images, k), central_pixels(test.images, k)
        else:
            x_train = smooth_and_subsample(train.images, k)
            x_test = smooth_and_subsample(test.images, k)
        dims = x_train.shape[1]
        shares = yield from _relay(
            _enclosure_shares(x_train, x_test),
            lambda step, index=index, strategy=strategy, dims=dims: ExperimentProgress(
                index * len(test) + step[0], total, f"{strategy}: {dims} dimensions", result()
            ),
        )
        groups[strategy].append((dims, (strategy, dims), shares, ()))
    final = result()
    yield ExperimentProgress(total, total, "done", final)
    return final


#: Embedding sizes of the latent experiment (the last hidden layer's width).
EMBEDDING_SIZES = (2, 4, 8, 16, 32, 64)


def latent_experiment(
    digits: DigitImages | None = None,
    *,
    embedding_sizes: Sequence[int] = EMBEDDING_SIZES,
    hidden: Sequence[int] = (128,),
    epochs: int = 30,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Generator[ExperimentProgress, None, ExperimentResult]:
    """Share of test embeddings inside the hull of the training embeddings.

    For each size k a ReLU classifier ``64 -> hidden... -> k -> 10`` is trained on the
    training digits; its last hidden layer (k ReLU units) is the embedding. Test
    accuracy is reported beside the shares.

    Yields
    ------
    ExperimentProgress after every training epoch and every batch of test embeddings.

    Returns
    -------
    ExperimentResult: one series per enclosure against k; table columns embedding size,
    the shares of :data:`ENCLOSURES`, test accuracy.
    """
    digits = load_digits() if digits is None else digits
    train, test = train_test_split(digits, test_fraction, seed)
    groups: dict[str, list] = {"latent": []}
    per_size = epochs + len(test)
    total = len(embedding_sizes) * per_size
    title = f"Latent space: {len(test)} test digits vs the hull of {len(train)} training digits"

    def result() -> ExperimentResult:
        return _shares_result(
            title, "embedding size", ("embedding size",), groups, ("test accuracy",)
        )

    for index, k in enumerate(embedding_sizes):
        base = index * per_size
        model = yield from _relay(
            train_classifier(train.flat, train.labels, (*hidden, k), epochs=epochs, seed=seed),
            lambda epoch, base=base, k=k: ExperimentProgress(
                base + epoch.epoch, total, f"k = {k}: training, epoch {epoch.epoch}", result()
            ),
        )
        accuracy = float((model_predictions(model, test.flat) == test.labels).mean())
        shares = yield from _relay(
            _enclosure_shares(embed(model, train.flat), embed(model, test.flat)),
            lambda step, base=base, k=k: ExperimentProgress(
                base + epochs + step[0], total, f"k = {k}: hull test", result()
            ),
        )
        groups["latent"].append((k, (k,), shares, (accuracy,)))
    final = result()
    yield ExperimentProgress(total, total, "done", final)
    return final


def model_predictions(model: nn.Sequential, x: np.ndarray) -> np.ndarray:
    """(N,) predicted classes of a float64 classifier on (N, d) inputs."""
    with torch.no_grad():
        return model(torch.as_tensor(np.asarray(x, dtype=np.float64))).argmax(dim=1).numpy()
