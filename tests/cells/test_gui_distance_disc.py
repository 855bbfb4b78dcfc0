"""The distance disc on the Cells page, driven like a user: the D key, a drag of the probe,
the norm box; the radius checked against GeoCert's search (its own programs, no
partition) and against the network's classes sampled inside and just outside the disc."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.cells.figure import cells_page_figure
from app.cells.preset import apply_cells_preset, check_cells_preset
from app.export.cells_svg import cell_figure_svg
from app.presets.files import load_preset
from engine.adversarial_distance import adversarial_distance
from tests.cells.test_gui_probe import drag
from tests.shown_page import give_focus

ORDERS = {"l2": 2, "linf": np.inf}


def _classes(model, points: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(points)).numpy().argmax(axis=1)


def _check_disc(page, norm: str) -> None:
    """The disc drawn around the probe has GeoCert's radius and holds one class only."""
    model = page.controller.model
    probe = np.array(page.probe.position)
    exact = adversarial_distance(model, probe, norm=norm)
    outline = page.disc.outline()
    radii = np.linalg.norm(outline - probe, ord=ORDERS[norm], axis=1)
    assert page.disc_result.is_exact
    np.testing.assert_allclose(radii, exact.distance, rtol=1e-9)
    nearest = page.disc.nearest()
    assert np.linalg.norm(nearest - probe, ord=ORDERS[norm]) == pytest.approx(exact.distance)
    # Every sampled input strictly inside the disc is of the probe's class.
    rng = np.random.default_rng(0)
    scale = exact.distance * (1 - 1e-6)
    if norm == "l2":
        angle = rng.uniform(0, 2 * np.pi, 20_000)
        radius = scale * np.sqrt(rng.uniform(0, 1, 20_000))
        inside = probe + radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    else:
        inside = probe + rng.uniform(-scale, scale, size=(20_000, 2))
    assert np.all(_classes(model, inside) == exact.label)
    text = page.findChild(QLabel, "probeDiscLabel").text()
    assert f"{exact.distance:.6g}" in text and "(exact)" in text


def test_the_disc_is_off_by_default_and_d_draws_it_with_the_exact_radius(main_window, qtbot):
    page = main_window.page("cells")
    assert not page.controller.state.distance_disc
    assert not page.disc.is_shown
    assert page.findChild(QLabel, "probeDiscLabel").isHidden()
    give_focus(qtbot, page.canvas)
    qtbot.keyClick(page.canvas, Qt.Key.Key_D)
    assert page.controller.state.distance_disc and page.disc_action.isChecked()
    assert page.disc.is_shown
    _check_disc(page, "l2")

    # A drag of the probe moves the disc with it.
    start = np.array(page.probe.position)
    target = 0.6 * start + np.array([0.05, -0.05])
    drag(qtbot, page.canvas, [start, 0.5 * (start + target), target])
    assert np.linalg.norm(np.array(page.probe.position) - target) < 0.02
    _check_disc(page, "l2")

    # The L∞ disc is a square of GeoCert's L∞ radius.
    page.disc_norm_box.setCurrentIndex(page.disc_norm_box.findData("linf"))
    assert page.controller.state.disc_norm == "linf"
    _check_disc(page, "linf")

    # The figure view draws it; D again takes it away.
    figure = cells_page_figure(page)
    assert figure.disc is not None
    np.testing.assert_allclose(figure.disc.nearest, page.disc.nearest())
    assert 'id="distance-disc"' in cell_figure_svg(figure, 800, 600)
    qtbot.keyClick(page.canvas, Qt.Key.Key_D)
    assert not page.disc.is_shown and cells_page_figure(page).disc is None
    assert 'id="distance-disc"' not in cell_figure_svg(cells_page_figure(page), 800, 600)


def test_fewer_layers_show_why_there_is_no_disc(main_window, qtbot):
    page = main_window.page("cells")
    page.controller.update(distance_disc=True)
    assert page.disc.is_shown
    with qtbot.waitSignal(page.partition_shown, timeout=30_000):
        page.controller.update(layers=1)
    assert not page.disc.is_shown
    assert "every layer" in page.findChild(QLabel, "probeDiscLabel").text()


def test_the_preset_places_the_probe_with_its_disc(main_window, qtbot):
    page = main_window.page("cells")
    settings = load_preset("cells-distance-disc").settings
    with qtbot.waitSignal(page.partition_shown, timeout=30_000):
        apply_cells_preset(page, settings)
    assert page.controller.state.distance_disc and page.disc_action.isChecked()
    assert page.probe.position == pytest.approx(tuple(settings["probe"]))
    _check_disc(page, "l2")
    with pytest.raises(ValueError, match="probe"):
        check_cells_preset({**settings, "probe": [0.0, float("nan")]})
    with pytest.raises(ValueError, match="disc_norm"):
        check_cells_preset({**settings, "disc_norm": "l3"})
