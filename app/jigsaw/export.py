"""The Jigsaw page's export views: the page, both views side by side, each view alone.

The latent view is the one on screen: the 2-D plot or, in 3-D, the VTK scene (written as
a sharp image below the heading's vector text, its caption, which names the axes, moved
into the heading's note), so every view exports at the page's defaults and
``--preset jigsaw-3d`` gives the 3-D figure.
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
        return jigsaw_heading(page)

    def staging() -> AbstractContextManager:
        return _scene_3d(page).caption_hidden() if _scene_3d(page) is not None else nullcontext()

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


def _scene_3d(page):
    """The 3-D latent view when it is the one shown, else None."""
    view = page.latent3d_view
    return view if view is not None and page.latent_shown is view else None


def jigsaw_heading(page) -> FigureHeading:
    """The title, and the readout as the note; in 3-D the note also names the axes by
    their colours in the triad (the scene's own caption is left out of figures)."""
    note = plain_text(page.readout.text())
    scene = _scene_3d(page)
    if scene is not None and scene.caption is not None:
        axes = scene.caption.GetInput() or ""
        note = f"{note} · axes {axes}" if axes else note
    return FigureHeading(_TITLE, note)


def jigsaw_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once the jigsaw of the current settings is on screen (the first network
    trains on first show): the jigsaw of earlier settings (the page's defaults before a
    preset) does not count while the new network trains or its jigsaw is computed."""
    controller = page.controller

    def ready() -> bool:
        scene = page.scene
        return (
            scene is not None
            and not controller.is_busy
            and scene.network is controller.network
            and scene.network.key == controller.state.network_key
        )

    return Readiness(
        (page.results_shown,),
        ready,
        (controller.failed,),
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
