"""The ball-in-cube scene in VTK, built from plain data, with no Qt.

:class:`BallInCubeScene` turns an :class:`engine.volumes.BallSlice` of the 3-cube into
actors: the unit cube's edges, the inscribed ball cut by the scanning plane ``x1 = s``
(the part already swept drawn solid, the rest translucent), and the plane's cross-section,
a disc (covered, blue) inside the square with the four corner "darts" (outside the ball,
amber). The same actors render in the Qt view or in an off-screen window for export;
:func:`widgets.vtk.pipeline.window_image` reads any render window back as a numpy image.
"""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkRenderingFreeType  # registers text rendering
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL render backend)
from vtkmodules.vtkCommonDataModel import vtkPlane, vtkPolyData
from vtkmodules.vtkFiltersCore import vtkClipPolyData
from vtkmodules.vtkFiltersSources import vtkArrowSource, vtkSphereSource
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkBillboardTextActor3D,
    vtkPolyDataMapper,
    vtkRenderer,
)

from engine.volumes import BallSlice
from widgets.common.plot_style import COVERED, FRAME, INK, OUTSIDE, float_rgb
from widgets.vtk.pipeline import polydata

#: Segments of the section's circle; a multiple of 8, so that the square's corners
#: (at 45°, 135°, ...) are among the sampled directions.
CIRCLE_SEGMENTS = 192
_CUBE_CORNERS = np.array(
    [[x, y, z] for z in (0.0, 1.0) for y in (0.0, 1.0) for x in (0.0, 1.0)], dtype=np.float64
)
_CUBE_EDGES = np.array(
    [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3], [4, 6], [5, 7], [0, 4], [1, 5], [2, 6], [3, 7]]
)


def section_geometry(ball_slice: BallSlice) -> tuple[vtkPolyData, vtkPolyData, vtkPolyData]:
    """The cross-section at ``x1 = s``: disc, corner darts, and the square's frame.

    The disc is a fan of :data:`CIRCLE_SEGMENTS` triangles of radius ``ball_slice.radius``
    centred at (s, 1/2, 1/2); the darts are the quadrilaterals between the circle and the
    square's boundary along the same directions, so together they tile the square.
    """
    s, radius = ball_slice.position, ball_slice.radius
    angles = np.linspace(0.0, 2.0 * np.pi, CIRCLE_SEGMENTS, endpoint=False)
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    # Distance from the centre to the square's boundary along each direction.
    reach = 0.5 / np.abs(directions).max(axis=1)
    circle = 0.5 + radius * directions
    boundary = 0.5 + reach[:, None] * directions

    def lift(yz: np.ndarray) -> np.ndarray:
        return np.column_stack([np.full(len(yz), s), yz])

    n = CIRCLE_SEGMENTS
    following = (np.arange(n) + 1) % n
    disc_points = np.vstack([lift(np.array([[0.5, 0.5]])), lift(circle)])
    fan = [np.array([0, 1 + i, 1 + j]) for i, j in zip(range(n), following, strict=True)]
    disc = polydata(disc_points, polys=fan, lines=[np.r_[1 : n + 1, 1]])
    dart_points = np.vstack([lift(circle), lift(boundary)])
    strips = [np.array([i, n + i, n + j, j]) for i, j in zip(range(n), following, strict=True)]
    darts = polydata(dart_points, polys=strips)
    corners = lift(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]))
    frame = polydata(corners, lines=[np.array([0, 1, 2, 3, 0])])
    return disc, darts, frame


#: Where the scanning arrow's name x1 sits: past the arrow's tip.
AXIS_LABEL_ANCHOR = (1.18, -0.14, 0.0)
#: Where the scanning arrow runs (along x1 at y = ARROW_Y, z = 0) and its head's radius.
ARROW_Y, ARROW_TIP_RADIUS = -0.14, 0.022


def scene_extent() -> np.ndarray:
    """(16, 3) points the scene lies within: the cube's corners and the corners of the
    scanning arrow's box (1.1 long, its head :data:`ARROW_TIP_RADIUS` across)."""
    r = ARROW_TIP_RADIUS
    arrow = np.array([[x, ARROW_Y + y, z] for x in (0.0, 1.1) for y in (-r, r) for z in (-r, r)])
    return np.vstack([_CUBE_CORNERS, arrow])


def _axis_arrow() -> tuple[vtkActor, vtkBillboardTextActor3D]:
    """An arrow along the cube's front bottom edge, labelled x1: the scanning direction."""
    arrow = vtkArrowSource()
    arrow.SetTipLength(0.08)
    arrow.SetTipRadius(ARROW_TIP_RADIUS)
    arrow.SetShaftRadius(0.005)
    arrow.SetTipResolution(24)
    arrow.SetShaftResolution(12)
    actor = _actor(arrow.GetOutputPort(), INK)
    actor.SetPosition(0.0, ARROW_Y, 0.0)
    actor.SetScale(1.1, 1.0, 1.0)
    label = vtkBillboardTextActor3D()
    label.SetInput("x1")
    label.SetPosition(*AXIS_LABEL_ANCHOR)
    text = label.GetTextProperty()
    text.SetFontSize(20)
    text.SetItalic(True)
    text.SetColor(*float_rgb(INK))
    text.SetJustificationToCentered()
    text.SetVerticalJustificationToCentered()
    return actor, label


