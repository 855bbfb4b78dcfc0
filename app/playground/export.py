"""The playground page's export views and animations."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from app.export.figure_frame import FIGURE_MIN_WIDTH, FigureHeading, layout_heading
from app.export.formats import ImageSize
from app.export.ready import Readiness
from app.export.targets import (
    ExportAnimation,
    ExportView,
    WaitFor,
    steady_frames,
)

if TYPE_CHECKING:
    from app.export.cell_figure import CellFigure


def _playground_figure(page) -> CellFigure:
    """The cells and data as a figure of exact polygons
    (:func:`app.playground.figure.playground_figure`), whose code (the export engine,
    torch with it) is imported when a figure is made, not with the page."""
    from app.playground.figure import playground_figure

    return playground_figure(page)


def playground_targets(page) -> list[ExportView | ExportAnimation]:
    """The page's views (main view first) and animations."""
    key = "playground"
    return [
        ExportView(
            key,
            "the cells and the data (exact polygons)",
            lambda: page.cells,
            figure=lambda: _playground_figure(page),
        ),
        ExportView(
            f"{key}-curves",
            "the loss and accuracy curves",
            lambda: page.curves,
            heading=lambda: curves_heading(page),
            staging=lambda: curves_on_a_slide(page),
            in_deck=False,  # the page's defaults have not trained: the curves are empty
        ),
        ExportView(f"{key}-page", "the whole Playground page", lambda: page),
        ExportAnimation(
            f"{key}-training",
            "a training run from its first weights",
            lambda n, size: training_run(page, n, size),
        ),
    ]


def curves_heading(page) -> FigureHeading:
    """The curves' title line: what they show, and after how many epochs."""
    snapshot = page.controller.snapshot
    note = "not trained yet" if snapshot is None else f"after {snapshot.epoch} epochs"
    return FigureHeading("Loss and accuracy while the network trains", note)


def curves_on_a_slide(page) -> AbstractContextManager:
    """The curves side by side, laid out so that they and their title line make a 16:9
    page (1920x1080 at the default scale of 2)."""
    width = FIGURE_MIN_WIDTH
    top = math.ceil(layout_heading(curves_heading(page), width).height)
    return page.curves.slide_shape(width, round(width * 9 / 16) - top)


def training_run(page, n_frames: int, size: ImageSize) -> Iterator[QImage | WaitFor]:
    """Reset the network, then train to the epoch budget in ``n_frames - 1`` equal parts.

    Frame ``i`` shows the cells after ``round(i * epochs / (n - 1))`` epochs, captioned
    with its epoch.
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

    view = ExportView(
        "training",
        "training",
        lambda: page.cells,
        heading=lambda: FigureHeading(f"Training: epoch {controller.snapshot.epoch} of {budget}"),
    )
    frame = steady_frames(view, size)
    page.frame_shown.connect(on_frame)
    try:
        controller.pause()
        controller.reset()
        yield trained_to(0)
        yield frame()
        for i in range(1, n_frames):
            epoch = round(i * budget / max(n_frames - 1, 1))
            if epoch > controller.snapshot.epoch:
                controller.set_config(replace(config, epochs=epoch))
                controller.play()
                yield trained_to(epoch)
            yield frame()
    finally:
        page.frame_shown.disconnect(on_frame)
        controller.pause()
        controller.set_config(config)


def playground_first_result(page) -> Readiness:
    """What a user sees first: the exact cells of the untrained network (training starts
    with Play)."""
    c = page.controller
    return Readiness((page.frame_shown,), lambda: page.frames_drawn > 0, (c.frame_failed,))


def playground_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once the network is trained to its budget and that frame is drawn."""
    c = page.controller

    def trained_and_drawn() -> bool:
        frame = c.frame
        return (
            frame is not None
            and not c.is_training
            and frame.run_id == c.run_id
            and frame.step == c.snapshot.step
        )

    return Readiness(
        (page.frame_shown, c.training_changed),
        trained_and_drawn,
        (c.frame_failed, c.training_failed),
    )
