"""The exact 3-D cells of a network as ``vtkPolyData``, built from engine results.

Pure functions, no Qt and no actors: all faces of all cells in one batched polydata (never
one polydata per cell), the faces of one layer or one neuron (its bent hyperplane), the
decision surface, the data points and the box. :mod:`widgets.cells3d.scene` puts them on
screen.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData

from engine.box_slice import box_corners
from engine.decision3d import DecisionSurface
from engine.partition3d import Partition3D
from widgets.common.class_colours import class_point_colours
from widgets.vtk.pipeline import polydata


def cell_offsets_for_explode(partition: Partition3D, explode: float) -> np.ndarray:
    """(R, 3) shift of every cell in an exploded view: ``explode`` times the way from the
    box's centre to the cell's centroid."""
    centre = 0.5 * (partition.bounds[0::2] + partition.bounds[1::2])
    return float(explode) * (partition.centroids - centre)


def _cell_array(offsets: np.ndarray, connectivity: np.ndarray) -> vtkCellArray:
    array = vtkCellArray()
    array.SetData(
        numpy_to_vtkIdTypeArray(np.ascontiguousarray(offsets, dtype=np.int64), deep=True),
        numpy_to_vtkIdTypeArray(np.ascontiguousarray(connectivity, dtype=np.int64), deep=True),
    )
    return array


def _rings_polydata(
    points: np.ndarray, offsets: np.ndarray, connectivity: np.ndarray, cell: np.ndarray
) -> vtkPolyData:
    """Polygons ``points[connectivity[offsets[k]:offsets[k+1]]]`` with a "cell" id each."""
    data = vtkPolyData()
    vtk_points = vtkPoints()
    vtk_points.SetData(numpy_to_vtk(np.ascontiguousarray(points, dtype=np.float64), deep=True))
    data.SetPoints(vtk_points)
    data.SetPolys(_cell_array(offsets, connectivity))
    ids = numpy_to_vtk(np.ascontiguousarray(cell, dtype=np.int64), deep=True)
    ids.SetName("cell")
    data.GetCellData().AddArray(ids)
    return data


def faces_polydata(
    partition: Partition3D, faces: np.ndarray | None = None, *, explode: float = 0.0
) -> vtkPolyData:
    """One polydata of the chosen faces (default: every face of every cell).

    Parameters
    ----------
    partition : the cells.
    faces : (F',) face ids to include, in order (default all ``partition.n_faces``).
    explode : shift every cell away from the box's centre (see
        :func:`cell_offsets_for_explode`); 0 draws the cells where they are.

    Returns
    -------
    vtkPolyData with one polygon per face, the cells' corners as points, and a cell-data
    array "cell" (F',) with the cell each face belongs to.
    """
    if faces is None:
        faces = np.arange(partition.n_faces)
    faces = np.asarray(faces, dtype=np.int64)
    starts = partition.face_offsets[faces]
    lengths = partition.face_offsets[faces + 1] - starts
    offsets = np.zeros(len(faces) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    slots = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
    points = partition.vertices
    if explode:
        vertex_cell = np.repeat(np.arange(partition.n_regions), np.diff(partition.vertex_offsets))
        points = points + cell_offsets_for_explode(partition, explode)[vertex_cell]
    return _rings_polydata(
        points, offsets, partition.face_indices[slots], partition.face_cell[faces]
    )


def one_sided_faces(partition: Partition3D, neuron_faces: np.ndarray) -> np.ndarray:
    """The faces among ``neuron_faces`` seen from the side where their neuron is on.

    Two cells share every face a neuron made, once on each side of it; keeping the copy
    in the cell where the neuron is on draws each piece of the surface once.
    """
    neuron_faces = np.asarray(neuron_faces, dtype=np.int64)
    neuron = partition.face_neuron[neuron_faces]
    on = partition.patterns[partition.face_cell[neuron_faces], neuron]
    return neuron_faces[on]


def layer_faces(partition: Partition3D, layer: int) -> np.ndarray:
    """(k,) ids of the faces made by the neurons of ``layer`` (0-based), each piece once."""
    return one_sided_faces(partition, np.flatnonzero(partition.face_layer == layer))


def neuron_faces(partition: Partition3D, neuron: int) -> np.ndarray:
    """(k,) ids of the faces made by one neuron, each once: its bent hyperplane."""
    return one_sided_faces(partition, partition.neuron_faces(neuron))


def decision_polydata(
    surface: DecisionSurface, partition: Partition3D | None = None, *, explode: float = 0.0
) -> vtkPolyData:
    """The decision surface's polygons (moved with their cells when ``explode``)."""
    points = surface.vertices
    if explode and partition is not None:
        owner = np.repeat(surface.cell, np.diff(surface.offsets))
        points = points + cell_offsets_for_explode(partition, explode)[owner]
    connectivity = np.arange(len(points), dtype=np.int64)
    return _rings_polydata(points, surface.offsets, connectivity, surface.cell)


def points_polydata(points: np.ndarray, labels: np.ndarray, n_classes: int) -> vtkPolyData:
    """Data points as vertices with an RGB "colour" point-data array by class."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    data = polydata(points)
    data.SetVerts(_cell_array(np.arange(len(points) + 1), np.arange(len(points))))
    colours = class_point_colours(max(n_classes, 2))[np.asarray(labels, dtype=np.int64)]
    array = numpy_to_vtk(np.ascontiguousarray(colours, dtype=np.uint8), deep=True)
    array.SetName("colour")
    data.GetPointData().SetScalars(array)
    return data


def set_face_colours(data: vtkPolyData, rgba: np.ndarray) -> None:
    """Give every polygon of ``data`` a colour: ``rgba`` (F, 4) uint8, as its scalars."""
    array = numpy_to_vtk(np.ascontiguousarray(rgba, dtype=np.uint8), deep=True)
    array.SetName("colour")
    data.GetCellData().SetScalars(array)


def box_outline(bounds) -> vtkPolyData:
    """The 12 edges of the box as lines."""
    edges = [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3], [4, 6], [5, 7]]
    edges += [[0, 4], [1, 5], [2, 6], [3, 7]]
    return polydata(box_corners(bounds), lines=[np.array(e) for e in edges])
