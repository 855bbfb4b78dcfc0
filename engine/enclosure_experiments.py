"""Digits inside the hull of the training digits: the pixel and latent experiments of
Balestriero, Pesenti & LeCun (2021), as generators (see :mod:`engine.experiments`).

- :func:`pixel_experiment`: the share of test digits inside the hull of the training digits
  as pixels are kept ("central pixels") or the image is smoothed and subsampled.
- :func:`latent_experiment`: the same in the last hidden layer of classifiers with
  embedding sizes 2..64 (the paper's Table 1 on the 8x8 digits).

Both also report the softer enclosures of :mod:`engine.enclosing`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence

import numpy as np
import torch
from torch import nn

from engine.digit_models import embed, train_classifier
from engine.digits import DigitImages, load_digits, train_test_split
from engine.enclosing import (
    bounding_box,
    fraction_in_range,
    minimum_enclosing_ball,
    minimum_volume_ellipsoid,
)
from engine.experiments import ExperimentProgress, ExperimentResult, Series
from engine.hulls import hull_membership

#: Queries handed to the hull test at a time between two progress reports.
QUERY_BATCH = 64

#: Columns of the pixel and latent tables after the setting: what "inside" means.
ENCLOSURES = ("convex hull", "ellipsoid (MVEE)", "ball", "bounding box", "coordinates in range")


def relay_progress(inner: Generator, wrap: Callable[[object], ExperimentProgress]) -> Generator:
    """Yield ``wrap(item)`` for every item of ``inner``; return what ``inner`` returns."""
    while True:
        try:
            item = next(inner)
        except StopIteration as stop:
            return stop.value
        yield wrap(item)


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
    from scipy import ndimage  # here: the Hulls page opens without it (0.05-0.1 CPU s)

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


def enclosure_shares(
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


def shares_result(
    title: str,
    x_label: str,
    setting_header: tuple[str, ...],
    groups: dict[str, list],
    extra_header: tuple[str, ...] = (),
) -> ExperimentResult:
    """Plot and table from ``groups[name] = [(x, setting..., shares (5,), extra...)]``;
    the shares and the ``extra`` columns (test accuracies) are percent columns."""
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
        percent_columns=tuple(
            range(len(setting_header), len(setting_header) + len(ENCLOSURES) + len(extra_header))
        ),
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
        return shares_result(title, "dimensions kept", ("strategy", "dimensions"), groups)

    for index, (strategy, k) in enumerate(settings):
        if strategy == "central pixels":
            x_train, x_test = central_pixels(train.images, k), central_pixels(test.images, k)
        else:
            x_train = smooth_and_subsample(train.images, k)
            x_test = smooth_and_subsample(test.images, k)
        dims = x_train.shape[1]
        shares = yield from relay_progress(
            enclosure_shares(x_train, x_test),
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
        return shares_result(
            title, "embedding size", ("embedding size",), groups, ("test accuracy",)
        )

    for index, k in enumerate(embedding_sizes):
        base = index * per_size
        model = yield from relay_progress(
            train_classifier(train.flat, train.labels, (*hidden, k), epochs=epochs, seed=seed),
            lambda epoch, base=base, k=k: ExperimentProgress(
                base + epoch.epoch, total, f"k = {k}: training, epoch {epoch.epoch}", result()
            ),
        )
        accuracy = float((model_predictions(model, test.flat) == test.labels).mean())
        shares = yield from relay_progress(
            enclosure_shares(embed(model, train.flat), embed(model, test.flat)),
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
