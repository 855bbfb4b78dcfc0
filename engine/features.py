"""Feature transforms applied to the plane before the network ("linearise the data first").

A transform maps the input plane ``(x1, x2)`` to the network's input features. The
network's cells are polygons in feature space; in the input plane they are polygons only
when the transform is affine. So:

- ``raw`` is the identity: the cells are exact polygons of the input plane;
- a transform to a 2-D feature space (``polar``) has exact polygonal cells in feature
  space, drawn with feature coordinates on the axes;
- every other view of a non-linear transform can only be sampled on a grid of the input
  plane, and must say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: The two planes the cells can be drawn in: the network's 2-D feature plane, or the
#: input plane the data lives in.
FEATURE_PLANE = "feature"
INPUT_PLANE = "input"


def _raw(x: np.ndarray) -> np.ndarray:
    return x.copy()


def _squares(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x, x**2])


def _product(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x, x[:, 0] * x[:, 1]])


def _sines(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x, np.sin(np.pi * x)])


def _polar(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.hypot(x[:, 0], x[:, 1]), np.arctan2(x[:, 1], x[:, 0])])


def _same_bounds(bounds: tuple[float, ...]) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in bounds)


def _polar_bounds(bounds: tuple[float, ...]) -> tuple[float, float, float, float]:
    xmin, xmax, ymin, ymax = (float(v) for v in bounds)
    r_max = max(np.hypot(x, y) for x in (xmin, xmax) for y in (ymin, ymax))
    return (0.0, float(r_max), -float(np.pi), float(np.pi))


@dataclass(frozen=True)
class FeatureTransform:
    """A map from the input plane to the network's input features.

    Attributes
    ----------
    name : key in :data:`FEATURE_TRANSFORMS`.
    title : what a menu shows, with the features, e.g. ``"product (x₁, x₂, x₁x₂)"``.
    feature_names : (n_features,) names of the features, in order, for axis labels.
    function : maps (M, 2) float64 points to (M, n_features) float64 features.
    plane_bounds : for a 2-D feature space, maps an input rectangle to a rectangle of the
        feature plane holding its image; None otherwise.
    is_identity : True when the features are the input coordinates themselves.
    """

    name: str
    title: str
    feature_names: tuple[str, ...]
    function: Callable[[np.ndarray], np.ndarray]
    plane_bounds: Callable[[tuple], tuple[float, float, float, float]] | None = None
    is_identity: bool = False

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def has_exact_feature_plane(self) -> bool:
        """Whether the feature space is a plane, where exact cells can be drawn."""
        return self.plane_bounds is not None

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """(M, n_features) features of (M, 2) points of the input plane."""
        x = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return self.function(x)

    def feature_bounds(self, bounds) -> tuple[float, float, float, float]:
        """``(fmin, fmax, gmin, gmax)``: a rectangle of the 2-D feature plane that holds the
        image of the input rectangle ``bounds = (xmin, xmax, ymin, ymax)``."""
        if self.plane_bounds is None:
            raise ValueError(f"the {self.name} features are not a plane")
        return self.plane_bounds(bounds)


#: Every transform, by name, in the order a menu shows them.
FEATURE_TRANSFORMS: dict[str, FeatureTransform] = {
    t.name: t
    for t in (
        FeatureTransform("raw", "raw (x₁, x₂)", ("x₁", "x₂"), _raw, _same_bounds, True),
        FeatureTransform(
            "squares", "squares (x₁, x₂, x₁², x₂²)", ("x₁", "x₂", "x₁²", "x₂²"), _squares
        ),
        FeatureTransform("product", "product (x₁, x₂, x₁x₂)", ("x₁", "x₂", "x₁x₂"), _product),
        FeatureTransform(
            "sin", "sin (x₁, x₂, sin πx₁, sin πx₂)", ("x₁", "x₂", "sin πx₁", "sin πx₂"), _sines
        ),
        FeatureTransform("polar", "polar (r, θ)", ("r", "θ"), _polar, _polar_bounds),
    )
}


def feature_transform(name: str) -> FeatureTransform:
    """The transform called ``name``; raises ValueError naming the choices otherwise."""
    try:
        return FEATURE_TRANSFORMS[name]
    except KeyError:
        raise ValueError(
            f"unknown feature transform {name!r}; choose one of {', '.join(FEATURE_TRANSFORMS)}"
        ) from None


def view_is_exact(transform: FeatureTransform, view: str) -> bool:
    """Whether the cells in ``view`` are exact polygons: raw inputs, or a 2-D feature
    plane shown as such. Otherwise they can only be sampled."""
    return transform.is_identity or (view == FEATURE_PLANE and transform.has_exact_feature_plane)
