"""Piecewise-linear networks: validation, float64 layer extraction, random MLPs.

A network Splinescope can analyse is a ``torch.nn.Sequential`` of ``nn.Linear`` layers
and piecewise-linear activations (``nn.ReLU``, ``nn.LeakyReLU``, :class:`Abs`), optionally
starting with ``nn.Flatten``. :func:`network_layers` turns such a model into plain float64
numpy arrays, which is what every geometric routine of the engine works on; it also takes
those arrays themselves (a :class:`NetworkLayers`), so code that builds its network in
numpy (:func:`random_mlp_layers`) never needs torch.

This module imports torch only when it is given a torch model (a second of start-up a
page's first result need not wait for). The torch modules, :class:`Abs`,
:func:`make_activation` and :func:`random_mlp`, live in :mod:`engine.torch_networks` and
are importable from here as before.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.activations import ACTIVATIONS as ACTIVATIONS
from engine.activations import NEGATIVE_SLOPES, check_activation
from engine.torch_draws import TorchGenerator

if TYPE_CHECKING:
    from torch import nn

#: Names importable from here that live in :mod:`engine.torch_networks` (they need torch).
_TORCH_NAMES = ("Abs", "make_activation", "random_mlp")


def __getattr__(name: str):
    """:class:`Abs`, :func:`make_activation` and :func:`random_mlp`, importing torch."""
    if name in _TORCH_NAMES:
        from engine import torch_networks

        return getattr(torch_networks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NotAnMlpError(ValueError):
    """The model is not an ``nn.Sequential`` MLP of Linear layers and piecewise-linear
    activations (the traced-graph engine, :mod:`engine.partition_graph`, may take it)."""


class InputRangeError(ValueError):
    """An input outside what the engine computes exactly in float64; ``str(error)`` says
    what to change. The rules are in :mod:`engine.input_checks`, which raises it."""


@dataclass(frozen=True)
class HiddenLayer:
    """One affine layer followed by a piecewise-linear activation.

    Attributes
    ----------
    weight : (n_neurons, n_in) float64
    bias : (n_neurons,) float64
    activation : one of ``"relu"``, ``"leaky_relu"``, ``"abs"``
    negative_slope : slope used where the pre-activation is negative
        (0 for ReLU, the LeakyReLU slope, -1 for absolute value).
    """

    weight: np.ndarray
    bias: np.ndarray
    activation: str
    negative_slope: float

    @property
    def n_neurons(self) -> int:
        return self.weight.shape[0]


@dataclass(frozen=True)
class NetworkLayers:
    """A validated network as float64 arrays.

    Attributes
    ----------
    hidden : the hidden layers, input side first.
    out_weight : (n_out, n_last) float64, the final affine layer (identity if the
        model ends with an activation).
    out_bias : (n_out,) float64
    n_inputs : input dimension.
    """

    hidden: tuple[HiddenLayer, ...]
    out_weight: np.ndarray
    out_bias: np.ndarray
    n_inputs: int

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(layer.n_neurons for layer in self.hidden)

    @property
    def n_neurons(self) -> int:
        return sum(self.widths)

    @property
    def n_outputs(self) -> int:
        return self.out_weight.shape[0]

    def layer_of_neuron(self) -> np.ndarray:
        """(n_neurons,) int: the hidden layer (0-based) of every neuron, in pattern order."""
        return np.repeat(np.arange(len(self.hidden)), self.widths)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Float64 forward pass.

        Parameters
        ----------
        x : (M, n_inputs) points.

        Returns
        -------
        output : (M, n_out) network output.
        pre_activations : (M, n_neurons) every hidden pre-activation, layer by layer.
        """
        h = np.asarray(x, dtype=np.float64)
        pre = []
        for layer in self.hidden:
            z = h @ layer.weight.T + layer.bias
            pre.append(z)
            h = np.where(z > 0, z, layer.negative_slope * z)
        out = h @ self.out_weight.T + self.out_bias
        width = sum(p.shape[1] for p in pre)
        pre_all = np.concatenate(pre, axis=1) if pre else np.zeros((h.shape[0], width))
        return out, pre_all

    def activation_pattern(self, x: np.ndarray) -> np.ndarray:
        """(M, n_neurons) bool: which hidden neurons are on (pre-activation > 0) at ``x``."""
        return self.forward(x)[1] > 0


