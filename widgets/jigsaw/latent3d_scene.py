"""The 3-D latent jigsaw in VTK, built from engine results, with no Qt.

Every cell's image is one flat polygon in a 3-D projection of a hidden layer: all of them
go in one batched polydata (never one actor per piece), filled opaquely in the colour of
their input cell with thin dark edges; the training points are spheres in their classes'
colours. The lit cell is drawn by actors meant for an overlay renderer (a layer above the
scene, sharing its camera), so that it shows even where other pieces hide it. The same
scene renders in the Qt view (:mod:`widgets.jigsaw.latent3d_view`) or off screen.
"""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL render backend)
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonDataModel import vtkCellLocator, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkCellPicker,
    vtkRenderer,
)

from engine.latent_jigsaw3d import LatentJigsaw3D
from widgets.common.class_colours import class_point_colours
from widgets.vtk.pipeline import polydata_actor, rings_polydata, vertex_polydata

EDGE_RGB = (50, 54, 70)
#: The lit cell: the probe's red, as in the 2-D views.
HIGHLIGHT_RGB = (214, 39, 40)
EDGE_WIDTH, HIGHLIGHT_WIDTH = 0.8, 3.5
POINT_SIZE = 7.0
#: The view's direction from the data's centre when it is framed (x to the right, z up).
ISO_DIRECTION = (1.0, -1.25, 0.85)


def _rgb(colour) -> tuple[float, float, float]:
    return tuple(float(v) / 255.0 for v in colour)


