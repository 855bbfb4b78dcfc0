"""The Cells 3D axis names (x₁, x₂, x₃) sit apart, outside the box's outline, from any side:
checked with an independent pinhole projection, and in the real view at its starting camera."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from scipy.spatial import Delaunay

from widgets.cells3d.axis_labels import axis_label_anchors, box_edges

BOUNDS = np.array([-1.25, 1.25, -1.25, 1.25, -1.25, 1.25])
#: A label's half size on screen, as a share of the box's projected size (an "x₁" in the
#: view's type is about 2.4 % of a 900-pixel-wide box: twice that for margin).
HALF_LABEL = 0.05


def pinhole(direction, up=(0.0, 0.0, 1.0), distance=9.0):
    """A perspective camera looking at the origin from ``direction``: (N, 3) -> (N, 2),
    y downwards."""
    back = np.asarray(direction, float) / np.linalg.norm(direction)
    eye = distance * back
    right = np.cross(up, back)
    if np.linalg.norm(right) < 1e-9:  # looking along the up vector
        right = np.cross((0.0, 1.0, 0.0), back)
    right /= np.linalg.norm(right)
    true_up = np.cross(back, right)

    def project(points: np.ndarray) -> np.ndarray:
        rel = np.asarray(points, float) - eye
        depth = -(rel @ back)
        return np.column_stack([rel @ right / depth, -(rel @ true_up) / depth])

    return project


VIEWS = {
    "+x": pinhole((1, 0, 0)),
    "+y": pinhole((0, 1, 0)),
    "+z": pinhole((0, 0, 1), up=(0.0, 1.0, 0.0)),
    "iso": pinhole((1, -1.25, 0.85)),
}
rng = np.random.default_rng(7)
for i, direction in enumerate(rng.normal(size=(24, 3))):
    VIEWS[f"random-{i}"] = pinhole(direction)


@pytest.mark.parametrize("name", list(VIEWS))
def test_axis_names_are_apart_and_outside_the_outline(name):
    project = VIEWS[name]
    anchors = axis_label_anchors(BOUNDS, project)
    screen = project(anchors)
    corners = project(box_edges(BOUNDS).reshape(-1, 3))
    extent = np.ptp(corners, axis=0).max()
    half = HALF_LABEL * extent
    for a, b in combinations(range(3), 2):
        gap = np.abs(screen[a] - screen[b])
        assert np.any(gap > 2 * half), f"{name}: x{a + 1} and x{b + 1} overlap"
    # Each name's centre lies outside the box's outline.
    outline = Delaunay(corners)
    assert np.all(outline.find_simplex(screen) < 0), name


def test_each_name_is_beside_an_edge_along_its_axis():
    anchors = axis_label_anchors(BOUNDS, VIEWS["iso"])
    for axis in range(3):
        # Within the box's span along its own axis: beside the edge, not past its end.
        assert BOUNDS[2 * axis] <= anchors[axis, axis] <= BOUNDS[2 * axis + 1]
        others = [k for k in range(3) if k != axis]
        assert np.all(np.abs(anchors[axis, others]) > 1.25)  # outside the box


@pytest.fixture
def page(qtbot):
    from app.cells3d.page import Cells3DPage
    from tests.cells3d.test_gui_cells3d import shown_trained

    page = Cells3DPage()
    yield from shown_trained(qtbot, page)


def test_the_view_names_its_axes_apart_at_the_starting_camera(page):
    from widgets.vtk.labels import label_positions

    view = page.view
    labels = view.scene_labels()
    assert [label.text for label in labels] == ["x₁", "x₂", "x₃"]
    width, height = view.interactor.width(), view.interactor.height()
    placed = label_positions(view.renderer, labels, width, height)
    assert len(placed) == 3
    size = view.axis_actors[0].GetTextProperty().GetFontSize()
    for (_, ax, ay), (_, bx, by) in combinations(placed, 2):
        assert abs(ax - bx) > 2 * size or abs(ay - by) > 2 * size
    for _, x, y in placed:
        assert 0 <= x <= width and 0 <= y <= height
    # The on-screen names are where the export draws them, and the triad has none.
    view.render_window.Render()
    for actor, label in zip(view.axis_actors, labels, strict=True):
        assert np.allclose(actor.GetPosition(), label.anchor)
    assert not view.axes_widget.GetOrientationMarker().GetAxisLabels()
