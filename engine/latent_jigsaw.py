"""The input plane's exact cells pushed forward to a hidden layer: the latent jigsaw.

Inside a cell of a piecewise-linear network every hidden activation is an affine function
of the input, so a 2-D projection of hidden layer ``k`` maps each cell (a convex polygon)
affinely into the plane: the image of a cell is the polygon of its mapped corners. The
images fit together like the pieces of a jigsaw, and where the map reverses orientation on
one side of an edge and keeps it on the other the pieces fold over each other.

An image polygon is convex and counter-clockwise when the cell's 2x2 Jacobian has a
non-zero determinant (its ring is reversed when the determinant is negative). When the
determinant is zero (ReLU zeroes all but one direction, or the projection kills it) the
image is a segment or a point: it is kept, with orientation 0 and area 0, its ring being
the mapped corners in input order (drawn as a degenerate polygon).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from torch import nn

from engine import polygons
from engine.cell_edges import ring_successors
from engine.cells2d import Partition2D
from engine.networks import NetworkLayers, network_layers

__all__ = [
    "LatentJigsaw",
    "LatentProjection",
    "cell_layer_maps",
    "check_layer",
    "hidden_activations",
    "latent_jigsaw",
    "pca_projection",
    "projected_cell_maps",
    "unit_projection",
]

#: A Jacobian determinant this small relative to its rows' norms counts as zero.
DEGENERATE_DETERMINANT = 1e-12


@dataclass(frozen=True, eq=False)
class LatentProjection:
    """A 2-D or 3-D view of a hidden layer: ``y = matrix @ (h - offset)``.

    Attributes
    ----------
    matrix : (D, n_k) float64 projection rows, D = 2 or 3 (PCA axes, or unit vectors).
    offset : (n_k,) float64 point subtracted first (the activations' mean for PCA).
    axis_names : the names of the D axes (``"PC 1"``, ``"unit 3"``).
    explained : (D,) share of the activations' variance along each axis (PCA), else None.
    """

    matrix: np.ndarray
    offset: np.ndarray
    axis_names: tuple[str, ...]
    explained: np.ndarray | None = None

    def __post_init__(self) -> None:
        try:
            matrix = np.asarray(self.matrix, dtype=np.float64)
            offset = np.asarray(self.offset, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as error:
            raise ValueError(
                "a projection is a (2, n_k) or (3, n_k) matrix and an (n_k,) offset of numbers"
            ) from error
        if matrix.ndim != 2 or matrix.shape[0] not in (2, 3) or matrix.shape[1] < 1:
            raise ValueError(
                f"a projection matrix has shape (2, n_k) or (3, n_k), got {matrix.shape}"
            )
        if len(self.axis_names) != matrix.shape[0]:
            raise ValueError(
                f"a projection to {matrix.shape[0]} axes needs {matrix.shape[0]} axis names, "
                f"got {len(self.axis_names)}"
            )
        if offset.shape != (matrix.shape[1],):
            raise ValueError(
                f"the projection offset must have {matrix.shape[1]} entries, got {offset.shape}"
            )
        if not (np.all(np.isfinite(matrix)) and np.all(np.isfinite(offset))):
            raise ValueError("the projection must be finite")
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "offset", offset)

    @property
    def width(self) -> int:
        """n_k, the width of the layer it projects."""
        return self.matrix.shape[1]

    @property
    def n_axes(self) -> int:
        """D, the dimension of the view (2 or 3)."""
        return self.matrix.shape[0]

    def __call__(self, activations: np.ndarray) -> np.ndarray:
        """(M, D) projections of (M, n_k) activations."""
        return (np.asarray(activations, dtype=np.float64) - self.offset) @ self.matrix.T


def pca_projection(activations: np.ndarray, n_axes: int = 2) -> LatentProjection:
    """The first ``n_axes`` (2 or 3) principal axes of ``activations`` (M, n_k), M >= 2,
    by numpy's SVD.

    Signs are fixed so that each axis's largest-magnitude entry is positive (the first
    such entry on ties). Axes beyond the activations' rank (a layer narrower than
    ``n_axes``, or rank-deficient activations) are zero; constant activations get zero axes.
    """
    if n_axes not in (2, 3):
        raise ValueError(f"PCA gives 2 or 3 axes here, not {n_axes!r}")
    try:
        h = np.asarray(activations, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError("PCA needs an (M, n_k) array of numbers") from error
    if h.ndim != 2 or h.shape[0] < 2 or h.shape[1] < 1:
        raise ValueError(f"PCA needs (M >= 2, n_k >= 1) activations, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("the activations must be finite")
    mean = h.mean(axis=0)
    _, singular, vt = np.linalg.svd(h - mean, full_matrices=False)
    axes = np.zeros((n_axes, h.shape[1]))
    variance = singular**2
    total = float(variance.sum())
    explained = np.zeros(n_axes)
    scale = max(float(singular[0]), 1e-300) if len(singular) else 1.0
    for i in range(min(n_axes, len(singular))):
        if singular[i] <= 1e-12 * scale or singular[i] == 0.0:
            continue
        axis = vt[i]
        if axis[np.argmax(np.abs(axis))] < 0:
            axis = -axis
        axes[i] = axis
        explained[i] = variance[i] / total if total > 0 else 0.0
    names = tuple(f"PC {i + 1}" for i in range(n_axes))
    return LatentProjection(axes, mean, names, explained)


def unit_projection(width: int, *units: int) -> LatentProjection:
    """Two or three hidden units (0-based, distinct) of a layer of ``width``, as axes."""
    width, units = int(width), tuple(int(u) for u in units)
    if len(units) not in (2, 3):
        raise ValueError(f"choose two or three units, got {len(units)}")
    if not all(0 <= u < width for u in units):
        shown = " and ".join(str(u + 1) for u in units)
        raise ValueError(f"units must be between 1 and {width}, got {shown}")
    if len(set(units)) != len(units):
        raise ValueError(f"choose {('two', 'three')[len(units) - 2]} different units")
    matrix = np.zeros((len(units), width))
    matrix[np.arange(len(units)), units] = 1.0
    return LatentProjection(matrix, np.zeros(width), tuple(f"unit {u + 1}" for u in units))


def check_layer(net: NetworkLayers, layer: int) -> int:
    """``layer`` as an int if it names a hidden layer of ``net`` (1-based); else ValueError."""
    n_hidden = len(net.hidden)
    if isinstance(layer, bool) or not isinstance(layer, int | np.integer):
        raise ValueError(f"the hidden layer must be a whole number, got {layer!r}")
    if not 1 <= int(layer) <= n_hidden:
        raise ValueError(f"the hidden layer must be between 1 and {n_hidden}, got {layer}")
    return int(layer)


def hidden_activations(model: nn.Module, points: np.ndarray, layer: int) -> np.ndarray:
    """(M, n_k) float64 activations of hidden layer ``layer`` (1-based) at (M, d) inputs."""
    net = network_layers(model)
    layer = check_layer(net, layer)
    try:
        h = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"inputs must be an (M, {net.n_inputs}) array of numbers") from error
    if h.ndim != 2 or h.shape[1] != net.n_inputs:
        raise ValueError(f"inputs must have shape (M, {net.n_inputs}), got {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("the inputs must be finite")
    for hidden in net.hidden[:layer]:
        z = h @ hidden.weight.T + hidden.bias
        h = np.where(z > 0, z, hidden.negative_slope * z)
    return h


@dataclass(frozen=True, eq=False)
class LatentJigsaw:
    """The images of a partition's cells in a 2-D projection of one hidden layer.

    Attributes
    ----------
    vertices : (N, 2) float64 image of every ring corner of the partition.
    offsets : (R+1,) int64 CSR offsets; image polygon ``r`` is
        ``vertices[indices[offsets[r]:offsets[r+1]]]``, counter-clockwise when
        ``orientation[r] != 0``.
    indices : (N,) int64 indices into ``vertices``.
    cell : (R,) int64 the partition cell each image polygon is the image of.
    orientation : (R,) int8 sign of the cell map's Jacobian determinant: +1 kept, -1
        reversed (mirrored), 0 collapsed to a segment or a point.
    jacobian : (R, 2, 2) float64 linear part of each cell's map, ``d y / d (s, t)``.
    fold_pairs : (F, 2) int64 neighbouring cells (sharing an edge piece) mapped with
        opposite non-zero orientations: their images overlap along the image of that edge,
        the jigsaw's folds. Each pair once, smaller id first.
    fold_edges : (E,) int64 ring positions (into ``vertices``) of the edges along which
        the jigsaw folds: edge ``vertices[p]`` to the next corner of the same input ring,
        of a cell whose neighbour across it has the opposite orientation.
    layer : the hidden layer (1-based).
    """

    vertices: np.ndarray
    offsets: np.ndarray
    indices: np.ndarray
    cell: np.ndarray
    orientation: np.ndarray
    jacobian: np.ndarray
    fold_pairs: np.ndarray
    fold_edges: np.ndarray
    layer: int

    @property
    def n_polygons(self) -> int:
        return len(self.offsets) - 1

    @cached_property
    def areas(self) -> np.ndarray:
        """(R,) float64 image areas (0 for collapsed cells)."""
        return np.abs(polygons.signed_areas(self.vertices[self.indices], self.offsets))

    def polygon(self, r: int) -> np.ndarray:
        """(k, 2) corners of image polygon ``r``."""
        return self.vertices[self.indices[self.offsets[r] : self.offsets[r + 1]]]

    @cached_property
    def fold_segments(self) -> np.ndarray:
        """(E, 2, 2) float64 the fold edges' images, start and end corner."""
        following = ring_successors(self.offsets)[self.fold_edges]
        return np.stack([self.vertices[self.fold_edges], self.vertices[following]], axis=1)

    @cached_property
    def boxes(self) -> np.ndarray:
        """(R, 4) ``(xmin, xmax, ymin, ymax)`` of every image polygon."""
        ring = self.vertices[self.indices]
        low = polygons.segment_reduce(np.minimum, ring, self.offsets)
        high = polygons.segment_reduce(np.maximum, ring, self.offsets)
        return np.column_stack([low[:, 0], high[:, 0], low[:, 1], high[:, 1]])

    def cells_at(self, point) -> np.ndarray:
        """(j,) int64 ids of the cells whose (non-collapsed) image contains ``point`` (2,)
        in its interior or on its boundary, smallest image first: more than one where the
        jigsaw folds."""
        x, y = (float(v) for v in np.asarray(point, dtype=np.float64).reshape(2))
        if not (np.isfinite(x) and np.isfinite(y)):
            return np.zeros(0, dtype=np.int64)
        box = self.boxes
        slack = 1e-12 * (abs(x) + abs(y) + 1.0)
        near = np.flatnonzero(
            (box[:, 0] - slack <= x)
            & (x <= box[:, 1] + slack)
            & (box[:, 2] - slack <= y)
            & (y <= box[:, 3] + slack)
            & (self.orientation != 0)
        )
        if len(near) == 0:
            return np.zeros(0, dtype=np.int64)
        vertex, offsets = polygons.gather_rings(self.offsets, near)
        ring = self.vertices[self.indices[vertex]]
        edge = ring[ring_successors(offsets)] - ring
        cross = edge[:, 0] * (y - ring[:, 1]) - edge[:, 1] * (x - ring[:, 0])
        scale = np.abs(edge).sum(axis=1) * (abs(x) + abs(y) + np.abs(ring).sum(axis=1) + 1.0)
        outside = polygons.segment_reduce(np.minimum, cross + 1e-12 * scale, offsets) < 0
        hit = near[~outside]
        return self.cell[hit[np.argsort(self.areas[hit], kind="stable")]]


