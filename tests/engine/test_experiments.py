"""The experiment generators: progress, partial results, prompt cancellation, sanity."""

from __future__ import annotations

import numpy as np
import pytest

from engine import enclosure_experiments, experiments
from engine.absorption import gaussian_inside_probability
from engine.digits import load_digits
from engine.enclosure_experiments import (
    central_pixels,
    latent_experiment,
    pixel_experiment,
    smooth_and_subsample,
)
from engine.experiments import sample_probability_experiment


def small_digits():
    """The first 400 digits: 320 to train, 80 to test."""
    return load_digits().subset(np.arange(400))


def run(generator):
    progress = list(generator)
    return progress, progress[-1].result


def test_gaussian_experiment_reports_progress_and_agrees_with_the_exact_curve():
    progress, result = run(
        sample_probability_experiment("gaussian", (2, 4), (20, 100), trials=6, queries=40)
    )
    done = [p.done for p in progress]
    assert done == sorted(done) and done[-1] == progress[-1].total == 2 * 2 * 6
    assert len(result.rows) == 4
    for d, n, *_, share, stderr, exact, threshold in result.rows:
        assert exact == pytest.approx(gaussian_inside_probability(n, d))
        assert abs(share - exact) < 4 * stderr + 0.05
        assert threshold == pytest.approx(2 ** (d / 2) / d)
    assert [s.name for s in result.series if s.exact] == ["d = 2: exact", "d = 4: exact"]
    assert result.tsv().splitlines()[0].startswith("d\tN\ttrials")


def test_subspace_data_follow_the_intrinsic_dimension():
    _, result = run(sample_probability_experiment("subspace", (16,), (100,), trials=8, queries=40))
    (row,) = result.rows
    share, stderr, exact = row[5], row[6], row[7]
    assert exact == pytest.approx(gaussian_inside_probability(100, 4))
    assert abs(share - exact) < 4 * stderr + 0.05
    # A full 16-D Gaussian cloud of 100 points holds essentially no new sample.
    assert gaussian_inside_probability(100, 16) < 1e-4


def test_curve_samples_lie_on_one_fixed_curve():
    sample = experiments.make_sampler("curve", 3, seed=1)
    again = experiments.make_sampler("curve", 3, seed=1)
    a, b = sample(5), again(5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 3)


@pytest.mark.parametrize(
    "make",
    [
        lambda: sample_probability_experiment("gaussian", (3,), (50, 100), trials=3, queries=20),
        lambda: pixel_experiment(small_digits(), pixel_counts=(16,), sides=()),
        lambda: latent_experiment(small_digits(), embedding_sizes=(4,), epochs=3),
    ],
)
def test_experiments_cancel_at_the_next_step(monkeypatch, make):
    calls = []
    real = experiments.hull_membership
    for module in (experiments, enclosure_experiments):  # where each experiment calls it
        monkeypatch.setattr(
            module, "hull_membership", lambda *a, **k: calls.append(1) or real(*a, **k)
        )
    generator = make()
    first = next(generator)
    assert 0 <= first.done < first.total  # Figure 1 first yields its exact curves (0 done)
    before = len(calls)
    generator.close()  # what the worker does on cancel: it stops iterating
    assert len(calls) == before
    with pytest.raises(StopIteration):
        next(generator)


def test_pixel_features_and_softer_enclosures():
    digits = load_digits()
    images = digits.images[:10]
    assert central_pixels(images, 64).shape == (10, 64)
    np.testing.assert_array_equal(
        np.sort(central_pixels(images, 64), axis=1), np.sort(digits.flat[:10], axis=1)
    )
    # The four central pixels of an 8x8 image are rows/cols 3..4.
    np.testing.assert_array_equal(
        np.sort(central_pixels(images, 4), axis=1),
        np.sort(images[:, 3:5, 3:5].reshape(10, 4), axis=1),
    )
    np.testing.assert_allclose(smooth_and_subsample(images, 8), digits.flat[:10])
    np.testing.assert_allclose(
        smooth_and_subsample(images, 1)[:, 0], images.mean(axis=(1, 2)), atol=0.15
    )
    _, result = run(pixel_experiment(small_digits(), pixel_counts=(4, 64), sides=(2,)))
    header = result.header
    for row in result.rows:
        shares = dict(zip(header, row, strict=True))
        # Every softer enclosure contains the hull, so it holds at least as many points.
        for name in ("ellipsoid (MVEE)", "ball", "bounding box"):
            assert shares[name] >= shares["convex hull"]
        assert shares["coordinates in range"] >= shares["bounding box"]
    by_dims = {row[1]: row[2] for row in result.rows if row[0] == "central pixels"}
    assert by_dims[64] < by_dims[4]  # fewer test digits inside as dimensions grow
    assert by_dims[64] == 0.0


def test_figure1_draws_every_exact_curve_before_the_first_trial():
    run_ = sample_probability_experiment("gaussian", (2, 5, 16), (10, 100, 2000), trials=2)
    first = next(run_)
    run_.close()
    assert first.done == 0 and first.total == 3 * 3 * 2
    exact = {s.group: s for s in first.result.series if s.exact}
    assert sorted(exact) == ["d = 16", "d = 2", "d = 5"]
    assert not [s for s in first.result.series if not s.exact]  # nothing measured yet
    for d in (2, 5, 16):
        series = exact[f"d = {d}"]
        for n in (10, 300, 2000):
            i = int(np.flatnonzero(series.x == n)[0]) if n in series.x else None
            if i is not None:  # the one-by-one formula, independently of the shared grid
                assert series.y[i] == pytest.approx(gaussian_inside_probability(n, d), abs=1e-12)
