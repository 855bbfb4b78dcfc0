"""The ONNX operators Splinescope imports, each as the standard PyTorch layer or function
it is, added to a :class:`engine.model_builder.ModelBuilder`.

:data:`CONVERTERS` maps an operator type to ``convert(builder, inputs, attributes)``, which
returns the node's outputs. An input is a value of the builder (it depends on the model's
input), a float64 or int64 constant tensor, a :class:`Dims` (the shape of a value, the
batch size as :data:`engine.model_builder.BATCH`) or None (an optional input left out).
Shape arithmetic (``Shape``, ``Gather``, ``Unsqueeze``, ``Concat``, ``Cast``) on constants
and :class:`Dims` is computed here, so an exporter's ``x.view(x.size(0), -1)`` becomes one
reshape. A converter raises :class:`engine.model_builder.NodeRefused` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from engine import model_layers as layers
from engine.model_builder import BATCH, ModelBuilder, NodeRefused
from engine.model_layers import axis_of as _axis
from engine.model_layers import constant as _constant
from engine.model_layers import rank as _rank
from engine.networks import Abs


class Dims(tuple):
    """Sizes computed from a value's shape: a 1-D list, or a scalar (``scalar``)."""

    scalar = False


def _dims(sizes, scalar: bool = False) -> Dims:
    dims = Dims(sizes)
    dims.scalar = scalar
    return dims


def _value(builder: ModelBuilder, x, what: str = "its input"):
    if not builder.is_value(x):
        raise NodeRefused(f"{what} must be computed from the model's input")
    return x


def _ints(x, what: str) -> list:
    if isinstance(x, Dims):
        return list(x)
    tensor = _constant(x, what)
    if tensor.is_floating_point() or tensor.ndim > 1:
        raise NodeRefused(f"{what} must be a list of integers")
    return [int(v) for v in tensor.reshape(-1).tolist()]


def _number(x, what: str) -> float | None:
    if x is None:
        return None
    tensor = _constant(x, what)
    if tensor.numel() != 1:
        raise NodeRefused(f"{what} must be one number")
    return float(tensor.reshape(()))


def _spatial(attributes: dict, key: str, dims: int, default: int) -> tuple[int, ...]:
    values = tuple(int(v) for v in attributes.get(key, [default] * dims))
    if len(values) != dims:
        raise NodeRefused(f"its {key} has {len(values)} entries for {dims} spatial axes")
    return values


def _padding(attributes: dict, dims: int) -> tuple[int, ...]:
    auto_pad = attributes.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
    if auto_pad == "VALID":
        return (0,) * dims
    if auto_pad != "NOTSET":
        raise NodeRefused(f"its auto_pad {auto_pad} is not supported; export with explicit pads")
    pads = _spatial(attributes, "pads", 2 * dims, 0)
    if pads[:dims] != pads[dims:]:
        raise NodeRefused(f"its pads {list(pads)} are not the same at both ends")
    return pads[:dims]


def _conv(builder, inputs, attributes):
    x = _value(builder, inputs[0])
    weight = _constant(inputs[1], "its weight")
    bias = _constant(inputs[2], "its bias") if len(inputs) > 2 and inputs[2] is not None else None
    dims = weight.ndim - 2
    if tuple(attributes.get("kernel_shape", weight.shape[2:])) != tuple(weight.shape[2:]):
        raise NodeRefused("its kernel_shape disagrees with its weight")
    layer = layers.convolution(
        weight, bias, _spatial(attributes, "strides", dims, 1), _padding(attributes, dims),
        _spatial(attributes, "dilations", dims, 1), int(attributes.get("group", 1)),
    )  # fmt: skip
    return [builder.layer(layer, x, "conv")]


def _batch_norm(builder, inputs, attributes):
    x = _value(builder, inputs[0])
    if int(attributes.get("training_mode", 0)):
        raise NodeRefused("it is in training mode (its statistics depend on the batch)")
    scale, shift, mean, var = (_constant(t, "its statistics") for t in inputs[1:5])
    epsilon = float(attributes.get("epsilon", 1e-5))
    layer = layers.batch_norm(_rank(builder, x), scale, shift, mean, var, epsilon)
    return [builder.layer(layer, x, "batch_norm")]


def _pool_settings(attributes: dict) -> tuple:
    kernel = tuple(int(k) for k in attributes.get("kernel_shape", ()))
    dims = len(kernel)
    stride = _spatial(attributes, "strides", dims, 1)
    return kernel, stride, _padding(attributes, dims), bool(attributes.get("ceil_mode", 0))


