"""The Jigsaw page's export views: the page, both views side by side, each view alone."""

from __future__ import annotations

import numpy as np

from app.export.ready import Readiness
from app.export.targets import ExportAnimation, ExportView


def jigsaw_targets(page) -> list[ExportView | ExportAnimation]:
    """The page's views, main view first."""
    key = "jigsaw"
    return [
        ExportView(key, "the whole Jigsaw page", lambda: page),
        ExportView(
            f"{key}-views",
            "the input cells and their latent jigsaw, side by side",
            lambda: page.views,
        ),
        ExportView(f"{key}-input", "the input plane's cells", lambda: page.input_view),
        ExportView(
            f"{key}-latent", "the cells mapped into the hidden layer", lambda: page.latent_view
        ),
    ]


def jigsaw_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once a jigsaw is on screen (the first network trains on first show)."""
    return Readiness(
        (page.results_shown,),
        lambda: page.first_results_shown,
        (page.controller.failed,),
        start=page.start,
    )


def stage_hover_demo(page) -> None:
    """Light one cell in both views, as a hover would: of the cells holding training points,
    the one whose image is largest (the README screenshot)."""
    scene = page.scene
    if scene is None:
        return
    held = np.unique(scene.network.partition.locate(scene.network.dataset.x_train))
    held = held[held >= 0]
    if len(held):
        page.set_hovered_cell(int(held[np.argmax(scene.jigsaw.areas[held])]))
