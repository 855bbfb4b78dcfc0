"""The probe, its panels and the path tool, driven like a user: real drags, real keys.

Every expectation comes from the engine called here directly (locate, segment walks,
local affine maps), never from the widgets' own state.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QToolButton

from app.cells.controller import CellsController
from app.cells.figure import cells_page_figure
from app.cells.page import DEFAULT_BOUNDS, CellsPage
from engine.networks import random_mlp
from engine.probe import lift_to_input, local_affine_map
from engine.segment_walk import segment_crossings
from tests.shown_page import give_focus
from widgets.probe.bit_grid import FLIP_RGB, OFF_RGB, ON_RGB
from widgets.probe.overlay import output_colour

PARTITION_TIMEOUT_MS = 30_000
#: pyqtgraph drops mouse moves that follow each other faster than its rate limit.
MOVE_INTERVAL_MS = 15


def pixel_size(canvas) -> tuple[float, float]:
    return canvas.getPlotItem().getViewBox().viewPixelSize()


def viewport_point(canvas, point) -> QPoint:
    return canvas.widget_position(tuple(point)).toPoint()


def drag(qtbot, canvas, points, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press at ``points[0]`` (data coordinates), move through the others, release."""
    viewport = canvas.viewport()
    positions = [viewport_point(canvas, p) for p in points]
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, positions[0])
    for position in positions[1:]:
        qtbot.wait(MOVE_INTERVAL_MS)
        qtbot.mouseMove(viewport, position)
    qtbot.wait(MOVE_INTERVAL_MS)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, positions[-1])


def split_by_layer(pattern: np.ndarray, layer_of_neuron: np.ndarray) -> list[np.ndarray]:
    return [pattern[layer_of_neuron == k] for k in range(layer_of_neuron.max() + 1)]


def shown_cell_id(page) -> int:
    text = page.findChild(QLabel, "probeCellLabel").text()
    match = re.fullmatch(r"Cell (\d+)", text)
    assert match, text
    return int(match.group(1))


def shown_path_cells(page) -> int:
    text = page.findChild(QLabel, "pathCellCountLabel").text()
    match = re.match(r"The path crosses (\d+) cells?", text)
    assert match, text
    return int(match.group(1))


def crossing_across_one_edge(page, pixels: float = 30.0):
    """A start and an end point on either side of one edge of the default network.

    The segment between them crosses exactly that edge (checked with the engine), and
    the start is the probe's room to be grabbed: well inside its cell.
    """
    partition = page.canvas.partition
    canvas = page.canvas
    reach = pixels * pixel_size(canvas)[0]
    start_xy = partition.vertices[partition.indices]
    nxt = np.arange(1, len(start_xy) + 1)
    nxt[partition.offsets[1:] - 1] = partition.offsets[:-1]
    end_xy = start_xy[nxt]
    length = np.linalg.norm(end_xy - start_xy, axis=1)
    for edge in np.argsort(-length):
        if partition.edge_neuron[edge] < 0:
            continue
        middle = 0.5 * (start_xy[edge] + end_xy[edge])
        along = (end_xy[edge] - start_xy[edge]) / length[edge]
        inward = np.array([-along[1], along[0]])  # rings are counter-clockwise
        start, end = middle + reach * inward, middle - reach * inward
        if np.any(np.abs(np.r_[start, end]) > 0.95):
            continue
        walk = segment_crossings(page.controller.model, start, end)
        if walk.n_crossings == 1 and len(walk.flips(0)) == 1:
            return start, end
    pytest.fail("no edge of the default network to cross")


