"""A TorchScript archive read into a plain PyTorch module of the layers the engine traces.

``torch.fx`` cannot trace a ``ScriptModule``, and rebuilding the original module tree only
works when every ``forward`` is a plain chain of standard layers (no residual addition,
no ``view`` in the top module's code). So :func:`torchscript_to_module` freezes the
loaded module (``torch.jit.freeze``, which inlines every submodule's code, turns weights
into constants and folds branches on constant flags such as ``self.training``) and
converts the frozen graph node by node, aten operator by aten operator, into the same
standard layers and torch functions as the ONNX importer (:mod:`engine.model_layers`).
The module returned holds none of the file's code: only layers Splinescope knows, with
float64 copies of the weights.

What loading a hostile file can do. The archive's size and zip records are checked
first (:data:`MAX_RECORDS`, declared sizes, inflation ratio). ``torch.jit.load`` then
unpickles the constants with TorchScript's restricted unpickler (tensors and TorchScript
types only, never arbitrary Python classes or functions) and compiles the archive's
TorchScript code; it does not run any method of the model, and Splinescope never calls
the loaded model's ``forward``. ``torch.jit.freeze`` evaluates operators whose inputs
are all constants (constant propagation): deterministic tensor operators from the file,
which can allocate memory but do not run Python or reach the file system (operators with
side effects are not folded). The archive parser is C++ and has had memory-safety bugs;
as with any TorchScript file, import only models you would run.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable

import torch
from torch import nn

from engine import model_layers as layers
from engine.model_builder import (
    BATCH,
    InputShapeRequired,
    ModelBuilder,
    ModelFileError,
    NodeRefused,
)
from engine.networks import Abs

#: Most records a TorchScript archive may list (one per tensor, two per code file).
MAX_RECORDS = 65_536
#: Largest inflated/stored ratio of a compressed record over :data:`RATIO_FLOOR_BYTES`.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 << 20
#: Operators that are smooth or otherwise not piecewise linear (named so in messages).
NONLINEAR_OPS = frozenset(
    f"aten::{name}"
    for name in "tanh sigmoid softmax log_softmax exp log gelu elu selu celu softplus silu "
    "mish sqrt rsqrt pow reciprocal sin cos erf hardswish hardsigmoid lstm gru rnn_tanh "
    "layer_norm group_norm instance_norm scaled_dot_product_attention".split()
)


def is_torchscript_archive(data: bytes) -> bool:
    """Whether ``data`` is a zip holding TorchScript code (``torch.jit.save``), as opposed
    to a ``torch.save`` of tensors."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()[: MAX_RECORDS + 1]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return False
    return any(n.endswith("constants.pkl") or "/code/" in n for n in names)


