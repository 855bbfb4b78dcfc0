"""The Jigsaw page's 3-D view, driven like a user: the view switch, hover in both
directions, units, sessions, presets and export; picks checked by casting the mouse's ray
through the engine's polygons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage
from sklearn.decomposition import PCA
from vtkmodules.util.numpy_support import vtk_to_numpy

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
from tests.shown_page import give_focus, shown_page
from tests.torch_reference import torch_eval
from widgets.jigsaw.latent3d_scene import HIGHLIGHT_RGB

WORKER_TIMEOUT_MS = 60_000
QUICK = JigsawState(dataset="xor", depth=2, width=6, epochs=10, seed=1, layer=2)


@pytest.fixture
def page(qtbot) -> Iterator[JigsawPage]:
    page = JigsawPage(JigsawController(replace(QUICK, dimensions=3)))
    yield from shown_page(
        qtbot, page, (1400, 850), timeout_ms=WORKER_TIMEOUT_MS, drawn=page.results_shown
    )


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    stride = image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * image.height())
    return data.reshape(image.height(), stride)[:, : image.width() * 3].reshape(
        image.height(), image.width(), 3
    )


def _view_pixels(page: JigsawPage) -> np.ndarray:
    return page.latent3d_view.image()


def _count(pixels: np.ndarray, rgb, tolerance: int = 40) -> int:
    return int(
        np.count_nonzero(np.abs(pixels.astype(int) - np.array(rgb)).max(axis=2) <= tolerance)
    )


def _drawn_points(page: JigsawPage) -> np.ndarray:
    data = page.latent3d_view.scene.data_points.GetMapper().GetInput()
    return vtk_to_numpy(data.GetPoints().GetData())


def _ray(view, position: QPoint) -> tuple[np.ndarray, np.ndarray]:
    """The mouse's ray at ``position``: a point on the near plane and the way into the scene."""
    renderer = view.renderer
    ratio = view.interactor.devicePixelRatioF()
    x, y = ratio * position.x(), ratio * (view.interactor.height() - position.y() - 1)
    ends = []
    for depth in (0.0, 1.0):
        renderer.SetDisplayPoint(x, y, depth)
        renderer.DisplayToWorld()
        world = np.array(renderer.GetWorldPoint(), dtype=np.float64)
        ends.append(world[:3] / world[3])
    return ends[0], ends[1] - ends[0]


def _front_piece(jigsaw, start: np.ndarray, direction: np.ndarray) -> tuple[int, float]:
    """The flat piece the ray meets first (by the engine's polygons, not VTK's picker), and
    the gap to the next one along the ray (relative)."""
    hits = []
    for r in np.flatnonzero(jigsaw.rank == 2):
        polygon, normal = jigsaw.polygon(r), jigsaw.normals[r]
        along = direction @ normal
        if abs(along) < 1e-12:
            continue
        t = ((polygon[0] - start) @ normal) / along
        point = start + t * direction
        edges = np.roll(polygon, -1, axis=0) - polygon
        side = np.cross(edges, point - polygon) @ normal
        size = np.abs(polygon).max() + 1.0
        if np.all(side >= -1e-9 * size * size):
            hits.append((t, r))
    hits.sort()
    if not hits:
        return -1, np.inf
    gap = hits[1][0] - hits[0][0] if len(hits) > 1 else np.inf
    return hits[0][1], gap


def test_the_3d_view_draws_one_flat_piece_per_cell_and_the_training_points(page):
    scene = page.scene
    assert page.latent_shown is page.latent3d_view
    assert scene.dimensions == 3 and page.controller.state.dimensions == 3
    network = scene.network
    drawn = page.latent3d_view.scene.pieces.GetMapper().GetInput()
    assert drawn.GetNumberOfPolys() == network.partition.n_regions
    corners = vtk_to_numpy(drawn.GetPoints().GetData())
    activations = torch_eval(network.model, network.partition.vertices, None, 2)
    # The drawn corners are torch's activations at the input corners, projected to PCA 3.
    projected = scene.projection(activations[network.partition.indices])
    np.testing.assert_allclose(corners, projected, atol=1e-9 * max(1.0, np.abs(projected).max()))
    # The training points: scikit-learn's PCA of torch's activations (axes up to sign).
    hidden = torch_eval(network.model, network.dataset.x_train, None, 2)
    reference = PCA(n_components=3, svd_solver="full").fit_transform(hidden)
    points = _drawn_points(page)
    for axis in range(3):
        sign = np.sign(points[:, axis] @ reference[:, axis])
        np.testing.assert_allclose(points[:, axis], sign * reference[:, axis], atol=1e-8)
    assert "in 3-D:" in page.readout.text()
    assert not page.folds_check.isEnabled()


