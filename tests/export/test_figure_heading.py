"""A figure view's title line: laid out to fit, drawn above the view in every format."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QFontMetricsF, QImage

from app.export.figure_frame import (
    FIGURE_MIN_WIDTH,
    FigureHeading,
    figure_base_size,
    layout_heading,
    plain_text,
)
from app.export.formats import ExportOptions, ImageSize
from app.export.targets import ExportView, export_view
from widgets.common.theme import make_theme

SVG = "{http://www.w3.org/2000/svg}"
LONG = "The ball's share of the d-cube falls faster than any exponential, " * 3


@pytest.mark.parametrize("theme_name", ["default", "talk"])
@pytest.mark.parametrize("width", [320, 640, 1920])
def test_a_heading_wraps_inside_its_width_and_clips_nothing(qapp, theme_name, width):
    theme = make_theme(theme_name)
    layout = layout_heading(FigureHeading(LONG, "d = 10: 0.249%"), width, theme)
    title = QFontMetricsF(layout.title_font)
    # Every word fits the line's width, and the title's box holds all its wrapped lines.
    assert layout.title_rect.right() <= width and layout.title_rect.left() >= 0
    one_line = title.horizontalAdvance(LONG)
    lines = max(1, int(one_line // layout.title_rect.width()))
    assert layout.title_rect.height() >= lines * title.lineSpacing() - 1
    assert layout.note_rect.top() >= layout.title_rect.bottom()
    assert layout.height >= layout.note_rect.bottom()


def test_a_heading_refuses_an_empty_title():
    with pytest.raises(ValueError, match="needs a title"):
        FigureHeading("  ")
    with pytest.raises(ValueError, match="note is text"):
        FigureHeading("t", note=3)


def test_plain_text_and_figure_size(qapp):
    assert plain_text("covered <b>0.917</b> of the line") == "covered 0.917 of the line"
    assert plain_text("hull: <b>inside</b><br>ball:  outside") == "hull: inside · ball: outside"
    assert figure_base_size(480, 270) == (FIGURE_MIN_WIDTH, 540)
    assert figure_base_size(1200, 300) == (1200, 300)


def test_a_figure_view_is_its_title_above_the_plot_in_png_svg_and_pdf(main_window, tmp_path):
    page = main_window.page("volume")
    view = ExportView(
        "volume-fraction",
        "fraction",
        lambda: page.fraction_plot,
        heading=lambda: FigureHeading("A title line", "and its note"),
    )
    png = export_view(view, ExportOptions(tmp_path / "f.png", ImageSize(pixels=(1280, 720))))
    image = QImage(str(png))
    assert image.size().toTuple() == (1280, 720)
    # Dark title ink in the top band, at the left margin.
    band = [image.pixelColor(x, y).lightness() for x in range(0, 400, 2) for y in range(0, 60)]
    assert min(band) < 80
    svg = ET.parse(export_view(view, ExportOptions(tmp_path / "f.svg"))).getroot()
    texts = ["".join(t.itertext()).strip() for t in svg.iter(f"{SVG}text")]
    assert "A title line" in texts and "and its note" in texts
    assert float(svg.get("width")) >= FIGURE_MIN_WIDTH