def test_dragging_the_probe_across_a_boundary_updates_cell_bits_and_log(main_window, qtbot):
    page = main_window.page("cells")
    canvas = page.canvas
    model = page.controller.model
    partition = canvas.partition
    start, end = crossing_across_one_edge(page)
    page.probe.place_probe(*start)
    placed = np.array(page.probe.position)
    assert canvas.highlighted_cell == partition.locate(placed[None])[0]
    logged_before = page.transition_log.count

    # Grab the probe and drag it over the edge in a few mouse steps.
    path = [placed + f * (end - placed) for f in np.linspace(0.0, 1.0, 4)]
    drag(qtbot, canvas, path)

    final = np.array(page.probe.position)
    assert np.linalg.norm(final - end) < 3 * pixel_size(canvas)[0]
    assert canvas.probe_position == pytest.approx(tuple(final))
    expected_cell = int(partition.locate(final[None])[0])
    walk = segment_crossings(model, placed, final)
    assert walk.n_crossings == 1
    ((layer, neuron, turned_on),) = walk.flips(0)

    # The highlighted cell and the panel's cell id.
    assert canvas.highlighted_cell == expected_cell
    assert shown_cell_id(page) == expected_cell
    # The bit grid shows the new cell's pattern, with the flipped neuron ringed.
    grid = page.probe_panel.bit_grid
    expected_rows = split_by_layer(partition.patterns[expected_cell], partition.layer_of_neuron)
    for shown, expected in zip(grid.rows, expected_rows, strict=True):
        np.testing.assert_array_equal(shown, expected)
    np.testing.assert_array_equal(partition.patterns[expected_cell], walk.patterns[-1])
    assert grid.marked == {neuron}
    unit = neuron - int(np.searchsorted(partition.layer_of_neuron, layer))
    image = grid.grab().toImage()
    scale = image.devicePixelRatio()
    rect = grid.bit_rect(layer, unit)
    centre = image.pixelColor(round(rect.center().x() * scale), round(rect.center().y() * scale))
    expected_fill = ON_RGB if turned_on else OFF_RGB
    assert np.abs(np.array(centre.getRgb()[:3]) - expected_fill).max() <= 8
    ring = image.pixelColor(round((rect.left() - 1) * scale), round(rect.center().y() * scale))
    assert np.abs(np.array(ring.getRgb()[:3]) - FLIP_RGB).max() <= 60

    # One new log entry, on top: that layer and neuron, that direction, at the crossing.
    log = page.transition_log
    assert log.count == logged_before + 1
    _, shown_layer, shown_neuron, change, where = log.row_texts(0)
    assert (int(shown_layer), int(shown_neuron)) == (layer + 1, unit + 1)
    assert change == ("off → on" if turned_on else "on → off")
    crossing = walk.points()[0]
    shown_where = [float(v.replace("−", "-")) for v in where.strip("()").split(",")]
    # The mouse steps are whole pixels, so the path bends a little: within a few pixels.
    np.testing.assert_allclose(shown_where, crossing, atol=3 * pixel_size(canvas)[0])


def test_several_boundaries_in_one_step_are_each_logged_in_order(main_window, qtbot):
    page = main_window.page("cells")
    canvas = page.canvas
    model = page.controller.model
    page.probe.place_probe(-0.6, -0.55)
    start = np.array(page.probe.position)
    page.transition_log.clear()
    seen = [start]
    page.probe_shown.connect(lambda state: seen.append(state.readout.point))

    # Grab the probe, start the drag with a short move, then one long mouse step.
    far = np.array([0.55, 0.45])
    drag(qtbot, canvas, [start, start + 0.02 * (far - start), far])

    flips_per_step = []
    for a, b in itertools.pairwise(seen):
        walk = segment_crossings(model, a, b)
        flips_per_step.append([f for k in range(walk.n_crossings) for f in walk.flips(k)])
    assert max(len(flips) for flips in flips_per_step) >= 5, "one step should cross many"
    flips = [f for step in flips_per_step for f in step]
    log = page.transition_log
    assert log.count == len(flips)
    layer_starts = np.searchsorted(canvas.partition.layer_of_neuron, [0, 1, 2])
    # Newest first: row 0 is the last flip of the last step.
    for row, (layer, neuron, on) in enumerate(reversed(flips)):
        _, shown_layer, shown_neuron, change, _ = log.row_texts(row)
        assert (int(shown_layer), int(shown_neuron)) == (
            layer + 1,
            neuron - layer_starts[layer] + 1,
        )
        assert change == ("off → on" if on else "on → off")
    assert int(log.row_texts(0)[0]) == len(flips)


