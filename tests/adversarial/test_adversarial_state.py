"""The Adversarial page's state: every value checked, sessions and presets through it."""

from __future__ import annotations

import pytest

from app.adversarial.preset import check_adversarial_preset
from app.adversarial.state import N_TEST_DIGITS, AdversarialState
from app.presets.files import load_preset
from engine.adversarial_digits import train_digits_classifier


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("digit", -1),
        ("digit", N_TEST_DIGITS),
        ("digit", 2.5),
        ("digit", float("nan")),
        ("digit", True),
        ("digit", "3"),
        ("norm", "l1"),
        ("norm", None),
        ("max_cells", 7),
        ("max_cells", True),
        ("plane_point", (0.0, float("inf"))),
        ("plane_point", (0.0, 11.0)),
        ("plane_point", (1.0,)),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValueError, match=field):
        AdversarialState(**{field: value})


def test_the_digit_range_is_the_test_set():
    assert len(train_digits_classifier().test) == N_TEST_DIGITS


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"digit": 5, "colour": "red"}, "unknown adversarial settings field"),
        ({"norm": "l3"}, "norm"),
        ([1, 2], "must be an object"),
    ],
)
def test_a_bad_preset_is_refused_in_one_sentence(settings, says):
    with pytest.raises(ValueError, match=says):
        check_adversarial_preset(settings)


def test_the_shipped_preset_names_this_page():
    preset = load_preset("adversarial-digits")
    assert preset.page == "adversarial"
    check_adversarial_preset(preset.settings)
