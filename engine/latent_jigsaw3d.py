"""The input plane's exact cells pushed forward to a 3-D view of a hidden layer.

Inside a cell every hidden activation is an affine function of the plane's coordinates
``(s, t)``, so a 3-D projection of hidden layer ``k`` (three principal axes of the training
activations, or three units) maps each cell, a convex polygon, onto a convex polygon lying
in a plane of 3-D space: the image of its corners, in the same order. Where the cell's
3x2 Jacobian has rank 2 the image is a true polygon whose ring runs counter-clockwise
seen from the tip of its normal ``J[:, 0] x J[:, 1]``; where the rank is lower (ReLU
zeroes all but one direction, or the projection kills it) it is a segment or a point, kept
with rank 1 or 0 and a zero normal. The 2-D view is :mod:`engine.latent_jigsaw`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from torch import nn

from engine import polygons
from engine.cells2d import Partition2D
from engine.latent_jigsaw import LatentProjection, projected_cell_maps

__all__ = ["LatentJigsaw3D", "latent_jigsaw_3d"]

#: A singular value of a cell's Jacobian this small relative to its largest counts as zero.
DEGENERATE_SINGULAR = 1e-12


@dataclass(frozen=True, eq=False)
class LatentJigsaw3D:
    """The images of a partition's cells in a 3-D projection of one hidden layer.

    Attributes
    ----------
    vertices : (N, 3) float64 image of every ring corner of the partition, ring by ring
        in the partition's order (``vertices[offsets[r]:offsets[r+1]]`` is cell r's image).
    offsets : (R+1,) int64 CSR offsets of the rings.
    cell : (R,) int64 the partition cell each image polygon is the image of.
    rank : (R,) int8 rank of the cell's map: 2 a planar polygon, 1 a segment, 0 a point.
    jacobian : (R, 3, 2) float64 linear part of each cell's map, ``d y / d (s, t)``.
    normals : (R, 3) float64 unit normal of each image's plane (zero where rank < 2),
        oriented so that the ring runs counter-clockwise seen from its tip.
    layer : the hidden layer (1-based).
    """

    vertices: np.ndarray
    offsets: np.ndarray
    cell: np.ndarray
    rank: np.ndarray
    jacobian: np.ndarray
    normals: np.ndarray
    layer: int

    @property
    def n_polygons(self) -> int:
        return len(self.offsets) - 1

    def polygon(self, r: int) -> np.ndarray:
        """(k, 3) corners of image polygon ``r``."""
        return self.vertices[self.offsets[r] : self.offsets[r + 1]]

    @cached_property
    def areas(self) -> np.ndarray:
        """(R,) float64 areas of the image polygons (0 where the rank is below 2)."""
        owner = polygons.owner(self.offsets)
        # Shift each ring to its first corner to keep the cross products small.
        ring = self.vertices - self.vertices[self.offsets[:-1]][owner]
        cross = np.cross(ring, ring[polygons.next_in_ring(self.offsets)])
        vector_area = 0.5 * polygons.segment_reduce(np.add, cross, self.offsets)
        return np.where(self.rank == 2, np.abs((vector_area * self.normals).sum(axis=1)), 0.0)

    @cached_property
    def bounds(self) -> np.ndarray:
        """(6,) ``(xmin, xmax, ymin, ymax, zmin, zmax)`` of every image corner."""
        if len(self.vertices) == 0:
            return np.zeros(6)
        low, high = self.vertices.min(axis=0), self.vertices.max(axis=0)
        return np.column_stack([low, high]).reshape(-1)


def _rank_and_normals(jacobian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    singular = np.linalg.svd(jacobian, compute_uv=False)  # (R, 2), descending
    largest = singular[:, 0]
    rank = (singular > DEGENERATE_SINGULAR * np.maximum(largest, 1e-300)[:, None]).sum(axis=1)
    rank[largest == 0.0] = 0
    normal = np.cross(jacobian[:, :, 0], jacobian[:, :, 1])
    length = np.linalg.norm(normal, axis=1)
    planar = rank == 2
    normals = np.zeros_like(normal)
    normals[planar] = normal[planar] / length[planar, None]
    return rank.astype(np.int8), normals


def latent_jigsaw_3d(
    model: nn.Module, partition: Partition2D, layer: int, projection: LatentProjection
) -> LatentJigsaw3D:
    """Push every cell of ``partition`` forward to hidden layer ``layer``, in 3-D.

    Parameters
    ----------
    model : ``nn.Sequential`` MLP of Linear layers and ReLU / LeakyReLU / Abs.
    partition : :func:`engine.partition2d.partition_2d` of ``model`` over a rectangle of
        its input plane (or of a plane slice), partitioned by at least ``layer`` layers.
    layer : hidden layer k, 1-based.
    projection : a 3-axis view of layer k (``pca_projection(h, 3)``, ``unit_projection``
        with three units).

    Returns
    -------
    LatentJigsaw3D with one image polygon per cell, ``cell[r] == r``.
    """
    if not isinstance(projection, LatentProjection) or projection.n_axes != 3:
        axes = getattr(projection, "n_axes", None)
        raise ValueError(f"the 3-D jigsaw needs a projection to 3 axes, got {axes}")
    projected = projected_cell_maps(model, partition, layer, projection)  # (R, 3, 3)
    jacobian = np.ascontiguousarray(projected[:, :2, :].transpose(0, 2, 1))
    rank, normals = _rank_and_normals(jacobian)
    offsets = np.asarray(partition.offsets, dtype=np.int64)
    owner = polygons.owner(offsets)
    ring = partition.vertices[partition.indices]
    images = np.einsum("nk,nko->no", ring, projected[owner, :2, :]) + projected[owner, 2, :]
    return LatentJigsaw3D(
        vertices=images,
        offsets=offsets.copy(),
        cell=np.arange(partition.n_regions, dtype=np.int64),
        rank=rank,
        jacobian=jacobian,
        normals=normals,
        layer=int(layer),
    )
