"""Export views and animations of the pages that do not define ``export_targets()``.

Each adapter names a page's views (its main view first) and its animations. Animation
scripts drive the page through the same public calls its controls make, yield a frame
whenever the page shows the next state, and put the page back as it was when they end
(or are cancelled).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from app.export.cell_figure import cells_page_figure, playground_figure
from app.export.formats import ImageSize
from app.export.targets import (
    ExportAnimation,
    ExportView,
    WaitFor,
    figure_image,
    view_image,
)

#: The probe sweep's segment when no path is drawn, as fractions of the domain.
SWEEP_FROM = (0.05, 0.275)
SWEEP_TO = (0.95, 0.6)


def known_page_targets(page: QWidget, key: str) -> list[ExportView | ExportAnimation] | None:
    """The targets of a page this module knows (by its class), else None."""
    from app.cells_page import CellsPage
    from app.playground_page import PlaygroundPage
    from app.volume_page import VolumePage

    if isinstance(page, CellsPage):
        return cells_targets(page, key)
    if isinstance(page, VolumePage):
        return volume_targets(page, key)
    if isinstance(page, PlaygroundPage):
        return playground_targets(page, key)
    return _later_page_targets(page, key)


def _later_page_targets(page: QWidget, key: str) -> list[ExportView] | None:
    """The Cells 3D, Paths and Hulls pages: the whole page first, then their views."""
    from app.cells3d_page import Cells3DPage
    from app.hulls_page import HullsPage
    from app.paths_page import PathsPage

    if isinstance(page, Cells3DPage):
        return [
            ExportView(key, "the cells in 3-D", lambda: page.view.interactor, vtk=True),
            ExportView(f"{key}-page", "the whole Cells 3D page", lambda: page),
        ]
    if isinstance(page, PathsPage):
        return [
            ExportView(key, "the whole Paths page", lambda: page),
            ExportView(f"{key}-latent", "the latent plane and the path", lambda: page.canvas),
            ExportView(f"{key}-survey", "cells crossed against path length", lambda: page.survey),
            ExportView(
                f"{key}-classifier", "the classifier along the path", lambda: page.classifier_plot
            ),
            ExportView(
                f"{key}-distance",
                "distance to the nearest training image",
                lambda: page.distance_plot,
            ),
        ]
    if isinstance(page, HullsPage):
        return [
            ExportView(key, "the whole Hulls page", lambda: page),
            ExportView(
                f"{key}-canvas",
                "the test point against hull, ellipse, ball and box",
                lambda: page.canvas,
            ),
        ]
    return None


# --- Cells ---------------------------------------------------------------------------------


def cells_targets(page, key: str = "cells") -> list[ExportView | ExportAnimation]:
    canvas = ExportView(
        key,
        "the cells (exact polygons)",
        lambda: page.canvas,
        figure=lambda: cells_page_figure(page),
    )
    return [
        canvas,
        ExportView(f"{key}-path", "the outputs along the path", lambda: page.path_plot),
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
            figure = replace(cells_page_figure(page), newest_layer_opacity=p - layers + 1)
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
    view = ExportView("probe", "probe", lambda: canvas)
    try:
        for t in np.linspace(0.0, 1.0, max(n_frames, 1)):
            point = a + t * (b - a)
            if t == 0.0:
                probe.place_probe(*point)
            else:
                probe.move_probe(*point)
            yield view_image(view, size)
    finally:
        if drew_path:
            probe.clear_path()
        if start_position is not None:
            probe.place_probe(*start_position)


# --- Volume --------------------------------------------------------------------------------


def volume_targets(page, key: str = "volume") -> list[ExportView | ExportAnimation]:
    return [
        ExportView(key, "the whole Volume page", lambda: page),
        ExportView(
            f"{key}-cube", "the ball in the cube (3-D)", lambda: page.cube_view.interactor, vtk=True
        ),
        ExportView(f"{key}-square", "the scan of the square", lambda: page.square_view),
        ExportView(f"{key}-fraction", "the ball's share against d", lambda: page.fraction_plot),
        ExportView(f"{key}-distances", "the distance histograms", lambda: page.histogram_plot),
        ExportAnimation(
            f"{key}-scan",
            "the plane scanning the ball in the cube",
            lambda n, size: volume_scan(page, n, size),
        ),
    ]


def volume_scan(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """The scan from x1 = 0 to 1: the cube panel (3-D view, coverage, readout) per step."""
    controller = page.controller
    original = controller.scan_position
    controller.set_playing(False)
    panel = ExportView("scan", "scan", lambda: page.cube_view.parentWidget())
    try:
        for s in np.linspace(0.0, 1.0, max(n_frames, 1)):
            controller.set_scan_position(float(s))
            yield view_image(panel, size)
    finally:
        controller.set_scan_position(original)


# --- Playground ----------------------------------------------------------------------------


def playground_targets(page, key: str = "playground") -> list[ExportView | ExportAnimation]:
    return [
        ExportView(
            key,
            "the cells and the data (exact polygons)",
            lambda: page.cells,
            figure=lambda: playground_figure(page),
        ),
        ExportView(f"{key}-curves", "the loss and accuracy curves", lambda: page.curves),
        ExportView(f"{key}-page", "the whole Playground page", lambda: page),
        ExportAnimation(
            f"{key}-training",
            "a training run from its first weights",
            lambda n, size: training_run(page, n, size),
        ),
    ]


def training_run(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """Reset the network, then train to the epoch budget in ``n_frames - 1`` equal parts.

    Frame ``i`` shows the cells after ``round(i * epochs / (n - 1))`` epochs.
    """
    controller = page.controller
    config = controller.config
    budget = config.epochs
    shown: list[int] = [-1]

    def on_frame(frame: object) -> None:
        shown[0] = frame.step

    def trained_to(epoch: int) -> WaitFor:
        def ready() -> bool:
            return (
                not controller.is_training
                and controller.snapshot.epoch >= epoch
                and shown[0] == controller.snapshot.step
            )

        return WaitFor(
            (page.frame_shown, controller.training_changed),
            ready,
            f"the network trained to epoch {epoch}",
            (controller.frame_failed, controller.training_failed),
        )

    view = ExportView("training", "training", lambda: page.cells)
    page.frame_shown.connect(on_frame)
    try:
        controller.pause()
        controller.reset()
        yield trained_to(0)
        yield view_image(view, size)
        for i in range(1, n_frames):
            epoch = round(i * budget / max(n_frames - 1, 1))
            if epoch > controller.snapshot.epoch:
                controller.set_config(replace(config, epochs=epoch))
                controller.play()
                yield trained_to(epoch)
            yield view_image(view, size)
    finally:
        page.frame_shown.disconnect(on_frame)
        controller.pause()
        controller.set_config(config)
