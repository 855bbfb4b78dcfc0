"""What a trained network's cells hold: predictions per cell, cells per layer, mixed cells.

A cell of the first ``k`` hidden layers is the set of inputs sharing one activation
pattern of those layers. It is convex (inside a cell of layers ``1..k-1`` layer ``k``'s
pre-activations are affine, so fixing their signs intersects it with half-spaces), hence
grouping points by their pattern groups them by cell, exactly, in any input dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.networks import network_layers
from engine.partition2d import Partition2D, partition_2d

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class CellPredictions:
    """The network's prediction at the centre of every cell.

    Attributes
    ----------
    outputs : (R, n_out) float64 network output at every cell's vertex centroid.
    predicted : (R,) int64 the class with the largest output (0 for one output).
    confidence : (R,) float64 softmax probability of that class, in [1/n_out, 1]
        (1 for a single output).
    """

    outputs: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray


def softmax_confidence(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top class and its softmax probability for (M, n_out) outputs: two (M,) arrays."""
    outputs = np.asarray(outputs, dtype=np.float64)
    predicted = outputs.argmax(axis=1)
    if outputs.shape[1] == 1:
        return predicted, np.ones(len(outputs))
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return predicted, 1.0 / shifted.sum(axis=1)


def cell_predictions(partition: Partition2D) -> CellPredictions:
    """The prediction at every cell's centre, from the cell's exact affine map.

    Parameters
    ----------
    partition : a complete partition (every hidden layer), so ``A, c`` map to the output.
    """
    if not partition.is_complete:
        raise ValueError("cell predictions need a partition of every hidden layer")
    centres = partition.centroids
    outputs = np.einsum("rok,rk->ro", partition.A, centres) + partition.c
    predicted, confidence = softmax_confidence(outputs)
    return CellPredictions(outputs, predicted.astype(np.int64), confidence)


def layer_cell_counts(
    model: nn.Module,
    bounds,
    *,
    full: Partition2D | None = None,
    max_regions: int = 2_000_000,
) -> np.ndarray:
    """(L,) int64 number of cells of the first k = 1..L hidden layers inside ``bounds``.

    Each count comes from ``partition_2d(model, bounds, layers=k)``; ``full``, the
    partition of all layers if already computed, saves the last one.
    """
    n_layers = len(network_layers(model).hidden)
    counts = []
    for k in range(1, n_layers + 1):
        if k == n_layers and full is not None:
            counts.append(full.n_regions)
        else:
            counts.append(partition_2d(model, bounds, layers=k, max_regions=max_regions).n_regions)
    return np.asarray(counts, dtype=np.int64)


def layer_cell_counts_from(partition: Partition2D) -> np.ndarray:
    """(k,) int64 cells of the first 1..k layers, read off a partition of k layers.

    A cell of the first j layers is the set of points sharing one pattern of those layers;
    it is convex, and the partition's cells inside it are exactly those whose patterns
    start with it. So counting distinct pattern prefixes counts the cells that
    ``partition_2d(..., layers=j)`` makes, without partitioning again (the tests check the
    two agree). This is what keeps per-layer statistics cheap enough for every frame.
    """
    sizes = np.bincount(partition.layer_of_neuron, minlength=partition.n_layers)
    ids = prefix_pattern_ids(partition.patterns, sizes)
    return np.asarray([int(i.max()) + 1 for i in ids], dtype=np.int64)


def prefix_pattern_ids(patterns: np.ndarray, layer_sizes) -> list[np.ndarray]:
    """For k = 1..L, an (M,) int64 id of the first-k-layer pattern of every row.

    Parameters
    ----------
    patterns : (M, n_neurons) bool activation patterns, layer by layer.
    layer_sizes : (L,) neurons per layer.

    Returns
    -------
    L arrays; two rows share an id in array ``k-1`` exactly when their patterns agree on
    the first ``k`` layers. Ids are ``0..P_k-1``.
    """
    patterns = np.asarray(patterns, dtype=bool)
    packed_ids = []
    ends = np.cumsum(layer_sizes)
    for end in ends:
        packed = np.packbits(patterns[:, :end], axis=1)
        rows = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))
        _, inverse = np.unique(rows.ravel(), return_inverse=True)
        packed_ids.append(inverse.reshape(-1).astype(np.int64))
    return packed_ids


def mixed_cell_counts(model: nn.Module, features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(L,) int64: for k = 1..L, how many cells of the first k layers hold points of more
    than one class.

    Those are the cells the layers after k (and finally the output layer) still have to
    split. Exact: points are grouped by their activation pattern, which names their cell.

    Parameters
    ----------
    model : the network.
    features : (M, n_inputs) network inputs of the points.
    labels : (M,) int class labels.
    """
    layers = network_layers(model)
    patterns = layers.activation_pattern(np.asarray(features, dtype=np.float64))
    labels = np.asarray(labels, dtype=np.int64)
    counts = []
    for ids in prefix_pattern_ids(patterns, layers.widths):
        pairs = np.unique(np.column_stack([ids, labels]), axis=0)
        classes_per_cell = np.bincount(pairs[:, 0])
        counts.append(int(np.count_nonzero(classes_per_cell > 1)))
    return np.asarray(counts, dtype=np.int64)
