"""Convex-hull membership, its certificates, the softer hulls and the Gaussian formula.

Evidence is independent of the implementation: one HiGHS feasibility LP per query
(``X^T lambda = q, sum lambda = 1, lambda >= 0``), Qhull's facets, polygon distances,
closed forms and Monte Carlo.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from benchmarks.reference_hull import lp_inside
from engine.absorption import (
    barany_furedi_threshold,
    gaussian_inside_curve,
    gaussian_inside_probability,
)
from engine.enclosing import (
    bounding_box,
    fraction_in_range,
    minimum_enclosing_ball,
    minimum_volume_ellipsoid,
)
from engine.hulls import distance_to_hull, hull_membership, in_convex_hull


def boundary_queries(train: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Points exactly on facets, vertices, and points 1e-4 R outside a facet."""
    d = train.shape[1]
    if d <= 5:
        hull = ConvexHull(train)
        facets = hull.simplices[rng.choice(len(hull.simplices), 8)]
        weights = rng.dirichlet(np.ones(d), 8)
        on = np.einsum("mk,mkd->md", weights, train[facets])
        picked = rng.choice(len(hull.simplices), 8)
        inner = np.einsum("mk,mkd->md", rng.dirichlet(np.ones(d), 8), train[hull.simplices[picked]])
        normals = hull.equations[picked, :d]
        off = inner + 1e-4 * np.sqrt(d) * normals
        vertices = train[hull.vertices[:5]]
    else:  # with N <= d + 1 general points every subset is a face (else: inside anyway)
        size = min(d, len(train) - 1)
        facets = np.array([rng.choice(len(train), size, replace=False) for _ in range(8)])
        on = np.einsum("mk,mkd->md", rng.dirichlet(np.ones(size), 8), train[facets])
        off = np.empty((0, d))
        vertices = train[:5]
    return on, off, vertices


@pytest.mark.parametrize(("d", "n"), [(2, 40), (3, 60), (5, 80), (12, 13), (30, 200), (50, 40)])
def test_membership_agrees_with_one_lp_per_query_and_every_certificate_verifies(d, n):
    rng = np.random.default_rng(d * 100 + n)
    train = rng.standard_normal((n, d))
    on, off, vertices = boundary_queries(train, rng)
    random = rng.standard_normal((20, d)) * 0.8
    queries = np.vstack([random, on, off, vertices])
    result = hull_membership(train, queries)
    expected = np.array([lp_inside(train, q) for q in queries])
    np.testing.assert_array_equal(result.inside, expected)
    # Facet and vertex points are inside by the documented tolerance; 1e-4 R out is out.
    assert result.inside[len(random) : len(random) + len(on)].all()
    assert result.inside[len(queries) - len(vertices) :].all()
    assert not result.inside[len(random) + len(on) : len(queries) - len(vertices)].any()
    assert result.certified.all()
    assert result.verify(train, queries).all()
    np.testing.assert_array_equal(in_convex_hull(train, queries), result.inside)


def test_certificates_hold_their_promises():
    rng = np.random.default_rng(7)
    train = rng.standard_normal((300, 6))
    queries = rng.standard_normal((60, 6))
    result = hull_membership(train, queries)
    assert 0 < result.inside.sum() < len(queries)
    weights = result.weights.toarray()
    inside, outside = result.inside, ~result.inside
    assert (weights[inside] >= 0).all()
    np.testing.assert_allclose(weights[inside].sum(axis=1), 1.0, atol=1e-12)
    assert (np.abs(weights[inside] @ train - queries[inside]).max(axis=1) <= result.tolerance).all()
    assert not weights[outside].any()
    # Every training point on one side, the query beyond it by more than the tolerance.
    assert (train @ result.normal[outside].T <= result.offset[outside]).all()
    assert (result.margin[outside] > result.tolerance).all()
    # A tampered certificate fails verification.
    tampered = result.offset.copy()
    tampered[outside] -= 10.0
    broken = type(result)(**{**result.__dict__, "offset": tampered})
    assert not broken.verify(train, queries)[outside].any()


def test_distance_to_hull_matches_the_polygon_distance_in_2d():
    rng = np.random.default_rng(3)
    train = rng.standard_normal((50, 2))
    queries = rng.standard_normal((30, 2)) * 2.5
    hull = ConvexHull(train)
    ring = train[hull.vertices]
    a, b = ring, np.roll(ring, -1, axis=0)
    t = np.clip(
        np.einsum("mkd,kd->mk", queries[:, None] - a, b - a) / ((b - a) ** 2).sum(axis=1), 0, 1
    )
    segment = np.linalg.norm(queries[:, None] - (a + t[..., None] * (b - a)), axis=2).min(axis=1)
    inside = (hull.equations[:, :2] @ queries.T + hull.equations[:, 2:] <= 0).all(axis=0)
    expected = np.where(inside, 0.0, segment)
    result = distance_to_hull(train, queries)
    np.testing.assert_allclose(result.distance, expected, atol=1e-6)
    assert (result.lower <= expected + 1e-9).all()
    assert in_convex_hull(train, result.nearest[~inside]).all()