def check_archive(data: bytes, name: str, max_bytes: int) -> None:
    """Refuse a zip whose records could inflate past ``max_bytes`` or that is damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            records = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise ModelFileError(
            f"{name} is not a complete TorchScript archive (a zip written by "
            f"torch.jit.save): {error}."
        ) from error
    if len(records) > MAX_RECORDS:
        raise ModelFileError(
            f"{name} lists {len(records):,} records, more than the {MAX_RECORDS:,} a "
            "TorchScript archive may have here."
        )
    total = 0
    for record in records:
        total += record.file_size
        stored = record.compress_type == zipfile.ZIP_STORED
        lying = stored and record.compress_size != record.file_size
        bomb = record.file_size > RATIO_FLOOR_BYTES and (
            record.file_size > MAX_RATIO * max(record.compress_size, 1)
        )
        if lying or bomb or total > max_bytes:
            raise ModelFileError(
                f"{name}: its record {record.filename!r} claims {record.file_size:,} bytes "
                f"from {record.compress_size:,} stored, which no model of at most "
                f"{max_bytes:,} bytes does; the file is damaged or built to exhaust memory."
            )


def torchscript_to_module(
    data: bytes, name: str, input_shape: tuple[int, ...] | None, max_bytes: int
) -> nn.Module:
    """The float64 module of a TorchScript archive, for samples of ``input_shape``.

    Parameters
    ----------
    data : the bytes of the ``.pt``/``.pth`` archive (``torch.jit.save``).
    name : the file's name, for messages.
    input_shape : per-sample input shape, e.g. ``(1, 28, 28)``; required, since
        TorchScript does not store it.
    max_bytes : the largest size all the archive's records may inflate to.

    Raises
    ------
    ModelFileError
        One sentence naming the file, and the node where one is to blame.
    """
    if input_shape is None:
        raise InputShapeRequired(
            f"{name} is TorchScript, which does not store its input's shape: give the input "
            "shape of one sample, without the batch axis."
        )
    check_archive(data, name, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = torch.jit.load(io.BytesIO(data), map_location="cpu")
            frozen = torch.jit.freeze(loaded.eval(), optimize_numerics=False)
    except Exception as error:  # the C++ loader raises many kinds of errors
        text = str(error).strip().splitlines()
        raise ModelFileError(
            f"{name} could not be loaded as TorchScript ({text[0][:200] if text else error!r})."
        ) from error
    graph = frozen.graph
    inputs = list(graph.inputs())[1:]  # the first is the module itself
    if len(inputs) != 1:
        raise ModelFileError(f"{name} takes {len(inputs)} inputs; Splinescope needs one.")
    builder = ModelBuilder(tuple(input_shape))
    values: dict[str, object] = {inputs[0].debugName(): builder.input}
    for index, node in enumerate(graph.nodes()):
        kind = node.kind()
        where = f"TorchScript node {index} ({kind})"
        if kind != "prim::Constant" and kind not in CONVERTERS:
            what = "is not piecewise linear" if kind in NONLINEAR_OPS else "is not supported"
            raise ModelFileError(
                f"{where} {what}; Splinescope supports: "
                f"{', '.join(k.removeprefix('aten::') for k in CONVERTERS)}."
            )
        arguments = [values.get(v.debugName(), _MISSING) for v in node.inputs()]
        try:
            if kind == "prim::Constant":
                outputs = [_as_float64(node.output().toIValue())]
            elif any(a is _MISSING for a in arguments):
                raise NodeRefused("it reads a value no earlier node computes")
            else:
                outputs = CONVERTERS[kind](builder, *arguments)
        except NodeRefused as error:
            raise ModelFileError(f"{where} cannot be imported: {error}.") from error
        except (TypeError, ValueError, IndexError, KeyError, RuntimeError) as error:
            detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
            raise ModelFileError(
                f"{where} has arguments Splinescope cannot read ({detail or type(error).__name__})."
            ) from error
        for value, output in zip(node.outputs(), outputs, strict=True):
            values[value.debugName()] = output
    results = list(graph.outputs())
    try:
        if len(results) != 1:
            raise NodeRefused("it must return one tensor")
        return builder.build(values.get(results[0].debugName()))
    except NodeRefused as error:
        raise ModelFileError(f"{name}: {error}.") from error


_MISSING = object()


def _as_float64(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        value = value.detach().to(torch.float64)
        if not bool(torch.isfinite(value).all()):
            raise NodeRefused("its constant has NaN or infinite values")
    return value


def _value(builder: ModelBuilder, x):
    if not builder.is_value(x):
        raise NodeRefused("its input must be computed from the model's input")
    return x


def _number(x) -> float | None:
    if x is None:
        return None
    if isinstance(x, torch.Tensor) or not isinstance(x, (int, float)):
        raise NodeRefused("its bounds must be numbers")
    return float(x)


def _one(function: Callable) -> Callable:
    """A converter of a node with one output."""
    return lambda builder, *arguments: [function(builder, *arguments)]


def _layer(make: Callable[..., nn.Module], hint: str) -> Callable:
    """The converter of ``make(*arguments)`` applied to the node's first input."""
    return _one(lambda b, x, *arguments: b.layer(make(*arguments), _value(b, x), hint))


def _convolution(b, x, weight, bias, stride, padding, dilation, *rest):
    """``aten::conv1d/2d/3d`` (``..., groups``) and ``aten::_convolution`` (``...,
    transposed, output_padding, groups, ...``)."""
    if len(rest) > 1 and rest[0]:
        raise NodeRefused("transposed convolutions are not supported in TorchScript files")
    groups = rest[2] if len(rest) > 1 else rest[0]
    weight = layers.constant(weight, "its weight")
    layer = layers.convolution(weight, bias, stride, padding, dilation, int(groups))
    return b.layer(layer, _value(b, x), "conv")


def _batch_norm(b, x, weight, bias, mean, variance, training, momentum, epsilon, *rest):
    if training:
        raise NodeRefused("it is in training mode (its statistics depend on the batch)")
    mean = layers.constant(mean, "its running mean")
    variance = layers.constant(variance, "its running variance")
    n_axes = layers.rank(b, _value(b, x))
    layer = layers.batch_norm(n_axes, weight, bias, mean, variance, float(epsilon))
    return b.layer(layer, x, "batch_norm")


def _max_pool(b, x, kernel, stride, padding, dilation, ceil_mode):
    return b.layer(layers.max_pool(kernel, stride, padding, dilation, ceil_mode), x, "max_pool")


def _average_pool(b, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor=None):
    if divisor is not None:
        raise NodeRefused("average pooling with a divisor_override is not supported")
    layer = layers.average_pool(kernel, stride, padding, ceil_mode, count_include_pad)
    return b.layer(layer, _value(b, x), "avg_pool")


def _adaptive_average_pool(b, x, size):
    layer = layers.adaptive_average_pool(layers.rank(b, _value(b, x)) - 2, tuple(size))
    return b.layer(layer, x, "adaptive_avg_pool")


def _linear(b, x, weight, bias):
    weight = layers.constant(weight, "its weight")
    return b.layer(layers.linear(weight, bias), _value(b, x), "linear")