def _max_pool(builder, inputs, attributes):
    kernel, stride, padding, ceil_mode = _pool_settings(attributes)
    dilation = _spatial(attributes, "dilations", len(kernel), 1)
    layer = layers.max_pool(kernel, stride, padding, dilation, ceil_mode)
    return [builder.layer(layer, _value(builder, inputs[0]), "max_pool")]


def _average_pool(builder, inputs, attributes):
    kernel, stride, padding, ceil_mode = _pool_settings(attributes)
    if set(_spatial(attributes, "dilations", len(kernel), 1)) != {1}:
        raise NodeRefused("dilated average pooling is not supported")
    include = bool(attributes.get("count_include_pad", 0))
    layer = layers.average_pool(kernel, stride, padding, ceil_mode, include)
    return [builder.layer(layer, _value(builder, inputs[0]), "avg_pool")]


def _global_average_pool(builder, inputs, attributes):
    x = _value(builder, inputs[0])
    layer = layers.adaptive_average_pool(_rank(builder, x) - 2, 1)
    return [builder.layer(layer, x, "global_avg_pool")]


def _prelu(builder, inputs, attributes):
    x = _value(builder, inputs[0])
    layer = layers.prelu(_constant(inputs[1], "its slope"), builder.shape(x))
    return [builder.layer(layer, x, "prelu")]


def _clip(builder, inputs, attributes):
    x = _value(builder, inputs[0])
    low = _number(inputs[1] if len(inputs) > 1 else attributes.get("min"), "its minimum")
    high = _number(inputs[2] if len(inputs) > 2 else attributes.get("max"), "its maximum")
    return [layers.clamp(builder, x, low, high)]


def _flatten(builder, inputs, attributes):
    x = _value(builder, inputs[0])
    if _axis(int(attributes.get("axis", 1)), _rank(builder, x)) != 1:
        raise NodeRefused("it flattens the batch axis with others")
    return [layers.flatten(builder, x, 1, -1)]


def _reshape(builder, inputs, attributes):
    target = _ints(inputs[1], "its shape")
    if int(attributes.get("allowzero", 0)) and 0 in target:
        raise NodeRefused("it reshapes to a size of zero")
    if isinstance(inputs[0], torch.Tensor):
        return [inputs[0].reshape(target)]
    return [builder.reshape(_value(builder, inputs[0]), target)]


def _transpose(builder, inputs, attributes):
    x = inputs[0]
    n_axes = x.ndim if isinstance(x, torch.Tensor) else _rank(builder, _value(builder, x))
    perm = [int(p) for p in attributes.get("perm", range(n_axes - 1, -1, -1))]
    if isinstance(x, torch.Tensor):
        return [x.permute(perm)]
    return [layers.permute(builder, x, perm)]


def _identity(builder, inputs, attributes):
    return [inputs[0]]


def _arithmetic(function: Callable):
    def convert(builder, inputs, attributes):
        if any(isinstance(v, Dims) for v in inputs[:2]):
            raise NodeRefused("it computes with the batch size")
        return [layers.arithmetic(builder, function, inputs[0], inputs[1])]

    return convert


def _concat(builder, inputs, attributes):
    axis = int(attributes.get("axis", 0))
    if any(isinstance(v, Dims) for v in inputs):
        return [_dims([d for v in inputs for d in _ints(v, "its input")])]
    if all(isinstance(v, torch.Tensor) for v in inputs):
        return [torch.cat(inputs, dim=axis)]
    return [layers.concatenate(builder, inputs, axis)]


def _reduce(function: Callable):
    """ReduceMean or ReduceSum; their axes are an attribute or (newer opsets) an input."""

    def convert(builder, inputs, attributes):
        x = _value(builder, inputs[0])
        given = inputs[1] if len(inputs) > 1 else None
        axes = _ints(given, "its axes") if given is not None else attributes.get("axes", [])
        if not axes and int(attributes.get("noop_with_empty_axes", 0)):
            return [x]
        keep = bool(attributes.get("keepdims", 1))
        return [layers.reduce(builder, function, x, axes, keep)]

    return convert


def _gemm(builder, inputs, attributes):
    x = _value(builder, inputs[0])
    if int(attributes.get("transA", 0)) or _rank(builder, x) != 2:
        raise NodeRefused("its first input must be a batch of vectors, not transposed")
    weight = _constant(inputs[1], "its second input (the weight)")
    if weight.ndim != 2:
        raise NodeRefused("its weight must be a matrix")
    weight = weight if int(attributes.get("transB", 0)) else weight.T
    bias = inputs[2] if len(inputs) > 2 else None
    if bias is not None:
        bias = float(attributes.get("beta", 1.0)) * _constant(bias, "its bias")
    layer = layers.linear(float(attributes.get("alpha", 1.0)) * weight, bias)
    return [builder.layer(layer, x, "gemm")]


