"""The Cells 3D page's state object and its controls, tested as a pair: the state checks
every value, the controls offer exactly the state's ranges and choices, and each follows
the other; a session and a preset come back as the same state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from app.cells3d.controller import Cells3DController
from app.cells3d.page import Cells3DPage
from app.cells3d.preset import apply_cells3d_preset, check_cells3d_preset
from app.cells3d.session import parse_cells3d_state, restore_cells3d_state, save_cells3d_state
from app.cells3d.state import (
    BOX,
    COLOUR_BY,
    DATASETS,
    EXPLODE,
    OPACITY,
    Cells3DState,
)
from app.presets.files import load_preset
from engine.networks import random_mlp
from engine.session_file import PageState
from widgets.cells3d.scene import COLOUR_MODES

TIMEOUT_MS = 120_000
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dataset", "moons"),
        ("seed", -1),
        ("seed", 2.5),
        ("seed", True),
        ("n_layers", -1),
        ("layers", 3),
        ("layers", INF),
        ("show_cells", 1),
        ("show_decision", "yes"),
        ("show_points", None),
        ("colour_by", "layer"),
        ("opacity", OPACITY[0] - 1),
        ("opacity", OPACITY[1] + 1),
        ("opacity", NAN),
        ("explode", EXPLODE[1] + 1),
        ("explode", "0"),
        ("show_layer_faces", 0),
        ("face_layer", 0),
        ("face_layer", 3),
        ("show_neuron", "false"),
        ("neuron", 25),
        ("slice_shown", None),
        ("slice_origin", (BOX[1] + 0.1, 0.0, 0.0)),
        ("slice_origin", (NAN, 0.0, 0.0)),
        ("slice_origin", (0.0, 0.0)),
        ("slice_normal", (0.0, 0.0, 0.0)),
        ("slice_normal", (INF, 1.0, 0.0)),
        ("slice_normal", "up"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValueError, match=field):
        Cells3DState(**{field: value})


def test_whole_numbers_written_as_floats_are_taken_and_vectors_become_tuples():
    state = Cells3DState(opacity=40.0, slice_origin=[1, 0.5, -1.25], slice_normal=[0, 0, 2])
    assert state.opacity == 40 and isinstance(state.opacity, int)
    assert state.slice_origin == (1.0, 0.5, -1.25) and state.slice_normal == (0.0, 0.0, 2.0)


def test_a_new_network_keeps_the_choices_that_still_exist():
    state = Cells3DState(face_layer=2, neuron=20, show_neuron=True, opacity=30)
    smaller = state.for_network(1, 5)
    assert (smaller.n_layers, smaller.layers, smaller.face_layer, smaller.neuron) == (1, 1, 1, 5)
    assert smaller.show_neuron and smaller.opacity == 30
    assert state.for_network(0, 0).face_layer == 1  # a network without hidden layers


def test_the_controller_starts_at_the_states_defaults():
    controller = Cells3DController()
    assert controller.state == Cells3DState()


@pytest.fixture
def page(qtbot) -> Iterator[Cells3DPage]:
    """The page, not shown: it trains nothing until asked."""
    page = Cells3DPage()
    qtbot.addWidget(page)
    yield page
    page.shutdown()


def _combo_data(combo) -> list:
    return [combo.itemData(i) for i in range(combo.count())]


def test_the_controls_offer_the_states_ranges_and_choices(page):
    state = page.controller.state
    assert (page.opacity_slider.minimum(), page.opacity_slider.maximum()) == OPACITY
    assert (page.explode_slider.minimum(), page.explode_slider.maximum()) == EXPLODE
    assert _combo_data(page.colour_combo) == list(COLOUR_BY) == list(COLOUR_MODES)
    assert _combo_data(page.dataset_combo) == list(DATASETS)
    assert (page.layer_spin.minimum(), page.layer_spin.maximum()) == state.face_layer_range
    assert (page.neuron_spin.minimum(), page.neuron_spin.maximum()) == (1, state.n_neurons)
    assert page.layer_slider.maximum == state.n_layers == 2

    page.controller.set_network(random_mlp([5, 5, 5], n_inputs=3, seed=1))
    assert page.layer_spin.maximum() == 3 and page.neuron_spin.maximum() == 15
    assert page.layer_slider.maximum == 3 and page.layer_slider.value == 3


def test_controls_write_the_state(page, qtbot):
    page.dataset_combo.setCurrentIndex(DATASETS.index("rings"))
    check = page.decision_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    page.colour_combo.setCurrentIndex(COLOUR_BY.index("class"))
    page.opacity_slider.setValue(40)
    page.explode_slider.setValue(25)
    page.layer_check.setChecked(True)
    page.layer_spin.setValue(2)
    page.neuron_check.setChecked(True)
    page.neuron_spin.setValue(17)
    page.slice_check.setChecked(True)
    page.view.set_slice_plane([0.2, -0.1, 0.3], [0.0, 0.6, 0.8])
    expected = replace(
        Cells3DState(),
        dataset="rings",
        show_decision=False,
        colour_by="class",
        opacity=40,
        explode=25,
        show_layer_faces=True,
        face_layer=2,
        show_neuron=True,
        neuron=17,
        slice_shown=True,
    )
    state = page.controller.state
    assert replace(state, slice_origin=(0, 0, 0), slice_normal=(0, 1, 0)) == expected
    np.testing.assert_allclose(state.slice_origin, [0.2, -0.1, 0.3], atol=1e-12)
    np.testing.assert_allclose(state.slice_normal, [0.0, 0.6, 0.8], atol=1e-12)
    assert page.view.slice_enabled and page.slice_button.isEnabled()


def test_the_state_moves_the_controls_and_the_view(page):
    page.controller.update(
        dataset="xor_3d",
        show_cells=False,
        show_points=False,
        colour_by="class",
        opacity=OPACITY[1],
        explode=EXPLODE[1],
        show_neuron=True,
        neuron=24,
        slice_shown=True,
        slice_origin=(0.5, 0.25, -0.5),
        slice_normal=(0.0, 0.0, 1.0),
    )
    assert page.dataset_combo.currentData() == "xor_3d"
    assert not page.cells_check.isChecked() and not page.points_check.isChecked()
    assert page.decision_check.isChecked()
    assert page.colour_combo.currentText() == "predicted class"
    assert page.opacity_slider.value() == OPACITY[1]
    assert page.explode_slider.value() == EXPLODE[1]
    assert page.neuron_check.isChecked() and page.neuron_spin.value() == 24
    assert page.slice_check.isChecked() and page.slice_button.isEnabled()
    origin, normal = page.view.slice_plane()
    np.testing.assert_allclose(origin, [0.5, 0.25, -0.5], atol=1e-12)
    np.testing.assert_allclose(normal, [0.0, 0.0, 1.0], atol=1e-12)


def test_a_refused_update_changes_nothing(page):
    before = page.controller.state
    with pytest.raises(ValueError, match="opacity"):
        page.controller.update(show_cells=False, opacity=99)
    with pytest.raises(ValueError, match="network"):
        page.controller.set_state(before.for_network(3, 15))
    assert page.controller.state == before
    assert page.cells_check.isChecked() and page.opacity_slider.value() == before.opacity


def test_the_scene_shows_the_state_once_cells_are_drawn(page, qtbot):
    with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS):
        page.controller.set_layers(1)
    assert page.layer_slider.value == 1
    page.controller.update(show_neuron=True, neuron=3, explode=50, colour_by="class")
    options = page.view.scene.options
    assert (options.neuron, options.explode, options.colour_by) == (2, 0.5, "class")
    assert page.view.scene.neuron_surface.GetVisibility()
    assert "layer 1, neuron 3's bent plane" in page.view.caption.GetInput()
    assert page.neuron_caption.text() == "layer 1, neuron 3"


def test_a_session_round_trip_gives_the_same_state(page, qtbot):
    with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS):
        page.controller.set_network(random_mlp([6, 4], n_inputs=3, seed=3))
    page.controller.update(
        layers=1,
        opacity=33,
        show_points=False,
        show_layer_faces=True,
        face_layer=2,
        neuron=7,
        slice_shown=True,
        slice_origin=(0.1, 0.2, 0.3),
        slice_normal=(0.0, 0.6, 0.8),
    )
    saved = save_cells3d_state(page)
    assert saved.settings["layer"] == [True, 2] and saved.settings["opacity"] == 33

    other = Cells3DPage()
    qtbot.addWidget(other)
    try:
        with qtbot.waitSignal(other.partition_shown, timeout=TIMEOUT_MS):
            restore_cells3d_state(other, saved)
        assert other.controller.state == page.controller.state
        assert other.opacity_slider.value() == 33 and other.layer_spin.value() == 2
        assert other.neuron_spin.maximum() == 10 and other.layer_slider.value == 1
        assert other.training_label.text() == "restored from a session"
        np.testing.assert_allclose(other.view.slice_plane()[0], [0.1, 0.2, 0.3], atol=1e-12)

        before = other.controller.state
        for key, bad in (("opacity", 1e400), ("layer", [True, 3]), ("show_cells", "on")):
            with pytest.raises(ValueError):
                restore_cells3d_state(other, PageState({**saved.settings, key: bad}, saved.tensors))
        assert other.controller.state == before and other.opacity_slider.value() == 33
    finally:
        other.shutdown()


def test_an_older_session_without_a_slice_keeps_the_plane(page):
    saved = save_cells3d_state(page)
    older = PageState({k: v for k, v in saved.settings.items() if k != "slice"}, saved.tensors)
    now = replace(page.controller.state, slice_shown=True, slice_origin=(0.5, 0.0, 0.0))
    assert parse_cells3d_state(older, now).state == now


def test_the_shipped_preset_gives_the_state_it_names(page, qtbot):
    preset = load_preset("octants-3d")
    check_cells3d_preset(preset.settings)
    with pytest.raises(ValueError, match="seed"):
        check_cells3d_preset({**preset.settings, "seed": -3})
    with pytest.raises(ValueError, match="colour_by"):
        check_cells3d_preset({"colour_by": "layer"})

    apply_cells3d_preset(page, preset.settings)
    state = page.controller.state
    assert {k: getattr(state, k) for k in preset.settings} == preset.settings
    assert page.dataset_combo.currentData() == "xor_3d"
    assert page.colour_combo.currentData() == "class"
    assert page.controller.is_training
    page.controller.abandon_training()
