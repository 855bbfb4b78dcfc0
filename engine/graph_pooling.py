"""The max-pooling step of the traced-graph 2-D partition: cells cut by argmax regions.

A max-pooling step of :mod:`engine.partition_graph` cuts every cell by the argmax
regions of every window (:func:`engine.argmax_kernels.cut_by_argmax_at`), reading the
windows' entries where they are in the cells' rows (a table of positions made once per
step, :class:`PoolingWindows`). When the step reads a ReLU-like step that nothing else
reads (:func:`pooled_relus`), that step's pieces' values are never made: the pooling reads
their cells' values and their decisions (:class:`engine.graph_pieces.ScaledRows`).
"""

from __future__ import annotations

import numpy as np
import torch

from engine import argmax_kernels
from engine.cell_cutting import Rings, TooManyRegionsError, line_tolerances
from engine.graph_pieces import ROWS, ScaledRows, window_positions
from engine.input_checks import check_step_values
from engine.layerwise import GROUPS_PER_THREAD, in_ranges
from engine.pl_steps import GraphStep, PLGraph

#: Least (cell, window entry) pairs worth cutting on several threads.
ENTRIES_PER_THREAD = 1_000_000


def pooled_relus(graph: PLGraph) -> set[str]:
    """Names of the ReLU-like steps whose values only a max-pooling step reads: their
    pieces' values are left unmade (:class:`engine.graph_pieces.ScaledRows`)."""
    readers: dict[str, list[GraphStep]] = {}
    for step in graph.steps:
        for name in step.inputs:
            readers.setdefault(name, []).append(step)
    return {
        step.name
        for step in graph.steps
        if step.kind == "relu"
        and step.name != graph.output_name
        and len(readers.get(step.name, [])) == 1
        and readers[step.name][0].kind == "maxpool"
        and list(readers[step.name][0].inputs) == [step.name]
    }


class PoolingWindows:
    """Every max-pooling step's window tables, made on first use (one partition)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def of(self, step: GraphStep, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(position, valid, used)`` of a max-pooling step whose cells' rows hold
        ``size`` values: :func:`engine.graph_pieces.window_positions` (W, k), (W, k) bool
        False on padding entries, and the positions any window reads."""
        known = self._known.get(step.name)
        if known is None:
            position = window_positions(step, size)
            valid = np.ascontiguousarray(np.tile(step.windows >= 0, (step.shape[0], 1)))
            known = self._known[step.name] = (position, valid, np.unique(position))
        return known


def cut_by_windows(
    step: GraphStep,
    rings: Rings,
    value: torch.Tensor | ScaledRows,
    windows: PoolingWindows,
    box: np.ndarray,
    first_bit: int,
    n_done: int,
    max_regions: int,
    threads: int,
    entering: str,
) -> tuple[Rings, np.ndarray, torch.Tensor]:
    """Pieces of ``rings`` cut by the argmax regions of every window of ``step``.

    ``value`` holds the cells' values before pooling, ``(C * 3, *shape)`` or unmade;
    ``first_bit`` is the step's first pattern bit, ``n_done`` the cells already made of
    ``max_regions``, ``threads`` the threads the cut may use and ``entering`` names the
    values in messages. Returns the pieces, the cell each came from (P,) and their
    winning entries (P, *out_shape) int16.
    """
    if isinstance(value, ScaledRows):
        # No larger than the values the ReLU-like step before checked.
        rows, cell_row, on, slope = value.rows, value.parent, value.on, value.slope
    else:
        rows = np.ascontiguousarray(value.numpy().reshape(rings.count, ROWS, -1))
        cell_row, on, slope = np.arange(rings.count), np.zeros((0, 0), bool), np.zeros(0)
    position, valid, used = windows.of(step, rows.shape[2])
    if not isinstance(value, ScaledRows):
        read = rows if len(used) == rows.shape[2] else rows[:, :, used]
        check_step_values(read, box, entering)
    tolerance, min_area = line_tolerances(box)
    budget = max(1, max_regions - n_done)

    def cut_range(lo: int, hi: int):
        xy, offsets, label, cell, slot, overflow = argmax_kernels.cut_by_argmax_at(
            np.ascontiguousarray(rings.xy[rings.offsets[lo] : rings.offsets[hi]]),
            np.ascontiguousarray(rings.offsets[lo : hi + 1] - rings.offsets[lo]),
            np.ascontiguousarray(rings.label[rings.offsets[lo] : rings.offsets[hi]]),
            rows, cell_row[lo:hi], on[lo:hi], slope, position, valid, first_bit, tolerance,
            min_area, budget,
        )  # fmt: skip
        if overflow:
            raise TooManyRegionsError(n_done + int(overflow), max_regions)
        return xy, offsets, label, cell + lo, slot

    work = rings.count * position.size
    n_ranges = 1 if work < ENTRIES_PER_THREAD or threads == 1 else threads * GROUPS_PER_THREAD
    parts = in_ranges(rings.count, min(n_ranges, rings.count), cut_range, threads)
    if len(parts) == 1:  # the kernel's arrays as they are (no copy)
        xy, offsets, label, parent, slot = parts[0]
    else:
        lengths = np.concatenate([np.diff(p[1]) for p in parts])
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        xy, label = (np.concatenate([p[k] for p in parts]) for k in (0, 2))
        parent, slot = (np.concatenate([p[k] for p in parts]) for k in (3, 4))
    pieces = Rings(xy, offsets, label, np.arange(len(parent)))
    return pieces, parent, torch.from_numpy(slot).reshape(len(parent), *step.shape)
