"""Inside or outside the hull depends on the encoding, not on the task: three experiments
for the Hulls page, as generators (see :mod:`engine.experiments`).

- :func:`noise_dimensions_experiment`: a 2-D data set with k pure-noise coordinates
  appended (the "add 240 sensors" point): the share of test points inside the training
  hull falls with k although the task has not changed.
- :func:`watch_face_experiment`: the same clock readings encoded as pixels of a watch
  face, as the (x, y) tip of the hand and as the hand's angle: the hull shares differ
  from none to nearly all, while a classifier of the hour does well on each.
- :func:`generalisation_split_experiment`: a digits classifier's test accuracy split by
  where the test point lies: inside or outside the training hull, inside or outside the
  training set's minimum-volume ellipsoid, and in a cell (activation pattern, in the full
  input space, or in the 2-D slice through the point and its two nearest training points)
  that holds a training point or not.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import numpy as np

from engine.cell_sharing import in_training_cells, slice_cell_sharing
from engine.datasets import DATASETS, make_dataset
from engine.digit_models import train_classifier
from engine.digits import DigitImages, load_digits, train_test_split
from engine.enclosing import minimum_volume_ellipsoid
from engine.enclosure_experiments import (
    QUERY_BATCH,
    enclosure_shares,
    model_predictions,
    relay_progress,
    shares_result,
)
from engine.experiments import ExperimentProgress, ExperimentResult, Series
from engine.hulls import hull_membership

#: Noise coordinates appended by the noise experiment (240: the talk's extra sensors).
NOISE_DIMENSIONS = (0, 1, 2, 4, 8, 16, 32, 64, 128, 240)
#: Hours on the watch face: the classes of the watch-face experiment.
HOURS = 12
#: The hand's length as a share of the face's radius.
HAND_LENGTH = 0.8
#: Hidden widths of the classifiers whose accuracy the generalisation split reports.
SPLIT_WIDTHS = ((8,), (16,), (32,), (64, 64))


def with_noise_dimensions(points: np.ndarray, k: int, scale: float, seed: int) -> np.ndarray:
    """(N, d + k): ``points`` (N, d) with k coordinates of Gaussian noise of standard
    deviation ``scale`` appended (seeded: the same arguments give the same noise)."""
    points = np.asarray(points, dtype=np.float64)
    if k < 0:
        raise ValueError(f"the number of noise dimensions must be at least 0, got {k}")
    noise = np.random.default_rng(seed).normal(0.0, scale, size=(len(points), k))
    return np.hstack([points, noise])


def noise_dimensions_experiment(
    dataset: str = "two_moons",
    *,
    noise_dimensions: Sequence[int] = NOISE_DIMENSIONS,
    n_samples: int = 500,
    seed: int = 0,
) -> Generator[ExperimentProgress, None, ExperimentResult]:
    """Share of test points inside the training hull as pure-noise coordinates are added.

    The data set (a 2-D set of :data:`engine.datasets.DATASETS`, 30% held out) gets k
    extra coordinates of Gaussian noise whose standard deviation is the data's mean
    per-coordinate standard deviation; the noise is the same for every k up to its
    first k columns, so the curves differ only by the dimensions added.

    Yields
    ------
    ExperimentProgress after every batch of test points.

    Returns
    -------
    ExperimentResult: one series per enclosure against 2 + k; table columns noise
    dimensions, dimensions, then the shares of the enclosures.
    """
    if dataset not in DATASETS or DATASETS[dataset].classes == 0:
        names = ", ".join(name for name, kind in DATASETS.items() if kind.classes)
        raise ValueError(f"unknown 2-D classification data set {dataset!r}; choose {names}")
    data = make_dataset(dataset, n_samples=n_samples, seed=seed)
    scale = float(data.x_train.std(axis=0).mean())
    widest = max(noise_dimensions)
    train_all = with_noise_dimensions(data.x_train, widest, scale, seed + 1)
    test_all = with_noise_dimensions(data.x_test, widest, scale, seed + 2)
    n_test = len(data.x_test)
    total = len(noise_dimensions) * n_test
    groups: dict[str, list] = {"noise": []}
    title = (
        f"{DATASETS[dataset].title} with k noise dimensions: {n_test} test points vs the "
        f"hull of {len(data.x_train)}"
    )

    def result() -> ExperimentResult:
        return shares_result(
            title, "dimensions (2 + k)", ("noise dimensions", "dimensions"), groups
        )

    for index, k in enumerate(noise_dimensions):
        train, test = train_all[:, : 2 + k], test_all[:, : 2 + k]
        shares = yield from relay_progress(
            enclosure_shares(train, test),
            lambda step, index=index, k=k: ExperimentProgress(
                index * n_test + step[0], total, f"k = {k} noise dimensions", result()
            ),
        )
        groups["noise"].append((2 + k, (k, 2 + k), shares, ()))
    final = result()
    yield ExperimentProgress(total, total, "done", final)
    return final


def hand_tips(angles: np.ndarray) -> np.ndarray:
    """(N, 2) the tip of a watch hand at ``angles`` (N,) radians clockwise from twelve,
    on a face of radius 1: ``HAND_LENGTH * (sin a, cos a)``."""
    angles = np.asarray(angles, dtype=np.float64)
    return HAND_LENGTH * np.column_stack([np.sin(angles), np.cos(angles)])


def watch_faces(angles: np.ndarray, side: int = 16) -> np.ndarray:
    """(N, side, side) grey images of a watch face whose hand points at ``angles`` (N,).

    A pixel is 1 within half a pixel of the hand (a segment from the centre to
    :func:`hand_tips`) and fades linearly to 0 one pixel further out; rows run from top
    to bottom.
    """
    if not 4 <= side <= 64:
        raise ValueError(f"the watch face side must be 4 to 64 pixels, got {side}")
    centre = (side - 1) / 2.0
    radius = side / 2.0
    rows, cols = np.mgrid[0:side, 0:side].astype(np.float64)
    px = (cols - centre) / radius  # (side, side), x to the right
    py = (centre - rows) / radius  # y up
    tips = hand_tips(angles)  # (N, 2)
    length2 = HAND_LENGTH**2
    along = (px[None] * tips[:, 0, None, None] + py[None] * tips[:, 1, None, None]) / length2
    along = np.clip(along, 0.0, 1.0)
    dx = px[None] - along * tips[:, 0, None, None]
    dy = py[None] - along * tips[:, 1, None, None]
    distance_px = np.hypot(dx, dy) * radius
    return np.clip(1.5 - distance_px, 0.0, 1.0)


def hours(angles: np.ndarray) -> np.ndarray:
    """(N,) the hour 0..11 each angle (radians clockwise from twelve) points into."""
    turns = np.mod(np.asarray(angles, dtype=np.float64), 2 * np.pi) / (2 * np.pi)
    return np.minimum((turns * HOURS).astype(np.int64), HOURS - 1)


def watch_face_encodings(angles: np.ndarray, side: int = 16) -> dict[str, np.ndarray]:
    """The three encodings of the same readings: ``"angle"`` (N, 1), ``"hand tip (x, y)"``
    (N, 2) and ``"pixels"`` (N, side * side)."""
    angles = np.asarray(angles, dtype=np.float64)
    return {
        "angle": angles[:, None],
        "hand tip (x, y)": hand_tips(angles),
        "pixels": watch_faces(angles, side).reshape(len(angles), -1),
    }


def watch_face_experiment(
    *,
    n_train: int = 300,
    n_test: int = 100,
    side: int = 16,
    hidden: Sequence[int] = (64, 64),
    epochs: int = 200,
    seed: int = 0,
) -> Generator[ExperimentProgress, None, ExperimentResult]:
    """Hull shares and a classifier's test accuracy for three encodings of clock readings.

    Readings are angles uniform on the face (seeded); the task is the hour (12 classes).
    A ReLU classifier ``d -> hidden -> 12`` is trained on each encoding with the same
    seed. On the hand-tip circle no test point is ever inside the hull (a circle is
    strictly convex); on the angle line nearly all are; in pixel space none are: the
    classifier's accuracy does not follow.

    Yields
    ------
    ExperimentProgress after every training epoch and every batch of test points.

    Returns
    -------
    ExperimentResult: the hull share and the test accuracy against the encoding's
    dimension; table columns encoding, dimensions, the enclosures' shares, test accuracy.
    """
    rng = np.random.default_rng(seed)
    train_angles = rng.uniform(0.0, 2 * np.pi, n_train)
    test_angles = rng.uniform(0.0, 2 * np.pi, n_test)
    train_sets = watch_face_encodings(train_angles, side)
    test_sets = watch_face_encodings(test_angles, side)
    y_train, y_test = hours(train_angles), hours(test_angles)
    per_encoding = epochs + n_test
    total = len(train_sets) * per_encoding
    entries: list[tuple] = []
    title = f"Watch faces: {n_test} test readings vs the hull of {n_train}, three encodings"

    def result() -> ExperimentResult:
        shown = shares_result(
            title, "dimensions", ("encoding", "dimensions"), {"watch": entries}, ("test accuracy",)
        )
        if not entries:
            return shown
        x = np.array([entry[0] for entry in entries], dtype=float)
        accuracy = np.array([entry[3][0] for entry in entries])
        curve = Series("classifier's test accuracy", "test accuracy", x, accuracy, variant=1)
        return ExperimentResult(
            shown.title,
            shown.x_label,
            "share of test readings",
            True,
            (*shown.series, curve),
            header=shown.header,
            rows=shown.rows,
            percent_columns=shown.percent_columns,
        )

    for index, name in enumerate(train_sets):
        base = index * per_encoding
        x_train, x_test = train_sets[name], test_sets[name]
        model = yield from relay_progress(
            train_classifier(x_train, y_train, hidden, epochs=epochs, seed=seed),
            lambda epoch, base=base, name=name: ExperimentProgress(
                base + epoch.epoch, total, f"{name}: training, epoch {epoch.epoch}", result()
            ),
        )
        accuracy = float((model_predictions(model, x_test) == y_test).mean())
        shares = yield from relay_progress(
            enclosure_shares(x_train, x_test),
            lambda step, base=base, name=name: ExperimentProgress(
                base + epochs + step[0], total, f"{name}: hull test", result()
            ),
        )
        entries.append((x_train.shape[1], (name, x_train.shape[1]), shares, (accuracy,)))
    final = result()
    yield ExperimentProgress(total, total, "done", final)
    return final


#: The rows of the generalisation split, in table order: (label, which mask, kept when).
SPLIT_GROUPS = (
    ("all test digits", "all", True),
    ("inside the hull", "hull", True),
    ("outside the hull", "hull", False),
    ("inside the ellipsoid", "ellipsoid", True),
    ("outside the ellipsoid", "ellipsoid", False),
    ("in a training digit's cell", "cell", True),
    ("in a cell with no training digit", "cell", False),
    ("in a training digit's cell, 2-D slice", "slice", True),
    ("in no training digit's cell, 2-D slice", "slice", False),
)

#: What the table's "test digits" column means, row by row (its header's tooltip).
SPLIT_GROUPS_NOTE = (
    "Where the test digits lie. Hull and ellipsoid: of the training digits, in pixel "
    "space (64-D). Cell: the test digit's activation pattern (every hidden unit) equals "
    "a training digit's, exact in all 64 dimensions. 2-D slice: in the plane through the "
    "test digit and its two nearest training digits, the test digit's cell (a convex "
    "polygon) holds one of the training digits lying in that plane, i.e. one of them has "
    "its activation pattern; a subset of the cell rows' yes."
)


def split_accuracy(correct: np.ndarray, masks: dict[str, np.ndarray]) -> list[tuple]:
    """``(group, count, share, accuracy)`` rows of :data:`SPLIT_GROUPS` for ``correct``
    (M,) bool and ``masks[name]`` (M,) bool; the accuracy of an empty group (count 0) is
    NaN: there is no test point to score."""
    rows = []
    everything = np.ones_like(correct, dtype=bool)
    for label, name, kept in SPLIT_GROUPS:
        mask = everything if name == "all" else masks[name] == kept
        count = int(mask.sum())
        accuracy = float(correct[mask].mean()) if count else float("nan")
        rows.append((label, count, count / len(correct), accuracy))
    return rows


def generalisation_split_experiment(
    digits: DigitImages | None = None,
    *,
    widths: Sequence[Sequence[int]] = SPLIT_WIDTHS,
    epochs: int = 30,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Generator[ExperimentProgress, None, ExperimentResult]:
    """Digits classifiers' test accuracy split by interpolation and by cells.

    Hull and ellipsoid memberships are of the test digits in pixel space (64-D) against
    the training digits; cell membership is exact in the full input space: a test digit
    is in a training digit's cell iff their activation patterns (every hidden unit) are
    equal; and in the 2-D slice through the test digit and its two nearest training
    digits (:func:`engine.cell_sharing.slice_cell_sharing`): whether the test digit's
    cell in that plane holds a training digit. One classifier per entry of ``widths``.

    Yields
    ------
    ExperimentProgress after every batch of hull queries and every training epoch.

    Returns
    -------
    ExperimentResult: accuracy in and out of a training cell against the classifier's
    total hidden units; table columns classifier, test digits in, count, share of test
    digits, test accuracy.
    """
    digits = load_digits() if digits is None else digits
    train, test = train_test_split(digits, test_fraction, seed)
    n_test = len(test)
    total = n_test + len(widths) * epochs
    rows: list[tuple] = []
    points: list[tuple[int, float, float, float]] = []
    title = f"Accuracy by where the {n_test} test digits lie ({len(train)} training digits)"

    def result() -> ExperimentResult:
        x = np.array([p[0] for p in points], dtype=float)
        series = ()
        if points:
            series = (
                Series(
                    "accuracy, in a training cell", "in a cell", x, np.array([p[1] for p in points])
                ),
                Series(
                    "accuracy, in no training cell",
                    "no cell",
                    x,
                    np.array([p[2] for p in points]),
                    variant=1,
                ),
                Series(
                    "share in a training cell",
                    "share",
                    x,
                    np.array([p[3] for p in points]),
                    variant=2,
                ),
            )
        return ExperimentResult(
            title,
            "hidden units",
            "share / accuracy",
            True,
            series,
            header=("classifier", "test digits", "count", "share of test digits", "test accuracy"),
            header_notes=("", SPLIT_GROUPS_NOTE, "", "", ""),
            rows=tuple(rows),
            percent_columns=(3, 4),
        )

    inside_hull = np.zeros(n_test, dtype=bool)
    for start in range(0, n_test, QUERY_BATCH):
        stop = min(start + QUERY_BATCH, n_test)
        inside_hull[start:stop] = hull_membership(train.flat, test.flat[start:stop]).inside
        yield ExperimentProgress(stop, total, "hull test in pixel space", result())
    inside_ellipsoid = minimum_volume_ellipsoid(train.flat, eps=1e-4).contains(test.flat, tol=1e-7)
    for index, hidden in enumerate(widths):
        base = n_test + index * epochs
        name = "64-" + "-".join(str(w) for w in hidden) + "-10"
        model = yield from relay_progress(
            train_classifier(train.flat, train.labels, hidden, epochs=epochs, seed=seed),
            lambda epoch, base=base, name=name: ExperimentProgress(
                base + epoch.epoch, total, f"{name}: training, epoch {epoch.epoch}", result()
            ),
        )
        correct = model_predictions(model, test.flat) == test.labels
        masks = {
            "hull": inside_hull,
            "ellipsoid": inside_ellipsoid,
            "cell": in_training_cells(model, train.flat, test.flat),
            "slice": np.zeros(n_test, dtype=bool),
        }
        for start in range(0, n_test, QUERY_BATCH):
            stop = min(start + QUERY_BATCH, n_test)
            sharing = slice_cell_sharing(model, train.flat, test.flat[start:stop])
            masks["slice"][start:stop] = sharing.shared
            message = f"{name}: 2-D slices, {stop} of {n_test} test digits"
            yield ExperimentProgress(base + epochs, total, message, result())
        split = split_accuracy(correct, masks)
        rows.extend((name, *row) for row in split)
        by_group = {row[0]: row for row in split}
        in_cell = by_group["in a training digit's cell"]
        no_cell = by_group["in a cell with no training digit"]
        points.append((sum(hidden), in_cell[3], no_cell[3], in_cell[2]))
    final = result()
    yield ExperimentProgress(total, total, "done", final)
    return final
