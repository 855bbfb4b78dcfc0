"""The colour-blind-safe palette and the talk theme reach the Paths, Hulls and 3-D views:
the colours and widths are read back from the drawn items, switched and switched back."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import app.shell.theme as app_theme
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from widgets.common.palettes import CVD_CLASS_RGB, CVD_PATH_RGB, CVD_PROBE_RGB, OKABE_ITO
from widgets.common.theme import DEFAULT_PALETTE

PATH_RGB = DEFAULT_PALETTE.path


@pytest.fixture(autouse=True)
def _default_look_around() -> Iterator[None]:
    app_theme.apply_theme("default", colour_blind_safe=False)
    yield
    app_theme.apply_theme("default", colour_blind_safe=False)


def _rgb(colour) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def _switch(theme: str, *, safe: bool) -> None:
    app_theme.apply_theme(theme, colour_blind_safe=safe)


def test_the_digit_views_take_the_palettes_class_and_path_colours(qtbot):
    from widgets.common.digit_gallery import DigitGallery
    from widgets.common.digit_thumbnails import CLASS_RGB
    from widgets.paths.digit_strip import DigitStrip, StripColumn

    gallery, strip = DigitGallery(rows=1), DigitStrip()
    for widget in (gallery, strip):
        qtbot.addWidget(widget)
    image = np.zeros((8, 8))
    strip.set_columns([StripColumn((image,), "t=0.50\nkink", (240, 240, 240), True)])
    assert gallery.header_colours == list(CLASS_RGB)
    assert _rgb(strip.kink_pen.color()) == PATH_RGB
    default_width = strip.kink_pen.widthF()

    _switch("talk", safe=True)
    assert gallery.header_colours == list(CVD_CLASS_RGB)
    assert len(set(gallery.header_colours)) == 10  # ten digits, ten colours
    assert _rgb(strip.kink_pen.color()) == CVD_PATH_RGB
    assert strip.kink_pen.widthF() == pytest.approx(2 * default_width)

    _switch("default", safe=False)
    assert gallery.header_colours == list(CLASS_RGB)
    assert _rgb(strip.kink_pen.color()) == PATH_RGB


def test_the_latent_codes_and_the_paths_plots_follow_the_palette(qtbot):
    from widgets.common.digit_thumbnails import CLASS_RGB
    from widgets.paths.latent_canvas import LatentCanvas
    from widgets.paths.plots import DistancePlot, SurveyPlot

    canvas, distance, survey = LatentCanvas(), DistancePlot(), SurveyPlot()
    for widget in (canvas, distance, survey):
        qtbot.addWidget(widget)
    partition = partition_2d(random_mlp([4], n_inputs=2, seed=0), (-1.0, 1.0, -1.0, 1.0))
    labels = np.arange(10)
    codes = np.column_stack([np.linspace(-0.9, 0.9, 10), np.zeros(10)])
    canvas.set_latent_view(partition, codes, labels, np.ones(partition.n_regions, bool))
    survey.set_current(1.0, 3)

    def looks() -> dict:
        return {
            "codes": canvas.code_colours,
            "kinks": _rgb(distance.kink_pen.color()),
            "kink width": distance.kink_pen.widthF(),
            "star": _rgb(survey.current.opts["brush"].color()),
        }

    default = looks()
    assert default["codes"] == list(CLASS_RGB)
    assert default["kinks"] == default["star"] == PATH_RGB

    _switch("talk", safe=True)
    qtbot.waitUntil(lambda: canvas.theme.colour_blind_safe)
    safe = looks()
    assert safe["codes"] == list(CVD_CLASS_RGB)
    assert safe["kinks"] == safe["star"] == CVD_PATH_RGB
    assert safe["kink width"] == pytest.approx(2 * default["kink width"])

    _switch("default", safe=False)
    qtbot.waitUntil(lambda: not canvas.theme.colour_blind_safe)
    assert looks() == default


def test_the_hull_canvas_and_the_3d_probe_follow_the_palette(qtbot):
    from widgets.cells3d.scene import PROBE_RGB, Cells3DScene
    from widgets.hulls.canvas import DEFINITION_COLOURS, TEST_POINT_COLOUR, HullCanvas

    canvas = HullCanvas()
    qtbot.addWidget(canvas)
    scene = Cells3DScene()

    def looks() -> dict:
        scene.recolour()  # what the 3-D view does on a theme change
        probe = scene.probe_cell.GetProperty()
        return {
            "outlines": {n: _rgb(i.opts["pen"].color()) for n, i in canvas.outlines.items()},
            "hull width": canvas.hull_item.opts["pen"].widthF(),
            "test point": _rgb(canvas.test_point.pen.color()),
            "probe cell": tuple(round(255 * v) for v in probe.GetColor()),
            "probe width": probe.GetLineWidth(),
        }

    default = looks()
    assert default["outlines"] == dict(DEFINITION_COLOURS)
    assert default["test point"] == TEST_POINT_COLOUR
    assert default["probe cell"] == PROBE_RGB

    _switch("talk", safe=True)
    safe = looks()
    assert safe["outlines"]["convex hull"] == OKABE_ITO[0]
    assert len(set(safe["outlines"].values())) == 4
    assert safe["test point"] == safe["probe cell"] == CVD_PROBE_RGB
    assert safe["hull width"] == pytest.approx(2 * default["hull width"])
    assert safe["probe width"] == pytest.approx(2 * default["probe width"])

    _switch("default", safe=False)
    assert looks() == default
