"""What every layer-by-layer partition shares: affine maps carried through the layers.

A cell's map has one row per domain coordinate and a last row for the constant: on the
cell, feature ``j`` equals ``maps[cell, :-1, j] @ x + maps[cell, -1, j]``. The 2-D and
3-D partitions cut cells differently but carry their maps and patterns the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import numpy as np

from engine.networks import NetworkLayers


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


class CutCells(Protocol):
    """The working set a partition cuts: ``cell`` (P,) the cell each piece came from and
    ``bits`` (P, w) its bits in the layer just cut; ``count`` pieces."""

    cell: np.ndarray
    bits: np.ndarray | None

    @property
    def count(self) -> int: ...


C = TypeVar("C", bound=CutCells)


def cut_layer_by_layer(
    net: NetworkLayers,
    n_layers: int,
    maps: np.ndarray,
    cells: C,
    cut_layer: Callable[[C, np.ndarray, int], tuple[C, np.ndarray]],
) -> tuple[C, np.ndarray, np.ndarray]:
    """Cut ``cells`` by the first ``n_layers`` hidden layers of ``net``, one at a time.

    Parameters
    ----------
    net : the network.
    n_layers : how many hidden layers to cut by (0..L).
    maps : (1, k+1, d) the map from the domain's coordinates to the network's input.
    cells : the domain as one cell.
    cut_layer : ``cut_layer(cells, pre, first_neuron) -> (pieces, cell_on)`` cuts every
        cell by the neurons of one layer, whose pre-activation maps are ``pre``
        (C, k+1, w) and whose global indices start at ``first_neuron``; ``cell_on``
        (C, w) are the bits of the neurons over the cells they do not cut.

    Returns
    -------
    cells : the final pieces.
    maps : (R, k+1, n) their maps to the network output when every layer is cut, else
        to the activations of the last layer cut.
    patterns : (R, n_neurons) their activation patterns over the layers cut.
    """
    n_total = len(net.hidden)
    hidden = net.hidden[:n_layers]
    # The affine layer after each hidden layer cut (None: stop at its activations).
    following = [(h.weight, h.bias) for h in hidden[1:]]
    following.append((net.out_weight, net.out_bias) if n_layers == n_total else None)
    following = following[: len(hidden)]
    if hidden:
        maps = apply_affine(maps, hidden[0].weight, hidden[0].bias)
    elif n_layers == n_total:
        maps = apply_affine(maps, net.out_weight, net.out_bias)
    layer_bits: list[np.ndarray] = []
    lineage: list[np.ndarray] = []
    first_neuron = 0
    for layer, next_affine in zip(hidden, following, strict=True):
        pre = maps
        cells, cell_on = cut_layer(cells, pre, first_neuron)
        parent, on = cells.cell, cells.bits
        flips = np.nonzero(on != cell_on[parent])
        flips = (*flips, on[flips])
        if next_affine is None:
            maps = np.take(pre, parent, axis=0)
            maps *= np.where(on, 1.0, layer.negative_slope)[:, None, :]
        elif layer is hidden[-1]:
            maps = output_maps(pre, cell_on, parent, flips, layer.negative_slope, *next_affine)
        else:
            maps = next_affine_maps(pre, on, parent, layer.negative_slope, *next_affine)
        layer_bits.append(on)
        lineage.append(parent)
        cells.cell = np.arange(cells.count)
        first_neuron += layer.n_neurons
    return cells, maps, patterns_from_lineage(layer_bits, lineage)
