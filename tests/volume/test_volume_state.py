"""The Volume page's state object and its controls, tested as a pair: the state checks
every value, the controls offer exactly the state's range, and each follows the other."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from app.presets.files import load_preset
from app.volume.page import VolumePage
from app.volume.preset import apply_volume_preset
from app.volume.session import restore_volume_state, save_volume_state
from app.volume.state import D_MAX, DISTANCE_DIMENSIONS, MONTE_CARLO_SAMPLES, VolumeState
from engine.session_file import PageState


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dimension", 0),
        ("dimension", D_MAX + 1),
        ("dimension", 2.5),
        ("dimension", float("inf")),
        ("dimension", True),
        ("distance_dimension", 4),
        ("scan_position", 1.5),
        ("scan_position", float("nan")),
        ("scan_position", "0.3"),
        ("monte_carlo_samples", 5),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValueError, match=field):
        VolumeState(**{field: value})


def test_whole_numbers_written_as_floats_are_taken():
    assert VolumeState(dimension=7.0).dimension == 7
    assert isinstance(VolumeState(dimension=7.0).dimension, int)


@pytest.fixture
def page(qtbot):
    page = VolumePage()
    qtbot.addWidget(page)
    yield page
    page.shutdown()


def test_the_controls_offer_the_states_range(page):
    assert (page.dimension_slider.minimum(), page.dimension_slider.maximum()) == (1, D_MAX)
    ids = sorted(page.distance_buttons.id(b) for b in page.distance_buttons.buttons())
    assert ids == sorted(DISTANCE_DIMENSIONS)
    box = page.samples_box
    assert [box.itemData(i) for i in range(box.count())] == list(MONTE_CARLO_SAMPLES)


def test_controls_write_the_state_and_the_state_moves_the_controls(page):
    page.dimension_slider.setValue(17)
    page.distance_buttons.button(100).click()
    page.samples_box.setCurrentIndex(0)
    assert page.controller.state == VolumeState(17, 100, 0.3, MONTE_CARLO_SAMPLES[0])

    page.controller.update(dimension=4, distance_dimension=3, monte_carlo_samples=10_000_000)
    assert page.dimension_slider.value() == 4
    assert page.distance_buttons.checkedId() == 3
    assert page.samples_box.currentData() == 10_000_000
    assert page.dimension_readout.text().startswith("d = 4:")


def test_a_refused_update_changes_nothing(page):
    before = page.controller.state
    with pytest.raises(ValueError):
        page.controller.update(dimension=2, scan_position=7.0)
    assert page.controller.state == before
    assert page.dimension_slider.value() == before.dimension


def test_a_session_round_trip_and_a_preset_give_the_same_state(qtbot, page):
    page.controller.update(dimension=12, scan_position=0.75, monte_carlo_samples=100_000)
    saved = save_volume_state(page)
    assert saved.settings == asdict(page.controller.state)

    other = VolumePage()
    qtbot.addWidget(other)
    restore_volume_state(other, saved)
    assert other.controller.state == page.controller.state
    assert other.dimension_slider.value() == 12

    with pytest.raises(ValueError, match="scan_position"):
        restore_volume_state(other, PageState({**saved.settings, "scan_position": 1e400}))
    assert other.controller.state == page.controller.state

    preset = load_preset("ball-in-cube")
    apply_volume_preset(other, preset.settings)
    expected = {k: v for k, v in preset.settings.items() if k != "play_scan"}
    assert {k: getattr(other.controller.state, k) for k in expected} == expected
    other.shutdown()
