"""Matched-filter arrows in vector figures: labelled, with heads, in their outputs'
colours, as the canvas draws them (issue 17: SVG, PDF and GIF showed bare red lines)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest

from app.export.cell_figure import CellFigure
from app.export.cell_figure_layout import plot_frame
from app.export.cells_svg import cell_figure_svg
from app.export.targets import figure_image
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.export.figure_case import plain_figure
from widgets.common.theme import DEFAULT_THEME, TALK_THEME

SVG = "{http://www.w3.org/2000/svg}"
PROBE = np.array([0.1, 0.2])
TIPS = np.array([[0.6, 0.2], [0.1, -0.5]])
RGB = np.array([[0, 114, 178], [0, 158, 115]], np.uint8)
LABELS = ("∇f₁", "∇f₂")


@pytest.fixture(scope="module")
def figure() -> CellFigure:
    partition = partition_2d(random_mlp([6, 6], n_inputs=2, n_outputs=2, seed=3), (-1, 1, -1, 1))
    return plain_figure(
        partition,
        probe=PROBE,
        arrows=TIPS,
        arrow_labels=LABELS,
        arrow_rgb=RGB,
    )


def _arrows(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "matched-filter"]


@pytest.mark.parametrize("theme", [DEFAULT_THEME, TALK_THEME], ids=["default", "talk"])
def test_each_arrow_has_a_head_at_its_tip_and_its_name_in_its_colour(qapp, figure, theme):
    figure = replace(figure, theme=theme)
    width, height = 900, 700
    frame = plot_frame(figure, width, height)
    arrows = _arrows(cell_figure_svg(figure, width, height))
    assert len(arrows) == 2
    for k, group in enumerate(arrows):
        colour = "#{:02x}{:02x}{:02x}".format(*RGB[k])
        head = group.find(f"{SVG}polygon")
        assert head is not None and head.get("fill") == colour
        corners = np.array([p.split(",") for p in head.get("points").split()], float)
        np.testing.assert_allclose(corners[0], frame.to_page(TIPS[k])[0], atol=0.01)
        shaft = group.find(f"{SVG}path")
        assert shaft.get("stroke") == colour
        label = group.find(f"{SVG}text")
        assert label.text == LABELS[k] and label.get("fill") == colour
        # The name sits beyond the tip, away from the probe.
        ((px, py),) = frame.to_page(PROBE)
        ((tx, ty),) = frame.to_page(TIPS[k])
        lx, ly = float(label.get("x")), float(label.get("y"))
        assert np.hypot(lx - px, ly - py) > np.hypot(tx - px, ty - py)


def test_the_drawn_head_shows_the_arrows_colour(qapp, figure):
    width, height = 900, 700
    frame = plot_frame(figure, width, height)
    image = figure_image(figure, (width, height))
    for k in range(2):
        ((px, py),) = frame.to_page(PROBE)
        ((tx, ty),) = frame.to_page(TIPS[k])
        # A point inside the head, a little behind the tip.
        length = np.hypot(tx - px, ty - py)
        x, y = tx - 6 * (tx - px) / length, ty - 6 * (ty - py) / length
        colour = image.pixelColor(round(x), round(y))
        assert (colour.red(), colour.green(), colour.blue()) == pytest.approx(
            tuple(int(v) for v in RGB[k]), abs=3
        )


def test_a_figure_with_no_arrows_draws_none(qapp, figure):
    plain = replace(figure, arrows=np.zeros((0, 2)), arrow_labels=(), arrow_rgb=RGB[:0])
    assert _arrows(cell_figure_svg(plain, 600, 400)) == []