def test_hovering_an_input_cell_lights_its_piece_in_3d(qtbot, page):
    partition = page.scene.network.partition
    before = _count(_view_pixels(page), HIGHLIGHT_RGB)
    cell = int(np.argmax(np.where(page.scene.jigsaw.rank == 2, partition.areas, 0)))
    centre = partition.polygon(cell).mean(axis=0)
    viewport = page.input_view.viewport()
    target = page.input_view.widget_position(tuple(centre)).toPoint()
    with qtbot.waitSignal(page.input_view.cell_hovered, timeout=5000):
        qtbot.mouseMove(viewport, target + QPoint(3, 3))
        qtbot.mouseMove(viewport, target)
    assert page.input_view.highlighted_cell == cell
    assert page.latent3d_view.highlighted_cell == cell
    after = _count(_view_pixels(page), HIGHLIGHT_RGB)
    assert after > before + 50, (before, after)
    assert page.hover_readout.text().startswith(f"cell {cell}: ")
    assert "(3-D)" in page.hover_readout.text()


def test_hovering_a_piece_in_3d_lights_the_cell_the_mouses_ray_meets_first(qtbot, page):
    view, jigsaw = page.latent3d_view, page.scene.jigsaw
    checked = 0
    for piece in np.argsort(-jigsaw.areas)[:12]:
        position = view.widget_position(jigsaw.polygon(piece).mean(axis=0))
        if not view.interactor.rect().contains(position):
            continue
        expected, gap = _front_piece(jigsaw, *_ray(view, position))
        if expected < 0 or gap < 1e-6:
            continue  # two pieces at the same depth there: either is right
        qtbot.mouseMove(view.interactor, position + QPoint(4, 4))
        qtbot.mouseMove(view.interactor, position)
        qtbot.waitUntil(lambda expected=expected: page.hovered_cell == expected, timeout=5000)
        assert page.input_view.highlighted_cell == expected
        assert view.highlighted_cell == expected
        checked += 1
    assert checked >= 3


def test_three_units_show_those_units_activations(qtbot, page):
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.projection_box.setCurrentIndex(page.projection_box.findData("units"))
    assert page.unit_z_spin.isEnabled() and page.unit_z_spin.isVisible()
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.unit_z_spin.setValue(6)
    state = page.controller.state
    assert (state.unit_x, state.unit_y, state.unit_z) == (1, 2, 6)
    network = page.scene.network
    points = _drawn_points(page)
    expected = torch_eval(network.model, network.dataset.x_train, None, 2)[:, [0, 1, 5]]
    np.testing.assert_allclose(points, expected, atol=1e-9)
    # Choosing the first axis's unit for the third swaps them, never repeats one.
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.unit_z_spin.setValue(1)
    state = page.controller.state
    assert (state.unit_x, state.unit_y, state.unit_z) == (6, 2, 1)


def test_the_view_switch_and_its_key_go_back_to_2d(qtbot, page):
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        page.dimensions_box.setCurrentIndex(page.dimensions_box.findData(2))
    assert page.latent_shown is page.latent_view and page.scene.dimensions == 2
    assert page.folds_check.isEnabled() and not page.unit_z_spin.isVisible()
    give_focus(qtbot, page.input_view)
    with qtbot.waitSignal(page.results_shown, timeout=WORKER_TIMEOUT_MS):
        qtbot.keyClick(page.input_view, "v")
    assert page.controller.state.dimensions == 3
    assert page.latent_shown is page.latent3d_view


