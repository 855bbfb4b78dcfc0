"""The affine piece of any traced piecewise-linear model around one input, exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.pl_graph import trace_piecewise_linear
from engine.pl_slice import push_rows
from engine.pl_steps import PLGraph


@dataclass(frozen=True)
class LocalAffineMap:
    """The affine piece of a model around a point ``x``: ``f(y) = jacobian @ y + offset``
    for ``y`` in the cell of ``x``.

    Attributes
    ----------
    output : (n_out,) float64 the model output at ``x`` (flattened).
    jacobian : (n_out, d) float64, d the flattened input size.
    offset : (n_out,) float64 ``output - jacobian @ x``.
    pattern : (n_bits,) bool the pattern of ``x``: every cutting step's bits in order.
    """

    output: np.ndarray
    jacobian: np.ndarray
    offset: np.ndarray
    pattern: np.ndarray


def local_affine_map(model: nn.Module | PLGraph, x) -> LocalAffineMap:
    """The affine map of ``model`` on the cell of the input ``x`` (an array of the
    model's per-sample input shape), computed exactly in float64."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float64))
    graph = model if isinstance(model, PLGraph) else trace_piecewise_linear(model, x.shape)
    d = x.numel()
    rows_in = torch.cat([torch.eye(d, dtype=torch.float64), x.reshape(1, d)]).reshape(
        d + 1, *graph.input_shape
    )
    with torch.no_grad():
        out, bits = push_rows(graph, rows_in, d + 1)
    out = out.reshape(d + 1, -1).numpy()
    jacobian = np.ascontiguousarray(out[:-1].T)
    output = out[-1].copy()
    pattern = np.concatenate([b[0] for b in bits]) if bits else np.zeros(0, dtype=bool)
    return LocalAffineMap(output, jacobian, output - jacobian @ x.reshape(-1).numpy(), pattern)
