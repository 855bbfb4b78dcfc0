"""The Adversarial page, driven like a user: click a digit, switch the norm, cancel."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QRadioButton
from superqt.utils import FunctionWorker

from app.adversarial.controller import LINF_MILP_AFTER, compute_answer
from app.adversarial.page import AdversarialPage
from app.adversarial.session import restore_adversarial_state, save_adversarial_state
from engine.adversarial_attack import pgd_attack
from engine.adversarial_distance import adversarial_distance
from engine.networks import network_layers
from engine.session_file import PageState
from tests.shown_page import shown_page

TIMEOUT_MS = 120_000


@pytest.fixture
def page(qtbot) -> Iterator[AdversarialPage]:
    shown = AdversarialPage()
    yield from shown_page(
        qtbot, shown, (1400, 900), timeout_ms=TIMEOUT_MS, drawn=shown.results_shown
    )


def shown_distance(page: AdversarialPage) -> float:
    text = page.findChild(QLabel, "distanceLabel").text()
    match = re.search(r"distance ([0-9.e+-]+):", text)
    assert match, text
    return float(match.group(1))


def test_the_distance_shown_is_the_engines_and_the_images_are_its_points(page) -> None:
    classifier = page.controller.classifier
    x0 = classifier.test.flat[0]
    exact = adversarial_distance(classifier.model, x0)
    assert shown_distance(page) == pytest.approx(exact.distance, rel=1e-5)
    text = page.findChild(QLabel, "distanceLabel").text()
    assert f"a {classifier.test.labels[0]} becomes a {exact.adversarial_class}" in text
    images = page.images.images
    np.testing.assert_array_equal(images["input"].image, x0.reshape(8, 8))
    np.testing.assert_allclose(images["adversarial"].image, exact.point.reshape(8, 8), atol=1e-9)
    np.testing.assert_allclose(
        images["difference"].image, (exact.point - x0).reshape(8, 8), atol=1e-9
    )
    low, high = page.images.shown_levels()
    assert low == -high and high >= np.abs(exact.point).max() - 1e-12
    captions = page.chain_strip.captions()
    assert len(captions) == len(exact.chain)
    assert captions[0] == "x₀'s cell"
    attack = page.findChild(QLabel, "attackLabel").text()
    assert float(re.search(r"PGD attack: ([0-9.e+-]+)", attack).group(1)) >= shown_distance(
        page
    ) * (1 - 1e-5)


def test_clicking_a_digit_and_the_norm_recomputes(page, qtbot) -> None:
    classifier = page.controller.classifier
    picker = page.picker
    rect = picker.visualItemRect(picker.item(3))
    with qtbot.waitSignal(page.results_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(picker.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.controller.state.digit == 3
    x0 = classifier.test.flat[3]
    np.testing.assert_array_equal(page.images.images["input"].image, x0.reshape(8, 8))
    assert shown_distance(page) == pytest.approx(
        adversarial_distance(classifier.model, x0).distance, rel=1e-5
    )
    linf = page.findChild(QRadioButton, "norm_linf")
    with qtbot.waitSignal(page.results_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(linf, Qt.MouseButton.LeftButton, pos=QPoint(5, linf.height() // 2))
    assert page.controller.state.norm == "linf"
    assert "exact L∞ distance" in page.findChild(QLabel, "distanceLabel").text()
    assert shown_distance(page) == pytest.approx(
        adversarial_distance(classifier.model, x0, norm="linf").distance, rel=1e-5
    )


def test_cancel_stops_a_long_search_and_says_so(page, qtbot) -> None:
    cancel = page.findChild(QPushButton, "cancelButton")
    status = page.findChild(QLabel, "searchStatus")
    before = page.findChild(QLabel, "distanceLabel").text()
    page.controller.update(digit=2, max_cells=100_000)  # a far digit: thousands of cells
    qtbot.waitUntil(lambda: "cells searched" in status.text(), timeout=TIMEOUT_MS)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status.text() == "Cancelled.", timeout=TIMEOUT_MS)
    assert not cancel.isEnabled()
    assert page.findChild(QLabel, "distanceLabel").text() == before


def test_a_session_restores_digit_and_norm(page, qtbot) -> None:
    saved = save_adversarial_state(page)
    assert saved.settings == {
        "digit": 0,
        "norm": "l2",
        "max_cells": 20_000,
        "plane_point": (0.0, 0.5),
    }
    with qtbot.waitSignal(page.results_shown, timeout=TIMEOUT_MS):
        restore_adversarial_state(page, PageState({"digit": 5, "norm": "l2"}))
    assert page.picker.currentRow() == 5
    np.testing.assert_array_equal(
        page.images.images["input"].image, page.controller.classifier.test.flat[5].reshape(8, 8)
    )
    with pytest.raises(ValueError, match="digit"):
        restore_adversarial_state(page, PageState({"digit": 10_000}))
    assert page.controller.state.digit == 5


def test_the_disc_on_the_2d_canvas_has_the_exact_radius_and_touches_theoutputs(page, qtbot) -> None:
    canvas = page.plane_canvas
    plane = page.controller.classifiers.plane
    net = network_layers(plane.model)
    with qtbot.waitSignal(page.controller.plane_answer_ready, timeout=TIMEOUT_MS):
        canvas.probe_moved.emit(0.5, 1.0)  # what a drag of the probe sends
    label = page.findChild(QLabel, "planeDistanceLabel").text()
    radius = float(re.search(r"distance ([0-9.e+-]+) from \(0.500, 1.000\)", label).group(1))
    x0 = np.array([0.5, 1.0])
    outline = canvas.disc_outline()
    np.testing.assert_allclose(np.linalg.norm(outline - x0, axis=1), radius, rtol=1e-5)
    # Independent evidence: the disc is all one class, and just past it another begins.
    y = net.forward(x0[None])[0].argmax()
    rng = np.random.default_rng(0)
    angles = rng.uniform(0, 2 * np.pi, 20_000)
    radii = radius * (1 - 1e-5) * np.sqrt(rng.uniform(0, 1, 20_000))
    inside = x0 + radii[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
    assert np.all(net.forward(inside)[0].argmax(axis=1) == y)
    ring = np.linspace(0, 2 * np.pi, 20_000)
    outside = x0 + radius * (1 + 1e-4) * np.column_stack([np.cos(ring), np.sin(ring)])
    assert np.any(net.forward(outside)[0].argmax(axis=1) != y)
    nearest = canvas.disc.marker.getData()
    assert np.hypot(nearest[0][0] - 0.5, nearest[1][0] - 1.0) == pytest.approx(radius, rel=1e-5)


def test_a_spent_budget_is_shown_with_both_bounds(page, qtbot) -> None:
    status = page.findChild(QLabel, "searchStatus")
    before = page.findChild(QLabel, "distanceLabel").text()
    page.budget_box.setCurrentIndex(page.budget_box.findData(2_000))
    qtbot.waitUntil(lambda: page.controller.answer is not None, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(page.controller.search_stopped, timeout=TIMEOUT_MS):
        qtbot.mouseClick(
            page.picker.viewport(),
            Qt.MouseButton.LeftButton,
            pos=page.picker.visualItemRect(page.picker.item(2)).center(),
        )
    match = re.search(r"between ([0-9.e+-]+) \(proven\) and ([0-9.e+-]+) \(found\)", status.text())
    assert status.text().startswith("Stopped: searched 2,000 cells"), status.text()
    assert match and float(match.group(1)) <= float(match.group(2))
    # The attack's distance bounds the found one from above: independent evidence.
    classifier = page.controller.classifier
    attack = pgd_attack(classifier.model, network_layers(classifier.model), classifier.test.flat[2])
    assert float(match.group(1)) <= attack.distance
    assert page.findChild(QLabel, "distanceLabel").text() == before


def test_a_far_digit_in_linf_is_proven_by_the_program(page, qtbot) -> None:
    """Test digit 2 needs about 2,650 cells in L∞; the page hands over after 100."""
    classifier = page.controller.classifier
    assert classifier.test.labels[2] == 3
    status = page.findChild(QLabel, "searchStatus")
    seen: list[str] = []  # the status line after each progress report (the page's slot runs first)
    page.controller.search_progress.connect(lambda _: seen.append(status.text()))
    with qtbot.waitSignal(page.results_shown, timeout=TIMEOUT_MS):
        page.controller.update(digit=2, norm="linf")
    exact = page.controller.answer.exact
    assert (exact.label, exact.proof, exact.cells_explored) == (3, "milp", LINF_MILP_AFTER)
    outputs = network_layers(classifier.model).forward(exact.point[None])[0][0]
    assert outputs[3] == pytest.approx(outputs[exact.adversarial_class], abs=1e-9)
    assert shown_distance(page) == pytest.approx(exact.distance, rel=1e-5)
    certificate = page.findChild(QLabel, "certificateLabel").text()
    assert f"{LINF_MILP_AFTER} cells searched then one mixed-integer program" in certificate
    assert any("mixed-integer program…" in text for text in seen)
    attack = page.findChild(QLabel, "attackLabel").text()
    assert float(re.search(r"PGD attack: ([0-9.e+-]+)", attack).group(1)) >= exact.distance * (
        1 - 1e-9
    )


def test_finished_searches_free_their_workers(page, qtbot) -> None:
    for digit in (1, 2, 3, 4):
        with qtbot.waitSignal(page.results_shown, timeout=TIMEOUT_MS):
            page.controller.update(digit=digit)
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)
    qtbot.wait(50)  # superqt lets the last worker go once its finished signal arrives
    gc.collect()
    workers = [o for o in gc.get_objects() if isinstance(o, FunctionWorker)]
    searches = [worker for worker in workers if worker._func is compute_answer]
    assert len(searches) <= 1  # a handler that held its worker kept one per search
