"""The Playground's state object and its controls, tested as a pair: the state checks
every value, the controls offer exactly the state's range, and each follows the other."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from app.playground import state as limits
from app.playground.page import PlaygroundPage
from app.playground.preset import apply_playground_preset, playground_preset_state
from app.playground.session import restore_playground_state, save_playground_state
from app.playground.state import PlaygroundState
from app.presets.files import load_preset
from engine.datasets import DATASETS
from engine.features import FEATURE_TRANSFORMS
from engine.networks import ACTIVATIONS
from engine.session_file import PageState
from engine.training import OPTIMISERS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dataset", "nope"),
        ("dataset", 3),
        ("n_samples", limits.MIN_SAMPLES - 1),
        ("n_samples", limits.MAX_SAMPLES + 1),
        ("n_samples", 400.5),
        ("n_samples", True),
        ("noise", -0.01),
        ("noise", limits.MAX_NOISE + 0.01),
        ("noise", float("nan")),
        ("noise", "0.1"),
        ("data_seed", -1),
        ("data_seed", limits.MAX_SEED + 1),
        ("n_classes", 1),
        ("n_classes", limits.MAX_CLASSES + 1),
        ("test_fraction", 0.99),
        ("test_fraction", float("inf")),
        ("transform", "cubic"),
        ("view", "side"),
        ("widths", ()),
        ("widths", (0,)),
        ("widths", (limits.MAX_WIDTH + 1,)),
        ("widths", (4,) * (limits.MAX_HIDDEN_LAYERS + 1)),
        ("widths", (8.5,)),
        ("widths", "8,8"),
        ("activation", "tanh"),
        ("optimiser", "rmsprop"),
        ("learning_rate", 0.0),
        ("learning_rate", float("inf")),
        ("batch_size", 0),
        ("batch_size", limits.MAX_BATCH_SIZE + 1),
        ("l2", -1e-4),
        ("epochs", -1),
        ("epochs", limits.MAX_EPOCHS + 1),
        ("seed", limits.MAX_SEED + 1),
        ("colour_by", "layer"),
        ("test_points", "yes"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValueError, match=field):
        PlaygroundState(**{field: value})


def test_json_numbers_and_lists_are_taken_in_their_proper_types():
    state = PlaygroundState(n_samples=600.0, widths=[16, 16.0], epochs=300.0)
    assert (state.n_samples, state.widths, state.epochs) == (600, (16, 16), 300)
    assert state.architecture.widths == (16, 16)
    assert state.dataset_spec.n_samples == 600 and state.config.epochs == 300


@pytest.fixture
def page(qtbot):
    page = PlaygroundPage()
    qtbot.addWidget(page)
    yield page
    page.shutdown()


def _range(spin) -> tuple:
    return spin.minimum(), spin.maximum()


def _entries(combo) -> list:
    return [combo.itemData(i) for i in range(combo.count())]


def test_the_controls_offer_the_states_range(page, qtbot):
    c = page.controls
    assert _range(c.samples_spin) == (limits.MIN_SAMPLES, limits.MAX_SAMPLES)
    assert _range(c.classes_spin) == (limits.MIN_CLASSES, limits.MAX_CLASSES)
    assert _range(c.noise_spin) == (0.0, limits.MAX_NOISE)
    assert _range(c.data_seed_spin) == _range(c.seed_spin) == (0, limits.MAX_SEED)
    assert _range(c.batch_spin) == (1, limits.MAX_BATCH_SIZE)
    assert _range(c.epochs_spin) == (0, limits.MAX_EPOCHS)
    assert _entries(c.dataset_combo) == list(DATASETS)
    assert _entries(c.transform_combo) == list(FEATURE_TRANSFORMS)
    assert _entries(c.activation_combo) == list(ACTIVATIONS)
    assert sorted(_entries(c.optimiser_combo)) == sorted(OPTIMISERS)
    assert _entries(c.colour_combo) == list(limits.COLOUR_BY)
    assert _entries(c.rate_combo) == list(limits.LEARNING_RATES)
    assert _entries(c.l2_combo) == list(limits.L2_PENALTIES)
    low, high = limits.LEARNING_RATE_RANGE
    assert all(low <= r <= high for r in limits.LEARNING_RATES)
    assert all(0 <= p <= limits.MAX_L2 for p in limits.L2_PENALTIES)

    # The widths field takes what the state takes, and explains the rest.
    widest = ",".join([str(limits.MAX_WIDTH)] * limits.MAX_HIDDEN_LAYERS)
    for text, accepted in (
        (widest, True),
        (f"{limits.MAX_WIDTH + 1}", False),
        (",".join(["4"] * (limits.MAX_HIDDEN_LAYERS + 1)), False),
    ):
        _type_widths(qtbot, page, text)
        assert c.widths_error.isVisibleTo(page) is not accepted, text
    assert page.controller.state.widths == (limits.MAX_WIDTH,) * limits.MAX_HIDDEN_LAYERS


def _type_widths(qtbot, page, text: str) -> None:
    edit = page.controls.widths_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_controls_write_the_state(page, qtbot):
    c = page.controls
    c.dataset_combo.setCurrentIndex(c.dataset_combo.findData("blobs_k"))
    c.classes_spin.setValue(5)
    c.samples_spin.setValue(600)
    c.noise_spin.setValue(limits.MAX_NOISE)
    c.data_seed_spin.setValue(7)
    c.activation_combo.setCurrentIndex(c.activation_combo.findData("abs"))
    c.optimiser_combo.setCurrentIndex(c.optimiser_combo.findData("sgd"))
    c.rate_combo.setCurrentIndex(c.rate_combo.findData(0.1))
    c.l2_combo.setCurrentIndex(c.l2_combo.findData(0.0))
    c.batch_spin.setValue(32)
    c.epochs_spin.setValue(450)
    c.seed_spin.setValue(3)
    c.colour_combo.setCurrentIndex(c.colour_combo.findData("pattern"))
    qtbot.mouseClick(c.test_check, Qt.MouseButton.LeftButton)
    _type_widths(qtbot, page, "6,5")
    c.transform_combo.setCurrentIndex(c.transform_combo.findData("polar"))
    c.view_combo.setCurrentIndex(c.view_combo.findData("input"))

    assert page.controller.state == PlaygroundState(
        dataset="blobs_k",
        n_samples=600,
        noise=limits.MAX_NOISE,
        data_seed=7,
        n_classes=5,
        transform="polar",
        view="input",
        widths=(6, 5),
        activation="abs",
        optimiser="sgd",
        learning_rate=0.1,
        batch_size=32,
        l2=0.0,
        epochs=450,
        seed=3,
        colour_by="pattern",
        test_points=False,
    )
    # What the user sees follows: the canvas, the network, the epoch budget.
    assert page.cells.colour_by == "pattern" and not page.cells.test_points_visible
    assert page.controller.architecture.widths == (6, 5)
    assert page.controller.dataset.n_classes == 5
    assert c.progress_label.text().startswith("epoch 0 / 450")


def test_the_state_moves_the_controls(page):
    page.controller.update(
        dataset="xor",
        n_samples=1000,
        noise=0.75,
        transform="polar",
        view="feature",
        widths=(16, 16, 16),
        learning_rate=0.0123,  # not in the menu: shown all the same
        epochs=321,
        colour_by="pattern",
        test_points=False,
    )
    c = page.controls
    assert c.dataset_combo.currentText() == DATASETS["xor"].title
    assert not c.classes_spin.isEnabled()  # XOR has two classes, always
    assert c.classes_spin.value() == 2  # and shows them, whatever k the state keeps
    assert c.samples_spin.value() == 1000
    assert c.noise_spin.value() == pytest.approx(0.75)
    assert c.transform_combo.currentData() == "polar"
    assert c.view_combo.currentText().startswith("feature plane (r, θ)")
    assert c.widths_edit.text() == "16,16,16"
    assert c.rate_combo.currentText() == "0.0123"
    assert c.epochs_spin.value() == 321
    assert c.colour_combo.currentText() == "activation pattern"
    assert not c.test_check.isChecked() and not page.cells.test_points_visible
    assert c.progress_label.text().startswith("epoch 0 / 321")


def test_a_refused_update_changes_nothing(page):
    before, run_id = page.controller.state, page.controller.run_id
    with pytest.raises(ValueError, match="noise"):
        page.controller.update(widths=(3,), noise=limits.MAX_NOISE * 2)
    assert page.controller.state == before and page.controller.run_id == run_id
    assert page.controls.widths_edit.text() == "8,8"
    assert page.controls.noise_spin.value() == pytest.approx(before.noise)


def test_a_session_round_trip_and_a_preset_give_the_same_state(qtbot, page):
    page.controller.update(
        dataset="circle",
        noise=0.8,
        transform="product",
        widths=(5, 3),
        colour_by="pattern",
        distance_disc=True,
        disc_norm="linf",
    )
    saved = save_playground_state(page)
    assert (saved.settings["distance_disc"], saved.settings["disc_norm"]) == (True, "linf")
    assert saved.settings["dataset"]["noise"] == 0.8  # the keys older files use
    assert saved.settings["architecture"] == {"widths": [5, 3], "activation": "relu"}

    other = PlaygroundPage()
    qtbot.addWidget(other)
    restore_playground_state(other, saved)
    assert other.controller.state == page.controller.state
    assert other.controls.widths_edit.text() == "5,3"
    assert other.controls.noise_spin.value() == pytest.approx(0.8)
    assert other.cells.colour_by == "pattern"
    assert other.disc_action.isChecked() and other.disc_norm_box.currentData() == "linf"
    with pytest.raises(ValueError, match="disc_norm"):
        broken = PageState({**saved.settings, "disc_norm": 2}, saved.tensors)
        restore_playground_state(other, broken)

    for section, key, bad in (("dataset", "noise", 1e400), ("config", "epochs", -3)):
        broken = {**saved.settings, section: {**saved.settings[section], key: bad}}
        with pytest.raises(ValueError, match=key):
            restore_playground_state(other, PageState(broken, saved.tensors))
        assert other.controller.state == page.controller.state

    preset = load_preset("circle-ring-features")
    apply_playground_preset(other, {**preset.settings, "play": False})
    expected = playground_preset_state(preset.settings)
    assert other.controller.state == expected
    assert other.controls.transform_combo.currentData() == "polar"
    assert other.controls.widths_edit.text() == "2"
    # ... and the preset's state survives a session as it is.
    restore_playground_state(page, save_playground_state(other))
    assert page.controller.state == expected
    assert math.isclose(page.controls.noise_spin.value(), expected.noise)
    other.shutdown()
