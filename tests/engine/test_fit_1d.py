"""The polynomial fit against numpy.polyfit, and the network fit's determinism and
its straight continuation outside the training range."""

from __future__ import annotations

import numpy as np
import pytest

from engine.fit_1d import fit_polynomial, iter_network_fit, target_values, training_points


@pytest.mark.parametrize("degree", [1, 2, 3, 5])
def test_polynomial_fit_agrees_with_polyfit(degree):
    rng = np.random.default_rng(degree)
    x = np.sort(rng.uniform(-2.0, 3.0, 30))
    y = np.cos(x) + 0.1 * rng.normal(size=30)
    ours = fit_polynomial(x, y, degree, (-2.0, 3.0))
    reference = np.polyval(np.polyfit(x, y, degree), x)
    assert np.allclose(ours(x), reference, atol=1e-9)


def test_a_polynomial_of_the_targets_degree_reproduces_it_far_away():
    x, y = training_points("square", -1.0, 2.0)
    fit = fit_polynomial(x, y, 2, (-1.0, 2.0))
    assert fit(np.array([-50.0, 40.0])) == pytest.approx([2500.0, 1600.0], rel=1e-9)


def test_too_few_points_for_the_degree_are_refused():
    with pytest.raises(ValueError, match="at least 4 points"):
        fit_polynomial(np.array([0.0, 1.0, 2.0]), np.zeros(3), 3, (0.0, 2.0))


def test_targets_are_the_textbook_functions():
    x = np.array([-2.0, 0.5, 3.0])
    assert target_values("square", x).tolist() == [4.0, 0.25, 9.0]
    assert target_values("abs", x).tolist() == [2.0, 0.5, 3.0]
    assert np.array_equal(target_values("sine", x), np.sin(x))


def final_fit(seed: int, epochs: int = 300):
    x, y = training_points("abs", -2.0, 2.0)
    *_, last = iter_network_fit(x, y, (8, 8), epochs=epochs, seed=seed)
    return last


def test_the_network_fit_is_deterministic_and_learns():
    a, b = final_fit(3), final_fit(3)
    assert np.array_equal(a.pieces.knots, b.pieces.knots)
    assert np.array_equal(a.pieces.slopes, b.pieces.slopes)
    x, y = training_points("abs", -2.0, 2.0)
    first = next(iter_network_fit(x, y, (8, 8), epochs=300, seed=3))
    assert a.loss < 0.1 * first.loss
    assert a.epoch == a.epochs == 300


def test_outside_the_range_the_network_is_straight_and_the_polynomial_is_not():
    x, y = training_points("sine", -3.0, 3.0)
    network = final_fit(1).pieces
    far = np.array([20.0, 30.0, 40.0])
    last = network.knots.max()
    assert last < far.min()  # the network's last bend lies well before x = 20
    values = network(far)
    assert values[2] - values[1] == pytest.approx(values[1] - values[0], rel=1e-9)
    polynomial = fit_polynomial(x, y, 9, (-3.0, 3.0))
    assert abs(polynomial(40.0)) > 1e6
