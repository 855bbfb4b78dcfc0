"""VTK building blocks shared by every 3-D view: poly data from numpy, the renderer, and
the read-back of a render window as an image (pyvista's ``image_from_window``)."""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkRenderingFreeType  # registers text rendering
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL render backend)
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkMapper,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkWindowToImageFilter,
)

BACKGROUND_RGB = (1.0, 1.0, 1.0)


def resolve_coincident_topology() -> None:
    """Draw every VTK scene of the process with faces pushed back behind the lines and
    points on them (polygon offset).

    VTK keeps this choice in one process-wide setting, although the call reads as if it
    were a mapper's: the 3-D jigsaw once made it for its pieces when its scene was first
    built, and from then on every scene of the process was drawn with it. A Cells 3D
    figure made after the 3-D jigsaw differed from the same figure made alone (1,584
    pixels of ``octants-3d``), and the Volume page's flat pieces (which ask for a larger
    offset of their own) were pushed back only after it. Made once here, where every
    scene's building blocks are, a figure depends only on its own scene.
    """
    vtkMapper.SetResolveCoincidentTopologyToPolygonOffset()


resolve_coincident_topology()


def polydata(
    points: np.ndarray,
    *,
    polys: list[np.ndarray] | None = None,
    lines: list[np.ndarray] | None = None,
) -> vtkPolyData:
    """A ``vtkPolyData`` from (N, 3) points and lists of point-index arrays (cells)."""
    data = vtkPolyData()
    vtk_points = vtkPoints()
    vtk_points.SetData(numpy_to_vtk(np.ascontiguousarray(points, dtype=np.float64), deep=True))
    data.SetPoints(vtk_points)
    for cells, setter in ((polys, data.SetPolys), (lines, data.SetLines)):
        if cells:
            setter(_cell_array(cells))
    return data


def polydata_actor(data: vtkPolyData | None = None) -> vtkActor:
    """An actor drawing ``data`` (an empty polydata when None) through its own mapper."""
    mapper = vtkPolyDataMapper()
    mapper.SetInputData(data if data is not None else vtkPolyData())
    actor = vtkActor()
    actor.SetMapper(mapper)
    return actor


def rings_polydata(points: np.ndarray, offsets: np.ndarray) -> vtkPolyData:
    """One polygon per ring: ring ``k`` is ``points[offsets[k]:offsets[k+1]]`` ((N, 3)
    points, (R+1,) CSR offsets), polygon ``k`` of the result."""
    data = polydata(points)
    offsets = np.asarray(offsets, dtype=np.int64)
    data.SetPolys(_csr_cells(offsets, np.arange(offsets[-1], dtype=np.int64)))
    return data


def vertex_polydata(points: np.ndarray, rgb: np.ndarray) -> vtkPolyData:
    """(N, 3) points as vertices, coloured by their (N, 3) uint8 ``rgb`` scalars."""
    data = polydata(points)
    n = data.GetNumberOfPoints()
    data.SetVerts(_csr_cells(np.arange(n + 1, dtype=np.int64), np.arange(n, dtype=np.int64)))
    colours = numpy_to_vtk(np.ascontiguousarray(rgb, dtype=np.uint8).reshape(-1, 3), deep=True)
    colours.SetName("colour")
    data.GetPointData().SetScalars(colours)
    return data


def _csr_cells(offsets: np.ndarray, connectivity: np.ndarray) -> vtkCellArray:
    array = vtkCellArray()
    array.SetData(
        numpy_to_vtkIdTypeArray(np.ascontiguousarray(offsets), deep=True),
        numpy_to_vtkIdTypeArray(np.ascontiguousarray(connectivity), deep=True),
    )
    return array


def _cell_array(cells: list[np.ndarray]) -> vtkCellArray:
    offsets = np.zeros(len(cells) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(cell) for cell in cells])
    return _csr_cells(offsets, np.concatenate(cells).astype(np.int64))


def make_renderer() -> vtkRenderer:
    """A white renderer that draws translucent surfaces correctly (depth peeling)."""
    renderer = vtkRenderer()
    renderer.SetBackground(*BACKGROUND_RGB)
    renderer.SetUseDepthPeeling(True)
    renderer.SetMaximumNumberOfPeels(6)
    renderer.SetOcclusionRatio(0.0)
    renderer.UseFXAAOn()
    return renderer


def window_image(render_window: vtkRenderWindow, scale: int = 1) -> np.ndarray:
    """(H, W, 3) uint8 RGB of ``render_window``'s back buffer, top row first.

    Renders at ``scale`` times the window's size (tiles), as pyvista's image_from_window.
    """
    grabber = vtkWindowToImageFilter()
    grabber.SetInput(render_window)
    grabber.SetScale(int(scale))
    grabber.SetInputBufferTypeToRGB()
    grabber.ReadFrontBufferOff()
    grabber.Modified()
    grabber.Update()
    image = grabber.GetOutput()
    width, height, _ = image.GetDimensions()
    pixels = vtk_to_numpy(image.GetPointData().GetScalars()).reshape(height, width, -1)
    return np.ascontiguousarray(pixels[::-1, :, :3])
