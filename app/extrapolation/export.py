"""The Extrapolation page's export views."""

from __future__ import annotations

from app.export.figure_frame import FigureHeading, plain_text
from app.export.ready import Readiness
from app.export.targets import ExportAnimation, ExportView


def extrapolation_targets(page) -> list[ExportView | ExportAnimation]:
    """The fit with its knots (main view), then the whole page."""
    key = "extrapolation"
    return [
        ExportView(
            key,
            "the fits with the network's knots",
            lambda: page.plot,
            heading=lambda: FigureHeading(
                "Extrapolation in one dimension: a ReLU network goes straight, a polynomial "
                "does not",
                plain_text(page.readout.text()),
            ),
        ),
        ExportView(f"{key}-page", "the whole Extrapolation page", lambda: page),
    ]


def extrapolation_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once a training run has finished and its fit is drawn."""
    return Readiness(
        (page.results_shown,), lambda: page.first_results_shown, (page.controller.failed,)
    )
