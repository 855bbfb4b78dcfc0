"""A 2-D cell view as plain data: what the vector exporter draws, taken from a page.

:class:`CellFigure` holds the exact partition and everything drawn over it (edges by
layer, decision boundary, probe, highlighted cell, path and its crossings, data points)
with the colours of the current theme. :func:`cells_page_figure` and
:func:`playground_figure` read it from the Cells page and the Playground through their
public state; :mod:`app.export.cells_svg` writes it as SVG.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.partition2d import Partition2D, pattern_colour_keys
from widgets.canvas.cell_canvas import layer_edge_style
from widgets.common.class_colours import class_point_colours, value_point_colours
from widgets.common.palettes import DOMAIN_EDGE_RGB
from widgets.common.theme import Theme, current_theme
from widgets.playground.view import COLOUR_BY_CLASS, cell_shades

RGB = tuple[int, int, int]
#: Pen widths (pixels, before the theme's line scale) of the drawn lines.
DECISION_WIDTH = 3.0
PATH_WIDTH = 3.0
PROBE_RADIUS = 9.0


@dataclass(frozen=True)
class PointSet:
    """Data points: (N, 2) ``xy``, (N, 3) uint8 ``rgb``; hollow ones are outlined only."""

    xy: np.ndarray
    rgb: np.ndarray
    hollow: bool
    label: str


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a ``line`` of width ``width``, a ``marker`` or a ``swatch``."""

    kind: str
    rgb: RGB
    label: str
    width: float = 2.0
    hollow: bool = False


@dataclass(frozen=True)
class CellFigure:
    """Everything a vector export of a 2-D cell view draws, in data coordinates.

    Attributes
    ----------
    partition : the exact cells; each becomes one polygon.
    cell_rgb : (R, 3) uint8 fill of every cell.
    edge_rgb, edge_width : (L, 3) uint8 colour and (L,) pen width of each layer's edges.
    boundary : (S, 2, 2) decision-boundary segments (may be empty).
    probe, highlighted : the probe point (2,) and the highlighted cell id, or None.
    path : (2, 2) ends of the path, or None; crossings : (K, 2) its crossing points.
    arrows : (n, 2) tips of matched-filter arrows from the probe (may be empty).
    points : data sets drawn on top.
    axis_names : names of the two coordinates.
    legend : rows of the legend, top to bottom.
    theme : colours, type scale and line scale.
    equal_axes : one unit has the same length on both axes.
    title : the document title.
    newest_layer_opacity : opacity of the last partitioned layer's edges (a layer-by-layer
        reveal fades each new layer in).
    """

    partition: Partition2D
    cell_rgb: np.ndarray
    edge_rgb: np.ndarray
    edge_width: np.ndarray
    boundary: np.ndarray
    theme: Theme
    probe: np.ndarray | None = None
    highlighted: int | None = None
    path: np.ndarray | None = None
    crossings: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    arrows: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    points: tuple[PointSet, ...] = ()
    axis_names: tuple[str, str] = ("x₁", "x₂")
    legend: tuple[LegendEntry, ...] = ()
    equal_axes: bool = True
    title: str = "Splinescope cells"
    newest_layer_opacity: float = 1.0


def pattern_fills(partition: Partition2D, theme: Theme) -> np.ndarray:
    """(R, 3) uint8 fill of every cell by its activation pattern, as the canvas colours it."""
    palette = theme.palette
    return palette.cell_fills[palette.cell_colour_index(pattern_colour_keys(partition.patterns))]


def _edge_legend(partition: Partition2D, colours: np.ndarray) -> list[LegendEntry]:
    return [
        LegendEntry("line", tuple(int(v) for v in colours[layer]), f"layer {layer + 1} edges")
        for layer in range(partition.n_layers)
    ]


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
    legend = _edge_legend(partition, colours)
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
        axis_names=("s", "t") if sliced else ("x₁", "x₂"),
        legend=tuple(legend),
        title=f"Cells: {partition.n_regions} exact cells of the first {partition.n_layers} "
        f"of {partition.n_layers_total} layers",
    )


def playground_figure(page: object, *, theme: Theme | None = None) -> CellFigure | None:
    """The Playground's cells as a figure, or None when they are sampled (no polygons).

    Cells are filled by predicted class (shaded by confidence) or by pattern, as on screen.
    Raises ValueError before the first frame.
    """
    theme = theme or current_theme()
    frame = page.controller.frame
    if frame is None:
        raise ValueError("the Playground has not drawn its cells yet")
    if not frame.exact:
        return None
    partition = frame.partition
    n_classes = frame.dataset.n_classes
    if page.cells.colour_by == COLOUR_BY_CLASS:
        p = frame.predictions
        shade, shades = cell_shades(p.predicted, p.confidence, p.outputs, n_classes)
        cell_rgb = shades[shade]
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
    legend += _edge_legend(partition, colours)
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
    )


DOMAIN_RGB: RGB = DOMAIN_EDGE_RGB
