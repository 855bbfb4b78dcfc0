"""The Cells 3D page, driven like a user (and through VTK's widget API for the 3-D probe):
VTK pixels, the probe panel, the transition log and the slice hand-off, all checked
against the engine called here directly."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from app.cells3d import controller as cells3d_controller
from app.cells3d.page import Cells3DPage
from engine.box_slice import box_slice
from engine.partition3d import partition_3d
from engine.segment_walk import segment_crossings
from tests.shown_page import give_focus, shown_page
from widgets.probe.transition_log import change_text

#: Training the preset and partitioning it take a few seconds on a quiet machine.
TIMEOUT_MS = 120_000


def shown_trained(qtbot, page: Cells3DPage) -> Iterator[Cells3DPage]:
    """``page`` shown at 1300x850 until its trained preset is drawn (see shown_page)."""
    yield from shown_page(
        qtbot,
        page,
        (1300, 850),
        timeout_ms=TIMEOUT_MS,
        drawn=page.partition_shown,
        ready=lambda: trained_and_drawn(page),
    )


@pytest.fixture
def page(qtbot) -> Iterator[Cells3DPage]:
    """The page on its own, shown, with its trained preset drawn (the network training
    starts from is drawn first)."""
    page = Cells3DPage()
    yield from shown_trained(qtbot, page)


def trained_and_drawn(page: Cells3DPage) -> bool:
    """Whether the page's training is over and its network's cells are on screen."""
    c = page.controller
    return not c.is_busy and c.dataset is not None and page._result.model is c.model


def _drag_probe_to(page: Cells3DPage, point) -> None:
    """Move the handle through VTK's widget API, as a drag step does."""
    view = page.view
    view.probe_representation.SetWorldPosition([float(v) for v in point])
    view.probe_widget.InvokeEvent("InteractionEvent")


def _not_blank(image: np.ndarray) -> bool:
    # More than a fifth of the pixels differ clearly from the background gradient's grey.
    grey = image.astype(int).std(axis=2) < 4
    return (~grey).mean() > 0.05


def test_the_page_opens_with_a_preset_and_redraws_with_the_layer_slider(page, qtbot):
    c = page.controller
    assert c.dataset is not None and c.dataset.name == "ball_in_shell"
    expected = partition_3d(c.model, c.bounds)
    assert page.count_label.text() == f"{expected.n_regions:,}"
    assert "computed in" in page.status_label.text()
    before = page.view.image()
    assert _not_blank(before)

    slider = page.layer_slider.slider
    slider.setFocus()
    with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS):
        qtbot.keyClick(slider, Qt.Key.Key_Left)
    one_layer = partition_3d(c.model, c.bounds, layers=1)
    assert page.count_label.text() == f"{one_layer.n_regions:,}"
    after = page.view.image()
    assert _not_blank(after)
    assert np.abs(after.astype(int) - before.astype(int)).sum(axis=2).astype(bool).mean() > 0.01


def test_dragging_the_probe_across_a_face_logs_the_engines_flip(page, qtbot):
    c = page.controller
    partition = partition_3d(c.model, c.bounds)
    # A large face made by a neuron, between two cells: step from one side to the other.
    inner = np.flatnonzero(partition.face_neuron >= 0)
    face = int(inner[np.argmax(partition.face_areas[inner])])
    ring = partition.vertices[
        partition.face_indices[partition.face_offsets[face] : partition.face_offsets[face + 1]]
    ]
    centre, normal = ring.mean(axis=0), partition.face_normals[face]
    a, b = centre - 0.02 * normal, centre + 0.02 * normal
    cell_a, cell_b = (int(r) for r in partition.locate(np.stack([a, b])))
    assert cell_a == partition.face_cell[face] and cell_b != cell_a

    _drag_probe_to(page, a)
    assert page.probe_panel.cell_label.text() == f"Cell {cell_a}"
    page.transition_log.clear()
    with qtbot.waitSignal(page.probe_shown, timeout=5_000):
        _drag_probe_to(page, b)
    assert page.probe_panel.cell_label.text() == f"Cell {cell_b}"
    np.testing.assert_array_equal(
        page.probe_panel.bit_grid.rows[0],
        partition.patterns[cell_b][partition.layer_of_neuron == 0],
    )

    walk = segment_crossings(c.model, a, b)
    flips = [flip for k in range(walk.n_crossings) for flip in walk.flips(k)]
    neuron = int(partition.face_neuron[face])
    assert (
        partition.layer_of_neuron[neuron],
        neuron,
        bool(partition.patterns[cell_b, neuron]),
    ) in flips
    assert page.transition_log.count == len(flips) >= 1
    first = np.searchsorted(partition.layer_of_neuron, np.arange(partition.n_layers))
    for row, (layer, flipped, on) in enumerate(reversed(flips)):
        texts = page.transition_log.row_texts(row)
        assert texts[1:4] == (str(layer + 1), str(flipped - first[layer] + 1), change_text(on))
    assert page.probe_panel.bit_grid.marked == {n for _, n, _ in flips if walk.n_crossings}
    # The highlighted cell of the scene is the probe's.
    assert page.view.scene.highlighted == cell_b


