"""Qt-drawn SVG and PDF figures: the asked pixel size, and text at the size it has on
screen (issue 17: 3-D SVG/PDF kept the view's size; the SVG wrote point-sized text at
three quarters of its size, so a plot's rich-text labels came apart)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.export.figure_frame import FigureHeading
from app.export.formats import ImageSize
from app.export.vector import widget_svg, write_widget_pdf

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def panel(qtbot) -> tuple[QWidget, QLabel]:
    widget = QWidget()
    label = QLabel("MMMM wide text", widget)
    font = QFont("DejaVu Sans")
    font.setPointSizeF(20.0)
    label.setFont(font)
    QVBoxLayout(widget).addWidget(label)
    widget.resize(600, 300)
    qtbot.addWidget(widget)
    return widget, label


def _media_box(path) -> list[float]:
    box = re.search(rb"/MediaBox\s*\[\s*([-0-9.\s]+)\]", path.read_bytes()).group(1).split()
    return [float(v) for v in box]


@pytest.mark.parametrize("heading", [None, FigureHeading("A figure", "its note")])
def test_svg_and_pdf_take_the_asked_pixel_size(qapp, panel, tmp_path, heading):
    widget, _ = panel
    size = ImageSize(pixels=(1280, 720))
    root = ET.fromstring(widget_svg(widget, title="t", heading=heading, size=size))
    assert (root.get("width"), root.get("height")) == ("1280", "720")
    box = [float(v) for v in root.get("viewBox").split()]
    assert box[2] / box[3] == pytest.approx(1280 / 720, rel=0.01)
    pdf = tmp_path / "panel.pdf"
    write_widget_pdf(widget, pdf, title="t", heading=heading, size=size)
    assert _media_box(pdf) == pytest.approx([0, 0, 1280, 720], abs=0.5)
    assert widget.size().toTuple() == (600, 300)  # laid out again afterwards


def test_without_a_pixel_size_the_page_is_the_views_size(qapp, panel):
    widget, _ = panel
    for size in (None, ImageSize(2.0)):
        root = ET.fromstring(widget_svg(widget, title="t", size=size))
        assert (root.get("width"), root.get("height")) == ("600", "300")


def test_svg_text_has_the_pixel_size_the_screen_gives_it(qapp, panel):
    widget, label = panel
    root = ET.fromstring(widget_svg(widget, title="t"))
    text = next(t for t in root.iter(f"{SVG}text") if "MMMM" in (t.text or ""))
    shown = label.fontInfo().pixelSize()
    assert shown > 20  # 20 pt at the screen's dpi
    assert float(text.get("font-size")) == pytest.approx(shown, abs=1.0)


def test_a_widget_keeping_its_own_height_gives_svg_and_pdf_one_page(qapp, qtbot, tmp_path):
    """A narrow strip is laid out 960 wide for a figure, but keeps its maximum height:
    the SVG and the PDF both take the page it really fills."""
    strip = QWidget()
    strip.setMaximumHeight(40)
    strip.resize(400, 40)
    qtbot.addWidget(strip)
    heading = FigureHeading("A strip")
    root = ET.fromstring(widget_svg(strip, title="t", heading=heading))
    pdf = tmp_path / "strip.pdf"
    write_widget_pdf(strip, pdf, title="t", heading=heading)
    box = _media_box(pdf)
    view_box = [float(v) for v in root.get("viewBox").split()]
    shown = (float(root.get("width")), float(root.get("height")))
    assert shown == pytest.approx((view_box[2], view_box[3]), abs=0.5)
    assert shown == pytest.approx((box[2], box[3]), abs=0.5)
    assert shown[1] < 96  # the strip's 40 pixels below the heading, not its figure height
