"""The square figures besides the cell canvases (the Hulls test point, the Volume page's
scanned square), drawn alone as the export draws them, wide, at a slide's size and tall,
in both themes: no tick label is cut, the plot area takes the domain's square shape and
the data fills both ranges shown; the hull legend stays above the data."""

from __future__ import annotations

import pytest

from app.export.figure_frame import FigureHeading
from app.shell.theme import apply_theme
from engine.hull_scene import make_scene
from engine.volumes import ball_slice
from tests.shell.framed_export import check_framed
from widgets.hulls.canvas import HullCanvas
from widgets.volume.square import SquareScanView

SIZES = [(640, 360), (1920, 1080), (900, 1400)]
HEADING = FigureHeading("A square figure", "drawn alone")


@pytest.fixture
def back_to_default():
    yield
    apply_theme("default")


def _hull_canvas() -> tuple[HullCanvas, float]:
    canvas = HullCanvas()
    canvas.set_scene(make_scene(seed=3))
    canvas.move_test_point(0.2, 0.1)
    return canvas, 1.0


def _square_view() -> tuple[SquareScanView, float]:
    view = SquareScanView(ball_slice(0.3, 2))
    return view, 1.12 / 1.27  # its square and the room above it for the scan's label


@pytest.mark.parametrize("theme", ["default", "talk"])
@pytest.mark.parametrize("make", [_hull_canvas, _square_view], ids=["hulls", "square"])
def test_a_square_figure_is_framed_to_its_domain(qtbot, theme, make, back_to_default, monkeypatch):
    apply_theme(theme)
    widget, aspect = make()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)
    check_framed(widget, SIZES, HEADING, monkeypatch, aspect)


def test_the_hull_legend_follows_the_framed_plot_on_a_tall_canvas(qtbot):
    canvas, _ = _hull_canvas()
    qtbot.addWidget(canvas)
    canvas.resize(500, 900)
    canvas.show()
    qtbot.waitExposed(canvas)
    plot = canvas.getPlotItem()
    view = plot.getViewBox()
    qtbot.waitUntil(lambda: abs(view.width() - view.height()) <= 1.0)
    legend = canvas._legend.sceneBoundingRect()
    data = view.sceneBoundingRect()
    top_margin = plot.layout.getContentsMargins()[1]
    assert top_margin > 100  # the spare height is split above and below the square
    assert data.top() - legend.height() - 12 <= legend.top() <= data.top() - legend.height()
    assert legend.bottom() <= data.top() + 1.0
