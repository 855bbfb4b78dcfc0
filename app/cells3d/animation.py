"""The Cells 3D page's animations: the probe walked along a segment through the box, and
the cells revealed layer by layer while the camera turns a little.

Each frame is the 3-D scene below a caption naming where the animation is (``t`` along
the path, layer k of L); the first frame's size holds for all. The page is put back as
it was afterwards: its settings, its camera, its probe.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from PySide6.QtGui import QImage

from app.export.figure_frame import FigureHeading
from app.export.formats import ImageSize
from app.export.targets import ExportView, WaitFor, steady_frames

#: The probe sweep's segment, as fractions of the box along each axis: corner to corner,
#: through the middle, so it crosses the cells of every layer.
SWEEP_FROM = (0.08, 0.12, 0.2)
SWEEP_TO = (0.92, 0.88, 0.8)
#: How far the camera turns about the vertical during a layer reveal, in degrees.
ORBIT_DEGREES = 50.0


def _scene_frame(page, heading) -> ExportView:
    """The 3-D scene as a figure below ``heading()``, the scene's own caption hidden."""
    return ExportView(
        "cells3d-frame",
        "the cells in 3-D",
        lambda: page.view.interactor,
        vtk=True,
        heading=heading,
        staging=page.view.caption_hidden,
    )


def _point(text_of: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in text_of).replace("-", "−") + ")"


def sweep_ends(bounds) -> tuple[np.ndarray, np.ndarray]:
    """(3,) start and (3,) end of the probe sweep in the box ``bounds``."""
    b = np.asarray(bounds, dtype=np.float64)
    low, span = b[0::2], b[1::2] - b[0::2]
    return low + np.asarray(SWEEP_FROM) * span, low + np.asarray(SWEEP_TO) * span


def probe_sweep_3d(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """The probe walked from one end of the sweep segment to the other in ``n_frames``
    equal steps; each frame says ``t`` and the cell the probe is in."""
    probe = page.probe
    start_position = probe.position
    a, b = sweep_ends(page.controller.bounds)
    where = [0.0]

    def heading() -> FigureHeading:
        state = probe.state
        cell = "" if state is None else f"in cell {state.readout.cell} · "
        return FigureHeading(
            f"Probe sweep in 3-D: t = {where[0]:.2f} along the path",
            f"{cell}from {_point(a)} to {_point(b)}",
        )

    frame = steady_frames(_scene_frame(page, heading), size)
    page.view.set_sweep_path((a, b))
    try:
        for t in np.linspace(0.0, 1.0, max(n_frames, 1)):
            point = a + t * (b - a)
            if t == 0.0:
                probe.place_probe(point)
            else:
                probe.move_probe(point)
            where[0] = float(t)
            yield frame()
    finally:
        page.view.set_sweep_path(None)
        if start_position is not None:
            probe.place_probe(start_position)


def _cells_of(page, layers: int) -> WaitFor:
    controller = page.controller

    def ready() -> bool:
        partition = page.view.scene.partition
        return (
            partition is not None
            and partition.n_layers == layers
            and controller.layers == layers
            and not controller.is_busy
        )

    return WaitFor(
        (page.partition_shown,),
        ready,
        f"the 3-D cells of {layers} layers",
        (controller.partition_failed,),
    )


def layer_reveal_3d(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """The cells of the first 1, 2, ... L layers, the newest layer's faces in colour,
    while the camera turns :data:`ORBIT_DEGREES` about the vertical.

    Frame ``i`` shows the first ``ceil((i + 1) L / n)`` layers.
    """
    controller = page.controller
    original = controller.state
    camera = page.view.renderer.GetActiveCamera()
    saved = (camera.GetPosition(), camera.GetFocalPoint(), camera.GetViewUp())
    total = controller.n_layers
    n = max(n_frames, 1)

    def heading() -> FigureHeading:
        partition = page.view.scene.partition
        k = partition.n_layers
        return FigureHeading(
            f"Layer {k} of {total}: {partition.n_regions:,} exact cells",
            f"layer {k}'s faces in colour · each layer cuts the cells of the layers before it",
        )

    frame = steady_frames(_scene_frame(page, heading), size)
    try:
        shown = -1
        for i in range(n):
            layers = min(max(math.ceil((i + 1) * total / n - 1e-9), 1), total)
            if layers != shown:
                controller.update(
                    layers=layers, show_layer_faces=layers > 0, face_layer=max(layers, 1)
                )
                yield _cells_of(page, layers)
                shown = layers
            if i:
                camera.Azimuth(ORBIT_DEGREES / max(n - 1, 1))
                page.view.renderer.ResetCameraClippingRange()
            yield frame()
    finally:
        controller.set_state(original)
        camera.SetPosition(*saved[0])
        camera.SetFocalPoint(*saved[1])
        camera.SetViewUp(*saved[2])
        page.view.renderer.ResetCameraClippingRange()
        page.view.render()