def _matmul(builder, inputs, attributes):
    x = _value(builder, inputs[0], "its first input")
    weight = _constant(inputs[1], "its second input (the weight)")
    if weight.ndim != 2:
        raise NodeRefused("its second input must be a constant matrix")
    return [builder.layer(layers.linear(weight.T, None), x, "matmul")]


def _shape(builder, inputs, attributes):
    x = inputs[0]
    sizes = list(x.shape) if isinstance(x, torch.Tensor) else [BATCH, *builder.shape(x)]
    start = int(attributes.get("start", 0))
    end = attributes.get("end")
    return [_dims(sizes[start : None if end is None else int(end)])]


def _gather(builder, inputs, attributes):
    data, indices = inputs[0], _constant(inputs[1], "its indices")
    if int(attributes.get("axis", 0)) != 0 or indices.is_floating_point():
        raise NodeRefused("only gathering integer indices along axis 0 of constants is supported")
    if isinstance(data, Dims):
        picked = [data[int(i)] for i in indices.reshape(-1).tolist()]
        return [_dims(picked, scalar=indices.ndim == 0)]
    return [_constant(data, "its data")[indices]]


def _unsqueeze(builder, inputs, attributes):
    x = inputs[0]
    axes = _ints(inputs[1], "its axes") if len(inputs) > 1 else attributes.get("axes", [])
    if isinstance(x, Dims):
        if not (x.scalar and list(axes) == [0]):
            raise NodeRefused("it reshapes a list of sizes")
        return [_dims(x)]
    if isinstance(x, torch.Tensor):
        for axis in sorted(_axis(int(a), x.ndim + len(axes)) for a in axes):
            x = x.unsqueeze(axis)
        return [x]
    shape = [BATCH, *builder.shape(x)]
    for axis in sorted(_axis(int(a), len(shape) + len(axes)) for a in axes):
        if axis == 0:
            raise NodeRefused("it inserts an axis before the batch axis")
        shape.insert(axis, 1)
    return [builder.reshape(x, shape)]


def _squeeze(builder, inputs, attributes):
    x = inputs[0]
    axes = _ints(inputs[1], "its axes") if len(inputs) > 1 else attributes.get("axes")
    if isinstance(x, torch.Tensor):
        return [x.squeeze(tuple(axes)) if axes else x.squeeze()]
    shape = [BATCH, *builder.shape(_value(builder, x))]
    if axes is None:
        axes = [axis for axis, size in enumerate(shape) if axis and size == 1]
    axes = {_axis(int(a), len(shape)) for a in axes}
    if 0 in axes or any(shape[a] != 1 for a in axes):
        raise NodeRefused("it squeezes the batch axis or an axis longer than 1")
    return [builder.reshape(x, [s for a, s in enumerate(shape) if a not in axes])]


def _cast(builder, inputs, attributes):
    x = inputs[0]
    floating = int(attributes.get("to", 1)) in (1, 10, 11, 16)  # float, half, double, bfloat16
    if isinstance(x, Dims) or (isinstance(x, torch.Tensor) and not floating):
        if floating:
            raise NodeRefused("it turns sizes into floating-point values")
        return [x if isinstance(x, Dims) else x.to(torch.int64)]
    if isinstance(x, torch.Tensor):
        return [x.to(torch.float64)]
    if not floating:
        raise NodeRefused("it rounds values to integers, which is not piecewise linear here")
    return [x]


def _relu_like(layer: Callable[[dict], nn.Module], hint: str):
    def convert(builder, inputs, attributes):
        return [builder.layer(layer(attributes), _value(builder, inputs[0]), hint)]

    return convert


#: ``convert(builder, inputs, attributes) -> outputs`` of every supported operator type.
CONVERTERS: dict[str, Callable] = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Conv": _conv,
    "BatchNormalization": _batch_norm,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "GlobalAveragePool": _global_average_pool,
    "Relu": _relu_like(lambda a: nn.ReLU(), "relu"),
    "LeakyRelu": _relu_like(lambda a: nn.LeakyReLU(float(a.get("alpha", 0.01))), "leaky_relu"),
    "PRelu": _prelu,
    "Abs": _relu_like(lambda a: Abs(), "abs"),
    "Clip": _clip,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Dropout": _identity,
    "Identity": _identity,
    "Add": _arithmetic(torch.add),
    "Sub": _arithmetic(torch.sub),
    "Mul": _arithmetic(torch.mul),
    "Div": _arithmetic(torch.div),
    "Concat": _concat,
    "ReduceMean": _reduce(torch.mean),
    "ReduceSum": _reduce(torch.sum),
    "Shape": _shape,
    "Gather": _gather,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Cast": _cast,
}