def cell_layer_maps(net: NetworkLayers, partition: Partition2D, layer: int) -> np.ndarray:
    """(R, 3, n_k) affine maps ``[s, t, 1] @ maps[r]`` of every cell to layer ``layer``."""
    if partition.plane is None:
        lift = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    else:
        origin, u, v = (np.asarray(a, dtype=np.float64) for a in partition.plane)
        lift = np.stack([u, v, origin])
    maps = np.broadcast_to(lift, (partition.n_regions, *lift.shape))
    start = 0
    for hidden in net.hidden[:layer]:
        z = maps @ hidden.weight.T
        z[:, 2, :] += hidden.bias
        on = partition.patterns[:, start : start + hidden.n_neurons]
        slope = np.where(on, 1.0, hidden.negative_slope)
        maps = z * slope[:, None, :]
        start += hidden.n_neurons
    return maps


def _orientation(jacobian: np.ndarray) -> np.ndarray:
    det = jacobian[:, 0, 0] * jacobian[:, 1, 1] - jacobian[:, 0, 1] * jacobian[:, 1, 0]
    scale = np.linalg.norm(jacobian[:, 0, :], axis=1) * np.linalg.norm(jacobian[:, 1, :], axis=1)
    sign = np.sign(det).astype(np.int8)
    sign[np.abs(det) <= DEGENERATE_DETERMINANT * scale] = 0
    return sign


