"""A slice of tens of thousands of cells reads in both themes: its edges are thinned to
a share of a typical cell's width on the page, so the talk theme's thick pens do not
turn the figure dark; a figure of large cells keeps its pens."""

from __future__ import annotations

import numpy as np
import pytest

from app.export.cell_figure import CellFigure, pattern_fills
from app.export.targets import figure_image
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from widgets.canvas.cell_canvas import layer_edge_style
from widgets.common.theme import DEFAULT_THEME, TALK_THEME

UNIT = (-1.0, 1.0, -1.0, 1.0)


@pytest.fixture(scope="module")
def dense():
    partition = partition_2d(random_mlp([48, 48], seed=4), UNIT)
    assert partition.n_regions > 2_000
    return partition


def _figure(partition, theme) -> CellFigure:
    colours, widths = layer_edge_style(partition, theme)
    return CellFigure(
        partition=partition,
        cell_rgb=pattern_fills(partition, theme),
        edge_rgb=colours,
        edge_width=widths,
        boundary=np.zeros((0, 2, 2)),
        theme=theme,
        title="",
    )


def _ink(partition, theme, size) -> float:
    """How much darker the drawn cells are than their fills: 1 - (mean luminance of the
    pixels inside the domain) / (area-weighted mean luminance of the fills)."""
    from PySide6.QtGui import QImage

    from app.export.cell_figure_layout import plot_frame
    from app.export.raster import image_to_rgb

    figure = _figure(partition, theme)
    image: QImage = figure_image(figure, size)
    rgb = image_to_rgb(image).astype(float)
    frame = plot_frame(figure, *size)
    inner = 3  # pixels clear of the domain's border
    x0, y0 = int(frame.left) + inner, int(frame.top) + inner
    x1, y1 = int(frame.left + frame.width) - inner, int(frame.top + frame.height) - inner
    drawn = rgb[y0:y1, x0:x1].mean(axis=(0, 1)) @ [0.2126, 0.7152, 0.0722]
    areas = partition.areas / partition.areas.sum()
    fills = (areas @ figure.cell_rgb.astype(float)) @ [0.2126, 0.7152, 0.0722]
    return 1.0 - drawn / fills


def test_dense_cells_keep_their_fills_in_both_themes(qtbot, dense):
    size = (640, 360)  # a slide at a third of 1920x1080: cells a few pixels wide
    default, talk = _ink(dense, DEFAULT_THEME, size), _ink(dense, TALK_THEME, size)
    assert talk < 0.2 and default < 0.2
    assert abs(talk - default) < 0.06  # the talk theme is no darker than the default


def test_large_cells_keep_the_themes_pens(qtbot):
    from app.export.cell_figure_layout import page_edge_widths, plot_frame

    sparse = partition_2d(random_mlp([6, 6], seed=1), UNIT)
    for theme in (DEFAULT_THEME, TALK_THEME):
        figure = _figure(sparse, theme)
        frame = plot_frame(figure, 1920, 1080)
        np.testing.assert_array_equal(page_edge_widths(figure, frame), figure.edge_width)
