"""The Playground's cells and data as an exportable figure of exact polygons."""

from __future__ import annotations

import numpy as np

from app.export.cell_figure import (
    DECISION_WIDTH,
    CellFigure,
    LegendEntry,
    PointSet,
    edge_legend,
    pattern_fills,
)
from app.export.disc_figure import disc_overlay
from widgets.canvas.cell_canvas import layer_edge_style
from widgets.common.class_colours import class_point_colours, value_point_colours
from widgets.common.theme import Theme, current_theme
from widgets.playground.fills import prediction_fills
from widgets.playground.view import COLOUR_BY_CLASS


def playground_figure(page: object, *, theme: Theme | None = None) -> CellFigure | None:
    """The Playground's cells as a figure, or None when they are sampled (no polygons).

    Cells are filled by predicted class (shaded by confidence; a cell the decision
    boundary cuts piece by piece, each exact class piece in its class's colour) or by
    pattern, as on screen. Raises ValueError before the first frame.
    """
    theme = theme or current_theme()
    frame = page.controller.frame
    if frame is None:
        raise ValueError("the Playground has not drawn its cells yet")
    if not frame.exact:
        return None
    partition = frame.partition
    n_classes = frame.dataset.n_classes
    pieces, piece_rgb = None, np.zeros((0, 3), np.uint8)
    if page.cells.colour_by == COLOUR_BY_CLASS:
        cell_rgb = prediction_fills(partition, frame.predictions, None, n_classes).rgb
        if frame.pieces is not None:
            pieces = frame.pieces
            piece_rgb = prediction_fills(partition, frame.predictions, pieces, n_classes).rgb
    else:
        cell_rgb = pattern_fills(partition, theme)
    colours, widths = layer_edge_style(partition, theme)
    dataset = frame.dataset
    if n_classes:
        point_rgb = class_point_colours(n_classes)
        train_rgb = point_rgb[np.asarray(dataset.y_train, np.intp)]
        test_rgb = point_rgb[np.asarray(dataset.y_test, np.intp)]
    else:
        train_rgb = value_point_colours(dataset.y_train)
        test_rgb = value_point_colours(dataset.y_test)
    points = [PointSet(np.asarray(frame.train_points, np.float64), train_rgb, False, "train")]
    if page.cells.test_points_visible:
        points.append(PointSet(np.asarray(frame.test_points, np.float64), test_rgb, True, "test"))
    legend: list[LegendEntry] = []
    if n_classes:
        legend += [
            LegendEntry("marker", tuple(int(v) for v in point_rgb[k]), f"class {k}")
            for k in range(n_classes)
        ]
        legend.append(LegendEntry("marker", (120, 120, 120), "test", hollow=True))
    legend += edge_legend(partition, colours)
    boundary = np.zeros((0, 2, 2)) if frame.boundary is None else frame.boundary.segments
    if len(boundary):
        legend.append(
            LegendEntry("line", theme.palette.decision, "decision boundary", DECISION_WIDTH)
        )
    return CellFigure(
        partition=partition,
        cell_rgb=np.asarray(cell_rgb, np.uint8),
        edge_rgb=colours,
        edge_width=widths,
        boundary=np.asarray(boundary, np.float64).reshape(-1, 2, 2),
        theme=theme,
        points=tuple(points),
        axis_names=frame.axis_names,
        legend=tuple(legend),
        equal_axes=frame.equal_axes,
        title=f"Playground, epoch {frame.epoch}: {partition.n_regions} exact cells",
        pieces=pieces,
        piece_rgb=piece_rgb,
        probe=None if page.disc_result is None else np.asarray(page.disc_result.point),
        disc=disc_overlay(page.disc_result),
    )
