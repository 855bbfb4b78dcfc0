"""Values and pattern bits of the pieces a cutting step makes of a batch of 2-D cells.

The traced-graph partition (:mod:`engine.partition_graph`) holds a batch of cells'
values as ``(cells * 3, *shape)`` tensors (:mod:`engine.pl_slice`: the derivatives along
the slice's two directions and the value at its origin). When a cutting step cuts the
cells, every piece takes its cell's rows, changed by the piece's decision; ReLU-like and
max-pooling steps do both in one compiled pass (:mod:`engine.graph_kernels`).
"""

from __future__ import annotations

import numpy as np
import torch

from engine import graph_kernels
from engine.pl_slice import cutting_value, decision_bits, filled_windows, rows_view
from engine.pl_steps import GraphStep

#: Rows per cell of a 2-D slice's values.
ROWS = 3


def taken_rows(value: torch.Tensor, parent: np.ndarray) -> torch.Tensor:
    """(P * 3, *shape) the rows of the cells ``parent`` (P,) of ``value`` (C * 3, *shape)."""
    # numpy's take copies rows several times faster than torch's index_select.
    rows = rows_view(value, ROWS).numpy()
    taken = np.take(rows, np.asarray(parent, dtype=np.int64), axis=0)
    return torch.from_numpy(taken).reshape(-1, *value.shape[1:])


def piece_value(
    step: GraphStep, value: torch.Tensor, parent: np.ndarray, decision: torch.Tensor
) -> torch.Tensor:
    """(P * 3, *out_shape) the output of ``step`` on pieces of the cells of ``value``
    (C * 3, *shape): the cell ``parent`` (P,) of each, with its ``decision`` (P, ...) as
    :func:`engine.pl_slice.cutting_value` takes it, and the same values bit for bit."""
    parent = np.asarray(parent, dtype=np.int64)
    n_cells = value.shape[0] // ROWS
    if step.kind == "relu":
        rows = np.ascontiguousarray(value.numpy().reshape(n_cells, ROWS, -1))
        slope = np.broadcast_to(step.slope.numpy(), step.shape).reshape(-1)
        on = np.ascontiguousarray(decision.numpy().reshape(len(parent), -1))
        out = graph_kernels.scaled_rows(rows, parent, on, np.ascontiguousarray(slope))
        return torch.from_numpy(out).reshape(-1, *value.shape[1:])
    if step.kind == "maxpool":
        rows = np.ascontiguousarray(value.numpy().reshape(n_cells, ROWS, -1))
        slot = np.ascontiguousarray(decision.numpy().reshape(len(parent), -1))
        out = graph_kernels.pooled_rows(rows, parent, window_positions(step, rows.shape[2]), slot)
        return torch.from_numpy(out).reshape(-1, *step.shape)
    return cutting_value(step, taken_rows(value, parent), ROWS, decision)


def packed_bits(step: GraphStep, decision: torch.Tensor) -> np.ndarray:
    """(P, ceil(n_bits / 8)) uint8 the step's pattern bits, packed (patterns are the
    largest arrays a partition of a CNN carries)."""
    if step.kind == "maxpool":
        slot = np.ascontiguousarray(decision.numpy().reshape(decision.shape[0], -1))
        return graph_kernels.packed_slots(slot, step.windows.shape[1])
    return np.packbits(decision_bits(step, decision), axis=1)


def window_positions(step: GraphStep, size: int) -> np.ndarray:
    """(channels * W, k) int64 where every entry of every window of a max-pooling step
    is in a cell's row of ``size`` input values (channel after channel, W windows each;
    padding entries repeat the window's first valid entry)."""
    channels = step.shape[0]
    windows = filled_windows(step.windows).astype(np.int64)
    per_channel = size // channels
    shifted = windows[None] + per_channel * np.arange(channels, dtype=np.int64)[:, None, None]
    return np.ascontiguousarray(shifted.reshape(-1, windows.shape[1]))
