"""Tick labels never collide, at any export size from 640x360 to 4K.

Cell figures' SVGs: the labels' extents are measured with Qt's metrics of the font the SVG
names (DejaVu Sans), not with the exporter's own estimate; boxes along each axis must not
overlap, and the title line stays on the page. PNGs of every figure view with pyqtgraph
axes: the axes are checked as drawn, laid out at the export's size, in both themes.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QFont, QFontMetricsF

from app.export.cell_figure import CellFigure, LegendEntry
from app.export.cells_svg import cell_figure_svg
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from tests.export.figure_case import plain_figure
from tests.export.test_headless_every_view import HEADLESS_RUNNER, ROOT, headless_env
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


#: The export sizes the issue names: the smallest, a slide and 4K.
FIGURE_SIZES = [(640, 360), (1920, 1080), (3840, 2160)]

#: Run in the subprocess (theme in ``sys.argv[2]``): every still view drawn from its widget
#: (not whole pages, 3-D scenes or exact cell figures, whose PNG is their SVG), written as PNG at each of FIGURE_SIZES; at the moment each is drawn (laid out
#: at the export's size), its pyqtgraph axes are checked as the page-wide screen test
#: checks them (tests.shell.clipped_text): labels fit, tick labels inside their axis, apart
#: from each other and from the axis label, nothing of an axis outside the picture.
EVERY_FIGURE_AT_EXPORT_SIZES = (
    HEADLESS_RUNNER
    + f"""
import app.export.raster as raster
from app.shell.theme import apply_theme
from tests.shell.clipped_text import _axes, _views, clipped_axis_texts

apply_theme(sys.argv[2])
drawn = []
paint_vtk_views = raster.paint_vtk_views


def checked(widget, painter, ratio):
    axes = sum(len(_axes(view)) for view in _views(widget))
    drawn.append((axes, clipped_axis_texts(widget)))
    paint_vtk_views(widget, painter, ratio)


raster.paint_vtk_views = checked  # called by render_widget right after the widget is drawn
names = []
for name, (key, target) in runner.catalogue().items():
    still = isinstance(target, ExportView) and not target.vtk and not name.endswith("-page")
    drawn_from_widget = still and target.figure is None  # exact figures: the SVG test above
    if drawn_from_widget and target.in_deck:  # the views that show something at the defaults
        for width, height in {FIGURE_SIZES!r}:
            names.append(f"{{name}} {{width}}x{{height}}")
            size = ImageSize(pixels=(width, height))
            runner.jobs.append(Job(name, out / f"{{name}}-{{width}}x{{height}}.png", size=size))
code = runner.run(app)
print("drawn", len(drawn), "of", len(names))
for name, (axes, problems) in zip(names, drawn, strict=False):
    print("AXES", name, axes)
    for problem in problems:
        print("CUT", name, problem)
sys.exit(code)
"""
)


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("theme_name", ["default", "talk"])
def test_every_figure_views_axes_fit_at_every_export_size(qapp, tmp_path, theme_name):
    result = subprocess.run(
        [sys.executable, "-c", EVERY_FIGURE_AT_EXPORT_SIZES, str(tmp_path), theme_name],
        cwd=ROOT,
        env=headless_env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    (count,) = [line for line in lines if line.startswith("drawn ")]
    _, drawn, _, asked = count.split()
    assert drawn == asked, count  # one drawing per PNG: the checks match the files
    with_axes = {
        line.split()[1] for line in lines if line.startswith("AXES") and line.split()[-1] != "0"
    }
    assert {"volume-fraction", "hulls-figure1"} <= with_axes or len(with_axes) >= 8, with_axes
    cut = [line.removeprefix("CUT ") for line in lines if line.startswith("CUT ")]
    assert not cut, "\n".join(cut)
