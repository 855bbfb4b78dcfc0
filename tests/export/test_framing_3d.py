"""3-D figures show their whole scene at any export aspect.

The camera fit is checked through VTK's own projection matrix (not the fit's arithmetic)
on random boxes, directions and aspects; then every 3-D figure view is exported with no
display at 16:9, 4:3, 1:1 and a tall size, and nothing of its scene may touch the image's
edge (the talk theme's flat background makes "nothing" a colour).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from vtkmodules.vtkRenderingCore import vtkCamera

from engine.box_slice import box_corners
from tests.export.headless_run import HEADLESS_RUNNER, ROOT, headless_env
from widgets.vtk.framing import MARGIN, CameraPose, fit_camera, projected

ASPECTS = (640 / 360, 3840 / 2160, 4 / 3, 1.0, 9 / 16, 0.4)


def _camera(rng: np.random.Generator, parallel: bool = False) -> vtkCamera:
    camera = vtkCamera()
    camera.SetFocalPoint(*rng.normal(size=3))
    camera.SetPosition(*(np.array(camera.GetFocalPoint()) + 5 * rng.normal(size=3)))
    camera.SetViewUp(0.0, 0.0, 1.0)
    camera.SetViewAngle(float(rng.uniform(20, 45)))
    camera.SetParallelProjection(parallel)
    return camera


@pytest.mark.parametrize("parallel", [False, True])
def test_fitted_points_fall_inside_the_view_with_the_margin_and_touch_it(parallel):
    rng = np.random.default_rng(7)
    for aspect in ASPECTS:
        for _ in range(20):
            camera = _camera(rng, parallel)
            direction = np.subtract(camera.GetFocalPoint(), camera.GetPosition())
            direction /= np.linalg.norm(direction)
            low = rng.uniform(-3, 3, 3)
            points = box_corners(np.column_stack([low, low + rng.uniform(0.1, 4, 3)]).ravel())
            room = float(rng.choice([0.0, 0.12]))
            fit_camera(camera, points, aspect, bottom_room=room)
            ndc = projected(camera, points, aspect)
            limit = 1.0 - MARGIN
            assert np.all(np.abs(ndc[:, 0]) <= limit + 1e-7), (aspect, ndc)
            assert np.all(ndc[:, 1] <= limit + 1e-7) and np.all(
                ndc[:, 1] >= -limit + 2 * room - 1e-7
            )
            # As near as it can be: some point reaches the allowed window's edge.
            slack = min(limit - np.abs(ndc[:, 0]).max(), limit - ndc[:, 1].max(),
                        ndc[:, 1].min() + limit - 2 * room)  # fmt: skip
            assert slack < 1e-3, (aspect, slack)
            # The direction is the camera's own: only where it stands changed.
            after = np.subtract(camera.GetFocalPoint(), camera.GetPosition())
            np.testing.assert_allclose(after / np.linalg.norm(after), direction, atol=1e-9)


def test_a_saved_pose_puts_the_camera_back():
    rng = np.random.default_rng(3)
    camera = _camera(rng)
    pose = CameraPose.of(camera)
    fit_camera(camera, rng.normal(size=(30, 3)), 16 / 9)
    assert CameraPose.of(camera) != pose
    pose.restore(camera)
    assert CameraPose.of(camera) == pose


def test_fit_refuses_nothing_to_frame():
    with pytest.raises(ValueError, match="finite point"):
        fit_camera(vtkCamera(), np.zeros((0, 3)), 1.0)
    with pytest.raises(ValueError, match="aspect"):
        fit_camera(vtkCamera(), np.zeros((1, 3)), 0.0)


#: Each 3-D figure view after the preset that shows it, at four shapes.
VIEWS = (("volume-cube", "ball-in-cube"), ("cells3d", "octants-3d"), ("jigsaw-latent", "jigsaw-3d"))
SIZES = ((1280, 720), (1024, 768), (700, 700), (600, 1000))

FRAMING_JOBS = (
    HEADLESS_RUNNER
    + f"""
from app.shell.theme import apply_theme
apply_theme("talk")
for view, preset in {VIEWS!r}:
    for pixels in {SIZES!r}:
        name = f"{{view}}-{{pixels[0]}}x{{pixels[1]}}.png"
        runner.jobs.append(Job(view, out / name, preset=preset, size=ImageSize(pixels=pixels)))
sys.exit(runner.run(app))
"""
)


def _scene_touches_edge(pixels: np.ndarray) -> str | None:
    """Which edge of the scene (the image below its heading) has something other than
    the background colour (the bottom right pixel's) on it, or None."""
    off = np.abs(pixels.astype(int) - pixels[-1, -1].astype(int)).max(axis=2) > 24
    # The heading ends at the first empty row after its text.
    heading_end = next(r for r in range(1, len(off)) if not off[r].any() and off[:r].any())
    assert heading_end < 0.25 * len(off), "no gap between the heading and the scene"
    scene = off[heading_end:]
    edges = {"left": scene[:, :3], "right": scene[:, -3:], "bottom": scene[-3:]}
    return next((name for name, band in edges.items() if band.any()), None)


@pytest.mark.timeout(1500)
def test_every_3d_figure_shows_its_whole_scene_at_any_aspect(tmp_path):
    out = tmp_path / "figures"
    result = subprocess.run(
        [sys.executable, "-c", FRAMING_JOBS, str(out)],
        cwd=ROOT,
        env=headless_env(),
        capture_output=True,
        text=True,
        timeout=1400,
    )
    assert result.returncode == 0, result.stderr
    for view, _ in VIEWS:
        for width, height in SIZES:
            path = out / f"{view}-{width}x{height}.png"
            with Image.open(path) as image:
                assert image.size == (width, height)
                pixels = np.asarray(image.convert("RGB"))
            assert _scene_touches_edge(pixels) is None, (path.name, _scene_touches_edge(pixels))
