"""The talk theme and the colour-blind-safe palette: applied live, read back from the items."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QSettings

import app.shell.theme as app_theme
from app.cells3d.page import PROBE_WIDTH
from widgets.common.palettes import (
    CELL_PALETTE,
    CVD_CELL_PALETTE,
    CVD_LAYER_EDGE_RGB,
    CVD_PATH_RGB,
    CVD_PROBE_RGB,
    layer_edge_colours,
    simulate_dichromacy,
    srgb_to_oklab,
)
from widgets.common.theme import DEFAULT_THEME, TALK_THEME, current_theme


@pytest.fixture
def settings(tmp_path, monkeypatch) -> QSettings:
    """A throw-away settings file in place of the user's."""
    path = str(tmp_path / "splinescope.ini")
    monkeypatch.setattr(
        app_theme, "appearance_settings", lambda: QSettings(path, QSettings.Format.IniFormat)
    )
    return QSettings(path, QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def _default_look_afterwards() -> Iterator[None]:
    yield
    app_theme.apply_theme("default", colour_blind_safe=False)


def _min_distance(rgb: np.ndarray, kind: str | None = None) -> float:
    seen = rgb / 255.0 if kind is None else simulate_dichromacy(rgb, kind)
    lab = srgb_to_oklab(seen)
    distance = np.linalg.norm(lab[:, None] - lab[None], axis=2)
    distance[np.diag_indices(len(lab))] = np.inf
    return float(distance.min())


def _rgb(colour) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def _canvas_look(window) -> dict:
    canvas = window.page("cells").canvas
    plot = canvas.getPlotItem()
    edges = canvas._edge_items[0]
    return {
        "background": _rgb(canvas.backgroundBrush().color()),
        "decision width": canvas._decision_line.opts["pen"].widthF(),
        "edge width": edges.opts["pen"].widthF(),
        "edge colour": _rgb(edges.opts["pen"].color()),
        "tick pt": plot.getAxis("bottom").style["tickFont"].pointSizeF(),
        "legend size": canvas._legend.item.opts["labelTextSize"],
        "path width": canvas._overlay.path_line.opts["pen"].widthF(),
        "count label pt": window.page("cells")
        .findChild(object, "cellCountLabel")
        .font()
        .pointSizeF(),
        "path plot background": _rgb(
            window.page("cells").path_plot.plot_widget.backgroundBrush().color()
        ),
    }


def test_talk_makes_the_views_larger_and_thicker_and_back(main_window, settings):
    default = _canvas_look(main_window)
    assert default["background"] == DEFAULT_THEME.background
    main_window.theme_actions.theme_actions["talk"].trigger()
    talk = _canvas_look(main_window)
    assert talk["background"] == TALK_THEME.background
    assert talk["path plot background"] == TALK_THEME.background
    assert talk["decision width"] == pytest.approx(2 * default["decision width"])
    assert talk["edge width"] == pytest.approx(2 * default["edge width"])
    assert talk["path width"] == pytest.approx(2 * default["path width"])
    assert talk["tick pt"] == pytest.approx(1.6 * default["tick pt"])
    assert talk["legend size"] == "17.6pt" and default["legend size"] == "11pt"
    ratio = TALK_THEME.ui_font_scale
    assert talk["count label pt"] == pytest.approx(ratio * default["count label pt"], rel=0.02)
    assert settings.value(app_theme.THEME_KEY) == "talk"

    main_window.theme_actions.theme_actions["default"].trigger()
    back = _canvas_look(main_window)
    for key, value in default.items():
        assert back[key] == (pytest.approx(value) if isinstance(value, float) else value), key
    assert settings.value(app_theme.THEME_KEY) == "default"


def test_talk_reaches_the_other_pages_and_the_3d_view(main_window, qtbot, settings):
    curves = main_window.page("playground").curves.loss_plot
    cells3d = main_window.page("cells3d").view.renderer
    assert cells3d.GetGradientBackground()
    main_window.theme_actions.theme_actions["talk"].trigger()
    expected = tuple(v / 255.0 for v in TALK_THEME.background)
    assert _rgb(curves.backgroundBrush().color()) == TALK_THEME.background
    assert not cells3d.GetGradientBackground()
    assert cells3d.GetBackground() == pytest.approx(expected)
    probe_panel = main_window.page("cells3d").probe_panel  # wider for the larger type
    assert probe_panel.width() == round(PROBE_WIDTH * TALK_THEME.ui_font_scale)
    # A page first built under the talk theme takes it as soon as the event loop runs.
    volume = main_window.page("volume")
    qtbot.waitUntil(
        lambda: volume.cube_view.renderer.GetBackground() == pytest.approx(expected), timeout=5000
    )
    tick = volume.square_coverage.getPlotItem().getAxis("bottom").style["tickFont"]
    main_window.theme_actions.theme_actions["default"].trigger()
    assert volume.cube_view.renderer.GetBackground() == pytest.approx((1.0, 1.0, 1.0))
    tick_before = volume.square_coverage.getPlotItem().getAxis("bottom").style["tickFont"]
    assert tick.pointSizeF() == pytest.approx(1.6 * tick_before.pointSizeF())
    assert cells3d.GetGradientBackground()
    assert probe_panel.width() == PROBE_WIDTH
    volume.shutdown()


def test_the_colour_blind_safe_palette_recolours_layers_and_cells(main_window, settings):
    canvas = main_window.page("cells").canvas
    n_layers = canvas.partition.n_layers_total
    default_edges = [_rgb(canvas._edge_items[k].opts["pen"].color()) for k in range(n_layers)]
    assert default_edges == [tuple(int(v) for v in c) for c in layer_edge_colours(n_layers)]

    main_window.theme_actions.colour_blind_action.trigger()
    assert current_theme().colour_blind_safe
    edges = [_rgb(canvas._edge_items[k].opts["pen"].color()) for k in range(n_layers)]
    assert edges == list(CVD_LAYER_EDGE_RGB[:n_layers])
    assert CVD_PATH_RGB not in edges and CVD_PROBE_RGB not in edges  # they stand out
    fills = {_rgb(brush.color()) for brush, _path in canvas._fill_item._fills}
    assert fills <= {tuple(int(v) for v in c) for c in CVD_CELL_PALETTE}
    assert _rgb(canvas._decision_line.opts["pen"].color()) == (0, 0, 0)
    assert settings.value(app_theme.PALETTE_KEY) in (True, "true")

    main_window.theme_actions.colour_blind_action.trigger()
    edges = [_rgb(canvas._edge_items[k].opts["pen"].color()) for k in range(n_layers)]
    assert edges == default_edges
    fills = {_rgb(brush.color()) for brush, _path in canvas._fill_item._fills}
    assert fills <= {tuple(int(v) for v in c) for c in CELL_PALETTE}


def test_the_colour_blind_safe_palette_reaches_the_3d_cells(main_window, qtbot, settings):
    from widgets.cells3d.scene import CELL_PALETTE_3D

    page = main_window.page("cells3d")
    main_window.pages.setCurrentWidget(page)
    scene = page.view.scene
    qtbot.waitUntil(lambda: scene.cell_rgb is not None, timeout=60_000)

    def drawn_from(palette) -> bool:
        allowed = {tuple(int(v) for v in rgb) for rgb in palette}
        return {tuple(int(v) for v in rgb) for rgb in scene.cell_rgb} <= allowed

    assert drawn_from(CELL_PALETTE_3D)
    main_window.theme_actions.colour_blind_action.trigger()
    qtbot.waitUntil(lambda: drawn_from(CVD_CELL_PALETTE))
    main_window.theme_actions.colour_blind_action.trigger()
    qtbot.waitUntil(lambda: drawn_from(CELL_PALETTE_3D))
    page.shutdown()


def test_the_cell_fills_stay_apart_for_dichromats():
    # The simulation keeps greys grey (rows of each matrix sum to 1)...
    greys = np.array([[40, 40, 40], [128, 128, 128], [230, 230, 230]], np.uint8)
    assert simulate_dichromacy(greys) == pytest.approx(greys / 255.0, abs=2e-3)
    # ... and merges a red and a green that normal vision tells apart.
    pair = np.array([[200, 120, 80], [150, 140, 70]], np.uint8)
    assert _min_distance(pair, "deuteranopia") < 0.3 * _min_distance(pair)
    # The default fills collapse for a deuteranope; the safe ones stay a JND apart.
    assert len(CVD_CELL_PALETTE) == len(CELL_PALETTE)
    for kind in ("deuteranopia", "protanopia"):
        assert _min_distance(CVD_CELL_PALETTE, kind) > 0.015
        assert _min_distance(CVD_CELL_PALETTE, kind) > 5 * _min_distance(CELL_PALETTE, kind)
    lightness = srgb_to_oklab(CVD_CELL_PALETTE / 255.0)[:, 0]
    assert lightness.min() >= 0.79  # light enough for black edges and text on top


def test_the_choice_persists_in_a_new_window(main_window, qtbot, settings):
    from app.shell.main_window import MainWindow

    main_window.theme_actions.theme_actions["talk"].trigger()
    main_window.theme_actions.colour_blind_action.trigger()
    main_window.close()
    # A new process starts in the default look and restores the saved one (app.cli).
    app_theme.apply_theme("default", colour_blind_safe=False)
    assert current_theme().key == "default"
    restored = app_theme.restore_appearance()
    assert (restored.key, restored.colour_blind_safe) == ("talk", True)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.page("cells").canvas.partition is not None, timeout=30_000)
    assert window.theme_actions.theme_actions["talk"].isChecked()
    assert window.theme_actions.colour_blind_action.isChecked()
    canvas = window.page("cells").canvas
    assert _rgb(canvas.backgroundBrush().color()) == TALK_THEME.background
    assert _rgb(canvas._edge_items[0].opts["pen"].color()) == CVD_LAYER_EDGE_RGB[0]
    window.close()