def test_the_slicing_plane_goes_to_the_cells_page(main_window, qtbot):
    page = main_window.page("cells3d")
    with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS):
        main_window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: trained_and_drawn(page), timeout=TIMEOUT_MS)
    check = page.slice_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert page.view.slice_enabled and page.slice_button.isEnabled()
    origin, normal = np.array([0.1, -0.2, 0.15]), np.array([0.3, 1.0, 0.4])
    page.view.set_slice_plane(origin, normal)
    page.view.slice_widget.InvokeEvent("InteractionEvent")

    cells = main_window.page("cells")
    with qtbot.waitSignal(cells.partition_shown, timeout=TIMEOUT_MS) as shown:
        qtbot.mouseClick(page.slice_button, Qt.MouseButton.LeftButton)
    assert main_window.pages.currentWidget() is cells
    expected = box_slice(page.controller.bounds, origin, normal)
    centre, u, v = cells.controller.plane
    np.testing.assert_allclose(centre, expected.plane[0])
    np.testing.assert_allclose(np.stack([u, v]), np.stack(expected.plane[1:]))
    assert cells.controller.bounds == pytest.approx(expected.bounds)

    # The Cells page's 2-D cells are the 3-D cells on the plane.
    planar = shown.args[0].partition
    solid = partition_3d(page.controller.model, page.controller.bounds)
    rng = np.random.default_rng(1)
    smin, smax, tmin, tmax = expected.bounds
    st = rng.uniform([smin, tmin], [smax, tmax], size=(2000, 2))
    x = centre + st @ np.stack([u, v])
    inside = np.all(np.abs(x) < 1.25 - 1e-6, axis=1)
    np.testing.assert_array_equal(
        planar.patterns[planar.locate(st[inside])], solid.patterns[solid.locate(x[inside])]
    )


def test_partitions_report_each_layer_and_esc_cancels_a_long_one(page, qtbot, monkeypatch):
    c = page.controller
    gate = threading.Event()
    gate.set()
    real_compute = cells3d_controller.compute_cells

    def gated_compute(request):
        assert gate.wait(TIMEOUT_MS / 1000)
        return real_compute(request)

    monkeypatch.setattr(cells3d_controller, "compute_cells", gated_compute)
    reports = []
    c.partition_progress.connect(lambda *report: reports.append(report))
    shown = []
    page.partition_shown.connect(shown.append)
    slider = page.layer_slider.slider
    with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS):
        slider.setValue(1)
    reports.clear()
    with qtbot.waitSignal(page.partition_shown, timeout=TIMEOUT_MS):
        slider.setValue(2)
    counts = [partition_3d(c.model, c.bounds, layers=k).n_regions for k in (1, 2)]
    assert reports == [(1, 2, counts[0]), (2, 2, counts[1])]
    assert page.partition_progress.isHidden()

    gate.clear()
    slider.setValue(1)  # held at the gate: the progress bar appears
    qtbot.waitUntil(page.partition_progress.isVisible, timeout=TIMEOUT_MS)
    assert "Esc" in page.partition_progress.cancel_button.toolTip()
    cancelled = []
    c.partition_cancelled.connect(lambda: cancelled.append(True))
    give_focus(qtbot, slider)
    qtbot.keyClick(slider, Qt.Key.Key_Escape)
    assert cancelled == [True]
    gate.set()
    qtbot.waitUntil(lambda: not c.is_partitioning, timeout=TIMEOUT_MS)
    qtbot.wait(50)
    assert len(shown) == 2  # nothing drawn after the cancel
    assert page.partition_progress.isHidden()
    assert page.count_label.text() == f"{counts[1]:,}"
    assert page.status_label.text() == f"Cancelled. The view still shows {counts[1]:,} cells."
    assert c.layers == 2 == slider.value()
