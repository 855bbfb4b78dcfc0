"""Seeded toy data sets in the plane and in space, for watching a network learn.

Every planar generator draws its points in the square ``[-1, 1]^2`` (before noise), so one
viewing rectangle, :data:`DATA_BOUNDS`, fits them all; the 3-D ones (:data:`DATASETS_3D`)
draw theirs in the cube ``[-1, 1]^3``, inside :data:`DATA_BOUNDS_3D`. ``noise`` is the standard
deviation of a Gaussian jitter added to every point (for the regression set: to every
target), in the same units. The same name, size, noise and seed always give the same
points, split the same way into a training and a test set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: ``(xmin, xmax, ymin, ymax)`` of the plane the data sets are drawn in, with a margin.
DATA_BOUNDS = (-1.25, 1.25, -1.25, 1.25)
#: ``(xmin, xmax, ymin, ymax, zmin, zmax)`` of the box the 3-D data sets are drawn in.
DATA_BOUNDS_3D = (-1.25, 1.25, -1.25, 1.25, -1.25, 1.25)


@dataclass(frozen=True)
class Dataset:
    """A data set in the plane (or in space), split into training and test points.

    Attributes
    ----------
    name : key in :data:`DATASETS` (or :data:`DATASETS_3D`).
    x_train : (N, d) float64 training inputs, d = 2 (or 3 for the 3-D data sets).
    y_train : (N,) int64 class labels in ``0..n_classes-1``, or float64 targets when
        ``n_classes == 0`` (regression).
    x_test : (M, d) float64 test inputs.
    y_test : (M,) labels or targets of the test inputs.
    n_classes : number of classes, 0 for a regression set.
    noise : standard deviation of the jitter the points were drawn with.
    seed : the seed they were drawn with.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    noise: float
    seed: int

    @property
    def is_regression(self) -> bool:
        return self.n_classes == 0

    @property
    def n_samples(self) -> int:
        return len(self.x_train) + len(self.x_test)

    @property
    def dimension(self) -> int:
        """Number of input coordinates d."""
        return self.x_train.shape[1]


def _labels(n: int, k: int) -> np.ndarray:
    """(n,) labels 0..k-1 in equal shares (the first classes get one more if uneven)."""
    return np.arange(n) % k


