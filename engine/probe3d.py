"""A probe point of a 3-D partition: the same readout and step as in the plane.

:func:`probe_readout_3d` answers what :func:`engine.probe.probe_readout` answers for a
2-D partition, with faces for edges and the decision surface's polygons for its
segments; :func:`probe_step_3d` walks a drag step exactly with the same
:func:`engine.probe.walk_to`. Both are fast paths for interactive use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine import polygons
from engine.decision3d import DecisionSurface
from engine.partition3d import Partition3D
from engine.probe import ProbeReadout, ProbeStep, cell_readout, nearest_on_segments, walk_to

if TYPE_CHECKING:
    from torch import nn


def nearest_on_polygons(
    point: np.ndarray, xyz: np.ndarray, offsets: np.ndarray, normals: np.ndarray
) -> tuple[float, np.ndarray, int]:
    """Nearest point of a set of convex planar polygons in space.

    Parameters
    ----------
    point : (3,) the query point.
    xyz : (N, 3) polygon corners, polygon ``k`` being ``xyz[offsets[k]:offsets[k+1]]``,
        counter-clockwise about its unit normal ``normals[k]`` (P, 3).
    offsets : (P+1,) ring offsets.

    Returns
    -------
    distance : the smallest point-to-polygon distance (``inf`` when P is 0).
    closest : (3,) the nearest point (NaN when P is 0).
    index : the polygon it lies on (-1 when P is 0).
    """
    point = np.asarray(point, dtype=np.float64).reshape(3)
    if len(offsets) < 2:
        return float("inf"), np.full(3, np.nan), -1
    owner = polygons.owner(offsets)
    following = xyz[polygons.next_in_ring(offsets)]
    # A polygon whose plane's foot point lies inside it is nearest there...
    height = np.einsum("pk,pk->p", point - xyz[offsets[:-1]], normals)
    foot = point - height[:, None] * normals
    turn = np.cross(following - xyz, foot[owner] - xyz)
    inside = (
        polygons.segment_reduce(np.minimum, np.einsum("ik,ik->i", turn, normals[owner]), offsets)
        >= 0
    )
    # ...any other, on its rim (which is never nearer than the foot of an inside one).
    distance, closest, edge = nearest_on_segments(point, xyz, following)
    index = int(owner[edge])
    if inside.any():
        k = int(np.flatnonzero(inside)[np.argmin(np.abs(height[inside]))])
        if abs(height[k]) <= distance:
            distance, closest, index = float(abs(height[k])), foot[k].copy(), k
    return distance, closest, index


def _nearest_surface_polygon(
    point: np.ndarray, surface: DecisionSurface
) -> tuple[float, np.ndarray]:
    """Distance and nearest point of the decision surface, testing exactly only the
    polygons whose bounding sphere is not farther than some polygon's farthest reach."""
    xyz, offsets = surface.vertices, surface.offsets
    centre = polygons.vertex_centroids(xyz, offsets)
    spread = np.linalg.norm(xyz - np.repeat(centre, np.diff(offsets), axis=0), axis=1)
    radius = polygons.segment_reduce(np.maximum, spread, offsets)
    to_centre = np.linalg.norm(centre - point, axis=1)
    near = np.flatnonzero(to_centre - radius <= (to_centre + radius).min())
    index, near_offsets = polygons.gather_rings(offsets, near)
    distance, closest, _ = nearest_on_polygons(
        point, xyz[index], near_offsets, surface.normals[near]
    )
    return distance, closest


def probe_readout_3d(
    partition: Partition3D,
    point,
    surface: DecisionSurface | None = None,
    *,
    cell: int | None = None,
) -> ProbeReadout:
    """Read a 3-D partition at one point.

    Parameters
    ----------
    partition : the cells of the box.
    point : (3,) a point of the box (the partition's coordinates).
    surface : the partition's decision surface, for ``decision_distance``.
    cell : the cell of ``point`` when already known (skips locating it).

    Returns
    -------
    ProbeReadout
        With ``point (3,)``, ``A (n_out, 3)``; the boundary distance is to the nearest
        face of the cell made by a neuron.

    Raises
    ------
    ValueError
        If ``point`` is outside the box.
    """
    point = np.asarray(point, dtype=np.float64).reshape(3)
    if cell is None:
        cell = int(partition.locate(point[None])[0])
    if cell < 0:
        raise ValueError(f"the point {tuple(point)} is outside the partition's box")
    faces = np.arange(partition.cell_offsets[cell], partition.cell_offsets[cell + 1])
    faces = faces[partition.face_neuron[faces] >= 0]
    index, offsets = polygons.gather_rings(partition.face_offsets, faces)
    face_distance, face_point, face = nearest_on_polygons(
        point,
        partition.vertices[partition.face_indices[index]],
        offsets,
        partition.face_normals[faces],
    )
    if surface is None or surface.n_polygons == 0:
        decision_distance, decision_point = float("inf"), np.full(3, np.nan)
    else:
        decision_distance, decision_point = _nearest_surface_polygon(point, surface)
    neuron = int(partition.face_neuron[faces[face]]) if face >= 0 else -1
    return cell_readout(
        partition,
        point,
        cell,
        (face_distance, face_point, neuron),
        (decision_distance, decision_point),
    )


def probe_step_3d(
    model: nn.Module,
    partition: Partition3D,
    start,
    point,
    surface: DecisionSurface | None = None,
) -> ProbeStep:
    """Move a probe from ``start`` to ``point`` in the box: locate it, walk the step.

    Parameters
    ----------
    model : the partitioned network.
    partition : its cells (possibly of a 3-D slice, see ``partition.plane``).
    start, point : (3,) previous and new probe positions.
    surface : the partition's decision surface, for the readout.

    Returns
    -------
    ProbeStep
    """
    readout = probe_readout_3d(partition, point, surface)
    return walk_to(model, partition.plane, partition.layer_of_neuron, start, readout)