def test_arrow_keys_nudge_the_probe_by_one_pixel(main_window, qtbot):
    page = main_window.page("cells")
    canvas = page.canvas
    x0, y0 = canvas.probe_position
    px, py = pixel_size(canvas)
    give_focus(qtbot, canvas)

    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.probe_position == pytest.approx((x0 + px, y0), rel=1e-12, abs=1e-12)
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert canvas.probe_position == pytest.approx((x0 + px, y0 - py), rel=1e-12, abs=1e-12)
    qtbot.keyClick(canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    expected = (x0 + px - 10 * px, y0 - py + 10 * py)
    assert canvas.probe_position == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # The panel follows: it reads the cell at the new position.
    assert page.probe.position == pytest.approx(expected)
    assert shown_cell_id(page) == page.canvas.partition.locate(np.array([expected]))[0]


def test_shift_drag_draws_a_path_with_the_engines_crossing_count(main_window, qtbot):
    page = main_window.page("cells")
    canvas = page.canvas
    model = page.controller.model
    a, b = np.array([-0.8, -0.6]), np.array([0.7, 0.75])

    drag(qtbot, canvas, [a, 0.5 * (a + b), b], Qt.KeyboardModifier.ShiftModifier)

    ends = canvas.path_ends
    assert ends is not None
    tolerance = 2 * pixel_size(canvas)[0]
    np.testing.assert_allclose(ends[0], a, atol=tolerance)
    np.testing.assert_allclose(ends[1], b, atol=tolerance)
    walk = segment_crossings(model, np.array(ends[0]), np.array(ends[1]))
    assert walk.n_cells > 10
    assert shown_path_cells(page) == walk.n_cells
    np.testing.assert_allclose(canvas.path_crossing_points, walk.points(), atol=1e-12)
    np.testing.assert_allclose(page.path_plot.kink_positions, walk.t, atol=1e-15)
    _, f = page.path_plot.curve_data(1)
    np.testing.assert_allclose(f, walk.outputs[:, 1])
    # Panning did not happen: the view still shows the whole domain.
    (x0, x1), _ = canvas.getPlotItem().getViewBox().viewRange()
    assert x0 <= -1.0 and x1 >= 1.0

    # Drag the far end somewhere else: everything follows.
    c = np.array([0.75, -0.7])
    drag(qtbot, canvas, [np.array(ends[1]), 0.5 * (np.array(ends[1]) + c), c])
    new_ends = canvas.path_ends
    np.testing.assert_allclose(new_ends[0], ends[0])
    np.testing.assert_allclose(new_ends[1], c, atol=tolerance)
    walk = segment_crossings(model, np.array(new_ends[0]), np.array(new_ends[1]))
    assert shown_path_cells(page) == walk.n_cells
    assert len(canvas.path_crossing_points) == walk.n_cells - 1


def test_path_tool_button_draws_with_a_plain_drag_and_escape_clears(main_window, qtbot):
    page = main_window.page("cells")
    canvas = page.canvas
    toolbar_button = next(
        button
        for button in page.findChildren(QToolButton)
        if button.defaultAction() is page.path_tool_action
    )
    qtbot.mouseClick(toolbar_button, Qt.MouseButton.LeftButton)
    assert page.path_tool_action.isChecked()

    a, b = np.array([-0.9, 0.8]), np.array([0.85, -0.2])
    drag(qtbot, canvas, [a, 0.5 * (a + b), b])

    ends = canvas.path_ends
    assert ends is not None
    walk = segment_crossings(page.controller.model, np.array(ends[0]), np.array(ends[1]))
    assert shown_path_cells(page) == walk.n_cells

    give_focus(qtbot, canvas)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.path_ends is None
    assert page.path_plot.n_cells is None
    assert "Shift-drag" in page.findChild(QLabel, "pathCellCountLabel").text()


def test_matched_filter_arrows_follow_the_rows_of_a(main_window, qtbot):
    page = main_window.page("cells")
    canvas = page.canvas
    readout = page.probe.state.readout
    tips = canvas.matched_filter_tips
    assert len(tips) == 2
    directions = tips - readout.point
    for direction, row in zip(directions, readout.A, strict=True):
        cosine = direction @ row / np.linalg.norm(direction) / np.linalg.norm(row)
        assert cosine == pytest.approx(1.0, abs=1e-9)
    ratio = np.linalg.norm(directions[0]) / np.linalg.norm(directions[1])
    assert ratio == pytest.approx(np.linalg.norm(readout.A[0]) / np.linalg.norm(readout.A[1]))
    # The exported figure names and colours the arrows as the canvas does.
    figure = cells_page_figure(page)
    assert figure.arrow_labels == ("∇f₁", "∇f₂")
    np.testing.assert_array_equal(figure.arrow_rgb, [output_colour(0), output_colour(1)])
    np.testing.assert_allclose(figure.arrows, tips)

    page.matched_filter_action.trigger()
    assert len(canvas.matched_filter_tips) == 0
    page.matched_filter_action.trigger()
    assert len(canvas.matched_filter_tips) == 2


def test_fewer_layers_show_their_own_cell_and_bits(main_window, qtbot):
    page = main_window.page("cells")
    page.layer_slider.slider.setValue(1)
    qtbot.waitUntil(lambda: page.canvas.partition.n_layers == 1, timeout=PARTITION_TIMEOUT_MS)

    partition = page.canvas.partition
    point = np.array([page.probe.position])
    cell = int(partition.locate(point)[0])
    assert page.canvas.highlighted_cell == cell
    assert shown_cell_id(page) == cell
    assert len(page.probe_panel.bit_grid.rows) == 1
    np.testing.assert_array_equal(page.probe_panel.bit_grid.rows[0], partition.patterns[cell])
    assert "Layer 1 activations" in page.probe_panel.map_title.text()
    assert len(page.canvas.matched_filter_tips) == 0


def test_sliced_64_input_network_shows_its_templates_as_8x8_images(qtbot):
    model = random_mlp([16, 16], n_inputs=64, n_outputs=3, seed=5)
    rng = np.random.default_rng(5)
    plane = (0.3 * rng.normal(size=64), rng.normal(size=64), rng.normal(size=64))
    page = CellsPage(CellsController(model, DEFAULT_BOUNDS, plane=plane))
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.start()
    qtbot.waitUntil(lambda: page.probe.state is not None, timeout=PARTITION_TIMEOUT_MS)

    dock = page.findChild(QDockWidget, "matchedFilterDock")
    assert dock.isVisible()
    assert page.canvas.getPlotItem().getAxis("bottom").labelText == "s"

    def check_images() -> None:
        x = lift_to_input(page.canvas.partition.plane, np.array(page.probe.position))
        jacobian, _ = local_affine_map(model, x)
        images = page.matched_filter_view.images
        assert len(images) == 3
        for image, row in zip(images, jacobian, strict=True):
            np.testing.assert_allclose(image, row.reshape(8, 8), rtol=1e-12, atol=1e-15)
        limit = np.abs(jacobian).max()
        assert page.matched_filter_view.levels == pytest.approx((-limit, limit))
        return jacobian

    first = check_images()
    # Walk the probe with the keyboard until it changes cell: the images follow.
    canvas = page.canvas
    give_focus(qtbot, canvas)
    start_cell = canvas.highlighted_cell
    for _ in range(60):
        qtbot.keyClick(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        if canvas.highlighted_cell != start_cell:
            break
    assert canvas.highlighted_cell != start_cell
    second = check_images()
    assert not np.allclose(first, second)

    # M hides the arrows and the images, and brings them back.
    page.matched_filter_action.trigger()
    assert not dock.isVisible() and len(canvas.matched_filter_tips) == 0
    page.matched_filter_action.trigger()
    assert dock.isVisible() and len(canvas.matched_filter_tips) == 3
    page.shutdown()
