"""The mixed-integer proof of the L-infinity distance against independent evidence.

d = 2: the brute force over every cell of the exact partition (the same reference as the
cell search's tests), for ReLU, LeakyReLU and absolute-value networks. Digits (d = 64):
the cell search's own proven answer where it finishes, a projected-gradient attack, rays,
and dense sampling of the cube of the proven radius for test digit 2, the digit whose cell
search runs past a 500-cell budget.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.adversarial_attack import pgd_attack
from engine.adversarial_digits import train_digits_classifier
from engine.adversarial_distance import adversarial_distance
from engine.networks import network_layers, random_mlp
from tests.engine.test_adversarial_distance import _boundary_checks, _ray_bound, brute_force_2d


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "abs"])
@pytest.mark.parametrize("seed", [0, 3])
def test_handed_to_the_program_at_once_matches_brute_force_in_2d(seed, activation) -> None:
    model = random_mlp(
        [4, 4], n_inputs=2, n_outputs=3, seed=seed, activation=activation, dtype=torch.float64
    )
    for x0 in np.random.default_rng(seed).uniform(-2.0, 2.0, size=(4, 2)):
        expected = brute_force_2d(model, x0, "linf")
        if not np.isfinite(expected):
            continue
        result = adversarial_distance(model, x0, norm="linf", milp_after=0)
        assert result.proof == "milp"
        assert result.distance == pytest.approx(expected, abs=1e-9, rel=1e-9)
        assert result.lower_bound <= result.distance
        assert result.lower_bound == pytest.approx(expected, rel=1e-7, abs=1e-9)
        _boundary_checks(model, result)


@pytest.fixture(scope="module")
def classifier():
    return train_digits_classifier()


def test_digits_handoff_gives_the_cell_search_answer(classifier) -> None:
    model = classifier.model
    for digit in (0, 1, 5):
        x0 = classifier.test.flat[digit]
        cells = adversarial_distance(model, x0, norm="linf", max_cells=5000)
        handed = adversarial_distance(model, x0, norm="linf", milp_after=1)
        assert (cells.proof, handed.proof) == ("cells", "milp")
        assert handed.distance == pytest.approx(cells.distance, rel=1e-7)
        assert handed.lower_bound == pytest.approx(cells.lower_bound, rel=1e-7)
        _boundary_checks(model, handed)


def test_digit_two_finishes_within_500_cells(classifier) -> None:
    model = classifier.model
    net = network_layers(model)
    x0 = classifier.test.flat[2]
    result = adversarial_distance(model, x0, norm="linf", max_cells=500, milp_after=100)
    assert result.proof == "milp" and result.cells_explored == 100
    _boundary_checks(model, result)
    assert result.lower_bound == pytest.approx(result.distance, rel=1e-7)
    attack = pgd_attack(model, net, x0, "linf")
    assert result.distance <= attack.distance * (1 + 1e-9)
    # Nothing of another class inside the cube of the proven radius: random points, its
    # corners (random sign vectors) and rays never leave x0's class.
    r = result.lower_bound * (1 - 1e-6)
    rng = np.random.default_rng(2)
    inside = x0 + r * rng.uniform(-1, 1, size=(50_000, 64))
    signs = x0 + r * rng.choice([-1.0, 1.0], size=(50_000, 64))
    assert np.all(net.forward(np.vstack([inside, signs]))[0].argmax(axis=1) == result.label)
    for v in rng.normal(size=(20, 64)):
        v /= np.abs(v).max()
        assert _ray_bound(net, x0, result.label, v, 50 * result.distance) >= r


def test_a_negative_handoff_is_refused() -> None:
    model = random_mlp([4], n_inputs=2, n_outputs=2, seed=0, dtype=torch.float64)
    with pytest.raises(ValueError, match="milp_after"):
        adversarial_distance(model, np.zeros(2), norm="linf", milp_after=-1)


def test_when_the_program_does_not_finish_the_cells_carry_on(monkeypatch) -> None:
    import engine.adversarial_distance as module

    monkeypatch.setattr(module, "milp_boundary_distance", lambda *args, **kwargs: None)
    model = random_mlp([4, 4], n_inputs=2, n_outputs=3, seed=0, dtype=torch.float64)
    x0 = np.array([0.3, -0.4])
    expected = brute_force_2d(model, x0, "linf")
    result = adversarial_distance(model, x0, norm="linf", milp_after=0)
    assert result.proof == "cells"
    assert result.distance == pytest.approx(expected, abs=1e-9, rel=1e-9)
