"""Cells of a network behind a non-linear feature transform, sampled on a grid.

With features ``phi(x)`` that are not affine in the input ``x``, the network's cells are
polygons of feature space whose pre-images in the input plane have curved edges: no exact
polygon describes them. This module evaluates the activation pattern at the centre of
every pixel of a grid instead. It is a picture, not a proof: a cell thinner than a pixel
can be missed, which is why every count from it is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.cell_statistics import prefix_pattern_ids, softmax_confidence
from engine.features import FeatureTransform
from engine.networks import network_layers
from engine.pattern_keys import pattern_colour_keys

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class SampledCells:
    """Activation patterns on a ``H x W`` grid of pixel centres over ``bounds``.

    Row ``i`` of every image is at ``y = ymin + (i + 0.5) * (ymax - ymin) / H`` and column
    ``j`` at ``x = xmin + (j + 0.5) * (xmax - xmin) / W``.

    Attributes
    ----------
    bounds : (4,) float64 ``(xmin, xmax, ymin, ymax)`` of the input plane.
    cell : (H, W) int64 id ``0..P-1`` of the activation pattern of every pixel.
    keys : (P,) uint64 stable colour key of every pattern (``pattern_colour_keys``).
    edge_layer : (H, W) int64 the first hidden layer in which a pixel's pattern differs
        from its right or upper neighbour's, -1 where it differs from neither.
    outputs : (H, W, n_out) float64 network output at every pixel.
    cell_outputs : (P, n_out) float64 mean output over each pattern's pixels.
    cell_predicted : (P,) int64 top class of ``cell_outputs``.
    cell_confidence : (P,) float64 its softmax probability (1 for one output).
    patterns_per_layer : (L,) int64 distinct patterns of the first k = 1..L layers seen.
    """

    bounds: np.ndarray
    cell: np.ndarray
    keys: np.ndarray
    edge_layer: np.ndarray
    outputs: np.ndarray
    cell_outputs: np.ndarray
    cell_predicted: np.ndarray
    cell_confidence: np.ndarray
    patterns_per_layer: np.ndarray

    @property
    def n_patterns(self) -> int:
        """Distinct activation patterns seen: a lower bound on the cells the grid meets."""
        return len(self.keys)

    @property
    def shape(self) -> tuple[int, int]:
        return self.cell.shape


def pixel_centres(bounds, width: int, height: int) -> np.ndarray:
    """(height * width, 2) pixel centres of a grid over ``bounds``, row by row from ymin."""
    xmin, xmax, ymin, ymax = (float(v) for v in bounds)
    xs = xmin + (np.arange(width) + 0.5) * (xmax - xmin) / width
    ys = ymin + (np.arange(height) + 0.5) * (ymax - ymin) / height
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _first_differing_layer(patterns: np.ndarray, other: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(M,) the first layer whose bits differ between two (M, N) pattern arrays, else -1."""
    differs = patterns != other
    layer = np.full(len(patterns), -1, dtype=np.int64)
    start = 0
    for index, end in enumerate(ends):
        hit = (layer < 0) & differs[:, start:end].any(axis=1)
        layer[hit] = index
        start = end
    return layer


def sample_cells(
    model: nn.Module,
    transform: FeatureTransform,
    bounds,
    resolution: int | tuple[int, int] = 300,
) -> SampledCells:
    """Evaluate activation patterns and outputs on a grid of the input plane.

    Parameters
    ----------
    model : a network taking ``transform.n_features`` inputs.
    transform : the features between the plane and the network.
    bounds : ``(xmin, xmax, ymin, ymax)`` of the input plane.
    resolution : pixels per side, or ``(width, height)``.

    Returns
    -------
    SampledCells
    """
    width, height = (resolution, resolution) if np.isscalar(resolution) else resolution
    width, height = int(width), int(height)
    if width < 2 or height < 2:
        raise ValueError(f"the grid needs at least 2 x 2 pixels, got {width} x {height}")
    layers = network_layers(model)
    if layers.n_inputs != transform.n_features:
        raise ValueError(
            f"the network takes {layers.n_inputs} inputs but the {transform.name} transform "
            f"makes {transform.n_features} features"
        )
    box = np.asarray(bounds, dtype=np.float64).reshape(4)
    outputs, pre = layers.forward(transform(pixel_centres(box, width, height)))
    patterns = pre > 0
    ends = np.cumsum(layers.widths)

    ids = prefix_pattern_ids(patterns, layers.widths)
    cell = ids[-1] if ids else np.zeros(len(patterns), dtype=np.int64)
    n_patterns = int(cell.max()) + 1
    first = np.zeros(n_patterns, dtype=np.int64)
    first[cell[::-1]] = np.arange(len(cell))[::-1]  # one pixel of every pattern
    keys = pattern_colour_keys(patterns[first])

    grid_patterns = patterns.reshape(height, width, -1)
    edge = np.full((height, width), -1, dtype=np.int64)
    right = _first_differing_layer(
        grid_patterns[:, :-1].reshape(-1, patterns.shape[1]),
        grid_patterns[:, 1:].reshape(-1, patterns.shape[1]),
        ends,
    ).reshape(height, width - 1)
    up = _first_differing_layer(
        grid_patterns[:-1].reshape(-1, patterns.shape[1]),
        grid_patterns[1:].reshape(-1, patterns.shape[1]),
        ends,
    ).reshape(height - 1, width)
    edge[:, :-1] = right
    both = (edge[:-1] >= 0) & (up >= 0)
    edge[:-1] = np.where(both, np.minimum(edge[:-1], up), np.maximum(edge[:-1], up))

    counts = np.bincount(cell, minlength=n_patterns).astype(np.float64)
    cell_outputs = (
        np.stack(
            [
                np.bincount(cell, weights=outputs[:, o], minlength=n_patterns)
                for o in range(outputs.shape[1])
            ],
            axis=1,
        )
        / counts[:, None]
    )
    predicted, confidence = softmax_confidence(cell_outputs)
    return SampledCells(
        bounds=box,
        cell=cell.reshape(height, width),
        keys=keys,
        edge_layer=edge,
        outputs=outputs.reshape(height, width, -1),
        cell_outputs=cell_outputs,
        cell_predicted=predicted.astype(np.int64),
        cell_confidence=confidence,
        patterns_per_layer=np.asarray([int(i.max()) + 1 for i in ids], dtype=np.int64),
    )
