"""The 3-D scene builders against the engine's results, and the slice hand-off geometry."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkRenderingCore import vtkRenderWindow

from engine.box_slice import box_slice
from engine.networks import network_layers
from engine.partition2d import partition_2d
from tests.cube_case import CUBE, cube_case
from widgets.cells3d.polydata import (
    cell_offsets_for_explode,
    decision_polydata,
    faces_polydata,
    layer_faces,
    neuron_faces,
)
from widgets.cells3d.scene import Cells3DScene, SceneOptions, set_standard_view
from widgets.vtk.pipeline import make_renderer, window_image


def _polygons(data) -> tuple[np.ndarray, np.ndarray]:
    polys = data.GetPolys()
    offsets = vtk_to_numpy(polys.GetOffsetsArray()).astype(np.int64)
    connectivity = vtk_to_numpy(polys.GetConnectivityArray()).astype(np.int64)
    return offsets, connectivity


def test_one_polydata_holds_every_face_of_every_cell():
    _, partition, _ = cube_case()
    data = faces_polydata(partition)
    assert data.GetNumberOfPolys() == partition.n_faces
    assert data.GetNumberOfPoints() == len(partition.vertices)
    offsets, connectivity = _polygons(data)
    np.testing.assert_array_equal(offsets, partition.face_offsets)
    np.testing.assert_array_equal(connectivity, partition.face_indices)
    cell = vtk_to_numpy(data.GetCellData().GetArray("cell"))
    np.testing.assert_array_equal(cell, partition.face_cell)
    np.testing.assert_array_equal(vtk_to_numpy(data.GetPoints().GetData()), partition.vertices)


def test_layer_and_neuron_faces_draw_each_piece_of_surface_once():
    _, partition, _ = cube_case()
    areas = partition.face_areas
    for layer in range(partition.n_layers):
        chosen = layer_faces(partition, layer)
        every = np.flatnonzero(partition.face_layer == layer)
        assert set(chosen) <= set(every)
        # Every piece has a face on each side of it: one side is half the total area.
        assert areas[chosen].sum() == pytest.approx(0.5 * areas[every].sum(), rel=1e-9)
    neuron = 3
    chosen = neuron_faces(partition, neuron)
    assert np.all(partition.face_neuron[chosen] == neuron)
    every = partition.neuron_faces(neuron)
    assert areas[chosen].sum() == pytest.approx(0.5 * areas[every].sum(), rel=1e-9)
    data = faces_polydata(partition, chosen)
    assert data.GetNumberOfPolys() == len(chosen)


def test_the_decision_polydata_is_the_engines_surface():
    model, partition, surface = cube_case()
    data = decision_polydata(surface)
    assert data.GetNumberOfPolys() == surface.n_polygons > 10
    offsets, connectivity = _polygons(data)
    np.testing.assert_array_equal(offsets, surface.offsets)
    points = vtk_to_numpy(data.GetPoints().GetData())[connectivity]
    np.testing.assert_array_equal(points, surface.vertices)
    # On the zero set of f_0 - f_1 (a forward pass) and inside their cells, to 1e-9.
    out = network_layers(model).forward(points)[0]
    assert np.abs(out[:, 0] - out[:, 1]).max() <= 1e-9 * np.abs(out).max()
    owner = np.repeat(surface.cell, np.diff(surface.offsets))
    assert partition._locator.depth(points, owner).min() >= -1e-9


def test_an_exploded_view_moves_every_cell_away_from_the_centre():
    _, partition, surface = cube_case()
    shift = cell_offsets_for_explode(partition, 0.5)
    moved = vtk_to_numpy(faces_polydata(partition, explode=0.5).GetPoints().GetData())
    owner = np.repeat(np.arange(partition.n_regions), np.diff(partition.vertex_offsets))
    np.testing.assert_allclose(moved - partition.vertices, shift[owner], atol=1e-15)
    # Cells move outwards, and a decision polygon moves with its cell.
    assert np.all(np.einsum("rk,rk->r", shift, partition.centroids) >= 0)
    exploded = vtk_to_numpy(
        decision_polydata(surface, partition, explode=0.5).GetPoints().GetData()
    )
    polygon_owner = np.repeat(surface.cell, np.diff(surface.offsets))
    np.testing.assert_allclose(exploded - surface.vertices, shift[polygon_owner], atol=1e-15)


def _render(scene: Cells3DScene, size=(320, 240)) -> np.ndarray:
    window = vtkRenderWindow()
    window.SetOffScreenRendering(1)
    window.SetMultiSamples(0)
    window.SetSize(*size)
    renderer = make_renderer()
    window.AddRenderer(renderer)
    scene.add_to(renderer)
    set_standard_view(renderer, scene.partition.bounds, "iso")
    window.Render()
    image = window_image(window)
    window.Finalize()
    return image


def test_the_scene_renders_off_screen_and_the_highlight_shows():
    _, partition, surface = cube_case()
    scene = Cells3DScene()
    scene.set_partition(partition, surface)
    plain = _render(scene)
    assert plain.shape == (240, 320, 3)
    assert (np.abs(plain.astype(int) - 255).sum(axis=2) > 30).mean() > 0.2  # not blank
    scene.set_highlighted_cell(int(partition.locate([[0.1, -0.2, 0.3]])[0]))
    highlighted = _render(scene)
    red = (highlighted[:, :, 0].astype(int) - highlighted[:, :, 1]) > 60
    assert red.sum() > 20 and red.sum() > ((plain[:, :, 0].astype(int) - plain[:, :, 1]) > 60).sum()
    scene.set_options(SceneOptions(show_cells=False, show_decision=False))
    assert not scene.cells.GetVisibility() and not scene.decision.GetVisibility()


@pytest.mark.parametrize(
    ("origin", "normal"),
    [((0.2, -0.1, 0.3), (0.0, 1.0, 0.0)), ((0.1, 0.1, -0.2), (0.4, -0.7, 1.0))],
)
def test_a_box_slice_gives_the_planar_cells_of_the_3d_cells_on_it(origin, normal):
    model, partition, _ = cube_case()
    section = box_slice(CUBE, origin, normal)
    centre, u, v = section.plane
    assert abs(u @ v) < 1e-15 and u @ u == pytest.approx(1) and v @ v == pytest.approx(1)
    n = np.asarray(normal) / np.linalg.norm(normal)
    assert (centre - np.asarray(origin)) @ n == pytest.approx(0.0, abs=1e-12)
    # The square covers the cross-section of the box.
    smin, smax, tmin, tmax = section.bounds
    st = (section.section - centre) @ np.stack([u, v]).T
    assert len(st) >= 3
    assert np.all((st[:, 0] >= smin) & (st[:, 0] <= smax) & (st[:, 1] >= tmin) & (st[:, 1] <= tmax))
    # Its 2-D cells are the 3-D cells cut by the plane: the same patterns where they meet.
    planar = partition_2d(model, section.bounds, plane=section.plane)
    rng = np.random.default_rng(0)
    samples = rng.uniform([smin, tmin], [smax, tmax], size=(3000, 2))
    lifted = centre + samples @ np.stack([u, v])
    inside = np.all(np.abs(lifted) < 1.0 - 1e-6, axis=1)
    samples, lifted = samples[inside], lifted[inside]
    assert len(samples) > 500
    np.testing.assert_array_equal(
        planar.patterns[planar.locate(samples)], partition.patterns[partition.locate(lifted)]
    )
    hit = np.unique(partition.locate(lifted))
    assert len(np.unique(planar.locate(samples))) >= len(hit)
