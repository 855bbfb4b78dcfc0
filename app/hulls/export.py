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
    """Figure 1 runs on request: start it, ready once its results are shown."""
    rule = after_signal(page.experiment_shown)
    rule.failures = (page.controller.failed,)
    rule.start = lambda: page.controller.run_experiment("gaussian")
    rule.settle_ms = 400
    return rule
