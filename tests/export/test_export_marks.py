"""Named marks of a cell figure (a slice's anchors) keep their names inside the plot area:
an anchor at a corner of a domain framed tight to it (the apex of a triangle slice) moves
its name to another corner of its dot, measured with Qt's metrics of the SVG's font."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QFont, QFontMetricsF

from app.export.cell_figure import NamedMark
from app.export.cells_svg import cell_figure_svg
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.export.figure_case import plain_figure
from widgets.common.digit_gallery import MARK_RGB
from widgets.common.theme import make_theme

SVG = "{http://www.w3.org/2000/svg}"
BOUNDS = (-1.0, 1.0, -0.5, 1.5)
#: The four corners of the domain and its centre: every place a name can be pushed to.
POINTS = {"A": (-1.0, -0.5), "B": (1.0, -0.5), "C": (1.0, 1.5), "D": (-1.0, 1.5), "E": (0, 0.5)}
SIZES = [(640, 360), (1920, 1080), (757, 809)]


@pytest.fixture(scope="module")
def partition():
    return partition_2d(random_mlp([6], n_inputs=2, n_outputs=2, seed=3), BOUNDS)


def _plot_area(root: ET.Element) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) of the data rectangle on the page."""
    cells = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "cells")
    a, _, _, d, e, f = (float(v) for v in re.findall(r"[-+0-9.eE]+", cells.get("transform")))
    xmin, xmax, ymin, ymax = BOUNDS
    return a * xmin + e, a * xmax + e, d * ymax + f, d * ymin + f


def _ink(text: ET.Element) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) of the glyphs' ink, from Qt's metrics of bold DejaVu Sans."""
    font = QFont("DejaVu Sans")
    font.setPixelSize(max(round(float(text.get("font-size"))), 1))
    font.setBold(True)
    rect = QFontMetricsF(font).tightBoundingRect(text.text)
    x, y = float(text.get("x")), float(text.get("y"))
    return x + rect.left(), x + rect.right(), y + rect.top(), y + rect.bottom()


@pytest.mark.parametrize("theme_name", ["default", "talk"])
def test_mark_names_stay_in_the_plot_area_beside_their_dots(qapp, partition, theme_name):
    marks = tuple(
        NamedMark(name, np.array(xy), MARK_RGB.get(name, (90, 90, 90)))
        for name, xy in POINTS.items()
    )
    figure = plain_figure(partition, make_theme(theme_name), marks=marks)
    for width, height in SIZES:
        root = ET.fromstring(cell_figure_svg(figure, width, height))
        left, right, top, bottom = _plot_area(root)
        groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
        assert [g.get("data-name") for g in groups] == list(POINTS)
        for group in groups:
            name, dot = group.get("data-name"), group.find(f"{SVG}circle")
            cx, cy = float(dot.get("cx")), float(dot.get("cy"))
            ink = _ink(group.find(f"{SVG}text"))
            where = f"{name} at {width}x{height} in {theme_name}"
            assert left <= ink[0] and ink[1] <= right and top <= ink[2] and ink[3] <= bottom, where
            # Beside its dot, clear of it, and near it.
            radius = float(dot.get("r"))
            gap_x = max(ink[0] - cx, cx - ink[1], 0.0)
            gap_y = max(ink[2] - cy, cy - ink[3], 0.0)
            assert radius * 0.5 < np.hypot(gap_x, gap_y) < 4 * radius, where
        centre = _ink(groups[-1].find(f"{SVG}text"))
        dot = groups[-1].find(f"{SVG}circle")
        # A name with room goes up and right of its dot, as on the canvas.
        assert centre[0] > float(dot.get("cx")) and centre[3] < float(dot.get("cy"))


def test_a_figure_without_marks_writes_none(qapp, partition):
    root = ET.fromstring(cell_figure_svg(plain_figure(partition), 640, 360))
    assert not [g for g in root.iter(f"{SVG}g") if g.get("id") == "marks"]


def test_marks_outside_the_domain_are_left_out(qapp, partition):
    """An extent under 100% cuts a share of the slice that may leave anchors out."""
    marks = (
        NamedMark("A", np.array([0.0, 0.5]), MARK_RGB["A"]),
        NamedMark("B", np.array([1.2, 0.5]), MARK_RGB["B"]),
        NamedMark("C", np.array([0.0, -0.6]), MARK_RGB["C"]),
    )
    root = ET.fromstring(cell_figure_svg(plain_figure(partition, marks=marks), 640, 360))
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert [g.get("data-name") for g in groups] == ["A"]
