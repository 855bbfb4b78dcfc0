"""The Hulls page's state object and its controls, tested as a pair: the state checks
every value, and the test point, the tabs and the state follow each other."""

from __future__ import annotations

import pytest

from app.hulls.page import HullsPage
from app.hulls.preset import apply_hulls_preset, check_hulls_preset
from app.hulls.session import restore_hulls_state, save_hulls_state
from app.hulls.state import EXPERIMENT_KEYS, MAX_COORDINATE, HullsState
from engine.session_file import PageState

TIMEOUT_MS = 60_000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", -1),
        ("seed", 2**31),
        ("seed", 1.5),
        ("seed", float("inf")),
        ("test_point", (0.0,)),
        ("test_point", (0.0, float("nan"))),
        ("test_point", (2 * MAX_COORDINATE, 0.0)),
        ("test_point", "0,0"),
        ("experiment", "nope"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValueError, match=field):
        HullsState(**{field: value})


def test_the_tabs_are_the_states_experiments(qtbot):
    page = HullsPage()
    qtbot.addWidget(page)
    titles = [page.experiments.widget(i) for i in range(page.experiments.count())]
    assert [page.panels[key] for key in EXPERIMENT_KEYS] == titles
    page.shutdown()


def test_controls_write_the_state_and_the_state_moves_the_controls(qtbot):
    page = HullsPage()
    qtbot.addWidget(page)
    c = page.controller
    page.experiments.setCurrentIndex(2)
    page.canvas.move_test_point(-0.4, 0.65)
    assert c.state.experiment == EXPERIMENT_KEYS[2]
    assert c.state.test_point == pytest.approx((-0.4, 0.65))

    c.update(test_point=(0.1, -0.2), experiment="latent")
    assert page.canvas.test_point_position() == pytest.approx((0.1, -0.2))
    assert page.experiments.currentIndex() == EXPERIMENT_KEYS.index("latent")
    page.shutdown()


def test_a_refused_update_changes_nothing(qtbot):
    page = HullsPage()
    qtbot.addWidget(page)
    before = page.controller.state
    with pytest.raises(ValueError, match="seed"):
        page.controller.update(test_point=(0.5, 0.5), seed=-3)
    assert page.controller.state == before
    assert page.canvas.test_point_position() == pytest.approx(before.test_point)
    page.shutdown()


def test_a_session_and_a_preset_give_the_same_state_and_scene(qtbot):
    page = HullsPage()
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.controller.scene_changed, timeout=TIMEOUT_MS):
        page.start()
    settings = {"seed": 5, "test_point": [0.3, -0.1], "experiment": "curve"}
    with qtbot.waitSignal(page.controller.scene_changed, timeout=TIMEOUT_MS):
        restore_hulls_state(page, PageState(settings))
    assert save_hulls_state(page).settings == settings
    with qtbot.waitSignal(page.controller.verdict_ready, timeout=TIMEOUT_MS) as verdict:
        page.canvas.move_test_point(0.31, -0.1)
    assert verdict.args[0] is not None

    other = HullsPage()
    qtbot.addWidget(other)
    check_hulls_preset(settings)
    apply_hulls_preset(other, settings)
    assert other.controller.state == HullsState(5, (0.3, -0.1), "curve")
    with pytest.raises(ValueError, match="test_point"):
        check_hulls_preset({**settings, "test_point": [1e400, 0]})
    page.shutdown()
    other.shutdown()
