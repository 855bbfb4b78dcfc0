"""The Playground page, driven like a user: buttons, typed settings, pixels, shortcuts."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QToolButton,
)

from app.jobs.newest_only import NewestOnlyRunner
from app.playground.figure import playground_figure
from app.playground.page import PlaygroundPage
from engine.datasets import DATA_BOUNDS
from engine.features import feature_transform
from engine.partition2d import partition_2d, pattern_colour_keys
from engine.training import model_from_state
from tests.playground.shown_playground import TIMEOUT_MS, shown_playground
from widgets.common.palettes import CELL_PALETTE, cell_colour_index
from widgets.playground.fills import cell_shades


@pytest.fixture
def page(qtbot):
    """A shown Playground page with its first frame drawn."""
    yield from shown_playground(qtbot)


def button(page, name: str) -> QToolButton:
    return page.findChild(QToolButton, f"{name}Button")


def settle(page, qtbot) -> None:
    """Wait until no training or frame runs and the frame shown is the newest snapshot."""
    controller = page.controller
    qtbot.waitUntil(
        lambda: (
            not controller.is_busy
            and controller.frame is not None
            and controller.frame.run_id == controller.run_id
            and controller.frame.step == controller.snapshot.step
        ),
        timeout=TIMEOUT_MS,
    )


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def engine_count(snapshot) -> int:
    return partition_2d(snapshot.model(), DATA_BOUNDS).n_regions


def test_play_redraws_while_training_and_pause_shows_the_engines_count(page, qtbot):
    controller = page.controller
    type_into(qtbot, page.findChild(QSpinBox, "epochsSpin"), "5000")
    assert controller.config.epochs == 5000

    qtbot.mouseClick(button(page, "play"), Qt.MouseButton.LeftButton)
    steps_drawn = []
    for _ in range(3):
        with qtbot.waitSignal(page.frame_shown, timeout=TIMEOUT_MS) as redraw:
            pass
        steps_drawn.append(redraw.args[0].step)
    assert controller.is_training
    assert not button(page, "play").isEnabled() and button(page, "pause").isEnabled()
    qtbot.waitUntil(lambda: controller.snapshot.epoch >= 3, timeout=TIMEOUT_MS)
    qtbot.mouseClick(button(page, "pause"), Qt.MouseButton.LeftButton)
    settle(page, qtbot)

    assert steps_drawn == sorted(steps_drawn) and steps_drawn[-1] > 0
    assert page.frames_drawn >= 4
    snapshot = controller.snapshot
    assert 3 <= snapshot.epoch < 5000
    assert page.statistics.shown_count == engine_count(snapshot)
    assert page.findChild(QLabel, "playgroundCellCount").text() == f"{engine_count(snapshot):,}"
    epochs, _ = page.curves.loss_curve_data()
    assert len(epochs) == snapshot.epoch + 1 > 3
    assert page.findChild(QLabel, "epochLabel").text().startswith(f"epoch {snapshot.epoch} /")
    assert button(page, "play").isEnabled() and not button(page, "pause").isEnabled()


def test_reset_restores_the_initial_weights(page, qtbot):
    controller = page.controller
    initial = {name: value.clone() for name, value in controller.initial_state.items()}
    for epoch in (1, 2, 3):
        qtbot.mouseClick(button(page, "step"), Qt.MouseButton.LeftButton)
        settle(page, qtbot)
        assert controller.snapshot.epoch == epoch
        assert button(page, "step").isEnabled()
    moved = controller.snapshot.state
    assert any(not torch.equal(moved[name], initial[name]) for name in initial)

    qtbot.mouseClick(button(page, "reset"), Qt.MouseButton.LeftButton)
    settle(page, qtbot)

    state = controller.snapshot.state
    assert controller.snapshot.epoch == 0
    assert all(torch.equal(state[name], initial[name]) for name in initial)
    initial_model = model_from_state(controller.architecture, initial)
    assert page.statistics.shown_count == partition_2d(initial_model, DATA_BOUNDS).n_regions
    assert page.findChild(QLabel, "epochLabel").text().startswith("epoch 0 /")
    assert page.curves.n_points == 1


def test_bad_widths_are_explained_and_good_ones_rebuild_the_network(page, qtbot):
    controller = page.controller
    edit = page.findChild(QLineEdit, "widthsEdit")
    error = page.findChild(QLabel, "widthsError")

    type_into(qtbot, edit, "8,,x")

    assert error.isVisible()
    assert (
        "Item 2 is empty" in error.text() and "item 3 ('x') is not a whole number" in error.text()
    )
    assert "e.g. 8,8" in error.text()
    assert controller.architecture.widths == (8, 8)

    run_id = controller.run_id
    type_into(qtbot, edit, "5,4,3")
    settle(page, qtbot)

    assert not error.isVisible()
    assert controller.run_id > run_id and controller.architecture.widths == (5, 4, 3)
    table = page.statistics.table
    assert table.rowCount() == 3
    counts = [
        partition_2d(controller.snapshot.model(), DATA_BOUNDS, layers=k).n_regions
        for k in (1, 2, 3)
    ]
    assert [table.item(k, 1).text() for k in range(3)] == [f"{c:,}" for c in counts]
    assert table.item(0, 3).text() == "16"  # Zaslavsky: 1 + 5 + 10
    assert table.item(2, 5).text() == "2¹²"


def _pixel(canvas, point) -> np.ndarray:
    image = canvas.grab().toImage()
    scale = image.devicePixelRatio()
    position = canvas.widget_position(tuple(point))
    colour = image.pixelColor(round(position.x() * scale), round(position.y() * scale))
    return np.array([colour.red(), colour.green(), colour.blue()])


def _clear_cell_centre(page) -> tuple[int, np.ndarray]:
    """A large cell whose centre is far from every edge, data point and the boundary."""
    frame = page.controller.frame
    partition = frame.partition
    view = page.cells.canvas.getPlotItem().getViewBox()
    per_unit = view.width() / np.diff(view.viewRange()[0])[0]
    points = np.concatenate([frame.train_points, frame.test_points])
    boundary_cells = set(frame.boundary.cell.tolist())
    for region in np.argsort(-partition.areas):
        polygon = partition.polygon(region)
        centre = polygon.mean(axis=0)
        edges = np.roll(polygon, -1, axis=0) - polygon
        normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1)
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        inner = np.min(np.einsum("ij,ij->i", polygon - centre, normals))
        nearest_point = np.min(np.hypot(*(points - centre).T))
        if region not in boundary_cells and min(inner, nearest_point) * per_unit > 12:
            return int(region), centre
    pytest.fail("no cell is large and empty enough to sample")


def test_cells_show_their_class_shade_or_their_pattern_colour(page, qtbot):
    frame = page.controller.frame
    region, centre = _clear_cell_centre(page)
    p = frame.predictions
    shade, colours = cell_shades(p.predicted, p.confidence, p.outputs, frame.dataset.n_classes)

    shown = _pixel(page.cells.canvas, centre)
    assert np.abs(shown - colours[shade[region]].astype(int)).max() <= 3

    combo = page.findChild(QComboBox, "colourCombo")
    combo.setCurrentIndex(combo.findData("pattern"))
    qtbot.wait(50)
    key = pattern_colour_keys(frame.partition.patterns[region : region + 1])
    expected = CELL_PALETTE[cell_colour_index(key)[0]]
    shown = _pixel(page.cells.canvas, centre)
    assert np.abs(shown - expected.astype(int)).max() <= 3

    combo.setCurrentIndex(combo.findData("class"))
    qtbot.wait(50)
    shown = _pixel(page.cells.canvas, centre)
    assert np.abs(shown - colours[shade[region]].astype(int)).max() <= 3


def test_unticking_test_points_hides_them_on_screen_and_in_the_exported_figure(page, qtbot):
    assert page.cells.test_points_visible
    assert [p.label for p in playground_figure(page).points] == ["train", "test"]

    check = next(c for c in page.findChildren(QCheckBox) if c.text().startswith("show test points"))
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)

    assert not page.cells.test_points_visible
    assert [p.label for p in playground_figure(page).points] == ["train"]


def test_polar_cells_are_exact_in_feature_space_and_sampled_in_the_plane(page, qtbot):
    controller = page.controller
    transform = page.findChild(QComboBox, "transformCombo")
    transform.setCurrentIndex(transform.findData("polar"))
    settle(page, qtbot)

    frame = controller.frame
    assert frame.exact and frame.axis_names == ("r", "θ")
    polar_box = feature_transform("polar").feature_bounds(DATA_BOUNDS)
    expected = partition_2d(controller.snapshot.model(), polar_box).n_regions
    assert page.statistics.shown_count == expected
    assert page.statistics.caption.text() == "exact cells"
    assert "cells: exact" in page.cells.legend_labels()
    axis = page.cells.canvas.getPlotItem().getAxis("bottom")
    assert axis.labelText == "r"

    view = page.findChild(QComboBox, "viewCombo")
    assert view.isEnabled() and view.count() == 2
    view.setCurrentIndex(view.findData("input"))
    settle(page, qtbot)

    frame = controller.frame
    assert not frame.exact
    assert page.findChild(QLabel, "playgroundCellCount").text().startswith("≥ ")
    assert "sampled" in page.statistics.caption.text()
    assert any("sampled" in label for label in page.cells.legend_labels())
    assert page.statistics.shown_count == frame.sampled.n_patterns


def test_the_tab_and_its_space_shortcut(main_window, qtbot):
    pages = main_window.pages
    titles = [pages.tabText(i) for i in range(pages.count())]
    assert "Playground" in titles
    tab_bar = pages.tabBar()
    index = titles.index("Playground")
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(index).center())
    # A page not built yet shows its "Loading" placeholder until its code is imported.
    qtbot.waitUntil(lambda: isinstance(pages.currentWidget(), PlaygroundPage), timeout=TIMEOUT_MS)
    page = main_window.findChild(PlaygroundPage)
    assert pages.currentWidget() is page
    qtbot.waitUntil(lambda: page.frames_drawn >= 1, timeout=TIMEOUT_MS)
    main_window.activateWindow()
    qtbot.waitUntil(lambda: main_window.isActiveWindow(), timeout=5000)
    play = button(page, "play")
    assert "Space" in play.toolTip() or "Space" in play.defaultAction().toolTip()

    page.cells.canvas.setFocus()
    qtbot.keyClick(page.cells.canvas, Qt.Key.Key_Space)
    assert page.controller.is_training
    qtbot.keyClick(page.cells.canvas, Qt.Key.Key_Space)
    assert not page.controller.is_training
    settle(page, qtbot)


def test_the_runner_runs_the_newest_waiting_job_only(qtbot):
    runner = NewestOnlyRunner()
    gate = threading.Event()
    ran, results = [], []
    runner.result_ready.connect(results.append)

    def job(value: int) -> int:
        ran.append(value)
        if value == 1:
            assert gate.wait(30)
        return value

    for value in (1, 2, 3):
        runner.submit(job, value)
    qtbot.waitUntil(lambda: ran == [1])
    gate.set()
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=TIMEOUT_MS)
    assert ran == [1, 3] and results == [1, 3]

    gate.clear()
    ran.clear()
    results.clear()
    runner.submit(job, 1)
    qtbot.waitUntil(lambda: ran == [1])
    runner.discard_running()  # e.g. the user changed the data set meanwhile
    runner.submit(job, 4)
    gate.set()
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=TIMEOUT_MS)
    assert ran == [1, 4] and results == [4]


def _training_children() -> list[int]:
    """The training processes this test process started (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == os.getpid() and b"engine.training_process" in command:
            children.append(int(entry.name))
    return children


def test_a_training_process_that_dies_is_explained_and_play_trains_on(page, qtbot):
    controller = page.controller
    type_into(qtbot, page.findChild(QSpinBox, "epochsSpin"), "5000")
    qtbot.mouseClick(button(page, "play"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.snapshot.epoch >= 2, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(controller.training_failed, timeout=TIMEOUT_MS) as failed:
        for pid in _training_children():
            os.kill(pid, signal.SIGKILL)
    assert failed.args[0].startswith("Training stopped: The training process was killed")
    qtbot.waitUntil(lambda: not controller.is_training, timeout=TIMEOUT_MS)
    settle(page, qtbot)
    box = page.findChild(QMessageBox, "playgroundErrorBox")
    assert box.isVisible() and box.text() == failed.args[0]
    box.close()
    shown = controller.snapshot.epoch
    assert shown >= 2 and button(page, "play").isEnabled()

    qtbot.mouseClick(button(page, "step"), Qt.MouseButton.LeftButton)
    settle(page, qtbot)
    assert controller.snapshot.epoch == shown + 1  # on from what was shown, in a new child
    assert page.statistics.shown_count == engine_count(controller.snapshot)
