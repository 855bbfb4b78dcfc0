"""The Adversarial page's export views."""

from __future__ import annotations

from app.export.figure_frame import FigureHeading, plain_text
from app.export.ready import Readiness
from app.export.targets import ExportAnimation, ExportView


def adversarial_targets(page) -> list[ExportView | ExportAnimation]:
    """The three images (main view), the chain, the 2-D disc, then the whole page."""
    key = "adversarial"

    def heading(title: str, *labels) -> FigureHeading:
        note = " · ".join(plain_text(label.text()) for label in labels if label.text())
        return FigureHeading(title, note)

    return [
        ExportView(
            key,
            "input, nearest adversarial input and difference",
            lambda: page.images,
            heading=lambda: heading(
                "The nearest input of another class, exactly",
                page.distance_label,
                page.attack_label,
            ),
            staging=page.images.figure_shape,
        ),
        ExportView(
            f"{key}-chain",
            "the chain of cells walked",
            lambda: page.chain_strip,
            heading=lambda: heading(
                "The certificate: the chain of cells walked", page.certificate_label
            ),
            staging=page.chain_strip.figure_shape,
        ),
        ExportView(
            f"{key}-disc",
            "the 2-D net's cells and the exact distance disc",
            lambda: page.plane_canvas,
            heading=lambda: heading(
                "In the plane: the exact distance to another class", page.plane_label
            ),
        ),
        ExportView(f"{key}-page", "the whole Adversarial page", lambda: page),
    ]


def adversarial_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once an answer is on screen and nothing newer (a preset's digit, norm or
    point) is being searched or computed."""
    controller = page.controller
    return Readiness(
        (page.results_shown, controller.plane_answer_ready, controller.search_stopped),
        lambda: page.first_results_shown and not controller.is_busy,
        (controller.failed,),
    )
