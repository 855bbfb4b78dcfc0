"""The planar hull and verdict of :mod:`engine.planar_hull` against independent evidence:
scipy's qhull for the polygon, and the certified any-dimension hull test and distance of
:mod:`engine.hulls` (Frank–Wolfe and linear programs) for the verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from engine import hulls
from engine.hull_scene import judge_point, make_scene
from engine.planar_hull import DEFAULT_TOLERANCE, convex_polygon, planar_verdict


def _same_cycle(ring: np.ndarray, other: np.ndarray) -> bool:
    """Whether two vertex lists are the same polygon, in the same direction."""
    if ring.shape != other.shape:
        return False
    start = int(np.flatnonzero((other == ring[0]).all(axis=1))[0])
    return np.array_equal(np.roll(other, -start, axis=0), ring)


@pytest.mark.parametrize("seed", range(6))
def test_the_polygon_is_qhulls_counter_clockwise(seed):
    rng = np.random.default_rng(seed)
    points = rng.standard_normal((10 + 20 * seed, 2)) * [1.0, 0.3]
    ring = convex_polygon(points)
    assert _same_cycle(ring, points[ConvexHull(points).vertices])
    edges = np.roll(ring, -1, axis=0) - ring
    turns = (
        edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, 0)[:, 0]
    )
    assert (turns > 0).all()  # every corner turns left


def test_points_on_an_edge_and_repeated_points_are_not_vertices():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    points = np.vstack([square, [[0.5, 0.0], [1.0, 0.25], [0.5, 0.5]], square])
    assert _same_cycle(convex_polygon(points), square)
    assert len(convex_polygon(np.array([[2.0, 1.0], [2.0, 1.0]]))) == 1


def test_verdicts_and_distances_agree_with_the_certified_hull_test():
    scene = make_scene(5)
    rng = np.random.default_rng(1)
    ring = scene.hull_ring
    edges = np.roll(ring, -1, axis=0) - ring
    queries = np.vstack(
        [
            rng.standard_normal((120, 2)) * 1.2,
            ring,  # the vertices
            ring + 0.37 * edges,  # points on the edges
            ring * (1 + 1e-4),  # just outside at the vertices (the centre is near 0)
        ]
    )
    membership = hulls.hull_membership(scene.points, queries)
    distance = hulls.distance_to_hull(scene.points, queries)
    verdicts = [planar_verdict(scene.points, ring, q) for q in queries]
    inside = np.array([v.inside for v in verdicts])
    np.testing.assert_array_equal(inside, membership.inside)
    assert inside.any() and (~inside).any()
    exact = np.array([v.distance for v in verdicts])
    assert (exact[inside] == 0).all() and (exact[~inside] > 0).all()
    # Frank-Wolfe brackets the distance within 1e-7 R: the exact one lies in its bracket.
    outside = ~inside
    assert (distance.lower[outside] <= exact[outside] + 1e-12).all()
    assert (exact[outside] <= distance.distance[outside] + 1e-12).all()
    nearest = np.array([v.nearest for v in verdicts])
    np.testing.assert_allclose(nearest[outside], distance.nearest[outside], atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(queries - nearest, axis=1), exact, atol=1e-12)


def test_the_tolerance_is_the_max_norm_distance_of_the_certified_test():
    assert DEFAULT_TOLERANCE == hulls.DEFAULT_TOLERANCE
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    tau = DEFAULT_TOLERANCE * np.sqrt(0.5)  # the square's radius about its centre
    # Off a corner along the diagonal: max-norm distance 0.6 tau (inside), 1.5 tau (outside),
    # though the Euclidean distances are 0.85 tau and 2.1 tau.
    near, far = 1.0 + 0.6 * tau, 1.0 + 1.5 * tau
    assert planar_verdict(square, square, [near, near]).inside
    verdict = planar_verdict(square, square, [far, far])
    assert not verdict.inside
    assert verdict.max_norm_distance == pytest.approx(1.5 * tau, rel=1e-6)
    np.testing.assert_array_equal(verdict.nearest, [1.0, 1.0])
    certified = hulls.hull_membership(square, np.array([[near, near], [far, far]]))
    np.testing.assert_array_equal(certified.inside, [True, False])


def test_the_page_verdict_reads_as_before():
    scene = make_scene(0)
    inside = judge_point(scene, scene.points.mean(axis=0))
    assert inside.inside[0] and inside.distance == 0 and inside.certified_by == "hull edges"
    far = judge_point(scene, scene.ball.centre + np.array([3 * scene.ball.radius, 0.0]))
    expected = hulls.distance_to_hull(scene.points, far.point[None])
    assert not any(far.inside) and far.certified_by == "hyperplane"
    assert f"{far.distance:.3f}" == f"{expected.distance[0]:.3f}"
