"""The volume page's export views and animations.

Its figure views (plots without controls, each below a title line) come first; the whole
page is ``volume-page``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PySide6.QtGui import QImage

from app.export.figure_frame import FigureHeading, plain_text
from app.export.formats import ImageSize
from app.export.ready import Readiness
from app.export.targets import (
    ExportAnimation,
    ExportView,
    WaitFor,
    steady_frames,
)


def volume_targets(page) -> list[ExportView | ExportAnimation]:
    """The page's figure views (main view first), the whole page, and the animation."""
    key = "volume"

    def fraction() -> FigureHeading:
        return FigureHeading(
            "The ball's share of the d-cube falls faster than any exponential",
            plain_text(page.dimension_readout.text()),
        )

    return [
        ExportView(
            f"{key}-fraction",
            "the ball's share against d",
            lambda: page.fraction_plot,
            heading=fraction,
        ),
        ExportView(
            f"{key}-cube",
            "the ball in the cube (3-D)",
            lambda: page.cube_view.interactor,
            vtk=True,
            heading=lambda: FigureHeading(
                "Scan the cube: the plane cuts a disc and four corner darts",
                plain_text(page.cube_readout.text()),
            ),
        ),
        ExportView(
            f"{key}-square",
            "the scan of the square",
            lambda: page.square_view,
            heading=lambda: FigureHeading(
                "Scan the square: the line crosses the disc",
                plain_text(page.square_readout.text()),
            ),
        ),
        ExportView(
            f"{key}-distances",
            "the distance histograms",
            lambda: page.histogram_plot,
            heading=lambda: FigureHeading(
                f"Distances in the {page.controller.distance_dimension}-cube "
                "concentrate as d grows",
                plain_text(page.distance_readout.text()),
            ),
        ),
        ExportView(f"{key}-page", "the whole Volume page", lambda: page),
        ExportAnimation(
            f"{key}-scan",
            "the plane scanning the ball in the cube",
            lambda n, size: volume_scan(page, n, size),
        ),
    ]


def volume_scan(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """The scan from x1 = 0 to 1: the 3-D view and its coverage curve per step (no
    controls), below a caption naming the scan position and the readout as its note."""
    controller = page.controller
    original = controller.scan_position
    controller.set_playing(False)
    step = [0]
    n = max(n_frames, 1)
    panel = ExportView(
        "scan",
        "scan",
        lambda: page.cube_scene_row,
        heading=lambda: FigureHeading(
            f"Scan position {step[0] + 1} of {n}: the plane at x₁ = {controller.scan_position:.2f}",
            plain_text(page.cube_readout.text()),
        ),
    )
    frame = steady_frames(panel, size)
    try:
        for i, s in enumerate(np.linspace(0.0, 1.0, n)):
            controller.set_scan_position(float(s))
            step[0] = i
            yield frame()
    finally:
        controller.set_scan_position(original)


def volume_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once the first distance histogram and Monte-Carlo run are on screen and no
    newer one (a preset's distance dimension) is being computed."""
    controller = page.controller
    return Readiness(
        (page.results_shown, controller.distances_ready, controller.monte_carlo_finished),
        lambda: page.first_results_shown and not controller.is_busy,
        (controller.failed,),
    )