def _activation_of(module: nn.Module) -> tuple[str, float] | None:
    from torch import nn

    from engine.torch_networks import Abs

    if isinstance(module, nn.ReLU):
        return "relu", 0.0
    if isinstance(module, nn.LeakyReLU):
        return "leaky_relu", float(module.negative_slope)
    if isinstance(module, Abs):
        return "abs", -1.0
    return None


#: The layers :func:`reusing_layers` lends to :func:`network_layers`, per thread.
_lent = threading.local()


@contextmanager
def reusing_layers(model: nn.Module, layers: NetworkLayers) -> Iterator[None]:
    """Inside the block, :func:`network_layers` of ``model`` (the same object, on this
    thread) returns ``layers`` instead of converting the weights again: a check that
    already read the network lends it to the computation it guards."""
    previous = getattr(_lent, "entry", None)
    _lent.entry = (model, layers)
    try:
        yield
    finally:
        _lent.entry = previous


def network_layers(model: nn.Module | NetworkLayers) -> NetworkLayers:
    """Validate ``model`` and extract its layers as float64 arrays (a
    :class:`NetworkLayers` is returned as it is).

    Raises
    ------
    ValueError
        If ``model`` is not an ``nn.Sequential`` of ``nn.Linear`` layers and
        piecewise-linear activations (``nn.Flatten`` allowed first; then the
        :class:`NotAnMlpError` subclass), or has non-finite weights; the message names
        the offending layer and says why. :class:`InputRangeError` when two Linear
        layers in a row compose into weights that overflow.
    """
    if isinstance(model, NetworkLayers):
        return model
    lent = getattr(_lent, "entry", None)
    if lent is not None and lent[0] is model:
        return lent[1]
    if "torch" not in sys.modules:  # then it cannot be a torch model
        raise NotAnMlpError(
            f"expected a torch.nn.Sequential of Linear layers and piecewise-linear "
            f"activations, got {type(model).__name__}"
        )
    import torch
    from torch import nn

    if not isinstance(model, nn.Sequential):
        raise NotAnMlpError(
            f"expected a torch.nn.Sequential of Linear layers and piecewise-linear "
            f"activations, got {type(model).__name__}"
        )
    modules = list(model)
    if modules and isinstance(modules[0], nn.Flatten):
        modules = modules[1:]
    if not modules:
        raise ValueError("the network has no layers")

    affine: list[tuple[np.ndarray, np.ndarray]] = []
    activations: list[tuple[str, float] | None] = []
    for index, module in enumerate(modules):
        name = f"layer {index} ({module.__class__.__name__})"
        if isinstance(module, nn.Linear):
            weight = module.weight.detach().to(torch.float64).cpu().numpy().copy()
            if module.bias is not None:
                bias = module.bias.detach().to(torch.float64).cpu().numpy().copy()
            else:
                bias = np.zeros(weight.shape[0])
            if not (np.all(np.isfinite(weight)) and np.all(np.isfinite(bias))):
                raise ValueError(f"{name} has NaN or infinite weights")
            if len(affine) > len(activations):
                # Two affine layers in a row compose into one.
                w0, b0 = affine.pop()
                with np.errstate(over="ignore", invalid="ignore"):
                    weight, bias = weight @ w0, weight @ b0 + bias
                if not (np.all(np.isfinite(weight)) and np.all(np.isfinite(bias))):
                    raise InputRangeError(
                        f"{name} and the Linear layer before it compose into weights past "
                        "float64's range: scale their weights down."
                    )
            affine.append((weight, bias))
            continue
        activation = _activation_of(module)
        if activation is None:
            raise NotAnMlpError(
                f"{name} is not supported: Splinescope needs piecewise-linear activations "
                f"(ReLU, LeakyReLU, Abs) between Linear layers"
            )
        if len(affine) == len(activations):
            raise NotAnMlpError(f"{name} must follow a Linear layer")
        activations.append(activation)

    for (w_prev, _), (w_next, _) in itertools.pairwise(affine):
        if w_prev.shape[0] != w_next.shape[1]:
            raise ValueError(
                f"Linear layers do not chain: {w_prev.shape[0]} outputs feed "
                f"{w_next.shape[1]} inputs"
            )

    n_inputs = affine[0][0].shape[1]
    hidden = tuple(
        HiddenLayer(w, b, kind, slope)
        for (w, b), (kind, slope) in zip(affine, activations, strict=False)
    )
    if len(affine) > len(activations):
        out_weight, out_bias = affine[-1]
    else:
        out_weight = np.eye(hidden[-1].n_neurons)
        out_bias = np.zeros(hidden[-1].n_neurons)
    return NetworkLayers(hidden, out_weight, out_bias, n_inputs)


