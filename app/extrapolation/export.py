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
    """Ready once the run of the current settings has finished and its fit is drawn: a
    run from earlier settings (the page's defaults before a preset) does not count."""
    controller = page.controller
    return Readiness(
        (page.results_shown,),
        lambda: page.first_results_shown and not controller.is_training,
        (controller.failed,),
    )
