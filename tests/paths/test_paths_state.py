"""The Paths page's state object and its controls, tested as a pair: the state checks every
value, the controls offer exactly the state's choices, each follows the other, sessions
and presets give the same state, and the heavy work of a fresh start runs off the GUI
thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

import app.paths.analysis as paths_analysis
import app.paths.controller as paths_controller
from app.paths.page import PathsPage
from app.paths.preset import apply_paths_preset, check_paths_preset, paths_pair
from app.paths.session import restore_paths_state, save_paths_state
from app.paths.state import (
    CLASSES,
    LATENT_DIMS,
    MAX_EPOCHS,
    MAX_SEED,
    TEST_LIMIT,
    PathsSettings,
    PathsState,
)
from app.presets.files import load_preset
from engine.session_file import PageState, SessionFileError
from tests.shown_page import shown_page

TINY = PathsSettings(
    hidden=(24, 12), autoencoder_epochs=6, classifier_epochs=2, survey_pairs=20, strip_samples=9
)
TIMEOUT_MS = 60_000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latent_dim", 3),
        ("latent_dim", "2"),
        ("latent_dim", True),
        ("latent_dim", float("nan")),
        ("image_a", -1),
        ("image_a", TEST_LIMIT),
        ("image_b", 2.5),
        ("image_c", float("inf")),
        ("random_classes", (4, 10)),
        ("random_classes", (4,)),
        ("random_classes", ("4", None)),
        ("gallery_seed", MAX_SEED + 1),
        ("gallery_seed", -1),
        ("data_files", ("images-idx3-ubyte",)),
        ("data_files", ("", "labels")),
        ("training", {"hidden": [8]}),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValueError, match=field):
        PathsState(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hidden", ()),
        ("hidden", (8, 0)),
        ("hidden", (8, float("nan"))),
        ("autoencoder_epochs", MAX_EPOCHS + 1),
        ("classifier_epochs", 0),
        ("survey_pairs", 1.5),
        ("strip_samples", 2),
        ("seed", -3),
    ],
)
def test_bad_training_settings_are_refused_naming_their_field(field, value):
    with pytest.raises(ValueError, match=field):
        PathsSettings(**{field: value})


def test_the_same_image_cannot_be_both_ends():
    with pytest.raises(ValueError, match="image_b"):
        PathsState(image_a=5, image_b=5)


def test_whole_numbers_written_as_floats_are_taken():
    state = PathsState(latent_dim=16.0, image_a=3.0, gallery_seed=2.0)
    assert (state.latent_dim, state.image_a, state.gallery_seed) == (16, 3, 2)
    assert all(isinstance(v, int) for v in (state.latent_dim, state.image_a, state.gallery_seed))
    assert PathsState(image_a=3, image_b=4).pair.index_b == 4 and PathsState(image_a=3).pair is None


@pytest.fixture
def page(qtbot) -> Iterator[PathsPage]:
    """A Paths page never shown: nothing read, nothing trained."""
    page = PathsPage(TINY)
    qtbot.addWidget(page)
    yield page
    page.shutdown()


@pytest.fixture
def shown(qtbot) -> Iterator[PathsPage]:
    """A Paths page shown, with its tiny models trained and a first pair drawn."""
    page = PathsPage(TINY)
    yield from shown_page(qtbot, page, (1400, 860), timeout_ms=TIMEOUT_MS, drawn=page.pair_shown)


def _data(combo) -> list:
    return [combo.itemData(i) for i in range(combo.count())]


def test_the_controls_offer_the_states_choices(page):
    controls = page.controls
    assert _data(controls.latent_combo) == list(LATENT_DIMS)
    for combo in controls.class_combos:
        assert _data(combo) == [None, *CLASSES]
    assert controls.latent_combo.currentData() == page.controller.state.latent_dim


def test_controls_write_the_state_and_the_state_moves_the_controls(qtbot, shown):
    page, controls = shown, shown.controls
    c = page.controller
    gallery = controls.gallery

    controls.class_combos[0].setCurrentIndex(controls.class_combos[0].findData(3))
    assert c.state.random_classes == (3, None)
    seed = c.state.gallery_seed
    qtbot.mouseClick(
        controls.findChild(QPushButton, "pathsShuffleButton"), Qt.MouseButton.LeftButton
    )
    assert c.state.gallery_seed == seed + 1 == gallery.seed
    images = gallery.shown_indices
    a, b, third = int(images[0, 1]), int(images[2, 5]), int(images[1, 9])
    plain, ctrl = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier
    for index, modifier in ((a, plain), (b, plain), (third, ctrl)):
        qtbot.mouseClick(
            gallery, Qt.MouseButton.LeftButton, modifier, gallery.image_position(index).toPoint()
        )
    assert (c.state.image_a, c.state.image_b, c.state.image_c) == (a, b, third)
    qtbot.mouseClick(
        controls.findChild(QPushButton, "pathsOriginButton"), Qt.MouseButton.LeftButton
    )
    assert c.state.image_c is None

    c.update(random_classes=(None, 9), gallery_seed=7, image_a=b, image_b=a, image_c=third)
    assert [combo.currentData() for combo in controls.class_combos] == [None, 9]
    assert gallery.seed == 7
    assert gallery.marks() == {"A": b, "B": a, "C": third}

    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        controls.latent_combo.setCurrentIndex(controls.latent_combo.findData(16))
    assert c.state.latent_dim == 16 and c.models.latent_dim == 16
    with qtbot.waitSignal(page.pair_shown, timeout=TIMEOUT_MS):
        c.update(latent_dim=2)
    assert controls.latent_combo.currentData() == 2


def test_a_refused_update_changes_nothing(shown):
    c = shown.controller
    before = c.state
    marks = shown.controls.gallery.marks()
    n_test = len(c.source.test)
    for changes in (
        {"latent_dim": 16, "image_a": before.image_b},
        {"image_c": n_test},
        {"gallery_seed": -1, "random_classes": (1, 2)},
    ):
        with pytest.raises(ValueError):
            c.update(**changes)
        assert c.state == before
    assert shown.controls.gallery.marks() == marks
    assert shown.controls.latent_combo.currentData() == before.latent_dim
    assert [combo.currentData() for combo in shown.controls.class_combos] == [None, None]


def test_a_session_round_trip_and_a_preset_give_the_same_state(qtbot, shown):
    c = shown.controller
    images = shown.controls.gallery.shown_indices
    c.update(
        image_a=int(images[3, 0]),
        image_b=int(images[4, 6]),
        image_c=int(images[0, 2]),
        random_classes=(0, 6),
        gallery_seed=0,
    )
    saved = save_paths_state(shown)
    other = PathsPage()  # default settings: the session's replace them
    qtbot.addWidget(other)
    restore_paths_state(other, saved)
    assert other.controller.state == c.state
    assert other.controls.gallery.marks() == shown.controls.gallery.marks()
    assert [combo.currentData() for combo in other.controls.class_combos] == [0, 6]

    for key, bad, named in (
        ("gallery_seed", -1, "gallery_seed"),
        ("latent_dim", 5, "latent_dim"),
        ("pair", [1, 1, None], "image_b"),
    ):
        with pytest.raises(SessionFileError, match=named):
            restore_paths_state(other, PageState({**saved.settings, key: bad}, saved.tensors))
        assert other.controller.state == c.state

    preset = load_preset("digits-decoder-path")
    with pytest.raises(ValueError, match="classes"):
        apply_paths_preset(other, {**preset.settings, "classes": [3, 12]})
    assert other.controller.state == c.state
    apply_paths_preset(other, preset.settings)
    classes = preset.settings["classes"]
    a, b = paths_pair(other.controller.source.test.labels, classes)
    expected = replace(
        c.state,
        latent_dim=preset.settings["latent_dim"],
        random_classes=tuple(classes),
        image_a=a,
        image_b=b,
    )
    assert other.controller.state == expected
    check_paths_preset(preset.settings)
    other.shutdown()


def test_the_data_and_the_default_pair_are_made_off_the_gui_thread(qtbot, monkeypatch):
    """Reading the digits and choosing the default pair (an autoencoder pass and a
    nearest-neighbour search) run in workers while the event loop keeps turning."""
    gui = threading.get_ident()
    threads: dict[str, list[int]] = {"read": [], "pair": []}

    def recorded(kind, function):
        def run(*args, **kwargs):
            threads[kind].append(threading.get_ident())
            return function(*args, **kwargs)

        return run

    monkeypatch.setattr(
        paths_controller, "load_source", recorded("read", paths_controller.load_source)
    )
    monkeypatch.setattr(
        paths_analysis,
        "reconstruction_keeps_class",
        recorded("pair", paths_analysis.reconstruction_keeps_class),
    )
    page = PathsPage(TINY)
    with qtbot.waitSignal(
        page.controller.state_changed,
        timeout=TIMEOUT_MS,
        check_params_cb=lambda state: state.pair is not None,
    ):
        qtbot.addWidget(page)
        page.show()
    assert threads["read"] and threads["pair"]
    assert gui not in threads["read"] + threads["pair"]
    pair = page.controller.pair
    assert page.controls.gallery.marks() == {"A": pair.index_a, "B": pair.index_b}
    page.shutdown()
