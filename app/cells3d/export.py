"""The Cells 3D page's export views and its readiness."""

from __future__ import annotations

from app.export.ready import Readiness, after_signal
from app.export.targets import ExportAnimation, ExportView


def cells3d_targets(page) -> list[ExportView | ExportAnimation]:
    """The 3-D scene, then the whole page."""
    return [
        ExportView("cells3d", "the cells in 3-D", lambda: page.view.interactor, vtk=True),
        ExportView("cells3d-page", "the whole Cells 3D page", lambda: page),
    ]


def cells3d_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once a partition (of ``layers`` layers) has been drawn since the call."""
    controller = page.controller

    def ready() -> bool:
        if layers is not None and controller.layers != layers:
            return False
        return not controller.is_busy

    rule = after_signal(page.partition_shown, ready)
    rule.failures = (controller.partition_failed,)
    rule.settle_ms = 400
    return rule
