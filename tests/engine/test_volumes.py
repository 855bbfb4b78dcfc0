"""The ball-in-cube volumes, checked against closed forms, literature values and sampling."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import integrate

from engine.packings import (
    PACKING_DENSITIES,
    dimension_table,
    kabatiansky_levenshtein_rate,
    log_kabatiansky_levenshtein_rate,
    minkowski_hlawka_bound,
)
from engine.torch_draws import TorchUniform
from engine.volumes import (
    ball_slice,
    ball_volume_fraction,
    coverage_curve,
    distance_sample,
    iter_monte_carlo_ball_fraction,
    log_ball_volume_fraction,
    monte_carlo_ball_fraction,
    monte_carlo_estimate,
    scanned_fraction,
    slice_coverage,
    slice_radius,
)

ROOT = Path(__file__).resolve().parents[2]


def closed_form_fraction(d: int) -> float:
    """pi^(d/2) / Gamma(d/2 + 1) / 2^d, evaluated directly (fine for small d)."""
    return math.pi ** (d / 2) / math.gamma(d / 2 + 1) / 2**d


@pytest.mark.parametrize("d", range(1, 21))
def test_exact_fraction_matches_the_closed_form(d):
    assert ball_volume_fraction(d) == pytest.approx(closed_form_fraction(d), rel=1e-12, abs=0)


def test_exact_fraction_accepts_arrays():
    d = np.arange(1, 21)
    expected = [closed_form_fraction(k) for k in d]
    np.testing.assert_allclose(ball_volume_fraction(d), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("d", "known"),
    [
        (1, 1.0),
        (2, 0.7853981633974483),  # pi / 4
        (3, 0.5235987755982988),  # pi / 6
        (4, 0.30842513753404244),  # pi^2 / 32
        (10, 0.0024903945701927),  # pi^5 / 120 / 1024
    ],
)
def test_exact_fraction_matches_known_values(d, known):
    assert ball_volume_fraction(d) == pytest.approx(known, rel=1e-12, abs=0)


def test_known_values_to_the_digits_people_quote():
    assert f"{ball_volume_fraction(2):.6f}" == "0.785398"
    assert f"{ball_volume_fraction(3):.6f}" == "0.523599"
    assert f"{ball_volume_fraction(10):.8f}" == "0.00249039"


def test_no_overflow_or_underflow_in_log_space_at_d_1000():
    with np.errstate(all="raise"):
        log_fraction = log_ball_volume_fraction(1000)
        logs = log_ball_volume_fraction(np.arange(1, 1001))
    assert math.isfinite(log_fraction)
    # ln V = 500 ln pi - ln 500! - 1000 ln 2, summed term by term.
    by_hand = 500 * math.log(math.pi) - math.lgamma(501) - 1000 * math.log(2)
    assert log_fraction == pytest.approx(by_hand, rel=1e-12)
    assert log_fraction == pytest.approx(-2732.11, abs=0.01)
    assert np.all(np.isfinite(logs))
    assert np.all(np.diff(logs) < 0)  # the fraction falls at every step
    assert ball_volume_fraction(1000) == 0.0  # below the smallest float64, not NaN


def test_monte_carlo_estimates_are_within_four_standard_errors():
    for d in range(2, 9):
        exact = ball_volume_fraction(d)
        estimate = monte_carlo_ball_fraction(d, 200_000, seed=7)
        standard_error = math.sqrt(exact * (1 - exact) / estimate.n_samples)
        assert abs(estimate.fraction - exact) < 4 * standard_error, (d, estimate)
        assert estimate.ci_low < estimate.fraction < estimate.ci_high
        assert estimate.n_samples == 200_000


def test_monte_carlo_is_seeded_batched_and_yields_progress():
    steps = list(iter_monte_carlo_ball_fraction(5, 10_000, seed=3, batch_elements=5 * 3000))
    assert [step.n_samples for step in steps] == [3000, 6000, 9000, 10_000]
    assert all(b.hits >= a.hits for a, b in itertools.pairwise(steps))
    again = monte_carlo_ball_fraction(5, 10_000, seed=3)
    assert again.hits == monte_carlo_ball_fraction(5, 10_000, seed=3).hits
    assert again.hits != monte_carlo_ball_fraction(5, 10_000, seed=4).hits


def test_monte_carlo_interval_with_no_hits_is_still_informative():
    estimate = monte_carlo_estimate(20, 1_000_000, 0)
    assert estimate.fraction == 0.0 and estimate.standard_error == 0.0
    assert estimate.ci_low == 0.0 and 0.0 < estimate.ci_high < 1e-5
    with pytest.raises(ValueError):
        monte_carlo_estimate(2, 10, 11)


def test_slice_coverage_in_two_and_three_dimensions():
    # A line across the square: all covered through the centre, none at the edges.
    assert slice_coverage(0.5, 2) == pytest.approx(1.0)
    assert slice_coverage(0.0, 2) == 0.0 and slice_coverage(1.0, 2) == 0.0
    assert slice_coverage(-0.1, 2) == 0.0 and slice_coverage(1.3, 3) == 0.0
    assert slice_coverage(0.25, 2) == pytest.approx(2 * math.sqrt(0.25 - 0.0625))
    # A plane across the cube: the disc of radius 1/2 covers pi/4 of the square.
    assert slice_coverage(0.5, 3) == pytest.approx(math.pi / 4)
    assert slice_radius(0.5) == 0.5 and slice_radius(2.0) == 0.0
    np.testing.assert_array_equal(slice_coverage(np.array([0.2, 0.5, 2.0]), 1), [1, 1, 0])


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5, 8, 12, 20, 50])
def test_the_slices_integrate_to_the_volume(d):
    integral, _ = integrate.quad(lambda s: slice_coverage(s, d), 0.0, 1.0, epsabs=1e-13)
    assert integral == pytest.approx(ball_volume_fraction(d), rel=1e-6, abs=1e-14)


@pytest.mark.parametrize("d", [2, 3, 7])
def test_the_running_integral_is_the_integral_of_the_slices(d):
    for s in (0.0, 0.1, 0.37, 0.5, 0.9, 1.0):
        integral, _ = integrate.quad(lambda t: slice_coverage(t, d), 0.0, s, epsabs=1e-13)
        assert scanned_fraction(s, d) == pytest.approx(integral, rel=1e-6, abs=1e-13)
    assert scanned_fraction(0.5, d) == pytest.approx(ball_volume_fraction(d) / 2)
    assert scanned_fraction(1.0, 2) == pytest.approx(math.pi / 4)


def test_ball_slice_and_coverage_curve_are_the_scan_as_plain_data():
    middle = ball_slice(0.5, 2)
    assert (middle.radius, middle.coverage) == (0.5, pytest.approx(1.0))
    assert middle.scanned == pytest.approx(math.pi / 8) and middle.total == pytest.approx(
        math.pi / 4
    )
    edge = ball_slice(1.7, 3)  # clipped to the far face
    assert (edge.position, edge.radius, edge.coverage) == (1.0, 0.0, 0.0)
    assert edge.scanned == pytest.approx(math.pi / 6)

    curve = coverage_curve(3, 401)
    assert curve.s[0] == 0.0 and curve.s[-1] == 1.0 and np.all(np.diff(curve.s) > 0)
    np.testing.assert_allclose(curve.coverage, slice_coverage(curve.s, 3))
    assert curve.scanned[-1] == pytest.approx(curve.total) == pytest.approx(math.pi / 6)
    # The running integral is the trapezoidal integral of the coverage, on a fine grid.
    trapezoids = np.concatenate(
        [[0.0], np.cumsum(np.diff(curve.s) * (curve.coverage[1:] + curve.coverage[:-1]) / 2)]
    )
    np.testing.assert_allclose(curve.scanned, trapezoids, atol=1e-4)


def test_packing_densities_match_the_literature_to_four_digits():
    literature = {
        1: ("ℤ", 1.0),
        2: ("A₂", 0.9069),
        3: ("A₃", 0.7405),
        4: ("D₄", 0.6169),
        5: ("D₅", 0.4653),
        6: ("E₆", 0.3729),
        7: ("E₇", 0.2953),
        8: ("E₈", 0.2537),
        24: ("Λ₂₄", 0.001930),
    }
    table = {p.d: p for p in PACKING_DENSITIES}
    assert set(table) == set(literature)
    for d, (symbol, density) in literature.items():
        assert table[d].lattice == symbol
        assert float(f"{table[d].density:.4g}") == density, (d, table[d].density)


def test_packings_lie_between_the_ball_fraction_and_one():
    # The ball-in-cube fraction is the density of the cubic packing: the best beat it.
    for packing in PACKING_DENSITIES:
        assert ball_volume_fraction(packing.d) <= packing.density + 1e-15 <= 1.0 + 1e-15
        if packing.d >= 2:
            assert packing.density >= minkowski_hlawka_bound(packing.d)


def test_minkowski_hlawka_and_kabatiansky_levenshtein():
    assert minkowski_hlawka_bound(2) == pytest.approx(math.pi**2 / 6 / 2)
    assert minkowski_hlawka_bound(24) == pytest.approx(1.0000000596 / 2**23, rel=1e-9)
    assert kabatiansky_levenshtein_rate(10) == pytest.approx(2 ** (-5.99))
    assert math.isfinite(log_kabatiansky_levenshtein_rate(1000))
    with pytest.raises(ValueError):
        minkowski_hlawka_bound(1)


def test_dimension_table_is_log10_of_the_curves():
    table = dimension_table(30)
    assert table.d.tolist() == list(range(1, 31))
    np.testing.assert_allclose(10**table.log10_ball_fraction, ball_volume_fraction(table.d))
    assert np.isnan(table.log10_minkowski_hlawka[0])
    np.testing.assert_allclose(
        10 ** table.log10_minkowski_hlawka[1:], minkowski_hlawka_bound(table.d[1:])
    )
    assert [p.d for p in table.packings] == [1, 2, 3, 4, 5, 6, 7, 8, 24]
    assert [p.d for p in dimension_table(8).packings] == list(range(1, 9))


def test_distances_concentrate_as_d_grows():
    samples = {d: distance_sample(d, 600, seed=1) for d in (2, 10, 100, 1000)}
    for d, sample in samples.items():
        assert sample.to_centre.shape == (600,)
        assert sample.pairwise.shape == (600 * 599 // 2,)
        # Mean squared distances: d/12 to the centre, d/6 between points.
        assert np.mean(sample.to_centre**2) == pytest.approx(d / 12, rel=0.05)
        assert np.mean(sample.pairwise**2) == pytest.approx(d / 6, rel=0.05)
    spreads = [samples[d].relative_spread_pairwise for d in (2, 10, 100, 1000)]
    assert spreads == sorted(spreads, reverse=True)
    assert samples[1000].relative_spread_to_centre < 0.03
    assert samples[1000].relative_spread_pairwise < 0.03
    assert samples[2].inside_ball_fraction == pytest.approx(math.pi / 4, abs=0.06)
    assert samples[100].inside_ball_fraction == 0.0


def test_volumes_import_without_gui_packages():
    code = (
        "import engine.volumes, sys; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'pyqtgraph', 'vtk', 'vtkmodules', 'superqt')]; assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_distances_are_every_pair_in_scipy_order():
    from scipy.spatial.distance import pdist

    sample = distance_sample(5, 40, seed=2)
    points = TorchUniform(2 * 1_000_003 + 5).rand(40, 5)  # the points the sample drew
    np.testing.assert_allclose(sample.pairwise, pdist(points), rtol=1e-14, atol=0)
    np.testing.assert_allclose(sample.to_centre, np.sqrt(((points - 0.5) ** 2).sum(1)), rtol=1e-14)


def test_monte_carlo_counts_the_hits_of_torchs_draws():
    """The same estimates as when the points came from torch itself."""
    generator = torch.Generator().manual_seed(3 * 1_000_003 + 4)
    points = torch.rand((5000, 4), generator=generator, dtype=torch.float64).numpy()
    hits = int(np.count_nonzero(((points - 0.5) ** 2).sum(axis=1) <= 0.25))
    assert monte_carlo_ball_fraction(4, 5000, seed=3).hits == hits
    *_, batched = iter_monte_carlo_ball_fraction(4, 5000, seed=3, batch_elements=4 * 700)
    assert batched.hits == hits