def _actor(data_or_port, rgb, *, opacity: float = 1.0, line_width: float = 1.0) -> vtkActor:
    mapper = vtkPolyDataMapper()
    if isinstance(data_or_port, vtkPolyData):
        mapper.SetInputData(data_or_port)
    else:
        mapper.SetInputConnection(data_or_port)
    actor = vtkActor()
    actor.SetMapper(mapper)
    prop = actor.GetProperty()
    prop.SetColor(*float_rgb(rgb))
    prop.SetOpacity(opacity)
    prop.SetLineWidth(line_width)
    prop.SetAmbient(0.25)
    prop.SetDiffuse(0.75)
    return actor


class BallInCubeScene:
    """Actors of the ball in the unit cube, cut and sectioned by the plane ``x1 = s``.

    Build it from a :class:`BallSlice` of the 3-cube, add :attr:`actors` to any
    renderer (on screen or off), and move the plane with :meth:`set_slice`.
    """

    def __init__(self, ball_slice: BallSlice) -> None:
        if ball_slice.d != 3:
            raise ValueError(f"the scene shows the 3-cube, got a slice of the {ball_slice.d}-cube")
        self._plane = vtkPlane()
        self._plane.SetNormal(1.0, 0.0, 0.0)
        sphere = vtkSphereSource()
        sphere.SetCenter(0.5, 0.5, 0.5)
        sphere.SetRadius(0.5)
        sphere.SetThetaResolution(96)
        sphere.SetPhiResolution(64)
        self._clip = vtkClipPolyData()
        self._clip.SetInputConnection(sphere.GetOutputPort())
        self._clip.SetClipFunction(self._plane)
        self._clip.GenerateClippedOutputOn()
        # Output 0 keeps x1 > s (still to scan), the clipped output x1 < s (swept).
        self.ball_ahead = _actor(self._clip.GetOutputPort(0), COVERED, opacity=0.14)
        self.ball_swept = _actor(self._clip.GetOutputPort(1), COVERED, opacity=0.55)
        for ball in (self.ball_ahead, self.ball_swept):
            ball.GetProperty().SetSpecular(0.25)
            ball.GetProperty().SetSpecularPower(30)
        edges = [np.asarray(edge) for edge in _CUBE_EDGES]
        self.cube = _actor(polydata(_CUBE_CORNERS, lines=edges), FRAME, line_width=2.0)
        self.disc = _actor(vtkPolyData(), COVERED)
        self.darts = _actor(vtkPolyData(), OUTSIDE)
        self.frame = _actor(vtkPolyData(), INK, line_width=3.0)
        for flat in (self.disc, self.darts):
            flat.GetProperty().SetAmbient(0.9)
            flat.GetProperty().SetDiffuse(0.1)
            # Behind the frame and circle lines drawn on the same plane.
            flat.GetMapper().SetRelativeCoincidentTopologyPolygonOffsetParameters(2.0, 2.0)
        self.axis_arrow, self.axis_label = _axis_arrow()
        self.set_slice(ball_slice)

    @property
    def actors(self) -> tuple:
        """Every prop of the scene, opaque ones first."""
        return (
            self.cube,
            self.disc,
            self.darts,
            self.frame,
            self.ball_swept,
            self.ball_ahead,
            self.axis_arrow,
            self.axis_label,
        )

    def add_to(self, renderer: vtkRenderer) -> None:
        """Add the actors to ``renderer`` and look at the cube from the front, right, above."""
        for actor in self.actors:
            renderer.AddActor(actor)
        camera = renderer.GetActiveCamera()
        camera.SetFocalPoint(0.5, 0.5, 0.5)
        camera.SetPosition(2.4, -1.6, 1.5)
        camera.SetViewUp(0.0, 0.0, 1.0)
        camera.SetViewAngle(30.0)
        renderer.ResetCamera(0.0, 1.2, -0.2, 1.0, -0.1, 1.0)
        camera.Zoom(1.2)
        renderer.ResetCameraClippingRange()

    def set_slice(self, ball_slice: BallSlice) -> None:
        """Move the scanning plane to ``ball_slice.position`` and redraw its section."""
        self.ball_slice = ball_slice
        self._plane.SetOrigin(ball_slice.position, 0.0, 0.0)
        disc, darts, frame = section_geometry(ball_slice)
        for actor, data in ((self.disc, disc), (self.darts, darts), (self.frame, frame)):
            actor.GetMapper().SetInputData(data)
        self.disc.SetVisibility(ball_slice.radius > 0.0)
