"""A network as plain data: a JSON-able layer list plus named tensors, and back.

:func:`network_spec` describes an analysable ``nn.Sequential`` (``nn.Linear``, ReLU,
LeakyReLU, :class:`engine.networks.Abs`, an optional leading ``nn.Flatten``) as a list of
small dicts; :func:`network_tensors` names its weights ``layer{i}.weight`` and
``layer{i}.bias``. :func:`build_network` rebuilds the model from both and checks
everything a file could get wrong (unknown or non-piecewise-linear layers, shapes that
do not chain, NaN or infinite weights), raising :class:`NetworkSpecError` with a message
for the user. Nothing here runs code from the data: the spec is a whitelist.

A file also cannot ask for more than the app can show: :func:`check_network_size` bounds
the depth (:data:`MAX_HIDDEN_LAYERS`, so nothing the GUI makes per layer, a legend entry,
a colour, a slider tick, grows without bound), every hidden layer's width
(:data:`MAX_HIDDEN_WIDTH`), the input and output widths (:data:`MAX_FEATURES`) and the
parameter count (:data:`MAX_PARAMETERS`), all from the spec, before a tensor is read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from engine.networks import ACTIVATIONS, Abs, network_layers

#: Layer kinds a spec may hold. Everything else is refused with a message.
LAYER_KINDS = ("linear", "flatten", *ACTIVATIONS)
#: Activations people try to load that are not piecewise linear (named in the message).
_SMOOTH_ACTIVATIONS = ("tanh", "sigmoid", "gelu", "silu", "swish", "softplus", "elu", "selu")
_CONVOLUTIONS = ("conv1d", "conv2d", "conv3d", "conv", "convolution", "maxpool2d", "avgpool2d")
#: Largest input or output a spec may declare (an accident, not a network, beyond this).
MAX_FEATURES = 1 << 20
#: Most hidden layers (activations) a network from a file may have: deeper than anything
#: the layer-by-layer views can show one layer at a time.
MAX_HIDDEN_LAYERS = 64
#: Most layer entries a spec may hold: every hidden layer's Linear and activation, a
#: leading Flatten and the output Linear, with room for Linear layers that compose.
MAX_SPEC_ENTRIES = 4 * MAX_HIDDEN_LAYERS
#: Widest hidden layer (a partition keeps a bit per neuron per cell).
MAX_HIDDEN_WIDTH = 16_384
#: Most weights and biases in all (256 MB in float64, the size cap of a weights file).
MAX_PARAMETERS = 1 << 25
_FLOAT_TYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class NetworkSpecError(ValueError):
    """A network description that cannot be turned into an analysable network."""


def network_spec(model: nn.Sequential) -> list[dict]:
    """The layers of ``model`` as JSON-able dicts, input side first.

    Each dict has ``"kind"`` (one of :data:`LAYER_KINDS`); a linear layer adds
    ``"in_features"``, ``"out_features"`` and ``"bias"``; a LeakyReLU adds
    ``"negative_slope"``. Raises ValueError (naming the layer) for a model the engine
    cannot analyse.
    """
    network_layers(model)  # the engine's own validation and its messages
    spec: list[dict] = []
    for module in model:
        if isinstance(module, nn.Linear):
            spec.append(
                {
                    "kind": "linear",
                    "in_features": int(module.in_features),
                    "out_features": int(module.out_features),
                    "bias": module.bias is not None,
                }
            )
        elif isinstance(module, nn.LeakyReLU):
            spec.append({"kind": "leaky_relu", "negative_slope": float(module.negative_slope)})
        elif isinstance(module, nn.ReLU):
            spec.append({"kind": "relu"})
        elif isinstance(module, Abs):
            spec.append({"kind": "abs"})
        else:  # network_layers allows only a leading Flatten besides these
            spec.append({"kind": "flatten"})
    return spec


def network_tensors(model: nn.Sequential) -> dict[str, torch.Tensor]:
    """The weights of ``model``'s linear layers, ``layer{i}.weight`` / ``layer{i}.bias``
    with ``i`` the module's position; detached, contiguous copies in their own dtype."""
    tensors: dict[str, torch.Tensor] = {}
    for index, module in enumerate(model):
        if isinstance(module, nn.Linear):
            tensors[f"layer{index}.weight"] = module.weight.detach().clone().contiguous()
            if module.bias is not None:
                tensors[f"layer{index}.bias"] = module.bias.detach().clone().contiguous()
    return tensors


def _count(entry: Mapping, key: str, where: str) -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise NetworkSpecError(f"{where}: {key} must be a whole number, got {value!r}.")
    if not 1 <= value <= MAX_FEATURES:
        raise NetworkSpecError(f"{where}: {key} = {value} is not between 1 and {MAX_FEATURES:,}.")
    return value


def _tensor(tensors: Mapping[str, torch.Tensor], name: str, shape: tuple[int, ...], where: str):
    if name not in tensors:
        raise NetworkSpecError(f"{where}: the weights {name!r} are missing from the file.")
    tensor = tensors[name]
    if not isinstance(tensor, torch.Tensor) or tensor.dtype not in _FLOAT_TYPES:
        kind = getattr(tensor, "dtype", type(tensor).__name__)
        raise NetworkSpecError(f"{where}: {name!r} must hold floating-point numbers, not {kind}.")
    if tuple(tensor.shape) != shape:
        raise NetworkSpecError(
            f"{where}: {name!r} has shape {tuple(tensor.shape)} but the architecture needs "
            f"{shape}. The weights do not belong to this architecture."
        )
    if not bool(torch.isfinite(tensor).all()):
        raise NetworkSpecError(
            f"{where}: {name!r} contains NaN or infinite values; the network cannot be "
            "analysed. Retrain it or load an earlier save."
        )
    return tensor