def _row_ids(rows: np.ndarray) -> np.ndarray:
    """(n,) int64 id of every row of (n, k) int64 ``rows``: equal rows, equal ids."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    starts = np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)]
    ids = np.empty(len(rows), dtype=np.int64)
    ids[order] = np.cumsum(starts) - 1
    return ids


def _neighbours_across(partition: Partition2D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(E,) ring position, (E,) owner and (E,) neighbour of every interior ring edge
    (neighbour -1: none found).

    An edge whose reverse is an edge of another ring (same corners, within 1e-9 of the
    domain's size) has that ring as neighbour; the others (a corner of only one side lies
    inside the edge) find theirs by locating a point just outside the edge's middle.
    """
    ring = partition.vertices[partition.indices]
    successor = ring_successors(partition.offsets)
    interior = np.flatnonzero(partition.edge_neuron >= 0)
    start, end = ring[interior], ring[successor[interior]]
    owner = polygons.owner(partition.offsets)[interior]
    box = np.asarray(partition.bounds, dtype=np.float64)
    size = max(float(box[1] - box[0]), float(box[3] - box[2]))
    grid = 1e-9 * size
    snapped_start = np.round((start - box[[0, 2]]) / grid).astype(np.int64)
    snapped_end = np.round((end - box[[0, 2]]) / grid).astype(np.int64)
    forward = np.hstack([snapped_start, snapped_end])
    backward = np.hstack([snapped_end, snapped_start])
    key = _row_ids(np.vstack([forward, backward]))
    edge_of_key = np.full(int(key.max()) + 1 if len(key) else 0, -1, dtype=np.int64)
    edge_of_key[key[: len(interior)]] = np.arange(len(interior))
    partner = edge_of_key[key[len(interior) :]]
    neighbour = np.where(partner >= 0, owner[np.maximum(partner, 0)], -1)

    lost = np.flatnonzero(neighbour < 0)
    direction = end[lost] - start[lost]
    length = np.linalg.norm(direction, axis=1)
    step = 1e-9 * size
    usable = length > 4 * step
    lost, direction, length = lost[usable], direction[usable], length[usable]
    # Counter-clockwise rings: the outward normal of an edge is its direction turned right.
    outward = np.stack([direction[:, 1], -direction[:, 0]], axis=1) / length[:, None]
    middle = 0.5 * (start[lost] + end[lost])
    neighbour[lost] = partition.locate(middle + step * outward)
    return interior, owner, neighbour