def test_session_round_trip_and_hostile_restore_in_3d(qtbot, page):
    saved = save_jigsaw_state(page)
    assert saved.settings["dimensions"] == 3
    other = JigsawPage()
    qtbot.addWidget(other)
    restore_jigsaw_state(other, PageState(dict(saved.settings)))
    assert other.controller.state == page.controller.state
    assert other.dimensions_box.currentData() == 3
    for bad in (
        {"dimensions": 4},
        {"dimensions": "3"},
        {"projection": "units", "unit_z": 2},
        {"projection": "units", "width": 2, "unit_x": 1, "unit_y": 2, "unit_z": 2},
        {"unit_z": 33},
        {"projection": "units", "unit_z": 7},
    ):
        with pytest.raises(ValueError):
            restore_jigsaw_state(other, PageState({**saved.settings, **bad}))
        assert other.controller.state == page.controller.state
    other.shutdown()


def test_the_3d_preset_is_valid_and_applies(qtbot):
    preset = load_preset("jigsaw-3d")
    assert preset.page == "jigsaw"
    check_jigsaw_preset(preset.settings)
    page = JigsawPage()
    qtbot.addWidget(page)
    apply_jigsaw_preset(page, preset.settings)
    assert page.controller.state.dimensions == 3
    assert page.dimensions_box.currentData() == 3
    assert page.controller.state.projection == "pca"
    page.shutdown()


def test_the_latent_figure_is_the_3d_scene_in_3d(page, tmp_path):
    views = {view.name: view for view in JIGSAW.export_targets(page)}
    assert views["jigsaw-latent"].widget() is page.latent3d_view
    path = export_view(views["jigsaw-latent"], ExportOptions(tmp_path / "j3.png", ImageSize(2.0)))
    image = QImage(str(path))
    # The figure: the heading above the scene, at twice its size, the scene's pieces in it.
    assert image.width() >= 2 * page.latent3d_view.width()
    assert image.height() > 2 * page.latent3d_view.height()
    pixels = _pixels(image)
    assert len(np.unique(pixels[::5, ::5].reshape(-1, 3), axis=0)) > 30
    svg = export_view(views["jigsaw-latent"], ExportOptions(tmp_path / "j3.svg"))
    text = svg.read_text(encoding="utf-8")
    assert "<image" in text and "latent space is a jigsaw" in text
    # The heading names the marker's arrows (its own labels are off: they piled up), and the
    # scene's small caption is hidden while the figure is drawn, then shown again.
    assert not page.latent3d_view.axes.GetAxisLabels()
    assert "red: PC 1" in text and "blue: PC 3" in text
    with views["jigsaw-latent"].staged():
        assert not page.latent3d_view.caption.GetVisibility()
    assert page.latent3d_view.caption.GetVisibility()
    side = export_view(views["jigsaw"], ExportOptions(tmp_path / "both.png", ImageSize(1.0)))
    right = _pixels(QImage(str(side)))[:, QImage(str(side)).width() // 2 :]
    assert len(np.unique(right[::5, ::5].reshape(-1, 3), axis=0)) > 30


def test_3d_figures_name_the_axes_in_the_heading_not_in_vtk_text(page, tmp_path):
    """VTK draws its text at its own pixel size: the triad's labels came out large and
    doubled in a 2x export and the caption small. The triad has no labels; the caption
    names the axes by colour, and figures move it into the heading's note."""
    from app.jigsaw.export import jigsaw_heading

    view = page.latent3d_view
    assert not view.axes.GetAxisLabels()
    names = page.scene.projection.axis_names
    caption = view.caption.GetInput()
    for colour, name in zip(("red", "green", "blue"), names, strict=True):
        assert f"{colour}: {name}" in caption
    assert caption in jigsaw_heading(page).note
    views = {v.name: v for v in JIGSAW.export_targets(page)}
    for name in ("jigsaw", "jigsaw-latent"):
        with views[name].staged():
            assert not view.caption.GetVisibility()
        assert view.caption.GetVisibility()
    svg = export_view(views["jigsaw-latent"], ExportOptions(tmp_path / "j3.svg"))
    assert names[0] in svg.read_text(encoding="utf-8")  # the note, as vector text
