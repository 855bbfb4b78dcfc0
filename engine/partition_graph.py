"""Exact 2-D cells of any traced piecewise-linear model (convolutions, pooling, residuals).

The model is traced into steps (:mod:`engine.pl_graph`) and a batch of cells is pushed
through them (:mod:`engine.pl_slice`): every value is a ``(cells * 3, *shape)`` tensor,
the derivatives along ``s`` and ``t`` and the value at the slice's origin, affine in
``(s, t)`` inside each cell. At a ReLU-like or clamp step every unit's kink is a line on
every cell, and the cells are cut by the lines that cross them with the compiled kernel
of the MLP partition (:func:`engine.partition2d.cut_by_lines`); at a max-pooling step
every window's argmax regions cut them (:mod:`engine.argmax_kernels`). Each piece then
knows its decisions and takes its slopes or its window's winning entry.

Cells are pushed depth first in chunks whose values fit :data:`CHUNK_BYTES`, so a large
convolution's values never exist for every cell at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from engine import graph_kernels
from engine.cell_cutting import (
    CUT_THREADS,
    Rings,
    TooManyRegionsError,
    check_bounds,
    cut_layer,
)
from engine.cells2d import Partition2D
from engine.graph_pieces import ROWS as _ROWS
from engine.graph_pieces import (
    ScaledRows,
    packed_bits,
    piece_value,
    pooled_values,
    row_width,
    scaled_pieces,
    taken_rows,
)
from engine.graph_pooling import PoolingWindows, cut_by_windows, pooled_relus
from engine.graph_threads import SubtreeThreads
from engine.input_checks import check_box_and_inputs, check_step_values
from engine.layerwise import LayerProgress, in_ranges
from engine.pl_graph import trace_piecewise_linear
from engine.pl_slice import affine_value, rows_view
from engine.pl_steps import GraphStep, PLGraph

#: Bytes of step values a chunk of cells may hold at once.
CHUNK_BYTES = 8 * 2**20
#: Bytes of a cutting step's input values cut at once, and the growth in pieces per
#: cell they are sized for (the pieces' lines and bits are gathered per piece).
CUT_BYTES = 8 * 2**20
CUT_GROWTH = 4
#: Units cut in one call of the line-cutting kernel (its work arrays grow as units²).
UNITS_PER_CUT = 512


@dataclass(frozen=True, eq=False)
class GraphPartition2D(Partition2D):
    """A :class:`Partition2D` of a traced model, with what its layers and neurons are.

    Layers are the model's cutting steps (ReLU-like, clamp, max-pooling) in order; a
    neuron is one pattern bit. For a ReLU-like layer a bit is a unit (input > 0); for a
    clamp, a unit above its lower bound, then (after all units) above its upper bound;
    for max-pooling, one bit per window entry, set on the entry that holds the maximum.
    An edge between two argmax regions carries the bit of the entry that wins on the
    far side.

    Attributes
    ----------
    input_shape : per-sample input shape of the model.
    layer_names : (L,) the node names of the cutting steps.
    layer_ops : (L,) what they are (``"call_module ReLU 'features.2'"``).
    layer_shapes : (L,) per-sample shape of each cutting step's output.
    neuron_unit : (n_neurons,) int64 flat index of every bit's unit in its layer's
        output (the window, for max-pooling).
    neuron_entry : (n_neurons,) int64 the window entry of a max-pooling bit, the kink
        (0 lower, 1 upper) of a clamp bit, 0 for a ReLU-like bit.
    """

    input_shape: tuple[int, ...] = ()
    layer_names: tuple[str, ...] = ()
    layer_ops: tuple[str, ...] = ()
    layer_shapes: tuple[tuple[int, ...], ...] = ()
    neuron_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    neuron_entry: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _plane_rows(plane) -> tuple[torch.Tensor, tuple | None, tuple[int, ...]]:
    """(3, *input_shape) rows ``u, v, origin`` of the slice, the flat plane vectors (or
    None without a plane) and the input shape."""
    if plane is None:
        rows = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
        return rows, None, (2,)
    try:
        origin, u, v = (np.asarray(a, dtype=np.float64) for a in plane)
    except (TypeError, ValueError) as error:
        raise ValueError("plane must be a triple (origin, u, v) of arrays") from error
    if not (origin.shape == u.shape == v.shape) or origin.size < 2:
        raise ValueError(
            f"plane vectors must share the model's input shape, got {origin.shape}, "
            f"{u.shape}, {v.shape}"
        )
    if not all(np.all(np.isfinite(a)) for a in (origin, u, v)):
        raise ValueError("plane vectors must be finite")
    fu, fv = u.reshape(-1), v.reshape(-1)
    gram = np.array([[fu @ fu, fu @ fv], [fu @ fv, fv @ fv]])
    if np.linalg.det(gram) <= 1e-12 * max(gram[0, 0] * gram[1, 1], 1e-300):
        raise ValueError("plane directions u and v must be linearly independent")
    rows = torch.from_numpy(np.stack([u, v, origin]))
    flat = (origin.reshape(-1).copy(), fu.copy(), fv.copy())
    return rows, flat, origin.shape


@dataclass
class _Chunk:
    """Cells being pushed through the graph: their polygons, the live values (each
    ``(cells * 3, *shape)``) and the pattern bits of every cutting step so far."""

    rings: Rings
    env: dict[str, object]
    bits: list[np.ndarray]


class _GraphPartitioner:
    """Pushes cells through a traced graph depth first, cutting at every cutting step."""

    def __init__(self, graph: PLGraph, box: np.ndarray, max_regions: int, progress) -> None:
        self.graph = graph
        self.box = box
        self.max_regions = max_regions
        self.progress = progress
        self.cutting = graph.cutting_steps
        widths = [s.n_bits for s in self.cutting]
        starts = np.cumsum([0, *widths])[:-1].tolist()
        self.first_bit = dict(zip([s.name for s in self.cutting], starts, strict=True))
        self.layer_index = {s.name: i for i, s in enumerate(self.cutting)}
        self.unmade = pooled_relus(graph)
        self.windows = PoolingWindows()
        self.leaves: list[_Chunk] = []
        self.n_done = 0
        self.lock = threading.Lock()
        self.threads = SubtreeThreads(CUT_THREADS)

    def run(self, chunk: _Chunk, start: int, leaves: list[_Chunk]) -> None:
        """Push ``chunk`` through the steps from ``start`` on, appending its cells at the
        output to ``leaves`` in order."""
        steps = self.graph.steps
        for index in range(start, len(steps)):
            step = steps[index]
            if step.kind in ("affine", "meta"):
                chunk.env[step.name] = affine_value(step, chunk.env, _ROWS)
                self._forget(chunk.env, step, index)
                continue
            value = chunk.env[step.inputs[0]]
            cap = max(1, CUT_BYTES // (row_width(value) * 8 * _ROWS * CUT_GROWTH))
            if chunk.rings.count > cap:
                # Cut a few cells at a time: the pieces' lines and values stay small.
                count = chunk.rings.count
                slices = (
                    (self._slice(chunk, lo, min(count, lo + cap)), index)
                    for lo in range(0, count, cap)
                )
                self.threads.run_each(self.run, slices, leaves)
                return
            pieces, parent, decision = self._cut(step, chunk.rings, value)
            self._forget(chunk.env, step, index)
            self._report(step, pieces.count)
            live = (
                sum(v[0].numel() * 8 for v in chunk.env.values() if isinstance(v, torch.Tensor))
                * _ROWS
                + 2 * row_width(value) * 8 * _ROWS
            )
            per_chunk = max(1, CHUNK_BYTES // max(1, live))
            if per_chunk < pieces.count:
                subs = (
                    (
                        self._piece_chunk(
                            chunk, step, value, pieces, parent, decision, lo, per_chunk
                        ),
                        index + 1,
                    )
                    for lo in range(0, pieces.count, per_chunk)
                )
                self.threads.run_each(self.run, subs, leaves)
                return
            chunk = self._piece_chunk(chunk, step, value, pieces, parent, decision, 0, per_chunk)
        self._emit(chunk, leaves)

    def _piece_chunk(self, chunk, step, value, pieces, parent, decision, lo, size) -> _Chunk:
        """The pieces ``lo`` to ``lo + size - 1`` (at most) of a cutting step's cut of
        ``chunk``, with their values after the step and their bits."""
        hi = min(pieces.count, lo + size)
        sub = self._gather(chunk, pieces, parent, lo, hi)
        made = None
        if step.name in self.unmade:
            made = scaled_pieces(step, value, parent[lo:hi], decision[lo:hi])
        elif step.kind == "maxpool":
            position = self.windows.of(step, row_width(value))[0]
            made = pooled_values(step, value, parent[lo:hi], decision[lo:hi], position)
        if made is None:
            made = piece_value(step, value, parent[lo:hi], decision[lo:hi])
        sub.env[step.name] = made
        sub.bits.append(packed_bits(step, decision[lo:hi]))
        return sub

    def _report(self, step: GraphStep, n_pieces: int) -> None:
        if self.progress is not None:
            with self.lock:
                self.progress(self.layer_index[step.name] + 1, len(self.cutting), n_pieces)

    def _forget(self, env: dict, step: GraphStep, index: int) -> None:
        for name in step.inputs:
            if self.graph.last_use.get(name) == index and name != self.graph.output_name:
                env.pop(name, None)

    @staticmethod
    def _slice(chunk: _Chunk, lo: int, hi: int) -> _Chunk:
        """The cells ``lo`` to ``hi - 1`` of ``chunk`` (their values are views)."""
        env = {
            name: v[lo * _ROWS : hi * _ROWS]
            if isinstance(v, torch.Tensor)
            else (v.cells(lo, hi) if isinstance(v, ScaledRows) else v)
            for name, v in chunk.env.items()
        }
        return _Chunk(chunk.rings.cells(lo, hi), env, [b[lo:hi] for b in chunk.bits])

    def _gather(self, chunk: _Chunk, pieces: Rings, parent, lo: int, hi: int) -> _Chunk:
        sub_parent = parent[lo:hi]
        env = {
            name: taken_rows(v, sub_parent)
            if isinstance(v, torch.Tensor)
            else (v.taken(sub_parent) if isinstance(v, ScaledRows) else v)
            for name, v in chunk.env.items()
        }
        return _Chunk(
            pieces.cells(lo, hi), env, [np.take(b, sub_parent, axis=0) for b in chunk.bits]
        )

    def _cut(self, step: GraphStep, rings: Rings, value: torch.Tensor):
        """Pieces of ``rings`` cut by ``step``, the cell each came from, and their
        decisions."""
        if step.kind == "maxpool":
            return cut_by_windows(
                step, rings, value, self.windows, self.box, self.first_bit[step.name],
                self.n_done, self.max_regions, self.threads.kernel_threads(), _entering(step),
            )  # fmt: skip
        per_cell = rows_view(value, _ROWS).reshape(rings.count, _ROWS, -1)
        lines = [per_cell]
        if step.kind == "clamp":
            lines = []
            for bound in (step.low, step.high):
                if bound is not None:
                    shifted = per_cell.clone()
                    shifted[:, -1] -= bound
                    lines.append(shifted)
        # One set of lines is cut as the step's values are (no copy).
        pre = (lines[0] if len(lines) == 1 else torch.cat(lines, dim=2)).numpy()
        check_step_values(pre, self.box, _entering(step))
        pieces, parent, bits = self._cut_by_units(rings, pre, self.first_bit[step.name])
        b = len(parent)
        if step.kind == "relu":
            decision = torch.from_numpy(bits).reshape(b, *step.shape)
        else:
            w = step.n_units
            low = bits[:, :w] if step.low is not None else np.ones((b, w), dtype=bool)
            high = bits[:, -w:] if step.high is not None else np.zeros((b, w), dtype=bool)
            decision = torch.from_numpy(np.stack([low, high], axis=1)).reshape(b, 2, *step.shape)
        return pieces, parent, decision

    def _cut_by_units(self, rings: Rings, pre: np.ndarray, first_bit: int):
        """Cut by the lines ``pre`` (C, 3, w), :data:`UNITS_PER_CUT` units at a time.
        Returns the pieces, the cell of ``rings`` each came from and their bits (P, w)."""
        rings = Rings(rings.xy, rings.offsets, rings.label, np.arange(rings.count))
        parent = np.arange(rings.count)
        bits = np.zeros((rings.count, 0), dtype=bool)
        width = pre.shape[2]
        if width <= UNITS_PER_CUT:
            pieces, _ = cut_layer(
                rings, np.ascontiguousarray(pre), self.box, first_bit,
                max(1, self.max_regions - self.n_done), self.threads.kernel_threads(),
            )  # fmt: skip
            rings = Rings(pieces.xy, pieces.offsets, pieces.label, np.arange(pieces.count))
            return rings, pieces.cell, pieces.bits
        for lo in range(0, width, UNITS_PER_CUT):
            hi = min(width, lo + UNITS_PER_CUT)
            lines = np.ascontiguousarray(pre[parent, :, lo:hi])
            budget = self.max_regions - self.n_done
            pieces, _ = cut_layer(
                rings, lines, self.box, first_bit + lo, max(1, budget),
                self.threads.kernel_threads(),
            )  # fmt: skip
            parent = parent[pieces.cell]
            bits = np.concatenate([bits[pieces.cell], pieces.bits], axis=1)
            rings = Rings(pieces.xy, pieces.offsets, pieces.label, np.arange(pieces.count))
        return rings, parent, bits

    def _emit(self, chunk: _Chunk, leaves: list[_Chunk]) -> None:
        with self.lock:
            self.n_done += chunk.rings.count
            if self.n_done > self.max_regions:
                raise TooManyRegionsError(self.n_done, self.max_regions)
        leaves.append(chunk)


def _entering(step: GraphStep) -> str:
    """Names the values a cutting step takes, for messages: "the input of ReLU 'f.2'"."""
    node = step.op.removeprefix("call_module ").removeprefix("call_function ")
    return f"the input of {node}"


def partition_graph_2d(
    model: nn.Module,
    bounds,
    *,
    plane=None,
    layers: int | None = None,
    max_regions: int = 2_000_000,
    progress: LayerProgress | None = None,
    domain=None,
) -> GraphPartition2D:
    """Exact cells of a traced piecewise-linear ``model`` over a rectangle of a plane.

    Parameters
    ----------
    model : any model :func:`engine.pl_graph.trace_piecewise_linear` accepts.
    bounds : ``(smin, smax, tmin, tmax)`` of the rectangle.
    plane : ``(origin, u, v)`` arrays of the model's per-sample input shape; None for a
        model of two inputs.
    layers : partition with the first ``layers`` cutting steps only (default all).
    domain : optional (m, 2) counter-clockwise corners of a convex polygon inside
        ``bounds`` to partition instead of the rectangle (e.g. the triangle of three
        anchors, :func:`engine.slices.plane_through`); points outside it locate to -1.
    max_regions, progress : as for :func:`engine.partition2d.partition_2d`.

    Returns
    -------
    GraphPartition2D
        ``A (R, n_out, 2), c (R, n_out)`` map to the flattened model output, or to the
        flattened output of the last cutting step partitioned.
    """
    box = check_bounds(bounds)
    rows_in, plane_vectors, input_shape = _plane_rows(plane)
    full = trace_piecewise_linear(model, input_shape)
    n_total = len(full.cutting_steps)
    n_layers = n_total if layers is None else int(layers)
    if not 0 <= n_layers <= n_total:
        raise ValueError(f"layers must be between 0 and {n_total}, got {layers}")
    graph = full.truncated(n_layers)

    check_box_and_inputs(box, rows_in.reshape(_ROWS, -1).numpy())
    corners = _domain_corners(box, domain)
    n = len(corners)
    rings = Rings(corners, np.array([0, n]), np.full(n, -1, dtype=np.int64), np.zeros(1, int))
    partitioner = _GraphPartitioner(graph, box, max_regions, progress)
    with torch.no_grad():
        with partitioner.threads:
            partitioner.run(_Chunk(rings, {graph.input_name: rows_in}, []), 0, partitioner.leaves)
    return _assemble(partitioner, graph, box, plane_vectors, input_shape, n_layers, n_total)


def _domain_corners(box: np.ndarray, domain) -> np.ndarray:
    """(m, 2) corners of the domain: ``domain`` checked, or the rectangle ``box``."""
    if domain is None:
        return np.array([[box[0], box[2]], [box[1], box[2]], [box[1], box[3]], [box[0], box[3]]])
    corners = np.asarray(domain, dtype=np.float64).reshape(-1, 2)
    edges = np.roll(corners, -1, axis=0) - corners
    turns = (
        edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1]
        - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    )
    slack = 1e-12 * max(1.0, float(np.abs(box).max()))
    inside = np.all(corners >= box[[0, 2]] - slack) and np.all(corners <= box[[1, 3]] + slack)
    if len(corners) < 3 or not np.all(np.isfinite(corners)) or not np.all(turns > 0) or not inside:
        raise ValueError("the domain must be a convex counter-clockwise polygon inside the bounds")
    return np.ascontiguousarray(corners)


def _assemble(partitioner, graph, box, plane_vectors, input_shape, n_layers, n_total):
    leaves = partitioner.leaves
    lengths = np.concatenate([np.diff(c.rings.offsets) for c in leaves])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    xy = np.concatenate([c.rings.xy for c in leaves])
    labels = np.concatenate([c.rings.label for c in leaves])
    cutting = graph.cutting_steps
    n_bits = [s.n_bits for s in cutting]
    widths = np.array(n_bits, dtype=np.int64)
    # Zeroed pages come from the system as they are first written.
    packed_patterns = np.zeros((len(lengths), (int(widths.sum()) + 7) // 8), dtype=np.uint8)
    byte_start = np.concatenate([[0], np.cumsum((widths + 7) // 8)[:-1]]).astype(np.int64)
    first_row = np.cumsum([0, *(leaf.rings.count for leaf in leaves)])[:-1].tolist()

    def join(lo: int, hi: int) -> None:
        for leaf, row in zip(leaves[lo:hi], first_row[lo:hi], strict=True):
            packed = np.concatenate(leaf.bits, axis=1) if leaf.bits else np.zeros((0, 0), np.uint8)
            leaf.bits.clear()
            graph_kernels.join_packed_bits(packed, byte_start, widths, packed_patterns, row)

    in_ranges(len(leaves), min(len(leaves), CUT_THREADS), join)
    # The maps go straight into A and c, leaf by leaf: no whole (R, 3, n_out) copy.
    n_out = leaves[0].env[graph.output_name][0].numel()
    A = np.empty((len(lengths), n_out, 2))
    c = np.empty((len(lengths), n_out))
    for leaf, row in zip(leaves, first_row, strict=True):
        maps = rows_view(leaf.env.pop(graph.output_name), _ROWS).reshape(
            leaf.rings.count, _ROWS, -1
        )
        maps = maps.numpy()
        check_step_values(maps, box, "the output")
        A[row : row + len(maps)] = maps[:, :2, :].transpose(0, 2, 1)
        c[row : row + len(maps)] = maps[:, 2, :]
    unit, entry = [], []
    for s in cutting:
        if s.kind == "maxpool":
            k = s.windows.shape[1]
            unit.append(np.repeat(np.arange(s.n_units), k))
            entry.append(np.tile(np.arange(k), s.n_units))
        else:
            kinks = (
                [0]
                if s.kind == "relu"
                else [k for k, bound in enumerate((s.low, s.high)) if bound is not None]
            )
            unit.append(np.tile(np.arange(s.n_units), len(kinks)))
            entry.append(np.repeat(kinks, s.n_units))
    n_ring = len(xy)
    return GraphPartition2D(
        bounds=box,
        vertices=xy,
        offsets=offsets,
        indices=np.arange(n_ring, dtype=np.int64),
        edge_neuron=labels,
        packed_patterns=packed_patterns,
        layer_of_neuron=np.repeat(np.arange(len(cutting)), n_bits).astype(np.int64),
        A=A,
        c=c,
        n_layers=n_layers,
        n_layers_total=n_total,
        plane=plane_vectors,
        input_shape=tuple(input_shape),
        layer_names=tuple(s.name for s in cutting),
        layer_ops=tuple(s.op for s in cutting),
        layer_shapes=tuple(s.shape for s in cutting),
        neuron_unit=np.concatenate(unit).astype(np.int64) if unit else np.zeros(0, np.int64),
        neuron_entry=np.concatenate(entry).astype(np.int64) if entry else np.zeros(0, np.int64),
    )
