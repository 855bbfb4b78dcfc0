"""Affine maps pushed forward through a traced piecewise-linear model, in float64.

Inside one cell of a slice ``x = origin + s u + t v`` every value of the model is affine
in ``(s, t)``. A batch of cells' values at a step is a tensor ``(B * r, *shape)``: ``r``
rows per cell, the first ``r - 1`` the derivatives along the slice's directions and the
last the value at the slice's origin (``r = 3`` for a plane). Affine steps apply their
linear part to every row (a convolution runs on the ``3 B`` "images" at once, never as a
dense matrix) and add their bias to the last row. A cutting step needs a *decision* per
cell, which is what the partition computes by cutting the cell:

- ``"relu"``: (B, *shape) bool, the unit is on (its input > 0);
- ``"clamp"``: (B, 2, *shape) bool, the input is above ``low`` / above ``high``;
- ``"maxpool"``: (B, *shape) int64, the window entry that holds the maximum.

At a single point the decisions are read off the value itself (:func:`point_decision`),
which gives the model's forward pass and its local affine map (:func:`local_affine_map`).
"""

from __future__ import annotations

import numpy as np
import torch

from engine.pl_steps import Env, GraphStep, PLGraph


def rows_view(value: torch.Tensor, rows: int) -> torch.Tensor:
    """(B, r, *shape) view of a (B * r, *shape) batch."""
    return value.view(-1, rows, *value.shape[1:])


def affine_value(step: GraphStep, env: Env, rows: int) -> object:
    """The value of an affine or meta step on the batches in ``env`` (rows per cell)."""
    value = step.compute(env)
    if step.kind == "meta" or step.bias is None:
        return value
    if value.shape[0] % rows:
        raise ValueError(f"node '{step.name}' ({step.op}) changed the batch size")
    if _shares_memory(value, env, step):
        value = value.clone()
    rows_view(value, rows)[:, -1] += step.bias
    return value


def _shares_memory(value: torch.Tensor, env: Env, step: GraphStep) -> bool:
    storage = value.untyped_storage().data_ptr()
    return any(
        isinstance(env[i], torch.Tensor) and env[i].untyped_storage().data_ptr() == storage
        for i in step.inputs
    )


def entries(step: GraphStep, value: torch.Tensor, rows: int) -> torch.Tensor:
    """(B, r, C, n_positions, k) the entries of every max-pooling window (padding entries
    repeat the window's first valid entry, which never changes the maximum)."""
    windows = filled_windows(step.windows)
    grid = rows_view(value, rows).flatten(3).contiguous().numpy()  # (B, r, C, S)
    # numpy's take gathers many times faster than torch's indexing on a last axis.
    flat = np.take(grid, windows.reshape(-1), axis=3)
    return torch.from_numpy(flat.reshape(*grid.shape[:3], *windows.shape))


def filled_windows(windows: np.ndarray) -> np.ndarray:
    """(P, k) int64 ``windows`` with every padding entry (-1) replaced by the window's
    first valid entry."""
    first_valid = np.argmax(windows >= 0, axis=1)
    fill = windows[np.arange(len(windows)), first_valid]
    return np.where(windows >= 0, windows, fill[:, None])


