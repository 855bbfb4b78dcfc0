"""The Hulls page's export views and its readiness."""

from __future__ import annotations

from app.export.ready import Readiness, after_signal
from app.export.targets import ExportAnimation, ExportView


def hulls_targets(page) -> list[ExportView | ExportAnimation]:
    """The whole page first, then the test-point canvas."""
    return [
        ExportView("hulls", "the whole Hulls page", lambda: page),
        ExportView(
            "hulls-canvas",
            "the test point against hull, ellipse, ball and box",
            lambda: page.canvas,
        ),
    ]


def hulls_readiness(page, layers: int | None = None) -> Readiness:
    """The experiment of the tab shown (Figure 1 by default) runs on request: start it
    unless a preset already has, ready once its results are shown."""
    rule = after_signal(page.experiment_shown)
    rule.failures = (page.controller.failed,)
    rule.start = lambda: _run_shown_experiment(page.controller)
    rule.settle_ms = 400
    return rule


def _run_shown_experiment(controller) -> None:
    key = controller.state.experiment
    if not controller.is_running(key):
        controller.run_experiment(key)