def random_mlp_layers(
    widths: Sequence[int],
    *,
    n_inputs: int = 2,
    n_outputs: int = 2,
    seed: int = 0,
    activation: str = "relu",
    bias_std: float = 0.1,
    single: bool = False,
) -> NetworkLayers:
    """The layers of ``random_mlp(widths, ..., seed=seed)``, bit for bit, without torch.

    The weights are drawn as :func:`engine.torch_networks.random_mlp` draws them (the
    same seeded generator, the same order; :class:`engine.torch_draws.TorchGenerator`),
    in float32 when ``single`` (its ``dtype=torch.float32``, as training starts), else
    float64, and returned in float64.

    Returns
    -------
    NetworkLayers : hidden layers ``(width, fan_in)`` weights and ``(width,)`` biases, then
    the ``(n_outputs, widths[-1])`` output layer.
    """
    if any(int(w) < 1 for w in widths):
        raise ValueError(f"hidden widths must be positive integers, got {list(widths)}")
    check_activation(activation)
    generator = TorchGenerator(seed)
    dtype = np.float32 if single else np.float64
    affine = []
    fan_in = int(n_inputs)
    for width in [*(int(w) for w in widths), int(n_outputs)]:
        weight = generator.normal(width * fan_in, float(np.sqrt(2.0 / fan_in)), dtype)
        bias = generator.normal(width, bias_std, dtype)
        affine.append((weight.reshape(width, fan_in).astype(np.float64), bias.astype(np.float64)))
        fan_in = width
    slope = NEGATIVE_SLOPES[activation]
    hidden = tuple(HiddenLayer(w, b, activation, slope) for w, b in affine[:-1])
    return NetworkLayers(hidden, affine[-1][0], affine[-1][1], int(n_inputs))


#: How each activation is named on screen.
ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "abs": "absolute value"}


def identical_layers(a: NetworkLayers, b: NetworkLayers) -> bool:
    """Whether two networks have the same layers, bit for bit."""
    if len(a.hidden) != len(b.hidden) or a.n_inputs != b.n_inputs:
        return False
    pairs = [(a.out_weight, b.out_weight), (a.out_bias, b.out_bias)]
    for x, y in zip(a.hidden, b.hidden, strict=True):
        if (x.activation, x.negative_slope) != (y.activation, y.negative_slope):
            return False
        pairs += [(x.weight, y.weight), (x.bias, y.bias)]
    return all(np.array_equal(x, y) for x, y in pairs)


def describe_network(model: nn.Sequential | NetworkLayers) -> str:
    """``2 → 16 → 16 → 2 · ReLU``: the widths and activation of ``model``."""
    layers = network_layers(model)
    widths = [layers.n_inputs, *layers.widths, layers.n_outputs]
    kinds = {ACTIVATION_NAMES[layer.activation] for layer in layers.hidden}
    return " → ".join(str(w) for w in widths) + " · " + ", ".join(sorted(kinds))
