"""The torch side of :mod:`engine.networks`: the :class:`Abs` activation, activation
modules by name and seeded random MLPs as ``nn.Sequential`` models.

Importing this module imports torch; :mod:`engine.networks` (which re-exports these
names) does not until they are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from engine.activations import check_activation


class Abs(nn.Module):
    """Absolute-value activation, ``|x|``: piecewise linear with one kink at 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.abs(x)


# Saved models and messages name it where it always was.
Abs.__module__ = "engine.networks"


def make_activation(kind: str, negative_slope: float = 0.01) -> nn.Module:
    """A fresh activation module for ``kind`` in :data:`engine.activations.ACTIVATIONS`."""
    if kind == "relu":
        return nn.ReLU()
    if kind == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    check_activation(kind)
    return Abs()


def random_mlp(
    widths: Sequence[int],
    *,
    n_inputs: int = 2,
    n_outputs: int = 2,
    seed: int = 0,
    activation: str = "relu",
    bias_std: float = 0.1,
    dtype: torch.dtype = torch.float64,
) -> nn.Sequential:
    """A He-initialised MLP ``n_inputs -> widths... -> n_outputs``.

    Weights are drawn from N(0, 2 / fan_in), biases from N(0, bias_std^2), with a
    ``torch.Generator`` seeded by ``seed``, so the same arguments give the same network
    (:func:`engine.networks.random_mlp_layers` gives its layers without torch).
    """
    if any(int(w) < 1 for w in widths):
        raise ValueError(f"hidden widths must be positive integers, got {list(widths)}")
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    fan_in = n_inputs
    for width in [*widths, n_outputs]:
        linear = nn.Linear(fan_in, int(width), dtype=dtype)
        with torch.no_grad():
            linear.weight.normal_(0.0, float(np.sqrt(2.0 / fan_in)), generator=generator)
            linear.bias.normal_(0.0, bias_std, generator=generator)
        layers.append(linear)
        layers.append(make_activation(activation))
        fan_in = int(width)
    layers.pop()
    return nn.Sequential(*layers)


def torch_model(layers) -> nn.Sequential:
    """The float64 ``nn.Sequential`` of :class:`engine.networks.NetworkLayers` ``layers``:
    its Linear layers carry exactly their weights."""
    modules: list[nn.Module] = []
    for hidden in layers.hidden:
        modules.append(_linear(hidden.weight, hidden.bias))
        modules.append(make_activation(hidden.activation, hidden.negative_slope))
    modules.append(_linear(layers.out_weight, layers.out_bias))
    return nn.Sequential(*modules)


def _linear(weight: np.ndarray, bias: np.ndarray) -> nn.Linear:
    linear = nn.Linear(weight.shape[1], weight.shape[0], dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.asarray(weight, dtype=np.float64)))
        linear.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float64)))
    return linear
