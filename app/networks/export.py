"""The Networks page's export views (the cells as exact polygons first) and readiness."""

from __future__ import annotations

import numpy as np

from app.export.cell_figure import (
    DECISION_WIDTH,
    CellFigure,
    LegendEntry,
    NamedMark,
    edge_legend,
    pattern_fills,
)
from app.export.figure_frame import FigureHeading, plain_text
from app.export.ready import Readiness
from app.export.targets import ExportAnimation, ExportView
from widgets.canvas.cell_canvas import layer_edge_style
from widgets.common.digit_gallery import MARK_RGB
from widgets.common.theme import Theme, current_theme


def networks_figure(page, *, theme: Theme | None = None) -> CellFigure:
    """The slice's cells as a figure of exact polygons, coloured as on screen, with the
    three images it goes through marked A, B and C as the canvas marks them.

    Raises ValueError before the first slice has been drawn.
    """
    theme = theme or current_theme()
    shown = page.controller.shown_slice
    if shown is None:
        raise ValueError("the Networks page has not drawn its cells yet")
    partition = shown.partition
    colours, widths = layer_edge_style(partition, theme)
    boundary = np.zeros((0, 2, 2)) if shown.boundary is None else shown.boundary.segments
    legend = edge_legend(partition, colours, shown.network.step_labels)
    if len(boundary):
        legend.append(
            LegendEntry("line", theme.palette.decision, "decision boundary", DECISION_WIDTH)
        )
    fills = page.cell_fills()
    probe = page.canvas.probe_position
    return CellFigure(
        partition=partition,
        cell_rgb=pattern_fills(partition, theme) if fills is None else fills.astype(np.uint8),
        edge_rgb=colours,
        edge_width=widths,
        boundary=np.asarray(boundary, np.float64).reshape(-1, 2, 2),
        theme=theme,
        probe=None if probe is None else np.asarray(probe, np.float64),
        highlighted=page.canvas.highlighted_cell,
        path=None,
        crossings=np.zeros((0, 2)),
        arrows=np.zeros((0, 2)),
        axis_names=("s", "t"),
        legend=tuple(legend),
        title=f"{shown.network.name}: {partition.n_regions:,} exact cells in the plane "
        "through A, B, C",
        edge_opacity=page.edge_opacity,
        marks=tuple(
            NamedMark(name, point, MARK_RGB[name])
            for name, point in zip("ABC", page.anchor_marks.points, strict=False)
        ),
    )


def networks_targets(page) -> list[ExportView | ExportAnimation]:
    """The page's views, main view first."""
    key = "networks"
    return [
        ExportView(
            key,
            "the cells of the slice (exact polygons)",
            lambda: page.canvas,
            figure=lambda: networks_figure(page),
        ),
        ExportView(
            f"{key}-filters",
            "the probe's matched filters",
            lambda: page.filters,
            heading=lambda: FigureHeading(
                "Matched filters: the rows of the probe cell's affine map",
                plain_text(page.status.text()),
            ),
        ),
        ExportView(f"{key}-page", "the whole Networks page", lambda: page),
    ]


def networks_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once a slice (cut by its first ``layers`` cutting steps, when given) is on
    screen and nothing more is being computed."""
    controller = page.controller

    def ready() -> bool:
        if not page.first_results_shown or controller.is_busy:
            return False
        if layers is None:
            return True
        shown = controller.shown_slice
        return controller.layers == layers and shown.partition.n_layers == layers

    return Readiness((page.results_shown,), ready, (controller.slice_failed,), start=page.start)
