"""The distance disc on the Playground: D shows a probe and the disc around it, the arrow
keys move it; the radius is GeoCert's (its own search, on the snapshot's network)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.playground.figure import playground_figure
from engine.adversarial_distance import adversarial_distance
from tests.playground.shown_playground import shown_playground
from tests.shown_page import give_focus


@pytest.fixture
def page(qtbot):
    yield from shown_playground(qtbot)


def _check(page, norm: str) -> None:
    result = page.disc_result
    assert result is not None and result.norm == norm
    probe = np.array(page.cells.canvas.probe_position)
    np.testing.assert_allclose(result.point, probe)
    exact = adversarial_distance(page.controller.snapshot.model(), probe, norm=norm)
    if result.is_exact:
        assert result.distance == pytest.approx(exact.distance, rel=1e-9)
    else:
        assert result.lower_bound - 1e-12 <= exact.distance <= result.distance + 1e-12
    order = 2 if norm == "l2" else np.inf
    radii = np.linalg.norm(page.disc.outline() - probe, ord=order, axis=1)
    np.testing.assert_allclose(radii, result.distance, rtol=1e-9)
    assert f"{result.distance:.6g}" in page.disc_label.text()


def test_d_shows_the_probe_and_its_exact_disc_in_both_norms(page, qtbot):
    canvas = page.cells.canvas
    assert canvas.probe_position is None and not page.disc.is_shown
    give_focus(qtbot, canvas)
    qtbot.keyClick(canvas, Qt.Key.Key_D)
    assert page.controller.state.distance_disc
    assert canvas.probe_position is not None and page.disc.is_shown
    _check(page, "l2")
    before = np.array(canvas.probe_position)
    qtbot.keyClick(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert canvas.probe_position[0] > before[0]
    _check(page, "l2")
    page.disc_norm_box.setCurrentIndex(page.disc_norm_box.findData("linf"))
    _check(page, "linf")
    figure = playground_figure(page)
    assert figure.disc is not None and figure.probe is not None
    qtbot.keyClick(canvas, Qt.Key.Key_D)
    assert canvas.probe_position is None and not page.disc.is_shown
    assert playground_figure(page).disc is None
