"""The Extrapolation page's settings: hostile values are refused in one clear sentence,
limits are written as integers, and sessions and presets hold to the same checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.extrapolation.preset import check_extrapolation_preset
from app.extrapolation.state import MAX_SEED, ExtrapolationState
from app.presets.files import load_preset
from app.registry import page_spec

ROOT_PRESET = Path(__file__).resolve().parents[2] / "resources/presets/extrapolation-abs.json"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"seed": 2**40}, "seed"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"degree": 1000}, "degree"),
        ({"degree": float("nan")}, "degree"),
        ({"epochs": 0}, "epochs"),
        ({"train_low": float("nan")}, "train_low"),
        ({"train_high": float("inf")}, "train_high"),
        ({"train_low": 1.0, "train_high": 1.2}, "training range"),
        ({"train_low": 3.0, "train_high": -3.0}, "training range"),
        ({"function": "tan"}, "function"),
        ({"widths": (0,)}, "widths"),
        ({"widths": (8, 8, 8, 8)}, "widths"),
        ({"widths": ()}, "widths"),
        ({"points": ((0.0, float("nan")),)}, "point 1's y"),
        ({"points": ((99.0, 0.0),)}, "point 1's x"),
        ({"points": ((1.0,),)}, "point 1"),
        ({"points": "1,2"}, "points"),
    ],
)
def test_a_hostile_value_is_refused_in_one_sentence_naming_it(changes, field):
    with pytest.raises(ValueError) as raised:
        ExtrapolationState(**changes)
    message = str(raised.value)
    assert field in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_limits_are_printed_as_integers():
    with pytest.raises(ValueError) as raised:
        ExtrapolationState(seed=2**40)
    assert str(raised.value) == f"seed = {2**40} is outside 0…{MAX_SEED}."
    assert not re.search(r"\de[+-]", str(raised.value))
    with pytest.raises(ValueError, match=r"^degree = 1000 is outside 0…20\.$"):
        ExtrapolationState(degree=1000)


def test_whole_numbers_written_as_floats_are_taken():
    state = ExtrapolationState(seed=7.0, degree=3.0, widths=[4.0, 5])
    assert (state.seed, state.degree, state.widths) == (7, 3, (4, 5))
    assert isinstance(state.seed, int)


def test_the_preset_is_valid_and_a_bad_one_names_its_field(tmp_path):
    preset = load_preset("extrapolation-abs")
    assert preset.page == "extrapolation"
    check_extrapolation_preset(preset.settings)
    with pytest.raises(ValueError, match="unknown extrapolation settings field"):
        check_extrapolation_preset({"colour": "red"})
    with pytest.raises(ValueError, match="seed"):
        check_extrapolation_preset({"seed": 2**40})
    data = json.loads(ROOT_PRESET.read_text())
    data["settings"]["degree"] = 1000
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="degree"):
        load_preset(str(bad))


def test_the_page_is_registered_with_its_state():
    spec = page_spec("extrapolation")
    assert spec.state_type is ExtrapolationState
    assert spec.title == "Extrapolation"