def _activation(entry: Mapping, kind: str, where: str) -> nn.Module:
    if kind == "relu":
        return nn.ReLU()
    if kind == "abs":
        return Abs()
    slope = entry.get("negative_slope", 0.01)
    if isinstance(slope, bool) or not isinstance(slope, int | float) or not math.isfinite(slope):
        raise NetworkSpecError(f"{where}: negative_slope must be a finite number, got {slope!r}.")
    return nn.LeakyReLU(float(slope))


def _unsupported(kind: object, where: str) -> NetworkSpecError:
    name = str(kind).lower()
    if name in _SMOOTH_ACTIVATIONS:
        why = (
            f"{kind} is not piecewise linear, so the network has no exact cells. "
            "Use ReLU, LeakyReLU or absolute value."
        )
    elif name in _CONVOLUTIONS or "conv" in name or "pool" in name:
        why = (
            f"{kind} layers are not supported: Splinescope analyses fully connected "
            "networks (Linear layers). Flatten the input and use Linear layers."
        )
    else:
        why = f"unknown layer kind {kind!r}; expected one of {', '.join(LAYER_KINDS)}."
    return NetworkSpecError(f"{where}: {why}")


def check_network_size(spec: Sequence) -> None:
    """Refuse a spec deeper, wider or larger than the limits of the module docstring.

    Only the spec is read (counts, ``in_features``, ``out_features``, ``bias``); entries it
    cannot read are left for :func:`build_network` to refuse with its own message.

    Raises
    ------
    NetworkSpecError
        One sentence naming the limit and what to change.
    """
    if len(spec) > MAX_SPEC_ENTRIES:
        raise NetworkSpecError(
            f"The architecture has {len(spec):,} layer entries, more than the "
            f"{MAX_SPEC_ENTRIES} of a network of {MAX_HIDDEN_LAYERS} hidden layers that "
            "Splinescope can show: use a shallower network."
        )
    linear = [e for e in spec if isinstance(e, Mapping) and e.get("kind") == "linear"]
    hidden = sum(isinstance(e, Mapping) and e.get("kind") in ACTIVATIONS for e in spec)
    if hidden > MAX_HIDDEN_LAYERS:
        raise NetworkSpecError(
            f"The network has {hidden} hidden layers, more than the {MAX_HIDDEN_LAYERS} "
            "Splinescope can show: use a shallower network."
        )
    sizes = [
        (e.get("in_features"), e.get("out_features"), e.get("bias", True) is True) for e in linear
    ]
    sizes = [(i, o, b) for i, o, b in sizes if _is_count(i) and _is_count(o)]
    inner = [o for _, o, _ in sizes[:-1]]
    if inner and max(inner) > MAX_HIDDEN_WIDTH:
        raise NetworkSpecError(
            f"A hidden layer has {max(inner):,} neurons, more than the {MAX_HIDDEN_WIDTH:,} "
            "Splinescope can analyse: use narrower layers."
        )
    parameters = sum(i * o + (o if b else 0) for i, o, b in sizes)
    if parameters > MAX_PARAMETERS:
        raise NetworkSpecError(
            f"The network has {parameters:,} weights and biases, more than the "
            f"{MAX_PARAMETERS:,} Splinescope can analyse: use a smaller network."
        )


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def build_network(spec: Sequence, tensors: Mapping[str, torch.Tensor]) -> nn.Sequential:
    """Rebuild the model :func:`network_spec` and :func:`network_tensors` describe.

    The weights keep their dtype, so a save and a load give bit-identical tensors.

    Raises
    ------
    NetworkSpecError
        For anything wrong with the spec or the tensors (the message names the layer), or
        a network past the size limits of :func:`check_network_size`.
    """
    if not isinstance(spec, Sequence) or isinstance(spec, str | bytes) or not spec:
        raise NetworkSpecError("The network has no layers: the file's architecture is empty.")
    check_network_size(spec)
    modules: list[nn.Module] = []
    for index, entry in enumerate(spec):
        where = f"Layer {index}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kind"), str):
            raise NetworkSpecError(f"{where}: expected a layer description with a 'kind'.")
        kind = entry["kind"]
        if kind == "linear":
            n_in = _count(entry, "in_features", where)
            n_out = _count(entry, "out_features", where)
            has_bias = entry.get("bias", True)
            if not isinstance(has_bias, bool):
                raise NetworkSpecError(f"{where}: bias must be true or false, got {has_bias!r}.")
            weight = _tensor(tensors, f"layer{index}.weight", (n_out, n_in), where)
            linear = nn.Linear(n_in, n_out, bias=has_bias, dtype=weight.dtype)
            with torch.no_grad():
                linear.weight.copy_(weight)
                if has_bias:
                    linear.bias.copy_(_tensor(tensors, f"layer{index}.bias", (n_out,), where))
            modules.append(linear)
        elif kind == "flatten":
            if index != 0:
                raise NetworkSpecError(f"{where}: Flatten is only allowed as the first layer.")
            modules.append(nn.Flatten())
        elif kind in ACTIVATIONS:
            modules.append(_activation(entry, kind, where))
        else:
            raise _unsupported(kind, where)
    model = nn.Sequential(*modules)
    try:
        network_layers(model)
    except ValueError as error:
        raise NetworkSpecError(f"The architecture cannot be analysed: {error}.") from error
    return model
