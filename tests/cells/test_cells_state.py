"""The Cells page's state object and its controls, tested as a pair: the state checks
every value, the controls offer exactly the state's range, and each follows the other;
sessions and presets go through the state."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QLabel

from app.cells.controller import CellsController
from app.cells.page import CellsPage
from app.cells.preset import apply_cells_preset, check_cells_preset
from app.cells.session import restore_cells_state, save_cells_state
from app.cells.state import (
    DEFAULT_BOUNDS,
    MAX_REGIONS,
    MAX_REGIONS_CEILING,
    PANELS,
    CellsState,
)
from app.presets.files import load_preset
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from engine.session_file import PageState
from tests.shown_page import shown_page

TIMEOUT_MS = 30_000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bounds", (0.0, 1.0, 0.0)),
        ("bounds", (0.0, 1.0, 0.0, float("nan"))),
        ("bounds", (0.0, float("inf"), 0.0, 1.0)),
        ("bounds", (1.0, 0.0, 0.0, 1.0)),
        ("bounds", (0.0, 1.0, 1.0, 1.0)),
        ("bounds", ("0", 1.0, 0.0, 1.0)),
        ("bounds", "0,1,0,1"),
        ("layers", CellsState().n_layers + 1),
        ("layers", -1),
        ("layers", 1.5),
        ("layers", True),
        ("n_layers", -1),
        ("max_regions", 0),
        ("max_regions", MAX_REGIONS_CEILING + 1),
        ("max_regions", float("inf")),
        ("max_regions", "200000"),
        ("matched_filters", "yes"),
        ("path_tool", 1),
        ("panels", ("network", "nowhere")),
        ("panels", "network"),
        ("panels", None),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValueError, match=field):
        CellsState(**{field: value})


def test_values_are_taken_in_their_proper_type():
    state = CellsState(bounds=[-2, 2, -1, 1], n_layers=4.0, layers=2.0, panels=["path", "probe"])
    assert state.bounds == (-2.0, 2.0, -1.0, 1.0)
    assert all(isinstance(v, float) for v in state.bounds)
    assert (state.n_layers, state.layers) == (4, 2)
    assert isinstance(state.layers, int)
    assert state.panels == ("probe", "path")  # in the panels' order
    assert CellsState(n_layers=0, layers=0).layers == 0


@pytest.fixture
def model():
    return random_mlp([6, 6], seed=0)


@pytest.fixture
def page(qtbot, model):
    page = CellsPage(CellsController(model, DEFAULT_BOUNDS))
    page.start()
    yield from shown_page(
        qtbot, page, (1100, 750), timeout_ms=TIMEOUT_MS, ready=lambda: _shown(page, 2)
    )


def _shown(page, layers: int) -> bool:
    result = page.controller.result
    return result is not None and result.layers == layers and not page.controller.is_busy


def test_the_page_starts_with_the_states_defaults(qtbot):
    page = CellsPage()
    qtbot.addWidget(page)
    assert page.controller.state == CellsState()
    assert page.layer_slider.value == page.layer_slider.maximum == CellsState().n_layers
    page.shutdown()


def test_the_controls_offer_the_states_range(page, model):
    state = page.controller.state
    assert (page.layer_slider.slider.minimum(), page.layer_slider.maximum) == (0, state.n_layers)
    names = [action.text() for action in page.view_actions()]
    assert names[: len(PANELS)] == ["Network", "Probe", "Path", "Transitions"]

    page.set_network(random_mlp([4, 4, 4, 4], seed=1), DEFAULT_BOUNDS)
    assert page.controller.state.n_layers == 4 == page.layer_slider.maximum


def test_controls_write_the_state(page, qtbot):
    c = page.controller
    page.layer_slider.slider.setValue(1)
    page.path_tool_action.trigger()
    page.matched_filter_action.trigger()
    page.view_actions()[PANELS.index("transitions")].trigger()
    page.path_dock.close()  # its close button
    assert c.state == CellsState(
        n_layers=2,
        layers=1,
        path_tool=True,
        matched_filters=False,
        panels=("network", "probe"),
    )
    page.hide()  # as behind another tab: the panels are not closed by it
    page.show()
    qtbot.waitExposed(page)
    assert c.state.panels == ("network", "probe")
    assert page.canvas.path_tool
    assert "1 / 2" in page.findChild(QLabel, "layerSliderLabel").text()

    page.zoom_in()
    assert c.state.bounds == (-0.5, 0.5, -0.5, 0.5)
    assert page.findChild(QLabel, "domainLabel").text() == "on [-0.5, 0.5] × [-0.5, 0.5]"
    qtbot.waitUntil(lambda: _shown(page, 1), timeout=TIMEOUT_MS)
    expected = partition_2d(c.model, c.state.bounds, layers=1).n_regions
    assert page.findChild(QLabel, "cellCountLabel").text() == str(expected)


def test_the_state_moves_the_controls(page, qtbot):
    c = page.controller
    c.update(
        layers=0,
        bounds=(-2.0, 2.0, -1.0, 1.0),
        path_tool=True,
        matched_filters=False,
        panels=("network", "path"),
    )
    assert page.layer_slider.value == 0
    assert page.findChild(QLabel, "layerSliderLabel").text().replace("&", "") == "Layers: 0 / 2"
    assert page.findChild(QLabel, "domainLabel").text() == "on [-2, 2] × [-1, 1]"
    assert page.path_tool_action.isChecked() and page.canvas.path_tool
    assert not page.matched_filter_action.isChecked()
    assert page.probe_dock.isHidden() and page.transition_dock.isHidden()
    assert not page.network_dock.isHidden() and not page.path_dock.isHidden()
    assert [a.isChecked() for a in page.view_actions()[: len(PANELS)]] == [
        True,
        False,
        True,
        False,
    ]
    qtbot.waitUntil(lambda: _shown(page, 0), timeout=TIMEOUT_MS)
    assert page.findChild(QLabel, "cellCountLabel").text() == "1"
    assert len(page.canvas.matched_filter_tips) == 0

    c.update(matched_filters=True, panels=PANELS)
    assert page.matched_filter_action.isChecked()
    assert not page.probe_dock.isHidden() and not page.transition_dock.isHidden()


def test_a_refused_update_changes_nothing(page):
    c = page.controller
    before = c.state
    with pytest.raises(ValueError, match="bounds"):
        c.update(layers=1, bounds=(1.0, 0.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="layers"):
        c.update(layers=3)
    with pytest.raises(ValueError, match="n_layers"):
        c.update(n_layers=3, layers=3)
    assert c.state == before
    assert page.layer_slider.value == before.layers
    assert not c.is_busy


def test_a_session_round_trip_gives_the_same_state(page, qtbot):
    c = page.controller
    c.update(
        layers=1,
        bounds=(-2.0, 2.0, -1.0, 1.0),
        max_regions=5_000,
        distance_disc=True,
        disc_norm="linf",
    )
    saved = save_cells_state(page)
    assert saved.settings.keys() == {
        "network",
        "bounds",
        "layers",
        "max_regions",
        "distance_disc",
        "disc_norm",
        "plane",
        "probe",
        "path",
    }
    assert (saved.settings["bounds"], saved.settings["layers"]) == ([-2.0, 2.0, -1.0, 1.0], 1)
    assert saved.settings["max_regions"] == 5_000

    other = CellsPage()
    qtbot.addWidget(other)
    restore_cells_state(other, saved)
    assert other.controller.state == c.state
    assert other.layer_slider.value == 1 and other.layer_slider.maximum == 2
    assert other.disc_action.isChecked() and other.disc_norm_box.currentData() == "linf"
    qtbot.waitUntil(lambda: _shown(other, 1), timeout=TIMEOUT_MS)

    # Bad settings are refused before anything changes.
    for bad, field in (
        ({"layers": 3}, "layers"),
        ({"bounds": [0, 1, 0, 1e400]}, "bounds"),
        ({"disc_norm": "l1"}, "disc_norm"),
        ({"distance_disc": "yes"}, "distance_disc"),
    ):
        with pytest.raises(ValueError, match=field):
            restore_cells_state(other, PageState({**saved.settings, **bad}, saved.tensors))
    assert other.controller.state == c.state

    # An older file without a cell limit or layers opens with the default and all layers.
    dropped = {"max_regions", "layers", "distance_disc", "disc_norm"}
    older = {k: v for k, v in saved.settings.items() if k not in dropped}
    restore_cells_state(other, PageState(older, saved.tensors))
    assert other.controller.state == replace(
        c.state, layers=2, max_regions=MAX_REGIONS, distance_disc=False, disc_norm="l2"
    )
    other.shutdown()


def test_a_session_keeps_the_toggles_it_does_not_save(page, qtbot):
    page.controller.update(path_tool=True, matched_filters=False, panels=("network",))
    before = page.controller.state
    restore_cells_state(page, save_cells_state(page))
    assert page.controller.state == before
    assert page.path_tool_action.isChecked() and page.probe_dock.isHidden()


def test_a_preset_gives_its_state_and_survives_a_session(page, qtbot):
    preset = load_preset("cells-layer-by-layer")
    apply_cells_preset(page, preset.settings)
    widths = preset.settings["network"]["widths"]
    assert page.controller.state == CellsState(
        bounds=tuple(preset.settings["bounds"]), n_layers=len(widths), layers=1
    )
    assert page.layer_slider.value == 1 and page.layer_slider.maximum == len(widths)
    qtbot.waitUntil(lambda: _shown(page, 1), timeout=TIMEOUT_MS)

    other = CellsPage()
    qtbot.addWidget(other)
    restore_cells_state(other, save_cells_state(page))
    assert other.controller.state == page.controller.state
    other.shutdown()


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"network": {"widths": [4, 4]}, "layers": 3}, "layers"),
        ({"network": {"widths": [4]}, "layers": -1}, "layers"),
        ({"network": {"widths": [4]}, "bounds": [0, 1, 1, 0]}, "bounds"),
        ({"network": {"widths": [4]}, "bounds": [0, 1, 0]}, "bounds"),
        ({"network": {"widths": [4]}, "max_regions": 10}, "max_regions"),
    ],
)
def test_a_bad_preset_is_refused_naming_its_setting(settings, field):
    with pytest.raises(ValueError, match=field):
        check_cells_preset(settings)
