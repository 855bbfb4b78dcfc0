"""The steps of the layers and functions a piecewise-linear model is built from.

:func:`module_step` turns a leaf module (``nn.Conv2d``, ``nn.BatchNorm2d``, ``nn.ReLU``,
``nn.MaxPool2d``, ...) into a :class:`engine.pl_graph.GraphStep`, with float64 copies
of its parameters; :func:`function_step` does the same for a ``torch`` function or
tensor method recognised by its name in :data:`FUNCTIONS` / :data:`METHODS`. A
BatchNorm in eval mode is an affine map per channel; when it is the only user of a
Linear or convolution it is folded into its weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine.networks import Abs
from engine.pl_steps import GraphStep, refuse, replace_step

_LINEAR = "linear"
_WEIGHTED = "weighted"

#: Recipes of the ``torch`` functions (by ``__name__``) a traced model may call.
FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(["relu", "relu_"], "relu"),
    "leaky_relu": "leaky_relu",
    "abs": "abs",
    "hardtanh": "hardtanh",
    "relu6": "relu6",
    **dict.fromkeys(["clamp", "clip"], "clamp"),
    "clamp_min": "clamp_min",
    "clamp_max": "clamp_max",
    **dict.fromkeys(["add", "iadd"], "add"),
    **dict.fromkeys(["sub", "isub"], "sub"),
    **dict.fromkeys(["mul", "imul"], "mul"),
    **dict.fromkeys(["truediv", "div", "itruediv"], "div"),
    **dict.fromkeys(["linear", "conv1d", "conv2d", "conv3d"], _WEIGHTED),
    **dict.fromkeys(["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"], _WEIGHTED),
    **dict.fromkeys(["max_pool1d", "max_pool2d"], "max_pool"),
    **dict.fromkeys(["dropout", "dropout1d", "dropout2d", "dropout3d"], "identity"),
    **dict.fromkeys(
        [
            "neg", "pos", "cat", "concat", "concatenate", "stack", "flatten", "reshape",
            "permute", "transpose", "squeeze", "unsqueeze", "mean", "sum", "getitem",
            "getattr", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
            "adaptive_avg_pool2d", "adaptive_avg_pool3d", "flip", "roll", "pad",
            "pixel_shuffle", "pixel_unshuffle", "movedim", "swapaxes",
        ],
        _LINEAR,
    ),
}  # fmt: skip

#: Recipes of the tensor methods a traced model may call.
METHODS: dict[str, str] = {
    **dict.fromkeys(["relu", "relu_"], "relu"),
    **dict.fromkeys(["abs", "abs_"], "abs"),
    **dict.fromkeys(["clamp", "clip", "clamp_"], "clamp"),
    "clamp_min": "clamp_min",
    "clamp_max": "clamp_max",
    **dict.fromkeys(["add", "add_"], "add"),
    **dict.fromkeys(["sub", "sub_"], "sub"),
    **dict.fromkeys(["mul", "mul_"], "mul"),
    **dict.fromkeys(["div", "div_"], "div"),
    **dict.fromkeys(["size", "dim"], "meta"),
    **dict.fromkeys(
        [
            "neg", "view", "reshape", "flatten", "permute", "transpose", "contiguous",
            "squeeze", "unsqueeze", "mean", "sum", "flip", "roll", "expand", "movedim",
            "swapaxes", "clone",
        ],
        _LINEAR,
    ),
}  # fmt: skip


def _step(**fields):
    return GraphStep(**fields)


def _refuse(name: str, kind: str, why: str = "") -> ValueError:
    return refuse(name, kind, why)


def _f64(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach().to(torch.float64).clone()


def _channel_view(values: torch.Tensor, in_shape: tuple[int, ...]) -> torch.Tensor:
    """(C,) per-channel values shaped to broadcast over a per-sample ``(C, *spatial)``."""
    return values.reshape(-1, *([1] * (len(in_shape) - 1)))


def batchnorm_scale_shift(bn: nn.Module, name: str, kind: str):
    """(C,), (C,) float64 ``scale, shift`` with ``bn(x) = scale * x + shift`` in eval mode."""
    if not bn.track_running_stats or bn.running_mean is None:
        raise _refuse(name, kind, "a BatchNorm without running statistics depends on the batch")
    var = _f64(bn.running_var)
    scale = 1.0 / torch.sqrt(var + bn.eps)
    if bn.weight is not None:
        scale = scale * _f64(bn.weight)
    shift = -_f64(bn.running_mean) * scale
    if bn.bias is not None:
        shift = shift + _f64(bn.bias)
    return scale, shift


def _weighted_step(name, kind, source, weight, bias, apply, in_shape, out_dims, fold, fold_kind):
    """A Linear or convolution ``apply(x, weight)``, with ``fold`` (a BatchNorm) folded in."""
    n_out = weight.shape[0]
    bias = torch.zeros(n_out, dtype=torch.float64) if bias is None else bias
    if fold is not None:
        scale, shift = batchnorm_scale_shift(fold, name, fold_kind)
        weight = weight * scale.reshape(-1, *([1] * (weight.ndim - 1)))
        bias = bias * scale + shift
    bias = bias.reshape(-1, *([1] * out_dims))
    return _step(
        name=name,
        kind="affine",
        op=kind,
        inputs=(source,),
        compute=lambda env: apply(env[source], weight),
        bias=bias,
        densify=weight.ndim > 2,
    )


def module_step(
    name: str,
    kind: str,
    module: nn.Module,
    source: str,
    in_shape: tuple[int, ...],
    fold: nn.Module | None = None,
):
    """The step of a leaf ``module`` applied to the value ``source`` of per-sample shape
    ``in_shape``; ``fold`` is a BatchNorm to fold into a Linear or convolution."""
    fold_kind = f"{kind} + {type(fold).__name__}" if fold is not None else kind
    if isinstance(module, nn.Linear):
        return _weighted_step(
            name, fold_kind, source, _f64(module.weight), _f64(module.bias),
            F.linear, in_shape, 0, fold, kind,
        )  # fmt: skip
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        dims = len(module.kernel_size)
        return _weighted_step(
            name, fold_kind, source, _f64(module.weight), _f64(module.bias),
            lambda x, w: module._conv_forward(x, w, None), in_shape, dims, fold, kind,
        )  # fmt: skip
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        dims = len(module.kernel_size)
        function = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[dims - 1]
        weight = _f64(module.weight)
        bias = _f64(module.bias)
        n_out = weight.shape[1] * module.groups
        bias = torch.zeros(n_out, dtype=torch.float64) if bias is None else bias
        if module.padding_mode != "zeros":
            raise _refuse(name, kind, "transposed convolutions pad with zeros only")
        return _step(
            name=name,
            kind="affine",
            op=kind,
            inputs=(source,),
            compute=lambda env: function(
                env[source],
                weight,
                None,
                module.stride,
                module.padding,
                module.output_padding,
                module.groups,
                module.dilation,
            ),
            bias=bias.reshape(-1, *([1] * dims)),
            densify=True,
        )
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        scale, shift = batchnorm_scale_shift(module, name, kind)
        scale, shift = _channel_view(scale, in_shape), _channel_view(shift, in_shape)
        return _step(
            name=name,
            kind="affine",
            op=kind,
            inputs=(source,),
            compute=lambda env: env[source] * scale,
            bias=shift,
        )
    if isinstance(module, (nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)):
        return _linear(name, kind, source, lambda x: x)
    if isinstance(
        module,
        (
            nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, nn.AdaptiveAvgPool1d,
            nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.Flatten, nn.Unflatten,
        ),
    ):  # fmt: skip
        step = _linear(name, kind, source, module)
        return step if isinstance(module, (nn.Flatten, nn.Unflatten)) else _dense(step)
    if isinstance(module, nn.ReLU):
        return _relu(name, kind, source, 0.0)
    if isinstance(module, nn.LeakyReLU):
        return _relu(name, kind, source, float(module.negative_slope))
    if isinstance(module, Abs):
        return _relu(name, kind, source, -1.0)
    if isinstance(module, nn.PReLU):
        weight = _f64(module.weight)
        slope = weight.reshape(()) if weight.numel() == 1 else _channel_view(weight, in_shape)
        return _step(name=name, kind="relu", op=kind, inputs=(source,), slope=slope)
    if isinstance(module, nn.Hardtanh):  # ReLU6 too
        return _clamp(name, kind, source, float(module.min_val), float(module.max_val))
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d)):
        if module.return_indices:
            raise _refuse(name, kind, "max-pooling that returns indices")
        return maxpool_step(
            name, kind, source, in_shape, module.kernel_size, module.stride, module.padding,
            module.dilation, module.ceil_mode, 1 if isinstance(module, nn.MaxPool1d) else 2,
        )  # fmt: skip
    raise _refuse(name, kind)


def _linear(name, kind, source, function: Callable[[torch.Tensor], torch.Tensor]):
    return _step(
        name=name,
        kind="affine",
        op=kind,
        inputs=(source,),
        compute=lambda env: function(env[source]),
    )


def _dense(step):
    return replace_step(step, densify=True)


def _relu(name, kind, source, slope: float):
    return _step(
        name=name,
        kind="relu",
        op=kind,
        inputs=(source,),
        slope=torch.tensor(slope, dtype=torch.float64),
    )


def _clamp(name, kind, source, low, high):
    low = None if low is None else float(low)
    high = None if high is None else float(high)
    if low is None and high is None:
        return _linear(name, kind, source, lambda x: x)
    if low is not None and high is not None and not low < high:
        raise _refuse(name, kind, f"clamp bounds must satisfy min < max, got {low}, {high}")
    return _step(name=name, kind="clamp", op=kind, inputs=(source,), low=low, high=high)


def _pair(value, dims: int) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * dims


def pool_windows(spatial, kernel, stride, padding, dilation, ceil_mode) -> tuple[np.ndarray, tuple]:
    """(n_positions, k) int64 flat spatial index of the entries of every max-pooling
    window (``-1`` for padding), in torch's scan order, and the output spatial shape."""
    dims = len(spatial)
    kernel, padding, dilation = (_pair(v, dims) for v in (kernel, padding, dilation))
    stride = kernel if stride is None or stride == [] or stride == () else _pair(stride, dims)
    pool = (F.max_pool1d, F.max_pool2d)[dims - 1]
    probe = pool(torch.zeros((1, 1, *spatial)), kernel, stride, padding, dilation, ceil_mode)
    out = tuple(probe.shape[2:])
    per_dim = []
    for size, n_out, k, s, p, d in zip(
        spatial, out, kernel, stride, padding, dilation, strict=True
    ):
        index = np.arange(n_out)[:, None] * s - p + np.arange(k)[None, :] * d
        per_dim.append(np.where((index >= 0) & (index < size), index, -1))
    if dims == 1:
        return per_dim[0].astype(np.int64), out
    rows, cols = per_dim
    flat = rows[:, None, :, None] * spatial[1] + cols[None, :, None, :]
    valid = (rows[:, None, :, None] >= 0) & (cols[None, :, None, :] >= 0)
    windows = np.where(valid, flat, -1).reshape(out[0] * out[1], kernel[0] * kernel[1])
    return windows.astype(np.int64), out


