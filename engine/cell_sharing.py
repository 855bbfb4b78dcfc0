"""Does a test input share its cell with a training input? In full dimension, and in the
2-D slice through the test input and its two nearest training inputs.

Two inputs share a cell of a ReLU network iff their activation patterns (every hidden
unit, on or off) are equal: a cell is the set of inputs with one pattern.

**The 2-D slice.** A 2-D slice of a 64-D input space generally holds no training input,
so "the test input's cell in a slice holds a training input" needs a slice chosen
through training inputs. Here it is the plane through the test input ``x`` and its two
nearest training inputs (Euclidean distance; ties go to the lower index): ``a``, the
nearest one distinct from ``x``, and ``b``, the next nearest whose direction from ``x``
is not parallel to ``a - x`` (the plane is then ``x + s (a - x) + t (b - x)``, with ``a``
at ``(1, 0)`` and ``b`` at ``(0, 1)``). The cell of ``x`` in that slice is the convex
polygon ``C(x) ∩ plane``, where ``C(x)`` is its full-dimensional cell. A training input
``y`` lying in the plane is in that polygon iff ``y`` is in ``C(x)``, i.e. iff its pattern
equals ``x``'s: cells are convex, so the whole segment from ``x`` to ``y`` then stays in
the cell. The training inputs lying in the plane are ``a``, ``b`` and any other exactly
coplanar one (a duplicate of ``x`` lies in every plane through it); they are found by
their distance to the plane. The slice answer can only be yes when the full-dimensional
one is (the slice looks at a few training inputs, the full test at all of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = [
    "SliceCellSharing",
    "activation_bits",
    "in_training_cells",
    "slice_anchors",
    "slice_cell_sharing",
]

#: Relative size below which a direction counts as zero or as parallel to another.
PARALLEL_TOLERANCE = 1e-9


def activation_bits(model: nn.Sequential, x: np.ndarray) -> np.ndarray:
    """(N, n_neurons) bool: which hidden ReLU units are on at each of the (N, d) inputs,
    layer after layer; two inputs share a cell of the network iff their rows are equal."""
    bits = []
    with torch.no_grad():
        value = torch.as_tensor(np.asarray(x, dtype=np.float64))
        for layer in model:
            if isinstance(layer, nn.ReLU):
                bits.append((value > 0).numpy())
            value = layer(value)
    if not bits:
        return np.zeros((len(x), 0), dtype=bool)
    return np.hstack(bits)


def in_training_cells(model: nn.Sequential, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """(M,) bool: whether each test input (M, d) lies in a cell (a full activation
    pattern) that also holds one of the training inputs (N, d)."""
    seen = {row.tobytes() for row in np.packbits(activation_bits(model, train), axis=1)}
    packed = np.packbits(activation_bits(model, test), axis=1)
    return np.array([row.tobytes() in seen for row in packed], dtype=bool)


@dataclass(frozen=True)
class SliceCellSharing:
    """For each test input, whether its cell in its 2-D slice holds a training input.

    Attributes
    ----------
    anchors : (M, 2) int64 the training inputs ``a``, ``b`` spanning each test input's
        slice (``b`` is -1 when every training input lies on one line through it).
    shared : (M,) bool whether the test input's cell in the slice holds a training input.
    partner : (M,) int64 such a training input (the nearest), or -1.
    in_plane : (M,) int64 how many training inputs lie in the slice (2 unless some are
        exactly coplanar or duplicate the test input).
    """

    anchors: np.ndarray
    shared: np.ndarray
    partner: np.ndarray
    in_plane: np.ndarray


def _checked(points: object, name: str, d: int | None = None) -> np.ndarray:
    try:
        array = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the {name} inputs must be an (N, d) array of numbers") from error
    if array.ndim != 2 or len(array) == 0 or (d is not None and array.shape[1] != d):
        want = "(N, d)" if d is None else f"(N, {d})"
        raise ValueError(f"the {name} inputs must have shape {want}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"the {name} inputs must be finite")
    return array


def _plane_basis(directions: np.ndarray, order: np.ndarray, scale: float) -> tuple[list, list]:
    """The anchors (indices into ``directions``, in ``order``) and an orthonormal basis of
    the plane they span with the origin: the nearest non-zero direction, then the nearest
    one not parallel to it."""
    anchors, basis = [], []
    for index in order:
        direction = directions[index]
        length = float(np.linalg.norm(direction))
        if length <= PARALLEL_TOLERANCE * scale:
            continue
        for unit in basis:
            direction = direction - (direction @ unit) * unit
        rest = float(np.linalg.norm(direction))
        if rest <= PARALLEL_TOLERANCE * length:
            continue
        anchors.append(int(index))
        basis.append(direction / rest)
        if len(anchors) == 2:
            break
    return anchors, basis


def slice_anchors(train: np.ndarray, test_point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(2,) int64 the training inputs spanning the slice through ``test_point`` (d,), ``b``
    -1 when none is off the line through ``a``, and (N,) bool which training inputs lie in
    the slice. ``train`` (N, d) float64."""
    directions = train - test_point
    distance = np.einsum("nd,nd->n", directions, directions)
    order = np.argsort(distance, kind="stable")
    scale = float(np.abs(train).max() + np.abs(test_point).max() + 1.0)
    anchors, basis = _plane_basis(directions, order, scale)
    if basis:
        plane = np.stack(basis)  # (k, d) orthonormal rows
        residual = directions - (directions @ plane.T) @ plane
    else:
        residual = directions
    size = np.sqrt(distance) + scale
    in_plane = np.sqrt(np.einsum("nd,nd->n", residual, residual)) <= PARALLEL_TOLERANCE * size
    anchors = [*anchors, -1, -1][:2]
    return np.array(anchors, dtype=np.int64), in_plane


def slice_cell_sharing(
    model: nn.Sequential, train: np.ndarray, test: np.ndarray
) -> SliceCellSharing:
    """Whether each test input's cell, in the 2-D slice through it and its two nearest
    training inputs (see the module's note), holds a training input.

    Parameters
    ----------
    model : ``nn.Sequential`` of Linear and ReLU layers.
    train : (N, d) training inputs, N >= 1.
    test : (M, d) test inputs.

    Returns
    -------
    SliceCellSharing, exact: patterns from one forward pass in float64, slices from the
    training inputs' distances.
    """
    train = _checked(train, "training")
    test = _checked(test, "test", train.shape[1])
    train_bits = activation_bits(model, train)
    test_bits = activation_bits(model, test)
    anchors = np.full((len(test), 2), -1, dtype=np.int64)
    shared = np.zeros(len(test), dtype=bool)
    partner = np.full(len(test), -1, dtype=np.int64)
    in_plane = np.zeros(len(test), dtype=np.int64)
    for m, point in enumerate(test):
        anchors[m], lying = slice_anchors(train, point)
        candidates = np.flatnonzero(lying)
        in_plane[m] = len(candidates)
        same = candidates[np.all(train_bits[candidates] == test_bits[m], axis=1)]
        if len(same):
            nearest = np.argmin(np.linalg.norm(train[same] - point, axis=1))
            shared[m], partner[m] = True, same[nearest]
    return SliceCellSharing(anchors, shared, partner, in_plane)
