"""Cells through training on the Playground: every drawn frame adds its cell count, its
cells near the training points and its mixed cells to the plot under the loss curve,
each checked against an independent recount from the network itself."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton

from app.playground.frames import local_radius
from engine.datasets import DATA_BOUNDS
from engine.networks import network_layers
from engine.partition2d import partition_2d
from tests.playground.shown_playground import TIMEOUT_MS, shown_playground


@pytest.fixture
def page(qtbot):
    yield from shown_playground(qtbot)


def step_and_settle(page, qtbot) -> None:
    controller = page.controller
    qtbot.mouseClick(page.findChild(QToolButton, "stepButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            not controller.is_busy
            and controller.frame is not None
            and controller.frame.step == controller.snapshot.step
        ),
        timeout=TIMEOUT_MS,
    )


def recount(page) -> tuple[int, float, int]:
    """The cells, mean cells meeting a disc around each training point, and mixed cells,
    from the snapshot's network by brute force: every cell's polygon densely sampled
    on its boundary, and the training points' activation patterns grouped by class."""
    controller = page.controller
    model = controller.snapshot.model()
    partition = partition_2d(model, DATA_BOUNDS)
    dataset = controller.dataset
    points = dataset.x_train
    radius = local_radius(DATA_BOUNDS)
    t = np.linspace(0.0, 1.0, 400)
    near = np.zeros(len(points))
    inside = partition.locate(points)
    for r in range(partition.n_regions):
        ring = partition.polygon(r)
        edges = np.roll(ring, -1, axis=0) - ring
        boundary = (ring[:, None, :] + t[None, :, None] * edges[:, None, :]).reshape(-1, 2)
        distance = np.hypot(*(points[:, None, :] - boundary[None]).transpose(2, 0, 1)).min(1)
        near += (inside == r) | (distance <= radius)
    patterns = network_layers(model).activation_pattern(points)
    classes: dict[bytes, set[int]] = {}
    for pattern, label in zip(patterns, dataset.y_train, strict=True):
        classes.setdefault(pattern.tobytes(), set()).add(int(label))
    mixed = sum(len(labels) > 1 for labels in classes.values())
    return partition.n_regions, float(near.mean()), mixed


def test_each_frame_adds_its_counts_under_the_loss_curve(page, qtbot):
    for _ in range(3):
        step_and_settle(page, qtbot)
    frame = page.controller.frame
    curves = page.curves
    epochs, cells = curves.cell_count_data("cells")
    assert epochs[-1] == frame.epoch == 3
    n_cells, near, expected_mixed = recount(page)
    assert 10 ** cells[-1] == pytest.approx(n_cells)
    _, shown_near = curves.cell_count_data("near points")
    # The sampled boundary can only miss a disc that grazes a cell: never count more.
    assert 10 ** shown_near[-1] >= near - 1e-9
    assert 10 ** shown_near[-1] == pytest.approx(near, abs=0.05)
    _, mixed = curves.cell_count_data("mixed")
    assert 10 ** mixed[-1] == pytest.approx(expected_mixed)
    caption = page.findChild(QLabel, "playgroundCellCounts").text()
    assert f"epoch 3 · {n_cells:,} cells" in caption
    r = f"{local_radius(DATA_BOUNDS):.2g}"
    assert f"{frame.local_complexity:.2f} cells within r = {r} of a training point" in caption
    assert f"{expected_mixed} mixed cells" in caption


def test_a_reset_starts_the_cell_curves_again(page, qtbot):
    step_and_settle(page, qtbot)
    step_and_settle(page, qtbot)
    assert len(page.curves.cell_count_data("cells")[0]) >= 2
    qtbot.mouseClick(page.findChild(QToolButton, "resetButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.controller.frame.epoch == 0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: page.curves.cell_count_data("cells")[0].tolist() == [0.0], timeout=TIMEOUT_MS
    )