def test_an_unknown_theme_lists_the_names():
    with pytest.raises(ValueError, match="default, talk"):
        app_theme.apply_theme("neon")
    assert app_theme.theme_names() == ["default", "talk"]


def test_the_loss_axis_labels_decades_only_and_makes_room_for_them_in_talk_type(qtbot):
    from tests.shell.clipped_text import clipped_axis_texts
    from widgets.playground.curves import DecadeAxis, TrainingCurves

    axis = DecadeAxis("left")
    axis.setLogMode(False, True)
    levels = axis.tickValues(-2.6, -0.3, 400)
    labels = [axis.tickStrings(values, 1.0, spacing or 1.0) for spacing, values in levels]
    assert labels[0] == ["0.01", "0.1"]
    assert len(labels[1]) > 8 and set(labels[1]) == {""}  # minor ticks, unlabelled

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(420, 600)
    curves.show()
    qtbot.waitExposed(curves)
    plots = (curves.loss_plot, curves.cells_plot, curves.score_plot)
    lefts = [plot.getPlotItem().getAxis("left") for plot in plots]

    def fitted_and_aligned() -> bool:
        return clipped_axis_texts(curves) == [] and len({a.width() for a in lefts}) == 1

    qtbot.waitUntil(fitted_and_aligned)
    default_width = lefts[0].width()
    app_theme.apply_theme("talk")
    qtbot.waitUntil(lambda: lefts[0].width() > default_width)
    qtbot.waitUntil(fitted_and_aligned)
    app_theme.apply_theme("default")
    qtbot.waitUntil(lambda: lefts[0].width() == default_width)


def test_widgets_given_their_own_font_follow_the_type_size_and_deleted_ones_are_skipped(qtbot):
    from PySide6.QtWidgets import QLabel

    from widgets.common.fonts import give_own_font, scaled_font, widgets_with_own_fonts

    heading, gone = QLabel("Heading"), QLabel("Gone")
    qtbot.addWidget(heading)
    give_own_font(heading, scaled_font(heading.font(), 2.0, bold=True))
    give_own_font(gone, scaled_font(gone.font(), 2.0))
    size = heading.font().pointSizeF()
    gone.deleteLater()
    qtbot.waitUntil(lambda: gone not in widgets_with_own_fonts())

    app_theme.apply_theme("talk")
    assert heading.font().pointSizeF() == pytest.approx(size * TALK_THEME.ui_font_scale)
    assert heading.font().bold()
    app_theme.apply_theme("default")
    assert heading.font().pointSizeF() == pytest.approx(size)