def cutting_value(
    step: GraphStep, value: torch.Tensor, rows: int, decision: torch.Tensor
) -> torch.Tensor:
    """(B * r, *out_shape) output of a cutting step given the cells' decisions."""
    v = rows_view(value, rows)
    if step.kind == "relu":
        factor = torch.where(decision, torch.ones((), dtype=v.dtype), step.slope)
        return (v * factor[:, None]).reshape(-1, *value.shape[1:])
    if step.kind == "clamp":
        above_low, above_high = decision[:, 0], decision[:, 1]
        inside = above_low & ~above_high
        out = v * inside[:, None]
        const = out[:, -1]
        if step.low is not None:
            const[~above_low] = step.low
        if step.high is not None:
            const[above_high] = step.high
        return out.reshape(-1, *value.shape[1:])
    if step.kind == "maxpool":
        # The input position of every window's chosen entry, gathered from each row.
        windows = filled_windows(step.windows)  # (P, k)
        b, channels = decision.shape[0], step.shape[0]
        slot = decision.reshape(b, channels, -1).numpy()  # (B, C, P)
        position = windows[np.arange(windows.shape[0]), slot]  # (B, C, P)
        grid = v.reshape(b, rows, -1).numpy()  # (B, r, C * S)
        size = grid.shape[2] // channels
        flat = (position + size * np.arange(channels)[:, None]).reshape(b, 1, -1)
        chosen = np.take_along_axis(grid, np.broadcast_to(flat, (b, rows, flat.shape[2])), 2)
        return torch.from_numpy(np.ascontiguousarray(chosen)).reshape(-1, *step.shape)
    raise ValueError(f"step '{step.name}' of kind {step.kind} does not cut")


def point_decision(step: GraphStep, value: torch.Tensor, rows: int) -> torch.Tensor:
    """The decisions of a cutting step at the points held in the last row of each cell."""
    at = rows_view(value, rows)[:, -1]
    if step.kind == "relu":
        return at > 0
    if step.kind == "clamp":
        low = at > step.low if step.low is not None else torch.ones_like(at, dtype=torch.bool)
        high = at > step.high if step.high is not None else torch.zeros_like(at, dtype=torch.bool)
        return torch.stack([low, high], dim=1)
    e = entries(step, value, rows)[:, -1]  # (B, C, P, k)
    # The first largest entry, as torch's max-pooling picks it.
    is_max = e == e.max(dim=-1, keepdim=True).values
    valid = torch.from_numpy(step.windows >= 0)
    slot = torch.argmax((is_max & valid).to(torch.int8), dim=-1)
    return slot.reshape(-1, *step.shape)


def decision_bits(step: GraphStep, decision: torch.Tensor) -> np.ndarray:
    """(B, n_bits) bool pattern bits of a cutting step's decisions."""
    b = decision.shape[0]
    if step.kind == "relu":
        return decision.reshape(b, -1).numpy()
    if step.kind == "clamp":
        kinks = [k for k, bound in enumerate((step.low, step.high)) if bound is not None]
        return decision[:, kinks].reshape(b, -1).numpy()
    k = step.windows.shape[1]
    slot = decision.reshape(b, -1).numpy()
    bits = np.zeros((b, slot.shape[1], k), dtype=bool)
    np.put_along_axis(bits, slot[..., None], True, axis=2)
    return bits.reshape(b, -1)


def point_value(step: GraphStep, env: Env) -> object:
    """The value of ``step`` on batches of single points (one row each)."""
    if step.kind in ("affine", "meta"):
        return affine_value(step, env, 1)
    value = env[step.inputs[0]]
    return cutting_value(step, value, 1, point_decision(step, value, 1))


def push_rows(graph: PLGraph, rows_in: torch.Tensor, rows: int):
    """Push ``rows_in`` (B * r, *input_shape) through ``graph``, deciding every cutting
    step at the last row of each cell. Returns the output (B * r, *output_shape) and the
    pattern bits (B, n_bits) of every cutting step."""
    env: Env = {graph.input_name: rows_in}
    bits = []
    for index, step in enumerate(graph.steps):
        if step.kind in ("affine", "meta"):
            env[step.name] = affine_value(step, env, rows)
        else:
            value = env[step.inputs[0]]
            decision = point_decision(step, value, rows)
            bits.append(decision_bits(step, decision))
            env[step.name] = cutting_value(step, value, rows, decision)
        for name in step.inputs:
            if graph.last_use.get(name) == index and name != graph.output_name:
                del env[name]
    return env[graph.output_name], bits


def point_forward(graph: PLGraph, x: torch.Tensor) -> torch.Tensor:
    """(N, *output_shape) the model output at the points ``x`` (N, *input_shape)."""
    with torch.no_grad():
        return push_rows(graph, torch.as_tensor(x, dtype=torch.float64), 1)[0]