def _matmul(b, x, weight):
    weight = layers.constant(weight, "its second input (the weight)")
    return b.layer(layers.linear(weight.T, None), _value(b, x), "matmul")


def _addmm(b, bias, x, weight, beta=1, alpha=1):
    weight = alpha * layers.constant(weight, "its weight").T
    return b.layer(layers.linear(weight, beta * bias), _value(b, x), "addmm")


def _size(b, x, dim=None):
    sizes = [BATCH, *b.shape(_value(b, x))]
    return sizes if dim is None else sizes[layers.axis_of(dim, len(sizes))]


def _add_or_sub(function):
    def convert(b, x, y, alpha=1):
        if alpha != 1:
            raise NodeRefused("it scales its second input (alpha)")
        return _arithmetic(b, function, x, y)

    return _one(convert)


def _arithmetic(b, function, x, y):
    if x is BATCH or y is BATCH:
        raise NodeRefused("it computes with the batch size")
    return layers.arithmetic(b, function, x, y)


def _prelu(b, x, slope):
    return b.layer(layers.prelu(layers.constant(slope, "its slope"), b.shape(x)), x, "prelu")


def _clamp(b, x, low=None, high=None):
    return layers.clamp(b, _value(b, x), _number(low), _number(high))


def _flatten(b, x, start=0, end=-1):
    return layers.flatten(b, _value(b, x), start, end)


def _reshape(b, x, shape):
    return b.reshape(_value(b, x), list(shape))


def _transpose(b, x, first, second):
    order = list(range(layers.rank(b, _value(b, x))))
    first, second = layers.axis_of(first, len(order)), layers.axis_of(second, len(order))
    order[first], order[second] = order[second], order[first]
    return layers.permute(b, x, order)


def _dropout(b, x, probability, training):
    if training:
        raise NodeRefused("dropout in training mode is random")
    return _value(b, x)


def _reduce(function):
    def convert(b, x, axes, keep=False, dtype=None):
        return layers.reduce(b, function, _value(b, x), list(axes or []), keep)

    return _one(convert)


def _identity(b, x, *ignored):
    return x


#: ``convert(builder, *arguments) -> outputs`` of every supported TorchScript operator.
CONVERTERS: dict[str, Callable] = {
    "aten::linear": _one(_linear),
    "aten::matmul": _one(_matmul),
    "aten::addmm": _one(_addmm),
    **dict.fromkeys(
        ["aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::_convolution"], _one(_convolution)
    ),
    "aten::batch_norm": _one(_batch_norm),
    **dict.fromkeys(["aten::max_pool1d", "aten::max_pool2d"], _one(_max_pool)),
    **dict.fromkeys(["aten::avg_pool1d", "aten::avg_pool2d"], _one(_average_pool)),
    **dict.fromkeys(
        ["aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d"], _one(_adaptive_average_pool)
    ),
    **dict.fromkeys(["aten::relu", "aten::relu_"], _layer(nn.ReLU, "relu")),
    **dict.fromkeys(
        ["aten::leaky_relu", "aten::leaky_relu_"],
        _layer(lambda slope=0.01: nn.LeakyReLU(float(slope)), "leaky_relu"),
    ),
    "aten::prelu": _one(_prelu),
    "aten::abs": _layer(Abs, "abs"),
    **dict.fromkeys(
        ["aten::hardtanh", "aten::hardtanh_", "aten::clamp", "aten::clamp_"],
        _one(_clamp),
    ),
    "aten::relu6": _one(lambda b, x: _clamp(b, x, 0.0, 6.0)),
    "aten::clamp_min": _one(lambda b, x, low: _clamp(b, x, low, None)),
    "aten::clamp_max": _one(lambda b, x, high: _clamp(b, x, None, high)),
    "aten::flatten": _one(_flatten),
    **dict.fromkeys(["aten::view", "aten::reshape"], _one(_reshape)),
    "aten::permute": _one(lambda b, x, order: layers.permute(b, _value(b, x), order)),
    "aten::transpose": _one(_transpose),
    "aten::contiguous": _one(_identity),
    **dict.fromkeys(["aten::dropout", "aten::feature_dropout"], _one(_dropout)),
    **dict.fromkeys(["aten::add", "aten::add_"], _add_or_sub(torch.add)),
    **dict.fromkeys(["aten::sub", "aten::sub_"], _add_or_sub(torch.sub)),
    "aten::mul": _one(lambda b, x, y: _arithmetic(b, torch.mul, x, y)),
    "aten::div": _one(lambda b, x, y: _arithmetic(b, torch.div, x, y)),
    "aten::t": _one(lambda b, x: layers.constant(x, "its input").T),
    "aten::cat": _one(lambda b, values, dim=0: layers.concatenate(b, values, dim)),
    "aten::mean": _reduce(torch.mean),
    "aten::sum": _reduce(torch.sum),
    "aten::size": _one(_size),
    **dict.fromkeys(["aten::Int", "prim::NumToTensor"], _one(_identity)),
    "prim::ListConstruct": _one(lambda b, *items: list(items)),
}
