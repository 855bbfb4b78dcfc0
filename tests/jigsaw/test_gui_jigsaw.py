"""The Jigsaw page, driven like a user: mouse moves over both views, controls, files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.path import Path as PolygonPath
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from app.export.formats import ExportOptions, ImageSize
from app.export.targets import export_view
from app.jigsaw.controller import JigsawController
from app.jigsaw.page import JigsawPage
from app.jigsaw.preset import apply_jigsaw_preset, check_jigsaw_preset
from app.jigsaw.session import restore_jigsaw_state, save_jigsaw_state
from app.jigsaw.spec import JIGSAW
from app.jigsaw.state import JigsawState
from app.presets.files import load_preset
from engine.session_file import PageState
from tests.shown_page import shown_page
from tests.torch_reference import torch_eval
from widgets.jigsaw.latent_view import FOLD_RGB
from widgets.probe.overlay import PROBE_RGB

WORKER_TIMEOUT_MS = 60_000
#: A network that trains in a fraction of a second.
QUICK = JigsawState(dataset="xor", depth=2, width=6, epochs=10, seed=1, layer=2)


@pytest.fixture
def jigsaw_page(qtbot) -> Iterator[JigsawPage]:
    page = JigsawPage(JigsawController(QUICK))
    yield from shown_page(
        qtbot, page, (1400, 850), timeout_ms=WORKER_TIMEOUT_MS, drawn=page.results_shown
    )


def hover(qtbot, view, position: QPointF) -> None:
    """Move the mouse onto ``position`` of ``view`` (from a nearby point, as a hand does)."""
    viewport = view.viewport()
    target = QPoint(round(position.x()), round(position.y()))
    qtbot.mouseMove(viewport, target + QPoint(3, 3))
    qtbot.wait(30)
    qtbot.mouseMove(viewport, target)
    qtbot.wait(30)


def largest_cell(page: JigsawPage) -> int:
    partition = page.scene.network.partition
    return int(np.argmax(partition.areas))


def test_hovering_an_input_cell_lights_it_in_both_views(qtbot, jigsaw_page):
    page = jigsaw_page
    partition = page.scene.network.partition
    cell = largest_cell(page)
    centre = partition.polygon(cell).mean(axis=0)
    with qtbot.waitSignal(page.input_view.cell_hovered, timeout=5000) as hovered:
        hover(qtbot, page.input_view, page.input_view.widget_position(tuple(centre)))
    # The mouse's cell, found independently of the view: the polygon holding the point.
    assert PolygonPath(partition.polygon(hovered.args[0])).contains_point(
        tuple(centre), radius=1e-3
    )
    assert hovered.args[0] == cell
    assert page.input_view.highlighted_cell == cell
    assert page.latent_view.highlighted_cell == cell
    assert page.hover_readout.text().startswith(f"cell {cell}: area ")


def test_hovering_a_latent_piece_lights_its_input_cell(qtbot, jigsaw_page):
    page = jigsaw_page
    jigsaw = page.scene.jigsaw
    # The biggest unfolded piece inside the framed view: its centre lies in it alone.
    view_box = page.latent_view.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = view_box.viewRange()
    order = np.argsort(-jigsaw.areas)
    for piece in order:
        centre = jigsaw.polygon(piece).mean(axis=0)
        if x0 < centre[0] < x1 and y0 < centre[1] < y1 and jigsaw.orientation[piece] != 0:
            break
    with qtbot.waitSignal(page.latent_view.cell_hovered, timeout=5000) as hovered:
        hover(qtbot, page.latent_view, page.latent_view.widget_position(tuple(centre)))
    cell = hovered.args[0]
    assert cell >= 0
    # What was hovered is a piece that holds the mouse (a point in its image polygon) ...
    point = view_box.mapSceneToView(
        page.latent_view.mapToScene(page.latent_view.widget_position(tuple(centre)).toPoint())
    )
    assert PolygonPath(jigsaw.polygon(cell)).contains_point((point.x(), point.y()), radius=1e-6)
    # ... and the same cell lights on the left.
    assert page.input_view.highlighted_cell == cell
    assert page.latent_view.highlighted_cell == cell
    # The outline is drawn in the probe's red on the right.
    image = page.latent_view.grab().toImage()
    reds = _count_colour(image, PROBE_RGB)
    assert reds > 20


def _count_colour(image: QImage, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    stride = image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    pixels = data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).astype(int)
    return int(np.count_nonzero(np.abs(pixels - np.array(rgb)).max(axis=2) <= tolerance))


def test_moving_off_the_cells_clears_the_highlight(qtbot, jigsaw_page):
    page = jigsaw_page
    cell = largest_cell(page)
    centre = page.scene.network.partition.polygon(cell).mean(axis=0)
    hover(qtbot, page.input_view, page.input_view.widget_position(tuple(centre)))
    assert page.latent_view.highlighted_cell == cell
    with qtbot.waitSignal(page.input_view.cell_hovered, timeout=5000) as hovered:
        # Past the cells' corner (1.25, 1.25), inside the padding of the plot area: the
        # plot is framed to the domain, so a point far off it is off the canvas too.
        hover(qtbot, page.input_view, page.input_view.widget_position((1.3, 1.3)))
    assert hovered.args == [-1]
    assert page.latent_view.highlighted_cell is None
    assert page.hover_readout.text().startswith("Hover a cell")


def test_layer_and_units_redraw_the_right_view(qtbot, jigsaw_page):
    page = jigsaw_page
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.layer_spin.setValue(1)
    assert "layer 1 of 2" in page.readout.text()
    assert not page.unit_x_spin.isEnabled()
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.projection_box.setCurrentIndex(page.projection_box.findData("units"))
    assert page.unit_x_spin.isEnabled()
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.unit_y_spin.setValue(5)
    assert page.controller.state.projection == "units"
    assert (page.controller.state.unit_x, page.controller.state.unit_y) == (1, 5)
    # The points drawn on the right are the training points' units 1 and 5 (torch).
    network = page.scene.network
    shown = np.column_stack(page.latent_view._points.getData())
    expected = torch_eval(network.model, network.dataset.x_train, None, 1)[:, [0, 4]]
    np.testing.assert_allclose(shown, expected, atol=1e-9)
    assert page.latent_view.getPlotItem().getAxis("bottom").labelText == "unit 1"


def test_a_deeper_network_trains_again(qtbot, jigsaw_page):
    page = jigsaw_page
    before = page.scene.network
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.depth_spin.setValue(3)
    assert page.scene.network is not before
    assert page.scene.network.partition.n_layers_total == 3
    assert "of 3:" in page.readout.text()
    assert page.layer_spin.maximum() == 3


def test_cancel_keeps_the_last_jigsaw(qtbot, jigsaw_page):
    page = jigsaw_page
    shown = page.scene
    with qtbot.waitSignal(page.controller.training_started, timeout=5000):
        page.epochs_spin.setValue(1000)
    with qtbot.waitSignal(page.controller.training_progress, timeout=WORKER_TIMEOUT_MS):
        pass
    with qtbot.waitSignal(page.controller.training_finished, timeout=WORKER_TIMEOUT_MS) as done:
        page.progress.cancel_button.click()
    assert done.args == ["cancelled"]
    assert page.scene is shown
    assert page.readout.text().endswith("newest training cancelled")


def test_session_round_trip_and_hostile_restore(qtbot, jigsaw_page):
    page = jigsaw_page
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.layer_spin.setValue(1)
    saved = save_jigsaw_state(page)
    other = JigsawPage()
    qtbot.addWidget(other)
    restore_jigsaw_state(other, PageState(dict(saved.settings)))
    assert other.controller.state == page.controller.state
    assert other.layer_spin.value() == 1
    for bad in ({"layer": 3}, {"width": 40}, {"unit_x": 2, "unit_y": 2}, {"dataset": "bump"}):
        with pytest.raises(ValueError):
            restore_jigsaw_state(other, PageState({**saved.settings, **bad}))
        assert other.controller.state == page.controller.state
    other.shutdown()


def test_the_shipped_preset_is_valid_and_applies(qtbot):
    preset = load_preset("jigsaw-spirals")
    assert preset.page == "jigsaw"
    check_jigsaw_preset(preset.settings)
    with pytest.raises(ValueError, match="unknown"):
        check_jigsaw_preset({**preset.settings, "colour": "red"})
    page = JigsawPage()
    qtbot.addWidget(page)
    apply_jigsaw_preset(page, preset.settings)
    assert page.dataset_box.currentData() == "two_spirals"
    assert page.width_spin.value() == 16
    page.shutdown()


def test_side_by_side_export_writes_both_views(qtbot, jigsaw_page, tmp_path):
    page = jigsaw_page
    views = {view.name: view for view in JIGSAW.export_targets(page)}
    assert list(views) == ["jigsaw", "jigsaw-input", "jigsaw-latent", "jigsaw-page"]
    path = export_view(views["jigsaw"], ExportOptions(tmp_path / "j.png", ImageSize(2.0)))
    image = QImage(str(path))
    # The figure: a title line and the readout above both views, at twice their size.
    assert image.width() >= 2 * page.views.width()
    assert image.height() > 2 * page.views.height()
    # Both halves show cells: many distinct colours on the left and on the right.
    half = image.width() // 2
    left = image.copy(0, 0, half, image.height())
    right = image.copy(half, 0, half, image.height())
    for side in (left, right):
        side = side.convertToFormat(QImage.Format.Format_RGB888)
        stride = side.bytesPerLine()
        data = np.frombuffer(side.constBits(), np.uint8, count=stride * side.height())
        pixels = data.reshape(side.height(), stride)[:, : side.width() * 3].reshape(-1, 3)
        assert len(np.unique(pixels[::7], axis=0)) > 30


def test_controls_follow_the_state(qtbot, jigsaw_page):
    page = jigsaw_page
    state = replace(page.controller.state, layer=1, projection="units", unit_x=3, unit_y=2)
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.controller.set_state(state)
    assert page.layer_spin.value() == 1
    assert page.projection_box.currentData() == "units"
    assert (page.unit_x_spin.value(), page.unit_y_spin.value()) == (3, 2)


def test_the_screenshot_demo_lights_a_cell_that_holds_training_points(qtbot, jigsaw_page):
    page = jigsaw_page
    JIGSAW.demo.stage(page)
    cell = page.hovered_cell
    assert cell is not None and page.latent_view.highlighted_cell == cell
    network = page.scene.network
    inside = [
        PolygonPath(network.partition.polygon(cell)).contains_point(tuple(x))
        for x in network.dataset.x_train
    ]
    assert any(inside)
    assert page.hover_readout.text().startswith(f"cell {cell}:")


def test_choosing_units_while_a_wider_network_trains_waits_for_it(qtbot, jigsaw_page):
    page = jigsaw_page
    with qtbot.assertNotEmitted(page.controller.failed, wait=200):
        with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
            page.width_spin.setValue(12)
            page.projection_box.setCurrentIndex(page.projection_box.findData("units"))
            page.unit_y_spin.setValue(11)
    state = page.controller.state
    assert (state.width, state.unit_x, state.unit_y) == (12, 1, 11)
    assert page.scene.network.key == state.network_key
    assert page.latent_view.getPlotItem().getAxis("left").labelText == "unit 11"


def test_after_cancelling_the_first_training_a_change_trains_again(qtbot):
    page = JigsawPage(JigsawController(replace(QUICK, epochs=1000)))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.controller.training_progress, timeout=WORKER_TIMEOUT_MS):
        page.show()
    with qtbot.waitSignal(page.controller.training_finished, timeout=WORKER_TIMEOUT_MS):
        page.progress.cancel_button.click()
    assert page.readout.text().startswith("Training cancelled")
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.epochs_spin.setValue(10)
    assert page.scene is not None and "layer 2 of 2" in page.readout.text()
    page.shutdown()


def test_the_folds_are_drawn_in_orange_and_can_be_hidden(qtbot, jigsaw_page):
    page = jigsaw_page
    assert len(page.scene.jigsaw.fold_edges) > 0, "this network folds"
    page.latent_view.getPlotItem().getViewBox().autoRange()
    qtbot.wait(50)
    shown = _count_colour(page.latent_view.grab().toImage(), FOLD_RGB, tolerance=30)
    assert shown > 20
    qtbot.mouseClick(page.folds_check, Qt.MouseButton.LeftButton)
    assert page.controller.state.show_folds is False
    qtbot.wait(50)
    hidden = _count_colour(page.latent_view.grab().toImage(), FOLD_RGB, tolerance=30)
    assert hidden < shown / 10
    assert save_jigsaw_state(page).settings["show_folds"] is False
