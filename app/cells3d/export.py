"""The Cells 3D page's export views and its readiness.

The 3-D scene is a figure view below a title line (its caption's first line) and a note
(what the colours show); the whole page is ``cells3d-page``; the animations are in
:mod:`app.cells3d.animation`.
"""

from __future__ import annotations

from app.cells3d.animation import layer_reveal_3d, probe_sweep_3d
from app.export.figure_frame import FigureHeading
from app.export.ready import Readiness, after_signal
from app.export.targets import ExportAnimation, ExportView


def scene_heading(page) -> FigureHeading:
    """The scene's caption as a heading: its first line the title, the others the note."""
    lines = [line for line in (page.view.caption.GetInput() or "").splitlines() if line]
    if not lines:
        return FigureHeading("Exact cells of a ReLU network in 3-D")
    return FigureHeading(f"Cells in 3-D: {lines[0]}", " · ".join(lines[1:]))


def cells3d_targets(page) -> list[ExportView | ExportAnimation]:
    """The 3-D scene, the whole page, and the probe sweep and layer reveal."""
    return [
        ExportView(
            "cells3d",
            "the cells in 3-D",
            lambda: page.view.interactor,
            vtk=True,
            heading=lambda: scene_heading(page),
            staging=page.view.caption_hidden,
        ),
        ExportView("cells3d-page", "the whole Cells 3D page", lambda: page),
        ExportAnimation(
            "cells3d-layers",
            "layer-by-layer reveal in 3-D (the camera turns a little)",
            lambda n, size: layer_reveal_3d(page, n, size),
            default_frames=24,
        ),
        ExportAnimation(
            "cells3d-probe",
            "probe sweep through the box",
            lambda n, size: probe_sweep_3d(page, n, size),
        ),
    ]


def cells3d_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once a partition (of ``layers`` layers) has been drawn since the call, or
    when the scene already shows the partition asked for and nothing is on its way (after
    an animation, which leaves the page as it found it)."""
    controller = page.controller

    def ready() -> bool:
        if layers is not None and controller.layers != layers:
            return False
        return not controller.is_busy

    def shown_already() -> bool:
        partition = page.view.scene.partition
        return partition is not None and partition.n_layers == controller.layers and ready()

    rule = after_signal(page.partition_shown, ready)
    drawn = rule.is_ready
    rule.is_ready = lambda: drawn() or shown_already()
    rule.failures = (controller.partition_failed,)
    rule.settle_ms = 400
    return rule
