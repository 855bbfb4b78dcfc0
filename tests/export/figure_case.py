"""A cell figure of a partition, coloured as the canvas colours it, for export tests."""

from __future__ import annotations

import numpy as np

from app.export.cell_figure import CellFigure, pattern_fills
from engine.partition2d import Partition2D
from widgets.common.palettes import layer_edge_widths
from widgets.common.theme import DEFAULT_THEME, Theme


def plain_figure(partition: Partition2D, theme: Theme = DEFAULT_THEME, **fields) -> CellFigure:
    """``partition``'s cells filled by pattern with edges by layer, no decision boundary;
    ``fields`` set anything else (probe, arrows, legend, ...)."""
    return CellFigure(
        partition=partition,
        cell_rgb=pattern_fills(partition, theme),
        edge_rgb=theme.palette.layer_edge_colours(partition.n_layers_total),
        edge_width=layer_edge_widths(partition.n_layers_total),
        boundary=fields.pop("boundary", np.zeros((0, 2, 2))),
        theme=theme,
        **fields,
    )
