"""The cell canvas's legend and axis labels follow what is drawn, frame after frame."""

from __future__ import annotations

import numpy as np

from engine.networks import random_mlp
from engine.partition2d import partition_2d
from widgets.canvas.cell_canvas import AXIS_LABEL_PT, CellCanvas
from widgets.common.theme import THEMES, current_theme, set_current_theme


class _Boundary:
    segments = np.array([[[-1.0, 0.0], [1.0, 0.0]]])


def test_the_legend_names_the_layers_drawn_and_the_boundary(qtbot):
    canvas = CellCanvas()
    qtbot.addWidget(canvas)
    model = random_mlp([5, 4, 3], seed=1)
    full = partition_2d(model, (-1, 1, -1, 1))
    first = partition_2d(model, (-1, 1, -1, 1), layers=1)
    canvas.set_partition(full)
    assert canvas.legend_labels() == ["layer 1 edges", "layer 2 edges", "layer 3 edges"]
    canvas.set_partition(full)  # the same again: unchanged
    assert canvas.legend_labels() == ["layer 1 edges", "layer 2 edges", "layer 3 edges"]
    canvas.set_partition(first, _Boundary())
    assert canvas.legend_labels() == ["layer 1 edges", "decision boundary"]
    canvas.set_partition(full)
    assert canvas.legend_labels()[-1] == "layer 3 edges"


def test_a_theme_change_restyles_the_legend_and_the_axis_labels(qtbot):
    canvas = CellCanvas()
    qtbot.addWidget(canvas)
    canvas.set_partition(partition_2d(random_mlp([4], seed=2), (-1, 1, -1, 1)))
    before = current_theme()
    other = next(theme for theme in THEMES.values() if theme.key != before.key)
    try:
        set_current_theme(other)
        assert canvas.legend_labels() == ["layer 1 edges"]
        style = canvas.getPlotItem().getAxis("bottom").labelStyle
        assert style["font-size"] == other.label_style(AXIS_LABEL_PT)["font-size"]
        assert style["font-size"] != before.label_style(AXIS_LABEL_PT)["font-size"]
    finally:
        set_current_theme(before)
