"""The Cells page's canvas as an exportable figure of exact polygons."""

from __future__ import annotations

import numpy as np

from app.export.cell_figure import (
    DECISION_WIDTH,
    CellFigure,
    LegendEntry,
    edge_legend,
    pattern_fills,
)
from app.export.disc_figure import disc_overlay
from widgets.canvas.cell_canvas import layer_edge_style
from widgets.common.theme import Theme, current_theme


def cells_page_figure(page: object, *, theme: Theme | None = None) -> CellFigure:
    """The Cells page's canvas as a figure: its newest partition, probe and path.

    Raises ValueError before the first partition has been drawn.
    """
    theme = theme or current_theme()
    result = page.controller.result
    if result is None:
        raise ValueError("the Cells page has not drawn its cells yet")
    partition = result.partition
    canvas = page.canvas
    colours, widths = layer_edge_style(partition, theme)
    boundary = np.zeros((0, 2, 2)) if result.boundary is None else result.boundary.segments
    legend = edge_legend(partition, colours)
    if len(boundary):
        legend.append(
            LegendEntry("line", theme.palette.decision, "decision boundary", DECISION_WIDTH)
        )
    path = canvas.path_ends
    probe = canvas.probe_position
    sliced = partition.plane is not None
    return CellFigure(
        partition=partition,
        cell_rgb=pattern_fills(partition, theme),
        edge_rgb=colours,
        edge_width=widths,
        boundary=np.asarray(boundary, np.float64).reshape(-1, 2, 2),
        theme=theme,
        probe=None if probe is None else np.asarray(probe, np.float64),
        highlighted=canvas.highlighted_cell,
        path=None if path is None else np.asarray(path, np.float64),
        crossings=np.asarray(canvas.path_crossing_points, np.float64).reshape(-1, 2),
        arrows=np.asarray(canvas.matched_filter_tips, np.float64).reshape(-1, 2)
        if probe is not None
        else np.zeros((0, 2)),
        arrow_labels=canvas.matched_filter_labels if probe is not None else (),
        arrow_rgb=canvas.matched_filter_rgb if probe is not None else np.zeros((0, 3), np.uint8),
        axis_names=("s", "t") if sliced else ("x₁", "x₂"),
        legend=tuple(legend),
        disc=disc_overlay(page.disc_result),
        title=f"Cells: {partition.n_regions} exact cells of the first {partition.n_layers} "
        f"of {partition.n_layers_total} layers",
    )
