"""The Cells page, driven like a user: real window, real slider, real pixels."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QThreadPool
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QSlider, QWidget

from app.cells.controller import CellsController, CellsRequest, compute_cells
from app.cells.page import DEFAULT_BOUNDS, CellsPage
from engine.networks import random_mlp
from engine.partition2d import partition_2d, pattern_colour_keys
from widgets.common.palettes import CELL_PALETTE

ROOT = Path(__file__).resolve().parents[2]
PARTITION_TIMEOUT_MS = 30_000


def shown_cell_count(window) -> int:
    """The cell count the status bar shows, as the integer a user reads."""
    label = window.findChild(QLabel, "partitionStatusLabel")
    match = re.match(r"(\d+) cells?\b", label.text())
    assert match, f"no cell count in the status bar: {label.text()!r}"
    return int(match.group(1))


def status_text(window) -> str:
    return window.findChild(QLabel, "partitionStatusLabel").text()


def test_window_shows_the_engines_cell_count(main_window):
    model = main_window.page("cells").controller.model
    expected = partition_2d(model, DEFAULT_BOUNDS).n_regions

    assert main_window.windowTitle() == "Splinescope"
    assert shown_cell_count(main_window) == expected
    assert main_window.findChild(QLabel, "cellCountLabel").text() == str(expected)
    assert "layers 3/3" in status_text(main_window)


def test_layer_slider_keys_change_the_shown_count(main_window, qtbot):
    model = main_window.page("cells").controller.model
    expected = {k: partition_2d(model, DEFAULT_BOUNDS, layers=k).n_regions for k in (0, 1)}
    slider = main_window.findChild(QSlider, "layerSlider")
    slider.setFocus()

    qtbot.keyClick(slider, Qt.Key.Key_Left)
    qtbot.keyClick(slider, Qt.Key.Key_Left)

    qtbot.waitUntil(lambda: "layers 1/3" in status_text(main_window), timeout=PARTITION_TIMEOUT_MS)
    assert shown_cell_count(main_window) == expected[1]
    assert main_window.findChild(QLabel, "layerSliderLabel").text().replace("&", "") == (
        "Layers: 1 / 3"
    )

    qtbot.keyClick(slider, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: "layers 0/3" in status_text(main_window), timeout=PARTITION_TIMEOUT_MS)
    assert shown_cell_count(main_window) == expected[0] == 1


def test_closing_the_window_leaves_no_worker_running(main_window, qtbot):
    slider = main_window.findChild(QSlider, "layerSlider")
    qtbot.keyClick(slider, Qt.Key.Key_Left)  # starts a partition in a worker

    main_window.close()

    qtbot.waitUntil(
        lambda: QThreadPool.globalInstance().activeThreadCount() == 0,
        timeout=PARTITION_TIMEOUT_MS,
    )
    assert not main_window.page("cells").controller.is_busy


def _inner_distance(polygon: np.ndarray, point: np.ndarray) -> float:
    """Distance from ``point`` to the nearest edge line of a convex counter-clockwise ring."""
    edges = np.roll(polygon, -1, axis=0) - polygon
    normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return float(np.min(np.einsum("ij,ij->i", polygon - point, normals)))


def test_pixel_at_a_cell_centre_has_the_cells_palette_colour(main_window):
    canvas = main_window.page("cells").canvas
    result = main_window.page("cells").controller.result
    partition = result.partition
    near_boundary = set(result.boundary.cell.tolist()) if result.boundary is not None else set()
    view = canvas.getPlotItem().getViewBox()
    pixels_per_unit = view.width() / (view.viewRange()[0][1] - view.viewRange()[0][0])

    # The largest cell away from the decision boundary, with room around its centre.
    for region in np.argsort(-partition.areas):
        polygon = partition.polygon(region)
        centre = polygon.mean(axis=0)
        if region not in near_boundary and _inner_distance(polygon, centre) * pixels_per_unit > 8:
            break
    else:
        pytest.fail("no cell is large enough on screen to sample")

    image = canvas.grab().toImage()
    scale = image.devicePixelRatio()
    position = canvas.widget_position(tuple(centre))
    pixel = image.pixelColor(round(position.x() * scale), round(position.y() * scale))

    key = pattern_colour_keys(partition.patterns[region : region + 1])[0]
    expected = CELL_PALETTE[int(key % np.uint64(len(CELL_PALETTE)))]
    shown = np.array([pixel.red(), pixel.green(), pixel.blue()])
    assert np.abs(shown - expected.astype(int)).max() <= 3, (shown, expected)


def test_scrolling_zooms_and_home_resets_the_view(main_window, qtbot):
    canvas = main_window.page("cells").canvas
    view = canvas.getPlotItem().getViewBox()
    centre = canvas.viewport().rect().center()
    width_before = np.diff(view.viewRange()[0])[0]

    scroll = QWheelEvent(
        QPointF(centre),
        QPointF(canvas.viewport().mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 480),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), scroll)
    qtbot.waitUntil(lambda: np.diff(view.viewRange()[0])[0] < 0.8 * width_before)

    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Home)

    (x0, x1), (y0, y1) = view.viewRange()
    assert x0 <= -1.0 and x1 >= 1.0 and y0 <= -1.0 and y1 >= 1.0
    assert np.diff(view.viewRange()[0])[0] == pytest.approx(width_before, rel=0.05)


def test_help_menu_opens_an_about_box(main_window, qtbot):
    menus = {
        action.text().replace("&", ""): action.menu() for action in main_window.menuBar().actions()
    }
    assert {"File", "Help"} <= set(menus)
    quit_action = next(a for a in menus["File"].actions() if a.objectName() == "quitAction")
    assert quit_action.shortcut().toString() == "Ctrl+Q"
    about_action = next(a for a in menus["Help"].actions() if a.objectName() == "aboutAction")

    about_action.trigger()

    box = main_window.findChild(QMessageBox, "aboutBox")
    qtbot.waitUntil(lambda: box.isVisible())
    assert "Splinescope" in box.text()
    assert "ReLU" in box.text()
    box.close()


def _gated_compute(gate: threading.Event, threads: list[str]):
    """A compute function whose first call waits for ``gate``; records the threads used."""
    calls = []

    def compute(request: CellsRequest):
        threads.append(threading.current_thread().name)
        calls.append(request.layers)
        if len(calls) == 1:
            assert gate.wait(PARTITION_TIMEOUT_MS / 1000)
        return compute_cells(request)

    return compute


def test_a_stale_partition_is_never_drawn(qtbot):
    model = random_mlp([8, 8], seed=1)
    gate = threading.Event()
    threads: list[str] = []
    controller = CellsController(model, DEFAULT_BOUNDS, compute=_gated_compute(gate, threads))
    page = CellsPage(controller)
    qtbot.addWidget(page)
    page.show()
    shown = []
    page.partition_shown.connect(shown.append)

    page.start()  # all 2 layers: held at the gate
    page.layer_slider.slider.setValue(1)  # the newer request, while the old one runs
    qtbot.waitUntil(lambda: len(threads) == 1)
    gate.set()

    qtbot.waitUntil(lambda: len(shown) == 1, timeout=PARTITION_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not controller.is_busy, timeout=PARTITION_TIMEOUT_MS)
    qtbot.wait(50)
    assert [result.layers for result in shown] == [1]
    assert page.canvas.partition.n_layers == 1
    assert (
        page.canvas.partition.n_regions == partition_2d(model, DEFAULT_BOUNDS, layers=1).n_regions
    )
    assert threading.main_thread().name not in threads
    page.shutdown()


def test_set_network_shows_the_new_networks_cells_and_a_fresh_probe(main_window, qtbot):
    page = main_window.page("cells")
    page.transition_log.add_transitions(page.probe.state.transitions)
    model = random_mlp([5, 5], n_inputs=10, seed=4)
    plane = (np.zeros(10), np.eye(10)[0], np.eye(10)[1])
    bounds = (-2.0, 2.0, -1.0, 1.0)
    expected = partition_2d(model, bounds, plane=plane).n_regions

    page.set_network(model, bounds, plane=plane)

    qtbot.waitUntil(
        lambda: page.canvas.partition is not None and page.canvas.partition.plane is not None,
        timeout=PARTITION_TIMEOUT_MS,
    )
    assert shown_cell_count(main_window) == expected
    assert "layers 2/2" in status_text(main_window)
    assert page.findChild(QLabel, "networkLabel").text().startswith("10 → 5 → 5 → ")
    assert "10-D" in page.findChild(QLabel, "domainLabel").text()
    assert page.probe.model is model
    assert page.transition_log.count == 0


def test_set_network_refuses_a_wrong_plane_and_keeps_the_page(main_window):
    page = main_window.page("cells")
    before = page.controller.model

    with pytest.raises(ValueError, match="3 coordinates"):
        page.set_network(random_mlp([4], n_inputs=3, seed=0), plane=(np.zeros(2),) * 3)
    with pytest.raises(ValueError, match="give a plane"):
        page.set_network(random_mlp([4], n_inputs=3, seed=0))

    assert page.controller.model is before
    assert page.probe.model is before


def test_a_failed_partition_is_reported_in_a_message_box(qtbot):
    def failing_compute(request: CellsRequest):
        raise ValueError("the network is broken")

    controller = CellsController(random_mlp([4], seed=0), DEFAULT_BOUNDS, compute=failing_compute)
    page = CellsPage(controller)
    qtbot.addWidget(page)
    page.show()

    page.start()

    qtbot.waitUntil(
        lambda: page.findChild(QMessageBox, "partitionErrorBox") is not None,
        timeout=PARTITION_TIMEOUT_MS,
    )
    box = page.findChild(QMessageBox, "partitionErrorBox")
    assert "the network is broken" in box.text()
    assert page.canvas.partition is None
    box.close()


def test_without_a_display_main_explains_and_returns_2():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    }
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "no display" in message
    assert "make test" in message and "Xvfb" in message


def test_the_qt_binding_keeps_its_references_to_none():
    # PySide6-Essentials 6.12.0 on Python 3.11 drops a reference to None on every call
    # of a void method: the window then aborts ("none_dealloc") within seconds of use.
    import PySide6
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    assert lost < 100, (
        f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} loses a reference "
        f"to None per call ({lost} in 1000 calls); the app would crash: use another PySide6"
    )


@pytest.mark.parametrize("size", [(1400, 900), (1200, 800)])
def test_the_network_panel_opens_tall_enough_to_show_its_slider_and_count(qtbot, size):
    # The panel scrolls in a short window (1280x720, talk theme); at the usual sizes its
    # dock must open at the height of its contents, not at the scroll area's hint.
    from app.shell.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    page = window.page("cells")
    qtbot.waitUntil(lambda: page.canvas.partition is not None, timeout=PARTITION_TIMEOUT_MS)
    qtbot.wait(50)  # the docks are sized once the page is laid out
    for name in ("layerSlider", "cellCountLabel"):
        widget = window.findChild(QWidget, name)
        visible = widget.visibleRegion().boundingRect()
        assert visible == widget.rect(), f"{name} shows only {visible} of {widget.rect()}"
    window.close()
