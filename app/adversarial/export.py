"""The Adversarial page's export views."""

from __future__ import annotations

from app.export.ready import Readiness
from app.export.targets import ExportAnimation, ExportView


def adversarial_targets(page) -> list[ExportView | ExportAnimation]:
    """The whole page (main view first), the three images, the chain, the 2-D disc."""
    key = "adversarial"
    return [
        ExportView(key, "the whole Adversarial page", lambda: page),
        ExportView(f"{key}-images", "input, adversarial input and difference", lambda: page.images),
        ExportView(f"{key}-chain", "the chain of cells walked", lambda: page.chain_strip),
        ExportView(
            f"{key}-disc",
            "the 2-D net's cells and the exact distance disc",
            lambda: page.plane_canvas,
        ),
    ]


def adversarial_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once an answer is on screen."""
    return Readiness(
        (page.results_shown,), lambda: page.first_results_shown, (page.controller.failed,)
    )
