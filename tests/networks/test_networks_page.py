"""The Networks page driven as a user would, checked against torch and the engine.

A small CNN (Conv 1->3, ReLU, 2x2 max-pooling, Linear 48->10) keeps the slices small;
the shipped digits CNN's default slice (~61,000 cells) is left to the screenshot.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from torch import nn

from app.networks.controller import NetworksController
from app.networks.page import CLASS_FILL_STRENGTH, NetworksPage
from app.networks.preset import apply_networks_preset, check_networks_preset
from app.networks.session import restore_networks_state, save_networks_state
from app.networks.state import NetworksState
from engine.digits_cnn import digits_split, load_digits_cnn
from engine.partition2d import partition_2d
from engine.session_file import PageState
from engine.slices import plane_through
from tests.cnn_case import small_cnn
from tests.networks.small_page import small_cnn_page
from tests.shown_page import give_focus, shown_page

TIMEOUT_MS = 60_000
PRESET = Path(__file__).resolve().parents[2] / "resources/presets/digits-cnn.json"


@pytest.fixture
def page(qtbot):
    yield from small_cnn_page(qtbot, (1400, 850))


def _anchor_images(anchors) -> list[np.ndarray]:
    test = digits_split()[1]
    return [test.images[i][None] for i in anchors]


def _move_probe(qtbot, page, s: float, t: float) -> None:
    """What a drag of the probe does: the canvas says where it went."""
    page.canvas.probe_moved.emit(s, t)


def test_the_page_shows_as_many_cells_as_the_engine_finds(page):
    state = page.controller.state
    plane = plane_through(*_anchor_images(state.anchors), margin=state.margin, domain="triangle")
    expected = partition_2d(small_cnn(), None, plane=plane)
    assert page.canvas.partition.n_regions == expected.n_regions
    assert page.status.text().startswith(f"{expected.n_regions:,} cells in the triangle")
    np.testing.assert_allclose(page.anchor_marks.points, plane.anchors, atol=1e-12)
    assert page.title.text() == "small CNN"
    assert page.gallery.marks() == dict(zip("ABC", state.anchors, strict=True))


def test_the_probe_shows_its_decoded_input_class_and_jacobian_rows(qtbot, page):
    plane = page.controller.shown_slice.plane
    s, t = plane.anchors.mean(axis=0) + np.array([0.05, -0.02])
    with qtbot.waitSignal(page.controller.jacobian_ready, timeout=TIMEOUT_MS):
        _move_probe(qtbot, page, float(s), float(t))
    origin, u, v = (np.asarray(a, np.float64) for a in plane.vectors)
    x = origin + s * u + t * v
    np.testing.assert_allclose(page.picture.image, x.reshape(8, 8), rtol=0, atol=1e-12)

    model = small_cnn()
    xt = torch.from_numpy(x[None])
    jacobian = torch.autograd.functional.jacobian(lambda z: model(z)[0], xt).reshape(10, 64)
    shown = np.stack([image.reshape(64) for image in page.filters.images])
    np.testing.assert_allclose(shown, jacobian.numpy(), rtol=0, atol=1e-9)
    with torch.no_grad():
        predicted = int(model(xt).argmax())
    assert f"Predicted class <b>{predicted}</b>" in page.prediction.text()


def _pre_relu_signs(model: nn.Sequential, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return (model[0](torch.from_numpy(x[None]))[0] > 0).numpy()  # (3, 8, 8)


def test_crossing_a_conv_units_boundary_logs_its_layer_channel_and_position(qtbot, page):
    shown = page.controller.shown_slice
    partition, plane = shown.partition, shown.plane
    # An edge made by a unit of the first ReLU (layer 0), away from the domain's border.
    ring_start = np.repeat(partition.offsets[:-1], np.diff(partition.offsets))
    ring_end = np.repeat(partition.offsets[1:], np.diff(partition.offsets))
    positions = np.arange(len(partition.indices))
    after = np.where(positions + 1 < ring_end, positions + 1, ring_start)
    a = partition.vertices[partition.indices[positions]]
    b = partition.vertices[partition.indices[after]]
    lengths = np.linalg.norm(b - a, axis=1)
    neuron = partition.edge_neuron
    layer0 = (neuron >= 0) & (partition.layer_of_neuron[np.maximum(neuron, 0)] == 0)
    k = int(np.flatnonzero(layer0)[np.argmax(lengths[layer0])])
    middle = 0.5 * (a[k] + b[k])
    normal = np.array([-(b[k] - a[k])[1], (b[k] - a[k])[0]]) / lengths[k]  # into the cell
    step = 1e-6 * float(np.ptp(plane.bounds))
    inside, outside = middle + step * normal, middle - step * normal

    model = small_cnn()
    x_in, x_out = (plane.lift(p[None])[0] for p in (inside, outside))
    flipped = np.argwhere(_pre_relu_signs(model, x_in) != _pre_relu_signs(model, x_out))
    assert len(flipped) == 1  # torch sees exactly one unit of the first layer change
    channel, row, col = (int(v) for v in flipped[0])
    turned_on = bool(_pre_relu_signs(model, x_out)[channel, row, col])

    _move_probe(qtbot, page, *inside)
    page.unit_log.clear_units()
    _move_probe(qtbot, page, *outside)
    lines = page.unit_log.lines()
    # The ReLU's units are the convolution's: named after it as the user named the model
    # (an nn.Sequential's index '0' is the first convolution, conv1), never torch.fx's '1'.
    relu_lines = [line for line in lines if "conv1 (Conv2d)" in line]
    change = "off → on" if turned_on else "on → off"
    # The pooling window holding the unit may change its maximum too: its own lines.
    assert len(relu_lines) == 1
    assert relu_lines[0].endswith(
        f"conv1 (Conv2d) · channel {channel + 1}, (row {row}, col {col}) · {change}"
    )
    assert all(" (Conv2d) · " in line or " pool1 (MaxPool2d) · " in line for line in lines)
    assert not any("'" in line for line in lines)


def test_cells_are_filled_with_the_colour_of_the_class_torch_predicts_there(page):
    from widgets.common.digit_thumbnails import digit_class_colours

    shown = page.controller.shown_slice
    model = small_cnn()
    colours = digit_class_colours().astype(float)
    rng = np.random.default_rng(1)
    for cell in rng.choice(shown.partition.n_regions, size=8, replace=False):
        s, t = shown.partition.centroids[cell]
        with torch.no_grad():
            label = int(model(torch.from_numpy(shown.plane.lift([[s, t]]))).argmax())
        expected = np.round(255 - (255 - colours[label]) * CLASS_FILL_STRENGTH).astype(int)
        assert page.class_fills.item.colours_at(float(s), float(t)) == [tuple(expected)]


def test_colour_mode_and_domain_controls_change_the_state(qtbot, page):
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.domain_box.setCurrentIndex(page.domain_box.findData("rectangle"))
    assert page.controller.state.domain == "rectangle"
    assert page.status.text().endswith(
        "cells in the rectangle of the slice, 2 of 2 layers, through pool1 (MaxPool2d)."
    )
    assert page.canvas.legend_labels()[:2] == ["conv1 (Conv2d) edges", "pool1 (MaxPool2d) edges"]
    page.colour_box.setCurrentIndex(page.colour_box.findData("pattern"))
    assert page.controller.state.colour_mode == "pattern" and page.cell_fills() is None
    assert not page.class_fills.item.isVisible()


def test_a_gallery_click_sets_the_next_anchor_and_recomputes(qtbot, page):
    shown = page.gallery.shown_indices
    index = int(
        next(i for i in shown.reshape(-1) if i >= 0 and i not in page.controller.state.anchors)
    )
    column = int(np.argwhere(shown == index)[0][1])
    row = int(np.argwhere(shown == index)[0][0])
    centre = page.gallery.slot_rect(row, column).center().toPoint()
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.gallery, Qt.MouseButton.LeftButton, pos=centre)
    assert page.controller.state.anchors[0] == index
    assert page.gallery.marks()["A"] == index


def test_session_round_trip_restores_every_setting(qtbot, page):
    wanted = NetworksState(
        anchors=(10, 20, 30), colour_mode="pattern", margin=0.25, domain="rectangle",
        n_layers=2, layers=1,
    )  # fmt: skip
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.controller.set_state(wanted)
    saved = json.loads(json.dumps(save_networks_state(page).settings))
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.controller.set_state(NetworksState(n_layers=2, layers=2))
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        restore_networks_state(page, PageState(saved))
    assert page.controller.state == wanted
    assert page.layer_slider.value == 1 and page.margin_box.value() == 0.25
    assert page.canvas.partition.n_layers == 1


@pytest.mark.parametrize(
    "settings",
    [
        {"anchors": [1, 1, 2]},
        {"anchors": [1, 2, 359]},
        {"margin": float("nan")},
        {"domain": "circle"},
        {"colour_mode": "rainbow"},
    ],
)
def test_bad_session_and_preset_settings_are_refused_and_change_nothing(page, settings):
    before = page.controller.state
    with pytest.raises(ValueError):
        check_networks_preset(settings)
    with pytest.raises(ValueError):
        restore_networks_state(page, PageState({**save_networks_state(page).settings, **settings}))
    assert page.controller.state == before


def test_a_preset_with_an_unknown_setting_is_refused():
    # (A session ignores fields it does not know: a newer version's.)
    with pytest.raises(ValueError, match="speed"):
        check_networks_preset({"speed": 3})


def test_the_shipped_preset_is_valid_and_applies(qtbot, page):
    preset = json.loads(PRESET.read_text())
    assert preset["page"] == "networks"
    check_networks_preset(preset["settings"])
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        apply_networks_preset(page, preset["settings"])
    assert page.controller.state.anchors == tuple(preset["settings"]["anchors"])
    assert all(f"= #{i}" in page.anchor_label.text() for i in (12, 6, 9))
    labels = digits_split()[1].labels[list(page.controller.state.anchors)]
    assert sorted(labels.tolist()) == [1, 4, 7]


def test_a_network_that_takes_no_digits_is_sliced_through_random_inputs(qtbot, page):
    torch.manual_seed(1)
    mlp = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        page.show_model(mlp, (5,), "five inputs")
    assert page.gallery.isHidden()
    assert page.gallery_note.text().startswith("This network takes 5 inputs, not 8×8 or 28×28")
    assert page.canvas.partition.n_regions > 1
    assert page.picture.isHidden()


def test_a_network_that_cannot_be_sliced_leaves_the_page_as_it_was(qtbot, page):
    before = (page.controller.state, page.controller.shown_slice, page.canvas.partition)
    smooth = nn.Sequential(nn.Flatten(), nn.Linear(64, 4), nn.Sigmoid(), nn.Linear(4, 2))
    with qtbot.waitSignal(page.controller.slice_failed, timeout=TIMEOUT_MS) as failed:
        page.show_model(smooth.double(), (1, 8, 8), "smooth")
    assert failed.args[0].startswith("The network could not be shown:")
    assert page.status.text() == failed.args[0]
    assert (page.controller.state, page.controller.shown_slice, page.canvas.partition) == before
    assert page.title.text() == "small CNN"
    assert page.layer_slider.value == page.layer_slider.maximum == 2


def test_escape_cancels_a_slice_and_the_cells_shown_stay(qtbot, page, monkeypatch):
    def slice_until_stopped(request):  # a slice that takes as long as it is let run
        while not request.ticket.stop.wait(0.01):
            pass
        request.ticket.after_layer(0, 2, 0)  # raises PartitionCancelled

    monkeypatch.setattr("app.networks.controller.compute_slice", slice_until_stopped)
    shown_before = page.controller.shown_slice
    page.controller.update(margin=0.5)
    assert page.controller.is_busy
    give_focus(qtbot, page.canvas)
    with qtbot.waitSignal(page.controller.slice_cancelled, timeout=TIMEOUT_MS):
        qtbot.keyClick(page.canvas, Qt.Key.Key_Escape)
    assert page.status.text().startswith("Cancelled. The view still shows")
    assert page.controller.shown_slice is shown_before
    qtbot.waitUntil(lambda: not page.controller.is_busy, timeout=TIMEOUT_MS)


@pytest.fixture
def digits_page(qtbot):
    """The page on the shipped digits CNN, started at 4% of its slice."""
    shown = NetworksPage(NetworksController(NetworksState(extent=0.04)))
    yield from shown_page(
        qtbot, shown, (1400, 850), timeout_ms=TIMEOUT_MS, drawn=shown.results_shown
    )


def _triangle_area(corners: np.ndarray) -> float:
    (x0, y0), (x1, y1), (x2, y2) = corners
    return 0.5 * abs((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0))


def _inside_triangle(points: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """(N,) whether each point is inside the triangle (by the signs of three crosses)."""
    signs = []
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        signs.append((b[0] - a[0]) * (points[:, 1] - a[1]) - (b[1] - a[1]) * (points[:, 0] - a[0]))
    signs = np.stack(signs)
    return np.all(signs > 0, axis=0) | np.all(signs < 0, axis=0)


def _check_extent_cells(page, extent: float) -> int:
    """The cells shown tile ``extent`` of the triangle about the anchors' centre, and each
    cell's map is the digits CNN's there. Returns the number of cells."""
    state = page.controller.state
    whole = plane_through(*_anchor_images(state.anchors), margin=state.margin, domain="triangle")
    corners = whole.polygon
    assert len(corners) == 3
    centre = whole.anchors.mean(axis=0)
    shrunk = centre + extent * (corners - centre)
    partition = page.canvas.partition
    assert partition.areas.sum() == pytest.approx(extent**2 * _triangle_area(corners), rel=1e-9)
    rng = np.random.default_rng(7)
    weights = rng.dirichlet(np.ones(3), 400)
    inside = weights @ shrunk
    cells = partition.locate(inside)
    assert (cells >= 0).all()
    model = load_digits_cnn().double().eval()
    with torch.no_grad():
        truth = model(torch.from_numpy(whole.lift(inside))).numpy()
    maps = np.einsum("rij,rj->ri", partition.A[cells], inside) + partition.c[cells]
    np.testing.assert_allclose(maps, truth, rtol=1e-9, atol=1e-9)
    # Points of the whole triangle outside the shrunk one are in no cell shown.
    outside = rng.dirichlet(np.ones(3), 2000) @ corners
    outside = outside[~_inside_triangle(outside, centre + 1.02 * extent * (corners - centre))]
    assert len(outside) > 1000 and (partition.locate(outside) == -1).all()
    percent = f"{100 * extent:g}%"
    assert page.status.text() == (
        f"{partition.n_regions:,} cells in {percent} of the slice's triangle, about its "
        "centre, 5 of 5 layers, through fc1 (Linear)."
    )
    return partition.n_regions


def test_extent_cuts_a_share_of_the_digits_cnns_triangle_about_its_centre(qtbot, digits_page):
    page = digits_page
    assert page.title.text() == "digits CNN (shipped)"
    assert page.extent_box.text() == "4.0 %"
    small = _check_extent_cells(page, 0.04)
    # The user types 9 into Extent: a larger share, which holds every cell of the smaller.
    page.extent_box.lineEdit().selectAll()
    qtbot.keyClicks(page.extent_box, "9")
    with qtbot.waitSignal(page.controller.slice_ready, timeout=TIMEOUT_MS):
        qtbot.keyClick(page.extent_box, Qt.Key.Key_Return)
    assert page.controller.state.extent == pytest.approx(0.09)
    larger = _check_extent_cells(page, 0.09)
    assert larger > small > 10


def test_the_figure_is_framed_to_the_slices_domain(page):
    """The exported figure's axes hold the slice's domain (the triangle through A, B, C
    with its margin) edge to edge: its corners touch all four sides of the plot."""
    from app.export.cell_figure_layout import plot_frame
    from app.networks.export import networks_figure

    shown = page.controller.shown_slice
    corners = shown.plane.polygon  # (3, 2) the triangle, margin included
    figure = networks_figure(page)
    for width, height in ((1920, 1080), (1280, 720), (800, 1000)):
        frame = plot_frame(figure, width, height)
        on_page = frame.to_page(corners)
        low, high = on_page.min(axis=0), on_page.max(axis=0)
        np.testing.assert_allclose(low, [frame.left, frame.top], atol=1e-6)
        np.testing.assert_allclose(
            high, [frame.left + frame.width, frame.top + frame.height], atol=1e-6
        )
