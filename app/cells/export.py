"""The cells page's export views and animations."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QImage

from app.export.figure_frame import FigureHeading
from app.export.formats import ImageSize
from app.export.ready import Readiness
from app.export.targets import (
    ExportAnimation,
    ExportView,
    WaitFor,
    figure_image,
    steady_frames,
)

if TYPE_CHECKING:
    from app.export.cell_figure import CellFigure

#: The probe sweep's segment when no path is drawn, as fractions of the domain.
SWEEP_FROM = (0.05, 0.275)
SWEEP_TO = (0.95, 0.6)


def _cells_figure(page) -> CellFigure:
    """The canvas as a figure of exact polygons (:func:`app.cells.figure.cells_page_figure`),
    whose code (the export engine, torch with it) is imported when a figure is made, not
    with the page."""
    from app.cells.figure import cells_page_figure

    return cells_page_figure(page)


def cells_targets(page) -> list[ExportView | ExportAnimation]:
    """The page's views (main view first) and animations."""
    key = "cells"
    canvas = ExportView(
        key,
        "the cells (exact polygons)",
        lambda: page.canvas,
        figure=lambda: _cells_figure(page),
    )
    return [
        canvas,
        ExportView(
            f"{key}-path",
            "the outputs along the path",
            lambda: page.path_plot,
            heading=lambda: path_heading(page.path_plot),
            in_deck=False,  # the page's defaults draw no path: the plot would be empty
        ),
        ExportView(f"{key}-page", "the whole Cells page", lambda: page),
        ExportAnimation(
            f"{key}-layers",
            "layer-by-layer reveal (each layer's edges fade in)",
            lambda n, size: layer_reveal(page, n, size),
            default_frames=24,
        ),
        ExportAnimation(
            f"{key}-probe",
            "probe sweep along the path (or a diagonal)",
            lambda n, size: probe_sweep(page, n, size),
        ),
    ]


def path_heading(path_plot) -> FigureHeading:
    """The path plot's title line: what it shows, and how many cells the path crosses."""
    n_cells = path_plot.n_cells
    note = "" if n_cells is None else f"the path crosses {n_cells} cells: {n_cells - 1} kinks"
    if n_cells is None:
        note = "draw a path on the cells (Shift+drag) to see its outputs"
    return FigureHeading("The outputs along the path are piecewise linear", note)


def _partition_of(page, layers: int) -> WaitFor:
    controller = page.controller

    def ready() -> bool:
        result = controller.result
        return result is not None and result.layers == layers and not controller.is_busy

    return WaitFor(
        (page.partition_shown,),
        ready,
        f"the cells of {layers} layers",
        (controller.partition_failed,),
    )


def layer_reveal(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """The cells of the first 1, 2, ... L layers; each new layer's edges fade in.

    Frame ``i`` shows ``p = (i + 1) L / n`` layers: the partition of ``ceil(p)`` layers
    with the newest layer's edges at opacity ``p - ceil(p) + 1``.
    """
    controller = page.controller
    original = controller.layers
    total = controller.n_layers
    pixels, _, _ = size.resolve(page.canvas.width(), page.canvas.height())
    try:
        shown = -1
        for i in range(n_frames):
            p = (i + 1) * total / n_frames
            layers = max(math.ceil(p - 1e-9), 1)
            if layers != shown:
                controller.set_layers(layers)
                yield _partition_of(page, layers)
                shown = layers
            figure = replace(_cells_figure(page), newest_layer_opacity=p - layers + 1)
            yield figure_image(figure, pixels)
    finally:
        controller.set_layers(original)


def probe_sweep(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """The probe walked along the path (a default one is drawn when there is none)."""
    probe = page.probe
    canvas = page.canvas
    start_position = probe.position
    ends = canvas.path_ends
    drew_path = ends is None
    if drew_path:
        xmin, xmax, ymin, ymax = page.controller.bounds
        a = (xmin + SWEEP_FROM[0] * (xmax - xmin), ymin + SWEEP_FROM[1] * (ymax - ymin))
        b = (xmin + SWEEP_TO[0] * (xmax - xmin), ymin + SWEEP_TO[1] * (ymax - ymin))
        probe.set_path(*a, *b)
        ends = (a, b)
    a, b = np.asarray(ends[0], float), np.asarray(ends[1], float)
    where = [0.0]
    route = f"from ({a[0]:.2f}, {a[1]:.2f}) to ({b[0]:.2f}, {b[1]:.2f})"
    view = ExportView(
        "probe",
        "probe",
        lambda: canvas,
        heading=lambda: FigureHeading(
            f"Probe sweep: t = {where[0]:.2f} along the path", route.replace("-", "−")
        ),
    )
    frame = steady_frames(view, size)
    try:
        for t in np.linspace(0.0, 1.0, max(n_frames, 1)):
            point = a + t * (b - a)
            if t == 0.0:
                probe.place_probe(*point)
            else:
                probe.move_probe(*point)
            where[0] = float(t)
            yield frame()
    finally:
        if drew_path:
            probe.clear_path()
        if start_position is not None:
            probe.place_probe(*start_position)


def cells_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once the partition of the current (or ``layers``) layers is drawn."""
    controller = page.controller

    def ready() -> bool:
        result = controller.result
        if layers is not None and controller.layers != layers:
            return False
        return result is not None and result.layers == controller.layers and not controller.is_busy

    return Readiness((page.partition_shown,), ready, (controller.partition_failed,))
