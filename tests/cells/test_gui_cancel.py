"""Long partitions on the Cells page: progress per layer, Cancel, and superseded work."""

from __future__ import annotations

import dataclasses
import threading
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from app.cells.controller import CellsController, CellsRequest, compute_cells
from app.cells.page import DEFAULT_BOUNDS, CellsPage
from app.jobs.partition_runner import progress_text
from engine.networks import random_mlp
from engine.partition2d import PartitionCancelled, partition_2d
from tests.shown_page import give_focus

TIMEOUT_MS = 30_000


class GatedCompute:
    """compute_cells whose chosen calls wait for a gate before they start; records the
    layers each call finished and how it ended."""

    def __init__(self, gated_calls: set[int]) -> None:
        self.gate = threading.Event()
        self.gated_calls = gated_calls
        self.started = 0
        self.layers_done: list[list[int]] = []
        self.outcomes: list[str] = []

    def __call__(self, request: CellsRequest):
        call = self.started
        self.started += 1
        done: list[int] = []
        self.layers_done.append(done)
        if call in self.gated_calls:
            assert self.gate.wait(TIMEOUT_MS / 1000)

        def report(generation, layers_done, n_layers, n_cells):
            done.append(layers_done)
            request.ticket.report(generation, layers_done, n_layers, n_cells)

        ticket = dataclasses.replace(request.ticket, report=report)  # the same stop flag
        try:
            result = compute_cells(dataclasses.replace(request, ticket=ticket))
        except PartitionCancelled:
            self.outcomes.append("cancelled")
            raise
        self.outcomes.append("done")
        return result


def _page(qtbot, compute) -> CellsPage:
    controller = CellsController(random_mlp([6, 6], seed=0), DEFAULT_BOUNDS, compute=compute)
    page = CellsPage(controller)
    qtbot.addWidget(page)
    page.show()
    return page


def test_the_page_shows_each_layers_count_while_it_computes(qtbot):
    page = _page(qtbot, compute_cells)
    model = random_mlp([16, 16, 16], seed=3)
    reports = []
    page.controller.partition_progress.connect(lambda *args: reports.append(args))
    page.set_network(model, DEFAULT_BOUNDS)
    qtbot.waitUntil(lambda: page.canvas.partition is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)
    expected = [(k, 3, partition_2d(model, DEFAULT_BOUNDS, layers=k).n_regions) for k in (1, 2, 3)]
    assert reports == expected
    assert page.progress.isHidden()
    page.shutdown()


def test_cancel_stops_after_the_current_layer_and_keeps_the_last_cells(qtbot):
    compute = GatedCompute(gated_calls={1})
    page = _page(qtbot, compute)
    statuses = []
    page.status_changed.connect(statuses.append)
    page.start()
    qtbot.waitUntil(lambda: page.canvas.partition is not None, timeout=TIMEOUT_MS)
    first = page.canvas.partition
    shown_model = page.controller.model
    label = page.findChild(QLabel, "networkLabel").text()

    page.set_network(random_mlp([32, 32, 32, 32], seed=1), DEFAULT_BOUNDS)  # held at the gate
    qtbot.waitUntil(lambda: compute.started == 2, timeout=TIMEOUT_MS)
    qtbot.waitUntil(page.progress.isVisible, timeout=TIMEOUT_MS)
    page.progress.cancel_button.click()
    compute.gate.set()

    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)
    qtbot.wait(50)
    assert compute.outcomes == ["done", "cancelled"]
    assert compute.layers_done[1] == [1]  # stopped after the layer it was cutting
    assert page.canvas.partition is first
    assert page.progress.isHidden()
    assert statuses[-1] == f"Cancelled. The view still shows {first.n_regions:,} cells."
    assert page.findChild(QMessageBox, "partitionErrorBox") is None
    # The cancelled network gives way to the one whose cells are on screen.
    assert page.controller.model is shown_model and page.probe.model is shown_model
    assert page.findChild(QLabel, "networkLabel").text() == label
    assert page.probe.partition is first
    page.shutdown()


def test_a_superseded_partition_stops_early_and_the_newest_is_shown(qtbot):
    compute = GatedCompute(gated_calls={0})
    page = _page(qtbot, compute)
    model = page.controller.model
    shown = []
    page.partition_shown.connect(shown.append)

    page.start()  # all layers, held at the gate
    qtbot.waitUntil(lambda: compute.started == 1, timeout=TIMEOUT_MS)
    page.layer_slider.slider.setValue(1)  # a newer request while the first waits
    compute.gate.set()

    qtbot.waitUntil(lambda: len(shown) == 1, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)
    assert compute.outcomes == ["cancelled", "done"]
    assert compute.layers_done[0] == [1]
    assert shown[0].layers == 1
    assert shown[0].partition.n_regions == partition_2d(model, DEFAULT_BOUNDS, layers=1).n_regions
    page.shutdown()


def test_escape_stops_a_long_partition_within_a_layer_and_keeps_the_view(qtbot):
    page = _page(qtbot, compute_cells)
    statuses = []
    page.status_changed.connect(statuses.append)
    page.start()
    qtbot.waitUntil(lambda: page.controller.result is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)
    first = page.canvas.partition
    count_label = page.findChild(QLabel, "cellCountLabel")
    shown_count = count_label.text()
    reports = []
    page.controller.partition_progress.connect(lambda *report: reports.append(report))
    assert "Esc" in page.progress.cancel_button.toolTip()

    # Ten layers of 64 neurons: about two seconds and 160,000 cells when left to finish.
    page.set_network(random_mlp([64] * 10, seed=1), DEFAULT_BOUNDS)
    qtbot.waitUntil(lambda: page.progress.isVisible() and bool(reports), timeout=TIMEOUT_MS)
    assert page.progress.bar.text() == progress_text(*reports[-1])
    give_focus(qtbot, page.canvas)
    qtbot.keyClick(page.canvas, Qt.Key.Key_Escape)
    started = time.perf_counter()
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)
    assert time.perf_counter() - started < 1.5  # the worker stopped after its layer

    assert len(reports) < 10 and all(total == 10 for _, total, _ in reports)
    assert page.canvas.partition is first
    assert count_label.text() == shown_count
    assert page.progress.isHidden()
    assert statuses[-1] == f"Cancelled. The view still shows {first.n_regions:,} cells."
    page.shutdown()


def test_a_cancelled_layer_change_puts_the_slider_back(qtbot):
    compute = GatedCompute(gated_calls={1})
    page = _page(qtbot, compute)
    page.start()
    qtbot.waitUntil(lambda: page.canvas.partition is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)

    page.layer_slider.slider.setValue(1)  # held at the gate
    qtbot.waitUntil(lambda: compute.started == 2, timeout=TIMEOUT_MS)
    assert page.controller.cancel_partition()
    compute.gate.set()
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)

    assert page.controller.layers == 2 == page.layer_slider.slider.value()
    assert page.canvas.partition.n_layers == 2
    page.layer_slider.slider.setValue(1)  # asking again computes it
    qtbot.waitUntil(lambda: page.canvas.partition.n_layers == 1, timeout=TIMEOUT_MS)
    page.shutdown()
