"""The Jigsaw page's export views: the page, both views side by side, each view alone.

The latent view is the one on screen: the 2-D plot or, in 3-D, the VTK scene (written as
a sharp image below the heading's vector text), so every view exports at the page's
defaults and ``--preset jigsaw-3d`` gives the 3-D figure.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np

from app.export.figure_frame import FigureHeading, plain_text
from app.export.ready import Readiness
from app.export.targets import ExportAnimation, ExportView

_TITLE = "The latent space is a jigsaw: the exact cells and their images in a hidden layer"


def jigsaw_targets(page) -> list[ExportView | ExportAnimation]:
    """Both views side by side (main view), each view alone, then the whole page."""
    key = "jigsaw"

    def heading() -> FigureHeading:
        note = plain_text(page.readout.text())
        if page.latent3d_view is not None and page.latent_shown is page.latent3d_view:
            note = f"{note} · {page.latent3d_view.caption_text()}"
        return FigureHeading(_TITLE, note)

    def staging() -> AbstractContextManager:
        """In 3-D the heading names the axes; the scene's own small caption goes."""
        if page.latent3d_view is not None and page.latent_shown is page.latent3d_view:
            return page.latent3d_view.caption_hidden()
        return nullcontext()

    return [
        ExportView(
            key,
            "the input cells and their latent jigsaw, side by side",
            lambda: page.views,
            heading=heading,
            staging=staging,
        ),
        ExportView(
            f"{key}-input", "the input plane's cells", lambda: page.input_view, heading=heading
        ),
        ExportView(
            f"{key}-latent",
            "the cells mapped into the hidden layer (2-D or 3-D, as shown)",
            lambda: page.latent_shown,
            heading=heading,
            staging=staging,
        ),
        ExportView(f"{key}-page", "the whole Jigsaw page", lambda: page),
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
