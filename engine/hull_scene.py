"""A 2-D training set with every notion of "inside", and the verdicts for one test point.

The Hulls page draws a small planar training set with its convex hull, minimum-volume
ellipsoid, minimum enclosing ball and bounding box, and judges a draggable test point
under each. This module computes all of that as plain data, with numpy only: in the plane
the hull is a polygon and :mod:`engine.planar_hull` judges a point against it exactly, so
the page's first verdict waits for neither torch nor scipy (a second of imports).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.enclosing import (
    Ball,
    BoundingBox,
    Ellipsoid,
    bounding_box,
    coordinates_in_range,
    minimum_enclosing_ball,
    minimum_volume_ellipsoid,
)
from engine.planar_hull import convex_polygon, planar_verdict

#: The definitions of "inside" the page compares, in display order.
DEFINITIONS = ("convex hull", "ellipsoid", "ball", "bounding box")


@dataclass(frozen=True)
class HullScene:
    """A planar training set and its enclosures.

    Attributes
    ----------
    points : (N, 2) training points.
    hull_ring : (H, 2) the convex hull's vertices, counter-clockwise.
    ellipsoid, ball, box : the softer enclosures (engine.enclosing).
    """

    points: np.ndarray
    hull_ring: np.ndarray
    ellipsoid: Ellipsoid
    ball: Ball
    box: BoundingBox


@dataclass(frozen=True)
class PointVerdict:
    """Where one test point stands.

    Attributes
    ----------
    point : (2,) the test point.
    inside : one bool per :data:`DEFINITIONS`, in order.
    coordinates_in_range : share of the point's coordinates inside the training range.
    distance : Euclidean distance to the convex hull (0 inside).
    nearest : (2,) the hull's point nearest to it.
    certified_by : how the hull verdict was proven ("hull edges": the point is on the
        inner side of every edge of the hull polygon; "hyperplane": a line separates it
        from the training points).
    """

    point: np.ndarray
    inside: tuple[bool, ...]
    coordinates_in_range: float
    distance: float
    nearest: np.ndarray
    certified_by: str


def make_scene(seed: int, n_points: int = 30) -> HullScene:
    """A seeded, tilted, anisotropic Gaussian cloud of ``n_points`` and its enclosures."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    points = (rng.standard_normal((n_points, 2)) * [1.0, 0.45]) @ rotation.T
    return HullScene(
        points=points,
        hull_ring=convex_polygon(points),
        ellipsoid=minimum_volume_ellipsoid(points),
        ball=minimum_enclosing_ball(points),
        box=bounding_box(points),
    )


def judge_point(scene: HullScene, point: np.ndarray) -> PointVerdict:
    """The test point's verdict under every definition, its distance to the hull.

    The hull's verdict is :func:`engine.hulls.hull_membership`'s (the same tolerance),
    found in closed form from the polygon's edges (:func:`engine.planar_hull.planar_verdict`)."""
    query = np.asarray(point, dtype=np.float64).reshape(1, 2)
    hull = planar_verdict(scene.points, scene.hull_ring, query[0])
    return PointVerdict(
        point=query[0],
        inside=(
            hull.inside,
            bool(scene.ellipsoid.contains(query)[0]),
            bool(scene.ball.contains(query)[0]),
            bool(scene.box.contains(query)[0]),
        ),
        coordinates_in_range=float(coordinates_in_range(scene.box, query).mean()),
        distance=hull.distance,
        nearest=hull.nearest,
        certified_by="hull edges" if hull.inside else "hyperplane",
    )