def _folds(partition: Partition2D, orientation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours across interior edge pieces whose maps have opposite orientations:
    (F, 2) cell pairs and (E,) ring positions of the edges between them."""
    position, owner, neighbour = _neighbours_across(partition)
    found = (neighbour >= 0) & (neighbour != owner)
    safe = np.maximum(neighbour, 0)
    folded = found & (orientation[owner] * orientation[safe] < 0)
    pairs = np.sort(np.stack([owner[folded], neighbour[folded]], axis=1), axis=1)
    if len(pairs):
        pairs = np.unique(pairs, axis=0)
    return pairs.astype(np.int64).reshape(-1, 2), position[folded].astype(np.int64)


def projected_cell_maps(
    model: nn.Module, partition: Partition2D, layer: int, projection: LatentProjection
) -> np.ndarray:
    """(R, 3, D) affine maps ``[s, t, 1] @ maps[r]`` of every cell of ``partition`` to the
    D projected coordinates of hidden layer ``layer``; raises ValueError naming what does
    not fit (layer, partition, projection width)."""
    net = network_layers(model)
    layer = check_layer(net, layer)
    if not isinstance(partition, Partition2D):
        raise ValueError("the jigsaw needs a Partition2D of an MLP (from partition_2d)")
    if partition.n_layers < layer:
        raise ValueError(
            f"the partition has {partition.n_layers} layers; layer {layer} needs at least {layer}"
        )
    if partition.patterns.shape[1] < sum(net.widths[:layer]):
        raise ValueError("the partition's activation patterns do not fit this network")
    width = net.widths[layer - 1]
    if projection.width != width:
        raise ValueError(
            f"the projection is for {projection.width} units; layer {layer} has {width}"
        )
    maps = cell_layer_maps(net, partition, layer)
    projected = maps @ projection.matrix.T  # (R, 3, D)
    projected[:, 2, :] -= projection.offset @ projection.matrix.T
    return projected


def latent_jigsaw(
    model: nn.Module, partition: Partition2D, layer: int, projection: LatentProjection
) -> LatentJigsaw:
    """Push every cell of ``partition`` forward to hidden layer ``layer``, projected.

    Parameters
    ----------
    model : ``nn.Sequential`` MLP of Linear layers and ReLU / LeakyReLU / Abs.
    partition : :func:`engine.partition2d.partition_2d` of ``model`` over a rectangle of
        its input plane (or of a plane slice), partitioned by at least the first ``layer``
        hidden layers (the full partition gives the same cells the input view colours).
    layer : hidden layer k, 1-based (1 .. number of hidden layers).
    projection : the 2-D view of layer k (:func:`pca_projection`, :func:`unit_projection`).

    Returns
    -------
    LatentJigsaw with one image polygon per cell, ``cell[r] == r``.
    """
    if projection.n_axes != 2:
        raise ValueError(
            f"the plane's jigsaw needs a projection to 2 axes, got {projection.n_axes} "
            "(latent_jigsaw_3d draws 3)"
        )
    projected = projected_cell_maps(model, partition, layer, projection)
    layer = int(layer)
    jacobian = np.ascontiguousarray(projected[:, :2, :].transpose(0, 2, 1))
    orientation = _orientation(jacobian)
    fold_pairs, fold_edges = _folds(partition, orientation)

    offsets = np.asarray(partition.offsets, dtype=np.int64)
    owner = polygons.owner(offsets)
    ring = partition.vertices[partition.indices]
    images = np.einsum("nk,nko->no", ring, projected[owner, :2, :]) + projected[owner, 2, :]
    position = np.arange(len(images), dtype=np.int64)
    mirrored = orientation[owner] < 0
    # A mirrored piece's ring runs clockwise: read it backwards.
    indices = np.where(mirrored, offsets[owner] + offsets[owner + 1] - 1 - position, position)
    return LatentJigsaw(
        vertices=images,
        offsets=offsets.copy(),
        indices=indices,
        cell=np.arange(partition.n_regions, dtype=np.int64),
        orientation=orientation,
        jacobian=jacobian,
        fold_pairs=fold_pairs,
        fold_edges=fold_edges,
        layer=layer,
    )
