"""The exact distance to the decision boundary against independent evidence.

d = 2: brute force over every cell of :func:`engine.partition2d.partition_2d` (each cell's
polygon clipped by the half-plane where another class wins, then the point-to-polygon
distance by plain 2-D geometry). d = 3: dense sampling of the ball of the proven radius
and rays in random directions. Digits (d = 64): a projected-gradient attack and rays.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.adversarial_attack import pgd_attack
from engine.adversarial_distance import CellBudgetExceeded, adversarial_distance
from engine.cell_programs import cell_polyhedron
from engine.networks import network_layers, random_mlp
from engine.partition2d import partition_2d

BOX = 40.0


def _net(widths, d, n_out, seed):
    return random_mlp(widths, n_inputs=d, n_outputs=n_out, seed=seed, dtype=torch.float64)


def _clip(polygon: np.ndarray, row: np.ndarray, rhs: float) -> np.ndarray:
    """Sutherland-Hodgman: the part of a convex polygon (k, 2) where row @ x <= rhs."""
    out = []
    k = len(polygon)
    for i in range(k):
        a, b = polygon[i], polygon[(i + 1) % k]
        fa, fb = row @ a - rhs, row @ b - rhs
        if fa <= 0:
            out.append(a)
        if (fa < 0 < fb) or (fb < 0 < fa):
            out.append(a + fa / (fa - fb) * (b - a))
    return np.array(out).reshape(-1, 2)


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray, norm: str) -> float:
    e = b - a
    if norm == "l2":
        t = np.clip((p - a) @ e / max(e @ e, 1e-300), 0.0, 1.0)
        return float(np.linalg.norm(a + t * e - p))
    # max(|u(t)|, |v(t)|) with u, v affine in t: its minimum over [0, 1] is at an end, a
    # zero of u or v, or where |u| = |v|.
    u0, v0 = a - p
    candidates = [0.0, 1.0]
    for num, den in ((-u0, e[0]), (-v0, e[1]), (v0 - u0, e[0] - e[1]), (-(u0 + v0), e[0] + e[1])):
        if den != 0:
            candidates.append(num / den)
    ts = np.clip(np.array(candidates), 0.0, 1.0)
    points = a + ts[:, None] * e - p
    return float(np.abs(points).max(axis=1).min())


def _polygon_distance(p: np.ndarray, polygon: np.ndarray, norm: str) -> float:
    k = len(polygon)
    edges = [(polygon[i], polygon[(i + 1) % k]) for i in range(k)]
    cross = [(b - a)[0] * (p - a)[1] - (b - a)[1] * (p - a)[0] for a, b in edges]
    if min(cross) >= 0:  # counter-clockwise polygon: inside
        return 0.0
    return min(_segment_distance(p, a, b, norm) for a, b in edges)


def brute_force_2d(model, x0: np.ndarray, norm: str) -> float:
    """min over every cell and every other class of the distance to the piece it wins."""
    part = partition_2d(model, (-BOX, BOX, -BOX, BOX))
    y = int(model(torch.as_tensor(x0[None])).argmax())
    best = np.inf
    for r in range(part.n_regions):
        polygon = part.vertices[part.indices[part.offsets[r] : part.offsets[r + 1]]]
        for j in range(part.A.shape[1]):
            if j == y:
                continue
            row, rhs = part.A[r, y] - part.A[r, j], part.c[r, j] - part.c[r, y]
            piece = _clip(polygon, row, rhs)
            if len(piece) >= 2:
                best = min(best, _polygon_distance(x0, piece, norm))
    return best


@pytest.mark.parametrize("norm", ["l2", "linf"])
@pytest.mark.parametrize("seed", [0, 1, 3, 4])
def test_matches_brute_force_over_every_cell_in_2d(seed: int, norm: str) -> None:
    model = _net([4, 4], 2, 3, seed)
    rng = np.random.default_rng(seed)
    for x0 in rng.uniform(-2.0, 2.0, size=(4, 2)):
        result = adversarial_distance(model, x0, norm=norm)
        expected = brute_force_2d(model, x0, norm)
        assert expected < BOX / 4  # the box holds the whole disc
        assert result.distance == pytest.approx(expected, abs=1e-9, rel=1e-9)
        assert result.lower_bound == result.distance


def test_a_network_of_one_class_everywhere_has_no_boundary() -> None:
    model = _net([4, 4], 2, 3, 2)  # this seed predicts one class on the whole plane
    x0 = np.array([0.4, 0.9])
    assert brute_force_2d(model, x0, "l2") == np.inf
    with pytest.raises(ArithmeticError, match="no class ever beats"):
        adversarial_distance(model, x0)


def _boundary_checks(model, result, tolerance: float = 1e-9) -> None:
    net = network_layers(model)
    out = net.forward(result.point[None])[0][0]
    assert abs(out[result.label] - out[result.adversarial_class]) <= tolerance * (
        1 + np.abs(out).max()
    )
    assert out.max() <= out[result.label] + tolerance * (1 + np.abs(out).max())
    # Another class wins within 1e-6 of the point (it is on the boundary, not short of it).
    near = result.point + 1e-6 * np.random.default_rng(0).uniform(-1, 1, (4000, len(result.point)))
    assert np.any(net.forward(near)[0].argmax(axis=1) != result.label)
    # The certificate: x0's cell, one neuron flipped per step, ending in the point's cell.
    assert np.array_equal(result.chain[0], net.activation_pattern(result.x0[None])[0])
    for step, neuron in enumerate(result.flipped):
        differs = np.flatnonzero(result.chain[step] != result.chain[step + 1])
        assert differs.tolist() == [neuron]
    last = cell_polyhedron(net, result.chain[-1])
    assert np.all(last.G @ result.point - last.h <= 1e-9 * (1 + np.abs(last.h)))
    assert np.all(result.step_distances <= result.distance + 1e-12)


@pytest.mark.parametrize("norm", ["l2", "linf"])
def test_point_lies_on_the_boundary_with_a_valid_chain(norm: str) -> None:
    model = _net([6, 6], 2, 3, 7)
    for x0 in np.random.default_rng(5).uniform(-2, 2, size=(5, 2)):
        _boundary_checks(model, adversarial_distance(model, x0, norm=norm))


def _ray_bound(net, x0: np.ndarray, y: int, v: np.ndarray, reach: float) -> float:
    """Distance along direction v (unit) to the first change of class found by bisection."""
    ts = np.linspace(0.0, reach, 4001)
    classes = net.forward(x0 + ts[:, None] * v)[0].argmax(axis=1)
    changed = np.flatnonzero(classes != y)
    if len(changed) == 0:
        return np.inf
    low, high = ts[changed[0] - 1], ts[changed[0]]
    for _ in range(60):
        mid = 0.5 * (low + high)
        if net.forward((x0 + mid * v)[None])[0].argmax() != y:
            high = mid
        else:
            low = mid
    return high


@pytest.mark.parametrize("norm", ["l2", "linf"])
def test_three_d_ball_of_the_distance_holds_one_class(norm: str) -> None:
    model = _net([5, 5], 3, 3, 11)
    net = network_layers(model)
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1, 1, size=3)
    result = adversarial_distance(model, x0, norm=norm)
    _boundary_checks(model, result)
    r = result.distance
    # Dense sampling of the ball (or cube) of radius r (1 - 1e-6): all of x0's class.
    if norm == "l2":
        directions = rng.normal(size=(200_000, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        radii = r * (1 - 1e-6) * rng.uniform(0, 1, size=(200_000, 1)) ** (1 / 3)
        points = x0 + radii * directions
    else:
        points = x0 + r * (1 - 1e-6) * rng.uniform(-1, 1, size=(200_000, 3))
        corners = np.array(np.meshgrid(*[[-1, 1]] * 3)).reshape(3, -1).T
        points = np.vstack([points, x0 + r * (1 - 1e-6) * corners])
    assert np.all(net.forward(points)[0].argmax(axis=1) == result.label)
    # Rays in random directions never reach another class sooner, and come close.
    directions = rng.normal(size=(400, 3))
    scale = np.linalg.norm if norm == "l2" else lambda v, **k: np.abs(v).max(**k)
    directions /= scale(directions, axis=1, keepdims=True)
    rays = [_ray_bound(net, x0, result.label, v, 10 * r) for v in directions]
    assert min(rays) >= r * (1 - 1e-9)
    assert min(rays) <= 1.5 * r


@pytest.fixture(scope="module")
def digits_model():
    from engine.digit_models import run_to_end, train_classifier
    from engine.digits import load_digits, train_test_split

    train, test = train_test_split(load_digits())
    model = run_to_end(train_classifier(train.flat, train.labels, (16, 16), epochs=15))
    return model, test.flat[:4]


@pytest.mark.parametrize("norm", ["l2", "linf"])
def test_digits_never_farther_than_the_attacks(digits_model, norm: str) -> None:
    model, inputs = digits_model
    net = network_layers(model)
    rng = np.random.default_rng(0)
    for x0 in inputs[:2]:
        result = adversarial_distance(model, x0, norm=norm, max_cells=5000)
        _boundary_checks(model, result)
        attack = pgd_attack(model, net, x0, norm)
        assert attack is not None
        assert result.distance <= attack.distance * (1 + 1e-9)
        for v in rng.normal(size=(20, 64)):
            v /= np.linalg.norm(v) if norm == "l2" else np.abs(v).max()
            assert _ray_bound(net, x0, result.label, v, 200 * result.distance) >= result.distance


def test_warm_linf_programs_give_the_fresh_programs_answer(digits_model) -> None:
    model, inputs = digits_model
    for x0 in inputs[:2]:
        warm = adversarial_distance(model, x0, norm="linf", max_cells=5000)
        fresh = adversarial_distance(model, x0, norm="linf", max_cells=5000, warm_start=False)
        assert warm.distance == pytest.approx(fresh.distance, rel=1e-7)
        assert warm.adversarial_class == fresh.adversarial_class
        _boundary_checks(model, warm)


def test_budget_exceeded_says_how_far_it_got(digits_model) -> None:
    model, inputs = digits_model
    with pytest.raises(CellBudgetExceeded, match="searched 1 cells") as caught:
        adversarial_distance(model, inputs[1], max_cells=1)
    error = caught.value
    assert error.cells_explored == 1
    assert 0.0 <= error.lower_bound <= error.upper_bound
    exact = adversarial_distance(model, inputs[1]).distance
    assert error.lower_bound <= exact <= error.upper_bound * (1 + 1e-9)


@pytest.mark.parametrize(
    ("x0", "kwargs", "message"),
    [
        (np.array([np.nan, 0.0]), {}, "NaN or infinite"),
        (np.zeros(3), {}, r"shape \(2,\)"),
        (np.zeros(2), {"norm": "l1"}, "norm must be one of"),
        (np.zeros(2), {"max_cells": 0}, "cell budget"),
        (np.zeros(2), {"max_cells": 2.5}, "cell budget"),
    ],
)
def test_hostile_arguments_are_refused_in_one_sentence(x0, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        adversarial_distance(_net([4], 2, 2, 0), x0, **kwargs)


def test_cell_affine_map_reproduces_the_network() -> None:
    model = _net([5, 4, 3], 3, 4, 2)
    net = network_layers(model)
    points = np.random.default_rng(1).normal(size=(50, 3))
    for x, pattern in zip(points, net.activation_pattern(points), strict=True):
        cell = cell_polyhedron(net, pattern)
        assert np.all(cell.G @ x <= cell.h + 1e-12)
        expected = model(torch.as_tensor(x[None])).detach().numpy()[0]
        np.testing.assert_allclose(cell.W @ x + cell.c, expected, rtol=1e-12, atol=1e-12)
