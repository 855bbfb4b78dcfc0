"""Values and pattern bits of the pieces a cutting step makes of a batch of 2-D cells.

The traced-graph partition (:mod:`engine.partition_graph`) holds a batch of cells'
values as ``(cells * 3, *shape)`` tensors (:mod:`engine.pl_slice`: the derivatives along
the slice's two directions and the value at its origin). When a cutting step cuts the
cells, every piece takes its cell's rows, changed by the piece's decision; ReLU-like and
max-pooling steps do both in one compiled pass (:mod:`engine.graph_kernels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine import graph_kernels
from engine.pl_slice import cutting_value, decision_bits, filled_windows, rows_view
from engine.pl_steps import GraphStep

#: Rows per cell of a 2-D slice's values.
ROWS = 3

_UNSCALED = np.zeros((0, 0), dtype=bool)
_NO_SLOPE = np.zeros(0)


@dataclass(frozen=True)
class ScaledRows:
    """The values of a ReLU-like step's pieces, not made: the cells' rows and the pieces'
    decisions give them (a piece's unit ``i`` is its cell's value, times ``slope[i]`` where
    the unit is off). A max-pooling step right after reads its windows' entries from them
    (:func:`engine.argmax_kernels.cut_by_argmax_at`, :func:`pooled_values`), so the
    pieces' values, several times larger than their cells', are never written.

    Attributes
    ----------
    rows : (C, 3, n) float64 the cells' values before the step.
    parent : (P,) int64 the cell of every piece.
    on : (P, n) bool the units on over every piece.
    slope : (n,) float64 the step's slope of every unit (all within [-1, 1], so the values
        are no larger than the cells' values that were checked).
    """

    rows: np.ndarray
    parent: np.ndarray
    on: np.ndarray
    slope: np.ndarray

    @property
    def count(self) -> int:
        return len(self.parent)

    def cells(self, lo: int, hi: int) -> ScaledRows:
        """The pieces ``lo`` to ``hi - 1``."""
        return ScaledRows(self.rows, self.parent[lo:hi], self.on[lo:hi], self.slope)

    def taken(self, pieces: np.ndarray) -> ScaledRows:
        """The pieces ``pieces`` (Q,), in that order."""
        return ScaledRows(self.rows, self.parent[pieces], self.on[pieces], self.slope)


def scaled_pieces(
    step: GraphStep, value: torch.Tensor, parent: np.ndarray, decision: torch.Tensor
) -> ScaledRows | None:
    """The output of a ReLU-like ``step`` on pieces, as :func:`piece_value` takes its
    arguments, left unmade; None when a slope is larger than 1 in magnitude (the values
    are then made and checked as any step's)."""
    slope = np.ascontiguousarray(
        np.broadcast_to(step.slope.numpy(), step.shape).reshape(-1), dtype=np.float64
    )
    if not np.all(np.abs(slope) <= 1.0):
        return None
    n_cells = value.shape[0] // ROWS
    return ScaledRows(
        np.ascontiguousarray(value.numpy().reshape(n_cells, ROWS, -1)),
        np.asarray(parent, dtype=np.int64),
        np.ascontiguousarray(decision.numpy().reshape(len(parent), -1)),
        slope,
    )


def row_width(value: torch.Tensor | ScaledRows) -> int:
    """Values per row of a cell (or piece) of ``value``."""
    return value.rows.shape[2] if isinstance(value, ScaledRows) else value[0].numel()


def pooled_values(
    step: GraphStep,
    value: torch.Tensor | ScaledRows,
    parent: np.ndarray,
    decision: torch.Tensor,
    position: np.ndarray | None = None,
) -> torch.Tensor:
    """(P * 3, *out_shape) the output of a max-pooling ``step`` on pieces of the cells
    (or unmade pieces) of ``value``: the cell ``parent`` (P,) of each, with its winning
    entries ``decision`` (P, *out_shape), as :func:`piece_value` (the same values bit for
    bit); ``position`` is :func:`window_positions`' (made when not given)."""
    parent = np.asarray(parent, dtype=np.int64)
    slot = np.ascontiguousarray(decision.numpy().reshape(len(parent), -1))
    if isinstance(value, ScaledRows):
        rows, row, on, slope = value.rows, value.parent[parent], value.on, value.slope
    else:
        rows = np.ascontiguousarray(value.numpy().reshape(value.shape[0] // ROWS, ROWS, -1))
        row, on, slope = parent, _UNSCALED, _NO_SLOPE
    if position is None:
        position = window_positions(step, rows.shape[2])
    out = graph_kernels.pooled_rows(rows, row, position, slot, on, parent, slope)
    return torch.from_numpy(out).reshape(-1, *step.shape)


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
        return pooled_values(step, value, parent, decision)
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
