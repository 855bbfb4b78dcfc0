"""The Volume page's Monte-Carlo first look: every dimension at a small count at once,
then refined with the run's full count, with the same final estimates as before."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

from app.volume.controller import FIRST_LOOK_SAMPLES, MONTE_CARLO_DIMENSIONS, run_monte_carlo
from app.volume.page import VolumePage
from app.volume.spec import volume_first_result
from engine.volumes import ball_volume_fraction, monte_carlo_ball_fraction
from tests.shown_page import shown_page

WORKER_TIMEOUT_MS = 60_000


def _run(dimensions, n_samples, seed=0):
    """Every progress a run yields, and what it returns."""
    steps = []
    run = run_monte_carlo(dimensions, n_samples, seed)
    while True:
        try:
            steps.append(next(run))
        except StopIteration as stop:
            return steps, stop.value


def test_the_first_look_estimates_every_dimension_then_the_full_run_returns_as_before():
    dimensions, n = (1, 2, 3, 5, 8), 50_000
    steps, final = _run(dimensions, n, seed=3)
    look = steps[0]
    assert look.refining is None and look.done == 0 and look.total == n * len(dimensions)
    assert [e.d for e in look.estimates] == list(dimensions)
    assert all(e.n_samples == FIRST_LOOK_SAMPLES for e in look.estimates)
    for e in look.estimates:  # a real estimate: within 4 sigma of the exact fraction
        exact = ball_volume_fraction(e.d)
        assert abs(e.fraction - exact) <= 4 * math.sqrt(exact * (1 - exact) / e.n_samples)
    # The full run is what it was without the first look: each dimension on its own.
    assert final == tuple(monte_carlo_ball_fraction(d, n, seed=3) for d in dimensions)
    # While refining, the plot always holds one estimate per dimension, in order: the
    # refined ones, the running one, then the first look's.
    for step in steps[1:]:
        assert [e.d for e in step.estimates] == list(dimensions)
        at = dimensions.index(step.refining)
        assert step.estimates[at + 1 :] == look.estimates[at + 1 :]
        assert step.estimates[:at] == final[:at]
    assert steps[-1].done == steps[-1].total and steps[-1].estimates == final


def test_a_run_smaller_than_the_first_look_looks_with_its_own_count():
    steps, final = _run((2, 4), 1_000)
    assert all(e.n_samples == 1_000 for e in steps[0].estimates)
    assert final == tuple(monte_carlo_ball_fraction(d, 1_000) for d in (2, 4))


def test_the_page_shows_the_first_look_while_the_run_refines(qtbot):
    page = VolumePage()
    page.samples_box.setCurrentIndex(2)  # 10^7 points per d: many seconds to refine
    rule = volume_first_result(page)
    assert not rule.is_ready()
    for _ in shown_page(
        qtbot, page, (1400, 850), timeout_ms=WORKER_TIMEOUT_MS, drawn=page.first_look_shown
    ):
        assert rule.is_ready()
        shown = page.fraction_plot.monte_carlo
        assert [e.d for e in shown] == list(MONTE_CARLO_DIMENSIONS)
        assert page.controller.is_sampling and not page.first_results_shown
        status = page.monte_carlo_status.text()
        assert status == "first look…" or status.startswith("refining d = "), status
        assert "in the ball" in page.distance_readout.text()
        with qtbot.waitSignal(page.controller.monte_carlo_finished, timeout=WORKER_TIMEOUT_MS):
            qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
        assert page.monte_carlo_status.text() == "cancelled"
