"""Tick labels never collide, at any export size from 640x360 to 4K.

Cell figures' SVGs: the labels' extents are measured with Qt's metrics of the font the SVG
names (DejaVu Sans), not with the exporter's own estimate; boxes along each axis must not
overlap, and the title line stays on the page. PNGs of every figure view with pyqtgraph
axes: the axes are checked as drawn, laid out at the export's size, in the talk theme here
(the default theme's run is shared with the other every-view checks in test_every_view).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QFont, QFontMetricsF

from app.export.cell_figure import CellFigure, LegendEntry
from app.export.cells_svg import cell_figure_svg
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.export.every_view_jobs import EVERY_VIEW, AxesReport
from tests.export.figure_case import plain_figure
from tests.export.headless_run import exited_cleanly, run_headless
from widgets.common.theme import make_theme

SVG = "{http://www.w3.org/2000/svg}"
SIZES = [(640, 360), (800, 600), (1280, 720), (757, 809), (1920, 1080), (3840, 2160)]
#: Wide value ranges make long labels (−0.25 ... 0.75, −1500 ...).
BOUNDS = [(-1.25, 1.25, -1.25, 1.25), (-1500.0, 1500.0, -0.0125, 0.0125)]


def _figure(bounds, theme_name: str) -> CellFigure:
    theme = make_theme(theme_name)
    model = random_mlp([6], n_inputs=2, n_outputs=2, seed=3)
    partition = partition_2d(model, bounds)
    return plain_figure(
        partition,
        theme,
        legend=(LegendEntry("line", (20, 20, 24), "decision boundary", 3.0),),
        equal_axes=False,
        title="Playground, epoch 150: 10 exact cells of a network trained on XOR",
    )


def _boxes(root: ET.Element, group_id: str) -> list[tuple[float, float, float, float]]:
    """(left, right, top, bottom) of each text in the group, from Qt's font metrics."""
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == group_id)
    bold = group.get("font-weight") == "bold"
    boxes = []
    for text in group.iter(f"{SVG}text"):
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(round(float(text.get("font-size"))), 1))
        font.setBold(bold)
        metrics = QFontMetricsF(font)
        width = metrics.horizontalAdvance(text.text)
        x, y = float(text.get("x")), float(text.get("y"))
        anchor = text.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        boxes.append((left, left + width, y - metrics.ascent(), y + metrics.descent()))
    return boxes


def _overlap(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


@pytest.mark.parametrize("theme_name", ["default", "talk"])
@pytest.mark.parametrize("bounds", BOUNDS)
def test_tick_labels_never_collide_and_the_title_fits(qapp, theme_name, bounds):
    figure = _figure(bounds, theme_name)
    for width, height in SIZES:
        root = ET.fromstring(cell_figure_svg(figure, width, height))
        labels = _boxes(root, "tick-labels")
        assert len(labels) >= 4, (width, height)
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                assert not _overlap(a, b), f"{width}x{height}: {a} and {b} overlap"
            assert a[0] >= 0 and a[1] <= width and a[2] >= 0 and a[3] <= height
        ((left, right, top, bottom),) = _boxes(root, "figure-title")
        assert left >= 0 and right <= width and top >= 0, (width, height)
        assert bottom <= min(label[2] for label in labels), (width, height)  # above the axes


@pytest.mark.timeout(1500)
def test_every_figure_views_axes_fit_at_every_export_size_in_the_talk_theme(tmp_path):
    """The default theme's run is in test_every_view, with the other every-view checks."""
    result = run_headless(EVERY_VIEW, str(tmp_path), "talk", "sized")
    exited_cleanly(result)
    AxesReport.parse(result.stdout).check_axes_fit()