def data_frame(points: np.ndarray) -> np.ndarray | None:
    """(6,) box ``(xmin, xmax, ymin, ymax, zmin, zmax)`` of (N, 3) ``points`` grown by a
    quarter of its size on every side (None: no finite points)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(points) == 0 or not np.all(np.isfinite(points)):
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.25 * np.maximum(high - low, 1e-9 * max(1.0, float(np.abs(points).max())))
    return np.column_stack([low - margin, high + margin]).reshape(-1)


def frame_camera(renderer: vtkRenderer, bounds) -> None:
    """Look at the box ``bounds`` (6,) from :data:`ISO_DIRECTION`, the third axis up."""
    bounds = np.asarray(bounds, dtype=np.float64)
    centre = 0.5 * (bounds[0::2] + bounds[1::2])
    camera = renderer.GetActiveCamera()
    camera.SetFocalPoint(*centre)
    camera.SetPosition(*(centre + np.asarray(ISO_DIRECTION)))
    camera.SetViewUp(0.0, 0.0, 1.0)
    camera.SetViewAngle(30.0)
    renderer.ResetCamera(*bounds)
    renderer.ResetCameraClippingRange()


class LatentJigsaw3DScene:
    """The actors of one 3-D jigsaw: pieces, edges, training points, and the lit cell.

    Add :attr:`actors` to the scene's renderer and :attr:`overlay_actors` to a renderer in
    the layer above it that shares its camera.
    """

    def __init__(self) -> None:
        self.jigsaw: LatentJigsaw3D | None = None
        self.highlighted: int | None = None
        self.points: np.ndarray | None = None
        self.pieces = polydata_actor()
        mapper = self.pieces.GetMapper()
        mapper.SetScalarModeToUseCellData()
        mapper.SetColorModeToDirectScalars()
        fill = self.pieces.GetProperty()
        fill.SetAmbient(0.45)
        fill.SetDiffuse(0.6)
        fill.BackfaceCullingOff()
        # Edges are drawn over coincident faces: every scene pushes its faces back a little
        # (widgets.vtk.pipeline.resolve_coincident_topology, a process-wide setting).
        self.edges = polydata_actor()
        self.edges.GetMapper().ScalarVisibilityOff()
        edge = self.edges.GetProperty()
        edge.SetRepresentationToWireframe()
        edge.SetColor(*_rgb(EDGE_RGB))
        edge.SetOpacity(0.55)
        edge.SetLineWidth(EDGE_WIDTH)
        edge.LightingOff()
        self.data_points = polydata_actor()
        self.data_points.GetMapper().SetScalarModeToUsePointData()
        self.data_points.GetMapper().SetColorModeToDirectScalars()
        dots = self.data_points.GetProperty()
        dots.SetPointSize(POINT_SIZE)
        dots.SetRenderPointsAsSpheres(True)
        # The lit cell: a translucent fill and a thick outline, both unlit, in red.
        self.highlight_fill, self.highlight_edges = polydata_actor(), polydata_actor()
        for actor, opacity in ((self.highlight_fill, 0.35), (self.highlight_edges, 1.0)):
            actor.GetMapper().ScalarVisibilityOff()
            lit = actor.GetProperty()
            lit.SetColor(*_rgb(HIGHLIGHT_RGB))
            lit.SetOpacity(opacity)
            lit.LightingOff()
        self.highlight_edges.GetProperty().SetRepresentationToWireframe()
        self.highlight_edges.GetProperty().SetLineWidth(HIGHLIGHT_WIDTH)
        self._picker = vtkCellPicker()
        # A tenth of a pixel or so (a share of the window's diagonal); 0 misses pieces
        # whose corners run nearly in line.
        self._picker.SetTolerance(1e-4)
        self._picker.PickFromListOn()
        self._picker.AddPickList(self.pieces)

    @property
    def actors(self) -> tuple[vtkActor, ...]:
        return (self.pieces, self.edges, self.data_points)

    @property
    def overlay_actors(self) -> tuple[vtkActor, ...]:
        return (self.highlight_fill, self.highlight_edges)

    def set_jigsaw(self, jigsaw: LatentJigsaw3D, rgb: np.ndarray) -> None:
        """Show ``jigsaw``, piece ``r`` filled with ``rgb[r]`` ((R, 3) uint8)."""
        self.jigsaw = jigsaw
        data = rings_polydata(jigsaw.vertices, jigsaw.offsets)
        self.pieces.GetMapper().SetInputData(data)
        self.edges.GetMapper().SetInputData(data)
        # A locator makes a pick a tree walk, not a test of every piece (30,000 pieces:
        # 9 ms each move without it).
        locator = vtkCellLocator()
        locator.SetDataSet(data)
        locator.BuildLocator()
        self._picker.RemoveAllLocators()
        self._picker.AddLocator(locator)
        self.recolour(rgb)
        self.set_highlighted_cell(None)

    def recolour(self, rgb: np.ndarray) -> None:
        """Fill piece ``r`` with ``rgb[cell[r]]`` ((R, 3) uint8 by cell)."""
        data = self.pieces.GetMapper().GetInput()
        colours = numpy_to_vtk(
            np.ascontiguousarray(rgb[self.jigsaw.cell], dtype=np.uint8), deep=True
        )
        colours.SetName("colour")
        data.GetCellData().SetScalars(colours)
        data.Modified()

    def set_points(self, points: np.ndarray, labels: np.ndarray, n_classes: int) -> None:
        """Draw the (N, 3) projected training points in their classes' colours."""
        self.points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        colours = class_point_colours(max(n_classes, 2))[np.asarray(labels, dtype=np.int64)]
        self.data_points.GetMapper().SetInputData(vertex_polydata(self.points, colours))

    def set_highlighted_cell(self, cell: int | None) -> None:
        """Light the image of cell ``cell`` (None or an unknown id: none)."""
        jigsaw = self.jigsaw
        if cell is None or jigsaw is None or not 0 <= cell < jigsaw.n_polygons:
            self.highlighted = None
            for actor in self.overlay_actors:
                actor.GetMapper().SetInputData(vtkPolyData())
                actor.SetVisibility(False)
            return
        self.highlighted = int(cell)
        ring = jigsaw.polygon(int(cell))
        data = rings_polydata(ring, np.array([0, len(ring)]))
        for actor in self.overlay_actors:
            actor.GetMapper().SetInputData(data)
            actor.SetVisibility(True)

    def cell_at(self, renderer: vtkRenderer, x: float, y: float) -> int:
        """The cell whose piece is nearest the eye at display pixel ``(x, y)`` (origin at
        the bottom left), -1 for none."""
        if self.jigsaw is None or not self._picker.Pick(float(x), float(y), 0.0, renderer):
            return -1
        piece = int(self._picker.GetCellId())
        return int(self.jigsaw.cell[piece]) if 0 <= piece < self.jigsaw.n_polygons else -1

    @property
    def pick_position(self) -> np.ndarray:
        """(3,) where the last hit of :meth:`cell_at` met its piece."""
        return np.array(self._picker.GetPickPosition(), dtype=np.float64)
