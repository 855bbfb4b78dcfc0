"""The Jigsaw page's state: every setting checked in its constructor, one sentence each."""

from __future__ import annotations

import pytest

from app.jigsaw.controller import JigsawController
from app.jigsaw.state import DATASET_NAMES, JigsawState


def test_defaults_are_valid_and_classification_only():
    state = JigsawState()
    assert state.layer <= state.depth
    assert "bump" not in DATASET_NAMES and "two_spirals" in DATASET_NAMES


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dataset": "bump"}, "dataset must be one of"),
        ({"depth": 0}, "depth = 0 is outside"),
        ({"depth": 2, "layer": 3}, "layer = 3 is outside 1…2"),
        ({"width": 33}, "width = 33 is outside"),
        ({"width": 4, "unit_y": 5}, "unit_y = 5 is outside 1…4"),
        ({"unit_x": 2, "unit_y": 2}, "two different units"),
        ({"activation": "tanh"}, "activation must be one of"),
        ({"epochs": 5}, "epochs = 5 is outside"),
        ({"epochs": float("nan")}, "whole number"),
        ({"seed": True}, "seed must be a number"),
        ({"projection": "umap"}, "projection must be one of"),
        ({"layer": 1.5}, "whole number"),
    ],
)
def test_bad_settings_name_themselves(changes, message):
    with pytest.raises(ValueError, match=message):
        JigsawState(**changes)


def test_narrowing_the_network_keeps_two_distinct_units_in_range(qtbot):
    controller = JigsawController(JigsawState(width=8, unit_x=7, unit_y=8))
    controller.set_width(4)
    assert (controller.state.unit_x, controller.state.unit_y) == (3, 4)
    controller.set_depth(1)
    assert controller.state.layer == 1
    controller.set_unit(0, 4)  # choosing the other axis's unit swaps the axes
    assert (controller.state.unit_x, controller.state.unit_y) == (4, 3)
    assert controller.state.projection == "units"
    controller.shutdown()
