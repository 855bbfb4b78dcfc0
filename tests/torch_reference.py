"""The model evaluated independently with torch in float64: the evidence the partition
tests compare the engine with."""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn

from engine.networks import Abs

ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, Abs)

#: A pre-activation this small relative to its terms is rounding noise: its sign is not
#: evidence. (It happens where a neuron is identically zero on a whole cell, e.g. when
#: it adds and subtracts the same upstream activations.)
AMBIGUOUS = 1e-12


def lift(points: np.ndarray, plane) -> np.ndarray:
    """Domain coordinates (M, k) -> network inputs, through ``plane = (origin, *k dirs)``."""
    if plane is None:
        return np.atleast_2d(np.asarray(points, dtype=np.float64))
    origin, *directions = (np.asarray(a, dtype=np.float64) for a in plane)
    points = np.asarray(points, dtype=np.float64).reshape(-1, len(directions))
    return origin + points @ np.stack(directions)


def torch_modules(model: nn.Sequential) -> list[nn.Module]:
    return [m for m in model if not isinstance(m, nn.Flatten)]


def hidden_widths(model: nn.Sequential) -> list[int]:
    mods = torch_modules(model)
    return [
        m.out_features
        for m, nxt in itertools.pairwise(mods)
        if isinstance(m, nn.Linear) and isinstance(nxt, ACTIVATIONS)
    ]


def torch_eval(model, points, plane=None, n_layers=None):
    """Output of the model (or of its hidden layer ``n_layers``, after activation)."""
    x = torch.from_numpy(lift(points, plane))
    with torch.no_grad():
        if n_layers is None:
            return model(x).numpy()
        seen = 0
        for m in torch_modules(model):
            if seen == n_layers:
                break
            x = m(x)
            if isinstance(m, ACTIVATIONS):
                seen += 1
        return x.numpy()


def torch_pre_activations(model, points, plane=None):
    """(M, n_neurons) hidden pre-activations and (M, n_neurons) their rounding scale.

    The scale is the same forward pass with every weight, bias and activation replaced
    by its absolute value: the size of the terms summed into each pre-activation.
    """
    x = torch.from_numpy(lift(points, plane))
    mag = x.abs()
    pre, scale = [], []
    mods = torch_modules(model)
    with torch.no_grad():
        for m, nxt in zip(mods, [*mods[1:], None], strict=True):
            if isinstance(m, nn.Linear):
                z = m(x)
                s = mag @ m.weight.abs().T + m.bias.abs()
                if isinstance(nxt, ACTIVATIONS):
                    pre.append(z)
                    scale.append(s)
                x, mag = z, s
            else:
                x = m(x)
                mag = mag * max(1.0, abs(getattr(m, "negative_slope", 1.0)))
    if not pre:
        return np.zeros((len(x), 0)), np.zeros((len(x), 0))
    return torch.cat(pre, 1).numpy(), torch.cat(scale, 1).numpy()


def torch_patterns(model, points, plane=None):
    return torch_pre_activations(model, points, plane)[0] > 0


def pattern_mismatch(model, points, patterns, plane=None) -> np.ndarray:
    """(M,) True where the model's pattern at ``points[i]`` contradicts ``patterns[i]``.

    Only neurons whose pre-activation is clearly nonzero count as evidence.
    """
    pre, mag = torch_pre_activations(model, points, plane)
    n = patterns.shape[1]
    pre, mag = pre[:, :n], mag[:, :n]
    clear = np.abs(pre) > AMBIGUOUS * np.maximum(1.0, mag)
    return np.any(clear & ((pre > 0) != patterns), axis=1)


#: Cell maps must reproduce the model to this relative error.
MAP_RTOL = 1e-9


def assert_maps_match_model(part, model, points, cells, plane, n_layers, what):
    """Each cell's affine map ``A, c`` reproduces the model (or its hidden layer
    ``n_layers``) at ``points`` in ``cells`` to :data:`MAP_RTOL` relative."""
    expected = torch_eval(model, points, plane, n_layers)
    got = np.einsum("moi,mi->mo", np.asarray(part.A)[cells], points) + np.asarray(part.c)[cells]
    assert got.shape == expected.shape, (got.shape, expected.shape)
    err = np.max(np.abs(got - expected), axis=1)
    allowed = MAP_RTOL * np.maximum(1.0, np.max(np.abs(expected), axis=1))
    bad = np.flatnonzero(err > allowed)
    assert bad.size == 0, (
        f"{what}: cell maps miss the model at {bad.size} points, e.g. x={points[bad[0]]} "
        f"cell={cells[bad[0]]} got={got[bad[0]]} model={expected[bad[0]]}"
    )


def torch_patterns_and_outputs(model: nn.Sequential, x: np.ndarray):
    """(M, n_neurons) bool pre-activation > 0 and (M, n_out) outputs, by torch in float64."""
    h = torch.as_tensor(x, dtype=torch.float64)
    bits = []
    modules = [m for m in model if not isinstance(m, nn.Flatten)]
    with torch.no_grad():
        for index, module in enumerate(modules):
            h = module.double()(h)
            nxt = modules[index + 1] if index + 1 < len(modules) else None
            if isinstance(module, nn.Linear) and isinstance(nxt, (nn.ReLU, nn.LeakyReLU, Abs)):
                bits.append((h > 0).numpy())
    return np.concatenate(bits, axis=1), h.numpy()


def torch_classes(model: nn.Module, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M,) class the model predicts at ``points`` (torch, float64) and (M,) its margin.

    Several outputs: the argmax, and the top output minus the runner-up. One output
    ``f`` (a binary logit): class 1 where ``f > 0``, and ``|f|``.
    """
    outputs = torch_eval(model, points)
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0).astype(np.int64), np.abs(outputs[:, 0])
    top_two = np.sort(outputs, axis=1)[:, -2:]
    return outputs.argmax(axis=1).astype(np.int64), top_two[:, 1] - top_two[:, 0]
