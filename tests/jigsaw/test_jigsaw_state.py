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
        ({"dimensions": 1}, "dimensions = 1 is outside 2…3"),
        ({"dimensions": "3"}, "dimensions must be a number"),
        ({"width": 4, "unit_z": 33}, "unit_z = 33 is outside 1…32"),
        ({"width": 4, "unit_z": 5, "dimensions": 3, "projection": "units"}, "unit_z = 5 is"),
        ({"dimensions": 3, "projection": "units", "unit_z": 2}, "unit_z must differ"),
        (
            {"dimensions": 3, "projection": "units", "width": 2, "unit_z": 2},
            "width of at least 3",
        ),
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


def test_a_third_unit_is_checked_only_where_it_is_shown():
    # In 2-D, or with PCA, the third unit may repeat another: it is not on screen.
    assert JigsawState(width=2, unit_z=2).units == (1, 2)
    assert JigsawState(width=2, unit_z=2, dimensions=3).units == (1, 2, 2)
    assert JigsawState(dimensions=3, projection="units").uses_three_units


def test_the_controller_keeps_three_distinct_units_or_falls_back_to_pca(qtbot):
    controller = JigsawController(JigsawState(width=8, unit_x=1, unit_y=2, unit_z=2))
    controller.set_dimensions(3)  # the third unit moves off the other two
    assert controller.state.dimensions == 3 and controller.state.unit_z == 3
    controller.set_unit(2, 1)  # the third axis takes unit 1: the first axis takes 3
    assert controller.state.units == (3, 2, 1)
    assert controller.state.projection == "units"
    controller.set_width(2)  # too narrow for three units: PCA
    assert controller.state.projection == "pca" and controller.state.width == 2
    controller.set_width(5)
    controller.set_projection("units")
    assert len(set(controller.state.units)) == 3
    narrow = JigsawController(JigsawState(width=2, projection="units"))
    narrow.set_dimensions(3)
    assert narrow.state.dimensions == 3 and narrow.state.projection == "pca"
    with qtbot.waitSignal(narrow.failed) as refused:
        narrow.set_projection("units")
    assert "width of at least 3" in refused.args[0]
    assert narrow.state.projection == "pca"
    controller.shutdown()
    narrow.shutdown()
