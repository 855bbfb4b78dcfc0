"""The Playground's curves figure is a slide: 16:9 at the default scale (1920x1080) and
at 1280x720, the three plots side by side, each with its epoch axis; the page's column is
as it was afterwards."""

from __future__ import annotations

import pytest

from app.export.catalogue import export_targets
from app.export.formats import ExportOptions, ImageSize
from app.export.targets import export_view
from tests.playground.shown_playground import shown_playground
from tests.shell.clipped_text import clipped_axis_texts


@pytest.fixture
def page(qtbot):
    yield from shown_playground(qtbot)


def _curves_view(page):
    return next(v for v in export_targets(page, "playground") if v.name == "playground-curves")


def _plots(page):
    return page.curves.loss_plot, page.curves.cells_plot, page.curves.score_plot


def _plot_rects(page):
    return [p.geometry() for p in _plots(page)]


@pytest.mark.parametrize(
    ("size", "pixels"),
    [(ImageSize(scale=2.0), (1920, 1080)), (ImageSize(pixels=(1280, 720)), None)],
)
def test_the_curves_figure_is_a_16_9_slide_of_three_plots_side_by_side(
    qtbot, page, tmp_path, size, pixels
):
    from PySide6.QtGui import QImage

    view = _curves_view(page)
    on_screen = _plot_rects(page)
    assert len({r.x() for r in on_screen}) == 1  # a column on the page
    seen = {}

    with view.staged():
        rects = _plot_rects(page)
        seen["tops"] = {r.y() for r in rects}
        seen["lefts"] = [r.x() for r in rects]
        seen["epoch_axes"] = [
            p.getPlotItem().getAxis("bottom").style["showValues"] for p in _plots(page)
        ]
        seen["clipped"] = clipped_axis_texts(page.curves)
    assert len(seen["tops"]) == 1 and seen["lefts"] == sorted(seen["lefts"])
    assert seen["epoch_axes"] == [True, True, True]
    assert seen["clipped"] == []

    path = export_view(view, ExportOptions(tmp_path / "curves.png", size=size))
    image = QImage(str(path))
    width, height = image.width(), image.height()
    assert (width, height) == (pixels or size.pixels)
    assert _plot_rects(page) == on_screen  # the page's column is back
    assert not page.curves.loss_plot.getPlotItem().getAxis("bottom").style["showValues"]


def test_the_deck_leaves_out_the_curves_of_a_network_that_has_not_trained(page):
    """``--deck`` writes the page's figure views at its defaults, where nothing has
    trained: the curves figure would be three empty plots on a slide."""
    view = _curves_view(page)
    epochs = [x for item in _curve_items(page) if item.xData is not None for x in item.xData]
    assert max(epochs, default=0) == 0  # the defaults show no trained epoch
    assert not view.in_deck


def _curve_items(page):
    return [item for plot in _plots(page) for item in plot.listDataItems()]
