"""The Paths page's export views and its readiness."""

from __future__ import annotations

from app.export.ready import Readiness, after_signal
from app.export.targets import ExportAnimation, ExportView


def paths_targets(page) -> list[ExportView | ExportAnimation]:
    """The whole page first, then its plots."""
    return [
        ExportView("paths", "the whole Paths page", lambda: page),
        ExportView("paths-latent", "the latent plane and the path", lambda: page.views.canvas),
        ExportView("paths-survey", "cells crossed against path length", lambda: page.views.survey),
        ExportView(
            "paths-classifier", "the classifier along the path", lambda: page.views.classifier_plot
        ),
        ExportView(
            "paths-distance",
            "distance to the nearest training image",
            lambda: page.views.distance_plot,
        ),
    ]


def paths_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once a pair's path has been shown since the call."""
    rule = after_signal(page.pair_shown)
    rule.failures = (page.controller.failed,)
    rule.settle_ms = 400
    return rule
