"""The exported Networks figure marks the three images its slice goes through, A, B and C,
where the canvas marks them and in the same colours (issue 16: "the three images marked")."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.export.formats import ExportOptions, ImageSize
from app.export.targets import export_view
from app.networks.export import networks_targets
from tests.networks.small_page import small_cnn_page
from widgets.common.digit_gallery import MARK_RGB

SVG = "{http://www.w3.org/2000/svg}"
SIZE = (960, 540)


@pytest.fixture
def page(qtbot):
    yield from small_cnn_page(qtbot, (1400, 850))


def _page_points(root: ET.Element, xy: np.ndarray) -> np.ndarray:
    """(N, 2) data points mapped to the page by the cells group's transform."""
    cells = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "cells")
    a, _, _, d, e, f = (float(v) for v in re.findall(r"[-+0-9.eE]+", cells.get("transform")))
    return np.column_stack([a * xy[:, 0] + e, d * xy[:, 1] + f])


def test_the_networks_figure_marks_a_b_c_on_their_images(page, tmp_path):
    (view,) = [v for v in networks_targets(page) if v.name == "networks"]
    anchors = page.controller.shown_slice.plane.anchors  # (3, 2): where A, B, C lie
    svg_path, png_path = tmp_path / "networks.svg", tmp_path / "networks.png"
    export_view(view, ExportOptions(svg_path, ImageSize(pixels=SIZE)))
    export_view(view, ExportOptions(png_path, ImageSize(pixels=SIZE)))
    root = ET.parse(svg_path).getroot()
    marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert [g.get("data-name") for g in marks] == ["A", "B", "C"]
    expected = _page_points(root, anchors)
    image = QImage(str(png_path))
    assert (image.width(), image.height()) == SIZE
    for mark, (x, y), name in zip(marks, expected, "ABC", strict=True):
        dot = mark.find(f"{SVG}circle")
        assert np.hypot(float(dot.get("cx")) - x, float(dot.get("cy")) - y) < 0.01
        assert mark.find(f"{SVG}text").text == name
        # The PNG shows the dot in the mark's colour at the image's place.
        pixel = image.pixelColor(round(x), round(y))
        assert np.abs(np.subtract(pixel.getRgb()[:3], MARK_RGB[name])).max() <= 3, name