def test_the_mvee_of_a_square_is_its_circumscribed_circle_and_holds_every_point():
    square = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    ellipsoid = minimum_volume_ellipsoid(square)
    np.testing.assert_allclose(ellipsoid.centre, 0.0, atol=1e-9)
    np.testing.assert_allclose(ellipsoid.semi_axes[0], np.sqrt(2.0), rtol=1e-6)
    rng = np.random.default_rng(0)
    cloud = rng.standard_normal((400, 5)) * [3, 2, 1, 0.5, 0.1] + 4
    cloud_ellipsoid = minimum_volume_ellipsoid(cloud, eps=1e-6)
    assert cloud_ellipsoid.contains(cloud).all()
    # Minimal: shrinking by 1e-3 leaves a point out (the ellipsoid touches the data).
    assert cloud_ellipsoid.level(cloud).max() > 1 - 1e-6
    # Flat data: the ellipsoid lives in the data's 2-D plane in R^4.
    flat = np.hstack([rng.standard_normal((50, 2)), np.zeros((50, 2))]) + 1.0
    flat_ellipsoid = minimum_volume_ellipsoid(flat)
    assert flat_ellipsoid.basis.shape == (4, 2)
    assert flat_ellipsoid.contains(flat).all()
    assert not flat_ellipsoid.contains(flat[:1] + np.array([0, 0, 1e-3, 0])).any()


def test_minimum_enclosing_ball_and_box():
    square = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0], [0.2, 0.3]])
    ball = minimum_enclosing_ball(square)
    np.testing.assert_allclose(ball.centre, 0.0, atol=1e-6)
    np.testing.assert_allclose(ball.radius, np.sqrt(2.0), rtol=1e-6)
    rng = np.random.default_rng(2)
    cloud = rng.standard_normal((500, 8))
    ball = minimum_enclosing_ball(cloud)
    assert ball.contains(cloud).all()
    assert ball.radius <= ball.lower_radius * (1 + 1e-6)
    box = bounding_box(cloud)
    assert box.contains(cloud).all()
    query = np.array([np.where(np.arange(8) < 3, 100.0, 0.0)])
    assert not box.contains(query)[0]
    np.testing.assert_allclose(fraction_in_range(cloud, query), [5 / 8])


@pytest.mark.parametrize("n", [2, 5, 37, 1000])
def test_kz_formula_in_one_dimension_is_n_minus_1_over_n_plus_1(n):
    assert gaussian_inside_probability(n, 1) == pytest.approx((n - 1) / (n + 1), abs=1e-12)


def test_kz_formula_matches_efron_identity_in_2d():
    # Efron (1965): P[X_{N+1} outside the hull of N] = E[vertices of the hull of N+1]/(N+1).
    rng = np.random.default_rng(11)
    n, runs = 30, 3000
    vertices = np.array(
        [len(ConvexHull(rng.standard_normal((n + 1, 2))).vertices) for _ in range(runs)]
    )
    estimate = 1.0 - vertices.mean() / (n + 1)
    stderr = vertices.std(ddof=1) / np.sqrt(runs) / (n + 1)
    assert abs(estimate - gaussian_inside_probability(n, 2)) < 4 * stderr


def test_kz_formula_matches_monte_carlo_at_d4_n100():
    rng = np.random.default_rng(5)
    trials, per_trial = 60, 40
    shares = [
        hull_membership(
            rng.standard_normal((100, 4)), rng.standard_normal((per_trial, 4))
        ).inside.mean()
        for _ in range(trials)
    ]
    stderr = np.std(shares, ddof=1) / np.sqrt(trials)
    assert abs(np.mean(shares) - gaussian_inside_probability(100, 4)) < 4 * stderr


def test_kz_probability_decreases_with_dimension_and_grows_with_n():
    values = [gaussian_inside_probability(200, d) for d in (2, 4, 6, 8, 10)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert gaussian_inside_probability(50, 5) < gaussian_inside_probability(500, 5)
    assert gaussian_inside_probability(5, 5) == 0.0
    assert barany_furedi_threshold(10) == pytest.approx(3.2)


def test_the_exact_curve_matches_the_formula_size_by_size():
    sizes = np.array([1, 2, 3, 4, 7, 10, 55, 300, 2000, 10_000])
    for d in (1, 2, 3, 6, 11, 16):
        curve = gaussian_inside_curve(sizes, d)
        one_by_one = [gaussian_inside_probability(int(n), d) for n in sizes]
        np.testing.assert_allclose(curve, one_by_one, rtol=0, atol=1e-12)
    # d = 1: (n - 1) / (n + 1) for every continuous law; n <= d: never inside.
    known = (sizes - 1) / (sizes + 1)
    np.testing.assert_allclose(gaussian_inside_curve(sizes, 1), known, atol=1e-12)
    assert gaussian_inside_curve(np.array([3, 5]), 5).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="sizes >= 1"):
        gaussian_inside_curve(np.array([0, 5]), 3)


def test_an_lp_highs_simplex_gives_up_on_still_gets_a_verified_answer():
    """2,000 points of a smooth closed curve in R^4 (from the Hulls page's 1-D manifold
    experiment), where HiGHS's simplex at tight tolerances ends with status 15: the
    query is decided by the interior-point method instead, and the answer agrees with an
    independent LP (benchmarks.reference_hull) and verifies."""
    case = np.load(Path(__file__).parent / "data" / "highs_status15_lp.npz")
    train, query = case["train"], case["query"][None, :]
    membership = hull_membership(train, query, max_iterations=1)  # straight to the LP
    assert membership.by_lp[0] and membership.certified[0]
    assert membership.verify(train, query).all()
    assert bool(membership.inside[0]) == lp_inside(train, query[0])