def maxpool_step(name, kind, source, in_shape, kernel, stride, padding, dilation, ceil_mode, dims):
    """The step of a 1-D or 2-D max-pooling over a per-sample ``(C, *spatial)`` input."""
    if len(in_shape) != dims + 1:
        raise _refuse(name, kind, f"max-pooling needs (N, C, *spatial) inputs, got {in_shape}")
    windows, out = pool_windows(in_shape[1:], kernel, stride, padding, dilation, ceil_mode)
    return _step(
        name=name,
        kind="maxpool",
        op=kind,
        inputs=(source,),
        windows=windows,
        shape=(in_shape[0], *out),
    )


def function_step(
    name: str,
    kind: str,
    recipe: str,
    inputs: tuple[str, ...],
    call: Callable[[dict, bool], object],
    args: tuple,
    kwargs: dict,
    dependent: list[bool],
    only_meta: bool,
    in_shape: tuple[int, ...],
):
    """The step of a function or method call.

    ``call(env, keep_bias)`` evaluates the call with the values in ``env``; with
    ``keep_bias=False`` a Linear or convolution bias argument is left out. ``args`` and
    ``kwargs`` hold the call's constant arguments (input-dependent ones are None) and
    ``dependent`` says which positional arguments depend on the input; ``only_meta``
    that every input is a meta value (a shape), ``in_shape`` the per-sample shape of the
    first input-dependent tensor.
    """
    if only_meta or recipe == "meta":
        return _step(
            name=name, kind="meta", op=kind, inputs=inputs, compute=lambda e: call(e, True)
        )
    first = inputs[0]

    def arg(index: int, key: str, default=None):
        if len(args) > index:
            return args[index]
        return kwargs.get(key, default)

    if recipe == "relu":
        return _relu(name, kind, first, 0.0)
    if recipe == "abs":
        return _relu(name, kind, first, -1.0)
    if recipe == "leaky_relu":
        return _relu(name, kind, first, float(arg(1, "negative_slope", 0.01)))
    if recipe == "relu6":
        return _clamp(name, kind, first, 0.0, 6.0)
    if recipe == "hardtanh":
        return _clamp(name, kind, first, arg(1, "min_val", -1.0), arg(2, "max_val", 1.0))
    if recipe in ("clamp", "clamp_min", "clamp_max"):
        if recipe == "clamp":
            low, high = arg(1, "min"), arg(2, "max")
        elif recipe == "clamp_min":
            low, high = arg(1, "min"), None
        else:
            low, high = None, arg(1, "max")
        if any(isinstance(b, torch.Tensor) for b in (low, high)) or (
            len(dependent) > 1 and any(dependent[1:])
        ):
            raise _refuse(name, kind, "clamp bounds must be numbers")
        return _clamp(name, kind, first, low, high)
    if recipe == "max_pool":
        if arg(6, "return_indices", False):
            raise _refuse(name, kind, "max-pooling that returns indices")
        kernel = arg(1, "kernel_size")
        dims = 2 if kind.endswith("max_pool2d") else 1
        return maxpool_step(
            name, kind, first, in_shape, kernel, arg(2, "stride"), arg(3, "padding", 0),
            arg(4, "dilation", 1), bool(arg(5, "ceil_mode", False)), dims,
        )  # fmt: skip
    if recipe == "identity":
        return _linear(name, kind, first, lambda x: x)
    if recipe in ("add", "sub"):
        if kwargs.get("alpha", 1) != 1:
            raise _refuse(name, kind, "add/sub with alpha")
        both = len(dependent) >= 2 and dependent[0] and dependent[1]
        if both:
            return _step(
                name=name, kind="affine", op=kind, inputs=inputs, compute=lambda e: call(e, True)
            )
        constant = args[1] if dependent[0] else args[0]
        sign = -1.0 if recipe == "sub" and not dependent[0] else 1.0
        bias = torch.as_tensor(constant, dtype=torch.float64)
        if recipe == "sub" and dependent[0]:
            bias = -bias
        return _step(
            name=name,
            kind="affine",
            op=kind,
            inputs=inputs,
            compute=lambda env: env[first] if sign > 0 else -env[first],
            bias=bias,
        )
    if recipe in ("mul", "div"):
        ok = (dependent[0] and not any(dependent[1:])) if recipe == "div" else sum(dependent) == 1
        if not ok:
            raise _refuse(
                name, kind, "a product or quotient of two input-dependent values is not linear"
            )
        return _step(
            name=name, kind="affine", op=kind, inputs=inputs, compute=lambda e: call(e, True)
        )
    if recipe == _WEIGHTED:
        bias = arg(2, "bias")
        if any(dependent[1:]):
            raise _refuse(name, kind, "weights must not depend on the input")
        spatial = max(0, len(in_shape) - 1) if not kind.endswith("linear") else 0
        step_bias = None if bias is None else _f64(bias).reshape(-1, *([1] * spatial))
        return _step(
            name=name,
            kind="affine",
            op=kind,
            inputs=inputs,
            compute=lambda e: call(e, False),
            bias=step_bias,
            densify=not kind.endswith("linear"),
        )
    if recipe == _LINEAR:
        if kind.endswith(" pad") and arg(3, "value", None) not in (None, 0, 0.0):
            raise _refuse(name, kind, "padding with a nonzero value")
        return _step(
            name=name, kind="affine", op=kind, inputs=inputs, compute=lambda e: call(e, True)
        )
    raise _refuse(name, kind)