def _xor(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # Uniform in the square, kept 0.1 away from the axes so the quadrants are distinct.
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    x += np.sign(x) * 0.1
    x /= 1.1
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x + rng.normal(0.0, noise, size=x.shape), y


def _two_spirals(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # Two interleaved arms of two turns each, r from 0.05 to 1.
    y = _labels(n, 2)
    t = np.sqrt(rng.uniform(0.0, 1.0, size=n))  # denser where the arms are longer
    radius = 0.05 + 0.95 * t
    angle = 2.0 * 2.0 * np.pi * t + np.pi * y
    x = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return x + rng.normal(0.0, noise, size=x.shape), y


def _circle_in_ring(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # Class 0: a disc of radius 0.45; class 1: a ring from 0.7 to 1, both uniform in area.
    y = _labels(n, 2)
    inner, outer = np.where(y == 0, 0.0, 0.7), np.where(y == 0, 0.45, 1.0)
    radius = np.sqrt(rng.uniform(inner**2, outer**2))
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    x = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return x + rng.normal(0.0, noise, size=x.shape), y


def _blobs(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # k Gaussian blobs of standard deviation 0.15 + noise, centred on a circle of 0.6.
    y = _labels(n, n_classes)
    phase = np.pi / 4 if n_classes == 2 else np.pi / 2
    angle = phase + 2.0 * np.pi * np.arange(n_classes) / n_classes
    centres = 0.6 * np.column_stack([np.cos(angle), np.sin(angle)])
    x = centres[y] + rng.normal(0.0, 0.15 + noise, size=(n, 2))
    return x, y


def _two_moons(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # The classic interleaved half circles, scaled by 2/3 and centred.
    y = _labels(n, 2)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    x = np.where(y[:, None] == 0, upper, lower)
    x = (x - [0.5, 0.25]) / 1.5
    return x + rng.normal(0.0, noise, size=x.shape), y


def _checkerboard(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # A 4 x 4 board of squares of side 0.5.
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    squares = np.floor(2.0 * (x + 1.0)).astype(np.int64)
    y = (squares[:, 0] + squares[:, 1]) % 2
    return x + rng.normal(0.0, noise, size=x.shape), y


def _bump(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # Regression: a Gaussian bump exp(-|x|^2 / (2 * 0.4^2)), of height 1 at the origin.
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    target = np.exp(-(x**2).sum(axis=1) / (2 * 0.4**2))
    return x, target + rng.normal(0.0, noise, size=n)


def _unit_directions(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 3) directions uniform on the unit sphere."""
    direction = rng.normal(size=(n, 3))
    return direction / np.linalg.norm(direction, axis=1, keepdims=True)


def _ball_in_shell(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # Class 0: a ball of radius 0.45; class 1: a shell from 0.7 to 1, both uniform in volume.
    y = _labels(n, 2)
    inner, outer = np.where(y == 0, 0.0, 0.7), np.where(y == 0, 0.45, 1.0)
    radius = np.cbrt(rng.uniform(inner**3, outer**3))
    x = radius[:, None] * _unit_directions(n, rng)
    return x + rng.normal(0.0, noise, size=x.shape), y


def _xor_3d(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # The octants of the cube, labelled by the sign of x1 x2 x3; kept 0.1 off the planes.
    x = rng.uniform(-1.0, 1.0, size=(n, 3))
    x += np.sign(x) * 0.1
    x /= 1.1
    y = (x[:, 0] * x[:, 1] * x[:, 2] > 0).astype(np.int64)
    return x + rng.normal(0.0, noise, size=x.shape), y


#: Interlocked rings: centre line radius, tube radius, and the centres' offset along x1.
RING_RADIUS, RING_TUBE, RING_OFFSET = 0.5, 0.12, 0.25


def _interlocked_rings(n: int, rng: np.random.Generator, noise: float, n_classes: int) -> tuple:
    # Class 0 circles (-RING_OFFSET, 0, 0) in the x1 x2 plane, class 1 circles
    # (+RING_OFFSET, 0, 0) in the x1 x3 plane: each passes through the other's hole. Points
    # fill a tube around each centre line, uniformly in its cross-section's disc.
    y = _labels(n, 2)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    tube = RING_TUBE * np.sqrt(rng.uniform(0.0, 1.0, size=n))
    around = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radial = RING_RADIUS + tube * np.cos(around)  # in the ring's plane, from its centre
    across = tube * np.sin(around)  # along the ring's axis
    x = np.empty((n, 3))
    x[:, 0] = radial * np.cos(angle) + np.where(y == 0, -RING_OFFSET, RING_OFFSET)
    ring_0, ring_1 = y == 0, y == 1
    x[ring_0, 1], x[ring_0, 2] = radial[ring_0] * np.sin(angle[ring_0]), across[ring_0]
    x[ring_1, 1], x[ring_1, 2] = across[ring_1], radial[ring_1] * np.sin(angle[ring_1])
    return x + rng.normal(0.0, noise, size=x.shape), y


@dataclass(frozen=True)
class DatasetKind:
    """A generator and how to present it.

    ``classes`` is the fixed number of classes, 0 for regression, or None when the number
    is a parameter (``n_classes``); ``dimension`` is the number of input coordinates.
    """

    title: str
    generate: Callable[[int, np.random.Generator, float, int], tuple]
    classes: int | None
    dimension: int = 2


#: Every data set, by name, in the order a menu shows them.
DATASETS: dict[str, DatasetKind] = {
    "xor": DatasetKind("XOR quadrants", _xor, 2),
    "two_moons": DatasetKind("Two moons", _two_moons, 2),
    "circle": DatasetKind("Circle in a ring", _circle_in_ring, 2),
    "two_spirals": DatasetKind("Two spirals", _two_spirals, 2),
    "blobs": DatasetKind("Gaussian blobs, 2 classes", _blobs, 2),
    "blobs_k": DatasetKind("Gaussian blobs, k classes", _blobs, None),
    "checkerboard": DatasetKind("Checkerboard", _checkerboard, 2),
    "bump": DatasetKind("Bump (regression)", _bump, 0),
}

#: The 3-D data sets, by name, in the order a menu shows them (inputs in ``[-1, 1]^3``).
DATASETS_3D: dict[str, DatasetKind] = {
    "ball_in_shell": DatasetKind("Ball inside a shell", _ball_in_shell, 2, 3),
    "xor_3d": DatasetKind("3-D XOR (octants)", _xor_3d, 2, 3),
    "rings": DatasetKind("Two interlocked rings", _interlocked_rings, 2, 3),
}

MAX_CLASSES = 8


@dataclass(frozen=True)
class DatasetSpec:
    """The arguments of :func:`make_dataset`, as one value a control panel can send."""

    name: str = "two_moons"
    n_samples: int = 400
    noise: float = 0.05
    seed: int = 0
    n_classes: int = 3
    test_fraction: float = 0.3

    def make(self) -> Dataset:
        """Draw the data set this spec describes."""
        return make_dataset(
            self.name,
            n_samples=self.n_samples,
            noise=self.noise,
            seed=self.seed,
            test_fraction=self.test_fraction,
            n_classes=self.n_classes,
        )


def make_dataset(
    name: str,
    *,
    n_samples: int = 400,
    noise: float = 0.05,
    seed: int = 0,
    test_fraction: float = 0.3,
    n_classes: int = 3,
) -> Dataset:
    """Draw a data set and split it into training and test points.

    Parameters
    ----------
    name : a key of :data:`DATASETS` or :data:`DATASETS_3D`.
    n_samples : total number of points (training plus test), at least 4.
    noise : standard deviation of the Gaussian jitter (0 for none).
    seed : seed of the random generator; the same arguments give the same points.
    test_fraction : share of the points held out for testing, in (0, 1).
    n_classes : number of classes of ``"blobs_k"`` (2..8); ignored by the others.

    Returns
    -------
    Dataset with ``x_train (N, d)``, ``x_test (M, d)``, ``N + M = n_samples``.
    """
    kind = DATASETS.get(name) or DATASETS_3D.get(name)
    if kind is None:
        names = ", ".join([*DATASETS, *DATASETS_3D])
        raise ValueError(f"unknown data set {name!r}; choose one of {names}")
    n_samples = int(n_samples)
    if n_samples < 4:
        raise ValueError(f"a data set needs at least 4 points, got {n_samples}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a non-negative number, got {noise}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    classes = kind.classes if kind.classes is not None else int(n_classes)
    if kind.classes is None and not 2 <= classes <= MAX_CLASSES:
        raise ValueError(f"n_classes must be between 2 and {MAX_CLASSES}, got {n_classes}")

    rng = np.random.default_rng(seed)
    x, y = kind.generate(n_samples, rng, float(noise), classes)
    order = rng.permutation(n_samples)
    x, y = x[order].astype(np.float64), y[order]
    y = y.astype(np.float64) if classes == 0 else y.astype(np.int64)
    n_test = min(max(1, round(test_fraction * n_samples)), n_samples - 1)
    return Dataset(
        name=name,
        x_train=x[n_test:],
        y_train=y[n_test:],
        x_test=x[:n_test],
        y_test=y[:n_test],
        n_classes=classes,
        noise=float(noise),
        seed=int(seed),
    )
