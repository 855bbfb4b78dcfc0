"""What every layer-by-layer partition shares: affine maps carried through the layers.

A cell's map has one row per domain coordinate and a last row for the constant: on the
cell, feature ``j`` equals ``maps[cell, :-1, j] @ x + maps[cell, -1, j]``. The 2-D and
3-D partitions cut cells differently but carry their maps and patterns the same way.
"""

from __future__ import annotations

import numpy as np


def domain_diagonal(bounds: np.ndarray) -> float:
    """Length of the diagonal of a box ``(xmin, xmax, ymin, ymax, ...)``."""
    return float(np.linalg.norm(bounds[1::2] - bounds[0::2]))


def apply_affine(maps: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(C, k+1, n_out) = ``weight`` applied to every cell's map (C, k+1, n_in), plus ``bias``."""
    cells, rows = maps.shape[:2]
    out = (maps.reshape(cells * rows, -1) @ weight.T).reshape(cells, rows, -1)
    out[:, -1, :] += bias
    return out


def next_affine_maps(
    pre: np.ndarray,
    on: np.ndarray,
    parent: np.ndarray,
    negative_slope: float,
    weight: np.ndarray,
    bias: np.ndarray,
) -> np.ndarray:
    """(P, k+1, n_next) maps of the next affine layer on every piece of this layer."""
    maps = np.take(pre, parent, axis=0)
    maps *= np.where(on, 1.0, negative_slope)[:, None, :]
    return apply_affine(maps, weight, bias)


def output_maps(
    pre: np.ndarray,
    cell_on: np.ndarray,
    parent: np.ndarray,
    flips: tuple[np.ndarray, np.ndarray, np.ndarray],
    negative_slope: float,
    weight: np.ndarray,
    bias: np.ndarray,
) -> np.ndarray:
    """(P, k+1, n_out) output maps of the pieces of the last hidden layer.

    Each cell is multiplied once with the bits at its centre and its pieces are
    corrected for the few bits in which they differ: the (P, k+1, width) hidden maps are
    never built. ``pre`` (C, k+1, w) is overwritten.
    """
    piece, neuron, bit = flips
    rows = pre.shape[1]
    delta = np.where(bit, 1.0 - negative_slope, negative_slope - 1.0)
    columns = pre[parent[piece], :, neuron] * delta[:, None]
    correction = (columns[:, :, None] * weight.T[neuron][:, None, :]).reshape(
        len(piece), rows * len(weight)
    )
    pre *= np.where(cell_on, 1.0, negative_slope)[:, None, :]
    maps = apply_affine(pre, weight, bias)[parent]
    if len(piece):
        runs = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1]])
        summed = np.add.reduceat(correction, runs, axis=0)
        maps[piece[runs]] += summed.reshape(len(runs), rows, -1)
    return maps


def patterns_from_lineage(layer_bits: list[np.ndarray], lineage: list[np.ndarray]) -> np.ndarray:
    """(R, n_neurons) patterns of the final cells from every layer's bits and parents."""
    if not layer_bits:
        return np.zeros((1, 0), dtype=bool)
    ancestor = np.arange(len(layer_bits[-1]))
    blocks = []
    for bits, parent in zip(reversed(layer_bits), reversed(lineage), strict=True):
        blocks.append(bits[ancestor])
        ancestor = parent[ancestor]
    return np.concatenate(blocks[::-1], axis=1)
