"""The Networks page passes a slice's progress reports on at a pace the status line can
follow: the first at once, then the newest one per interval, none after the job ends."""

from __future__ import annotations

from app.networks.paced_progress import PacedProgress

PACE_MS = 80


def _recorded(qtbot):
    pacer = PacedProgress(PACE_MS)
    seen = []
    pacer.paced.connect(lambda *report: seen.append(report))
    return pacer, seen


def test_a_burst_of_reports_shows_the_first_at_once_and_then_only_the_newest(qtbot):
    pacer, seen = _recorded(qtbot)
    for k in range(1, 401):  # the default digits slice sends about 400
        pacer.report(k // 80, 5, 10 * k)
    assert seen == [(0, 5, 10)]
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=2000)
    assert seen[1] == (5, 5, 4000)
    qtbot.wait(3 * PACE_MS)
    assert len(seen) == 2  # nothing new: nothing passed on again
    pacer.report(5, 5, 4001)  # the interval is over: passed on at once
    assert seen[-1] == (5, 5, 4001)


def test_a_report_waiting_when_the_job_ends_is_dropped(qtbot):
    pacer, seen = _recorded(qtbot)
    pacer.report(1, 5, 10)
    pacer.report(2, 5, 20)
    pacer.stop()
    qtbot.wait(3 * PACE_MS)
    assert seen == [(1, 5, 10)]
    pacer.report(1, 5, 30)  # the next job's first report is shown at once
    assert seen[-1] == (1, 5, 30)
