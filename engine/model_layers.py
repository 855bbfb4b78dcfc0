"""The layers and operations that both model-file converters build (ONNX, TorchScript).

Each function takes the pieces a foreign graph gives (constant float64 weights, sizes,
flags), checks what would make the result wrong or not piecewise linear, and returns a
standard PyTorch layer, or adds the operation to a
:class:`engine.model_builder.ModelBuilder`. A refusal is a
:class:`engine.model_builder.NodeRefused` saying why; the converter names the node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from engine.model_builder import ModelBuilder, NodeRefused

_CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_MAX_POOLS = (nn.MaxPool1d, nn.MaxPool2d)
_AVG_POOLS = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_ADAPTIVE_POOLS = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)


def constant(value, what: str) -> torch.Tensor:
    """``value`` if it is a constant tensor of the file, else a refusal naming ``what``."""
    if not isinstance(value, torch.Tensor):
        raise NodeRefused(f"{what} must be a constant of the file")
    return value


def rank(builder: ModelBuilder, value) -> int:
    """Rank of a value with its batch axis."""
    return len(builder.shape(value)) + 1


def axis_of(axis: int, n_axes: int) -> int:
    """``axis`` (maybe negative) as an index among ``n_axes`` axes."""
    if not -n_axes <= axis < n_axes:
        raise NodeRefused(f"its axis {axis} is outside a value of rank {n_axes}")
    return axis % n_axes


def linear(weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Linear:
    """``nn.Linear`` with ``weight (n_out, n_in)`` and ``bias`` broadcastable to ``(n_out,)``."""
    if weight.ndim != 2:
        raise NodeRefused(f"its weight of shape {tuple(weight.shape)} is not a matrix")
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    layer.weight = nn.Parameter(weight.contiguous(), requires_grad=False)
    if bias is not None:
        if bias.ndim > 2 or (bias.ndim == 2 and bias.shape[0] != 1):
            raise NodeRefused(f"its bias of shape {tuple(bias.shape)} spans the batch axis")
        try:
            bias = torch.broadcast_to(bias, (1, weight.shape[0]))[0]
        except RuntimeError as error:
            raise NodeRefused(f"its bias of shape {tuple(bias.shape)} does not fit") from error
        layer.bias = nn.Parameter(bias.clone(), requires_grad=False)
    return layer


def convolution(
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: Sequence[int],
    padding: Sequence[int] | str,
    dilation: Sequence[int],
    groups: int,
) -> nn.Module:
    """``nn.Conv1d/2d/3d`` with ``weight (C_out, C_in / groups, *kernel)``, ``bias (C_out,)``."""
    dims = weight.ndim - 2
    if dims not in (1, 2, 3):
        raise NodeRefused(f"its weight of shape {tuple(weight.shape)} is not a 1-3-D kernel")
    if groups < 1 or weight.shape[0] % groups:
        raise NodeRefused(f"its {groups} groups do not divide its {weight.shape[0]} channels")
    try:
        layer = _CONVOLUTIONS[dims - 1](
            weight.shape[1] * groups, weight.shape[0], tuple(weight.shape[2:]),
            stride=tuple(stride), padding=padding if isinstance(padding, str) else tuple(padding),
            dilation=tuple(dilation), groups=groups, bias=bias is not None,
        )  # fmt: skip
    except (ValueError, TypeError, RuntimeError) as error:
        raise NodeRefused(f"its settings are not a convolution ({error})") from error
    layer.weight = nn.Parameter(weight, requires_grad=False)
    if bias is not None:
        layer.bias = nn.Parameter(bias.reshape(-1).clone(), requires_grad=False)
    return layer


def batch_norm(
    n_axes: int,
    scale: torch.Tensor | None,
    shift: torch.Tensor | None,
    mean: torch.Tensor,
    variance: torch.Tensor,
    epsilon: float,
) -> nn.Module:
    """``nn.BatchNorm1d/2d/3d`` in eval mode for a value of rank ``n_axes`` (batch
    included), from per-channel ``(C,)`` statistics (``scale``/``shift`` None: 1 and 0)."""
    if n_axes not in (2, 3, 4, 5):
        raise NodeRefused(f"it normalises a value of rank {n_axes}")
    channels = mean.numel()
    if variance.numel() != channels or any(
        t is not None and t.numel() != channels for t in (scale, shift)
    ):
        raise NodeRefused("its statistics do not have one entry per channel")
    if not bool((variance + epsilon > 0).all()):
        raise NodeRefused("its variance plus epsilon is not positive")
    layer = (nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[n_axes - 2](
        channels, eps=epsilon, affine=True
    )
    layer.weight = nn.Parameter(
        torch.ones(channels) if scale is None else scale.reshape(-1).clone(), requires_grad=False
    )
    layer.bias = nn.Parameter(
        torch.zeros(channels) if shift is None else shift.reshape(-1).clone(), requires_grad=False
    )
    layer.running_mean = mean.reshape(-1).clone()
    layer.running_var = variance.reshape(-1).clone()
    return layer


def max_pool(kernel, stride, padding, dilation, ceil_mode: bool) -> nn.Module:
    """``nn.MaxPool1d/2d`` (the engine partitions 1-D and 2-D max-pooling)."""
    dims = len(kernel)
    if dims not in (1, 2):
        raise NodeRefused("only 1-D and 2-D max-pooling is supported")
    return _MAX_POOLS[dims - 1](
        tuple(kernel), stride=tuple(stride) or tuple(kernel), padding=tuple(padding),
        dilation=tuple(dilation), ceil_mode=bool(ceil_mode),
    )  # fmt: skip


def average_pool(kernel, stride, padding, ceil_mode: bool, count_include_pad: bool) -> nn.Module:
    """``nn.AvgPool1d/2d/3d``."""
    dims = len(kernel)
    if dims not in (1, 2, 3):
        raise NodeRefused("only 1-D to 3-D average pooling is supported")
    return _AVG_POOLS[dims - 1](
        tuple(kernel), stride=tuple(stride) or tuple(kernel), padding=tuple(padding),
        ceil_mode=bool(ceil_mode), count_include_pad=bool(count_include_pad),
    )  # fmt: skip


def adaptive_average_pool(dims: int, output_size) -> nn.Module:
    """``nn.AdaptiveAvgPool1d/2d/3d`` over ``dims`` spatial axes."""
    if dims not in (1, 2, 3):
        raise NodeRefused(f"its input has {dims} spatial axes, not 1 to 3")
    return _ADAPTIVE_POOLS[dims - 1](output_size)


def prelu(slope: torch.Tensor, shape: tuple[int, ...]) -> nn.PReLU:
    """``nn.PReLU`` of one slope, or one per channel (axis 1), for samples of ``shape``."""
    try:
        full = torch.broadcast_to(slope, (1, *shape))[0]
    except RuntimeError as error:
        raise NodeRefused(f"its slope of shape {tuple(slope.shape)} does not fit") from error
    per_channel = full.reshape(shape[0], -1) if shape else full.reshape(1, 1)
    if not bool((per_channel == per_channel[:, :1]).all()):
        raise NodeRefused("its slope varies within a channel")
    single = bool((per_channel == per_channel[0, 0]).all())
    layer = nn.PReLU(1 if single else per_channel.shape[0])
    weight = per_channel[:1, 0] if single else per_channel[:, 0]
    layer.weight = nn.Parameter(weight.clone(), requires_grad=False)
    return layer


def clamp(builder: ModelBuilder, x, low: float | None, high: float | None):
    """``x`` clamped to ``[low, high]`` (either may be None): Hardtanh, or ``torch.clamp``."""
    if low is not None and high is not None:
        if not low < high:
            raise NodeRefused(f"its bounds {low} and {high} are not increasing")
        return builder.layer(nn.Hardtanh(low, high), x, "clamp")
    if low is None and high is None:
        return x
    return builder.call(torch.clamp, x, min=low, max=high)


def flatten(builder: ModelBuilder, x, start: int, end: int):
    """``torch.flatten(x, start, end)``; the batch axis must stay apart."""
    n_axes = rank(builder, x)
    start, end = axis_of(start, n_axes), axis_of(end, n_axes)
    if start == 0:
        raise NodeRefused("it flattens the batch axis with others")
    if (start, end) == (1, n_axes - 1):
        return builder.layer(nn.Flatten(), x, "flatten")
    return builder.call(torch.flatten, x, start, end)


def permute(builder: ModelBuilder, x, order: Sequence[int]):
    """The axes of ``x`` in ``order`` (a permutation keeping the batch axis first)."""
    n_axes = rank(builder, x)
    order = [axis_of(int(a), n_axes) for a in order]
    if sorted(order) != list(range(n_axes)) or order[0] != 0:
        raise NodeRefused(f"its permutation {order} moves the batch axis")
    return builder.call(torch.permute, x, tuple(order))


def arithmetic(builder: ModelBuilder, function: Callable, a, b):
    """``function(a, b)`` for ``torch.add``, ``sub``, ``mul`` or ``div``: a sum or
    difference of two values, or one value with a constant that leaves the batch axis
    alone (the divisor of a quotient constant). Two constants give a constant."""
    if not builder.is_value(a) and not builder.is_value(b):
        return function(constant(a, "its first input"), constant(b, "its second input"))
    if builder.is_value(a) and builder.is_value(b):
        if function not in (torch.add, torch.sub):
            raise NodeRefused("a product of two input-dependent values is not linear")
        return builder.call(function, a, b)
    if function is torch.div and builder.is_value(b):
        raise NodeRefused("dividing by an input-dependent value is not linear")
    x = a if builder.is_value(a) else b
    fixed = constant(b if x is a else a, "its other input")
    n_axes = rank(builder, x)
    if fixed.ndim > n_axes or (fixed.ndim == n_axes and fixed.shape[0] != 1):
        raise NodeRefused(f"its constant of shape {tuple(fixed.shape)} spans the batch axis")
    return builder.call(function, *((x, fixed) if x is a else (fixed, x)))


def concatenate(builder: ModelBuilder, values: Sequence, axis: int):
    """``torch.cat(values, axis)`` of values of the model (not along the batch axis)."""
    if not values or not all(builder.is_value(v) for v in values):
        raise NodeRefused("it joins constants with values computed from the input")
    if axis_of(axis, rank(builder, values[0])) == 0:
        raise NodeRefused("it concatenates along the batch axis")
    return builder.call(torch.cat, list(values), dim=axis)


def reduce(builder: ModelBuilder, function: Callable, x, axes: Sequence[int], keep: bool):
    """``torch.mean`` or ``torch.sum`` of ``x`` over ``axes`` (empty: every axis, refused
    since that includes the batch)."""
    n_axes = rank(builder, x)
    axes = sorted({axis_of(int(a), n_axes) for a in axes} or set(range(n_axes)))
    if 0 in axes:
        raise NodeRefused("it reduces over the batch axis")
    return builder.call(function, x, dim=tuple(axes), keepdim=bool(keep))
