"""Framing a 3-D scene: where the camera stands so that given points show whole.

VTK's ``ResetCamera`` fits the bounding *sphere* of the props at the window's aspect at
the time of the call; a figure exported later at another aspect (16:9, a tall page) keeps
that camera and cuts the scene off. :func:`fit_camera` keeps the camera's direction,
view-up and view angle and moves it (and its focal point) so that every point projects
inside the view with a margin, at the aspect asked for: the nearest such place, with the
scene centred across the axis that has room to spare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vtkmodules.vtkRenderingCore import vtkCamera

#: Room left free on each side of the view, as a fraction of its half-width (NDC units).
MARGIN = 0.08
_BISECTIONS = 60


@dataclass(frozen=True)
class CameraPose:
    """Everything :func:`fit_camera` changes on a camera, to put it back afterwards."""

    position: tuple[float, float, float]
    focal_point: tuple[float, float, float]
    view_up: tuple[float, float, float]
    parallel_scale: float
    clipping_range: tuple[float, float]

    @classmethod
    def of(cls, camera: vtkCamera) -> CameraPose:
        return cls(
            tuple(camera.GetPosition()),
            tuple(camera.GetFocalPoint()),
            tuple(camera.GetViewUp()),
            float(camera.GetParallelScale()),
            tuple(camera.GetClippingRange()),
        )

    def restore(self, camera: vtkCamera) -> None:
        camera.SetPosition(*self.position)
        camera.SetFocalPoint(*self.focal_point)
        camera.SetViewUp(*self.view_up)
        camera.SetParallelScale(self.parallel_scale)
        camera.SetClippingRange(*self.clipping_range)


def camera_axes(camera: vtkCamera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(3,) unit vectors of the screen's right, the screen's up and the view direction."""
    forward = np.subtract(camera.GetFocalPoint(), camera.GetPosition())
    forward = forward / np.linalg.norm(forward)
    up = np.asarray(camera.GetViewUp(), dtype=np.float64)
    up = up - np.dot(up, forward) * forward
    up = up / np.linalg.norm(up)
    return np.cross(forward, up), up, forward


def fit_camera(
    camera: vtkCamera,
    points: np.ndarray,
    aspect: float,
    *,
    margin: float = MARGIN,
    bottom_room: float = 0.0,
    top_room: float = 0.0,
) -> None:
    """Move ``camera`` so that the (N, 3) ``points`` show inside a view of width/height
    ``aspect``, ``margin`` (NDC units) from each side, below the top ``top_room`` and
    above the bottom ``bottom_room`` (fractions of the height, e.g. a caption's band).

    The direction, view-up and view angle stay; the camera comes as near as it can. The
    caller resets the renderer's clipping range afterwards.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(points) == 0 or not np.all(np.isfinite(points)):
        raise ValueError("framing needs at least one finite point")
    if not (np.isfinite(aspect) and aspect > 0):
        raise ValueError(f"the view's aspect must be positive, got {aspect}")
    right, up, forward = camera_axes(camera)
    # The allowed window in normalised device coordinates ([-1, 1] on both axes).
    x_low, x_high = -1.0 + margin, 1.0 - margin
    y_low, y_high = -1.0 + margin + 2.0 * bottom_room, 1.0 - margin - 2.0 * top_room
    if y_high <= y_low:
        raise ValueError("the caption's room leaves no height for the scene")
    px, py, pz = points @ right, points @ up, points @ forward
    if camera.GetParallelProjection():
        _fit_parallel(camera, points, (px, py, pz), (right, up, forward), aspect,
                      (x_low, x_high, y_low, y_high))  # fmt: skip
        return
    tan_v = np.tan(np.radians(camera.GetViewAngle()) / 2.0)
    tan_h = aspect * tan_v

    def intervals(depth: float) -> tuple[float, float, float, float]:
        # With the camera at depth ``depth`` along ``forward``, a point at screen offset
        # s = p·axis - c and distance z = p·forward - depth shows at s / (z tan): the
        # camera's own offset c must lie in [max(p - high z tan), min(p - low z tan)].
        z = pz - depth
        return (
            float(np.max(px - x_high * tan_h * z)),
            float(np.min(px - x_low * tan_h * z)),
            float(np.max(py - y_high * tan_v * z)),
            float(np.min(py - y_low * tan_v * z)),
        )

    def fits(depth: float) -> bool:
        xa, xb, ya, yb = intervals(depth)
        return xa <= xb and ya <= yb

    near = float(pz.min())  # the camera at the nearest point's depth never fits
    extent = float(np.ptp(points, axis=0).max()) or 1.0
    far = near - extent
    while not fits(far):
        far = near - 2.0 * (near - far)
    for _ in range(_BISECTIONS):
        middle = 0.5 * (near + far)
        if fits(middle):
            far = middle
        else:
            near = middle
    depth = far
    xa, xb, ya, yb = intervals(depth)
    offset_x, offset_y = 0.5 * (xa + xb), 0.5 * (ya + yb)
    position = offset_x * right + offset_y * up + depth * forward
    centre = 0.5 * (points.min(axis=0) + points.max(axis=0))
    distance = max(float(np.dot(centre, forward)) - depth, 1e-9 * extent)
    camera.SetPosition(*position)
    camera.SetFocalPoint(*(position + distance * forward))


def _fit_parallel(camera, points, projected, axes, aspect, window) -> None:
    px, py, _ = projected
    right, up, forward = axes
    x_low, x_high, y_low, y_high = window
    # Half-height h: a point shows at (s - c) / (h aspect) across, (s - c) / h up.
    half = max(np.ptp(px) / (aspect * (x_high - x_low)), np.ptp(py) / (y_high - y_low))
    half = max(float(half), 1e-9)
    offset_x = 0.5 * (px.max() + px.min()) - 0.5 * (x_high + x_low) * half * aspect
    offset_y = 0.5 * (py.max() + py.min()) - 0.5 * (y_high + y_low) * half
    distance = np.linalg.norm(np.subtract(camera.GetFocalPoint(), camera.GetPosition()))
    depth = float((points @ forward).min()) - distance
    position = offset_x * right + offset_y * up + depth * forward
    camera.SetPosition(*position)
    camera.SetFocalPoint(*(position + distance * forward))
    camera.SetParallelScale(half)


def projected(camera: vtkCamera, points: np.ndarray, aspect: float) -> np.ndarray:
    """(N, 2) normalised device coordinates of the (N, 3) ``points`` through ``camera``'s
    own projection matrix at ``aspect`` ([-1, 1] is the view)."""
    matrix = camera.GetCompositeProjectionTransformMatrix(aspect, -1.0, 1.0)
    m = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    clip = np.column_stack([points, np.ones(len(points))]) @ m.T
    return clip[:, :2] / clip[:, 3:4]
