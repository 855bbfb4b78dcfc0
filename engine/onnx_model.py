"""An ONNX file read into a plain PyTorch module of the layers the engine traces.

:func:`onnx_to_module` parses the bytes of a ``.onnx`` file (already read with a bound),
runs ``onnx.checker``, reads every initializer as a float64 (or int64) tensor after
checking its declared shape and stored size, and converts the graph node by node
(:mod:`engine.onnx_ops`) into a :class:`torch.fx.GraphModule`. The input shape comes
from the graph's input (its first axis is the batch); where the file leaves a size open,
the caller must give it. ONNX stores float attributes (LeakyReLU slopes, BatchNorm
epsilons) as float32: they are read as the shortest decimal that rounds to that float32
(0.2 rather than 0.20000000298, so a model exported from float64 comes back exactly).
Nothing in an ONNX file is executed: it is data, and only the operators of
:data:`engine.onnx_ops.CONVERTERS` are rebuilt from it.

Refused, each with one sentence: a file that does not parse or fails the checker,
tensors kept in external files, sparse initializers, non-finite weights, a declared
tensor or input larger than the caps, operators outside the supported set (named, with
the node's index), more than one input or output.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
import torch
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper

from engine.model_builder import InputShapeRequired, ModelBuilder, ModelFileError, NodeRefused
from engine.onnx_ops import CONVERTERS

#: Most weights (entries of all initializers and constants) an imported model may have.
MAX_PARAMETERS = 1 << 25
#: Most entries of one input sample.
MAX_INPUT_ENTRIES = 1 << 20
#: Most nodes of a graph.
MAX_NODES = 100_000
#: Operators accepted, for messages (``Constant`` is read as data).
SUPPORTED_OPS = (*CONVERTERS, "Constant")
#: Operators that are smooth or otherwise not piecewise linear.
NONLINEAR_OPS = frozenset(
    "Tanh Sigmoid Softmax LogSoftmax Exp Log Erf Gelu Elu Selu Celu Softplus Softsign "
    "HardSigmoid HardSwish Mish Sqrt Pow Reciprocal Sin Cos Round Floor Ceil Sign "
    "LSTM GRU RNN Attention LayerNormalization InstanceNormalization".split()
)
_FLOATS = {TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16}
_INTEGERS = {TensorProto.INT64, TensorProto.INT32}
_TYPED_FIELD = {
    TensorProto.FLOAT: "float_data",
    TensorProto.DOUBLE: "double_data",
    TensorProto.FLOAT16: "int32_data",
    TensorProto.INT64: "int64_data",
    TensorProto.INT32: "int32_data",
}


def onnx_to_module(
    data: bytes, name: str, input_shape: tuple[int, ...] | None
) -> tuple[torch.nn.Module, tuple[int, ...]]:
    """The float64 module of an ONNX model and its per-sample input shape.

    Parameters
    ----------
    data : the bytes of the ``.onnx`` file.
    name : the file's name, for messages.
    input_shape : per-sample input shape (no batch axis); required when the file leaves
        a size of its input open, and checked against the file's otherwise.

    Raises
    ------
    ModelFileError
        One sentence naming the file, and the node where one is to blame.
    """
    try:
        model = onnx.load_from_string(data)
    except (DecodeError, ValueError, RuntimeError) as error:
        raise ModelFileError(
            f"{name} is not an ONNX model, or it is cut short ({_first_line(error)})."
        ) from error
    graph = model.graph
    for tensor in (*graph.initializer, *_constant_tensors(graph)):
        if tensor.data_location == TensorProto.EXTERNAL or len(tensor.external_data):
            raise ModelFileError(
                f"{name} keeps the tensor {tensor.name!r} in an external file; Splinescope "
                "reads one file only: save the model with its weights inside."
            )
    _check_sizes(graph, name)
    try:
        onnx.checker.check_model(model)
    except (onnx.checker.ValidationError, ValueError, RuntimeError) as error:
        raise ModelFileError(f"{name} is not a valid ONNX model ({_first_line(error)}).") from error
    if len(graph.sparse_initializer):
        raise ModelFileError(f"{name} has sparse initializers, which Splinescope does not read.")
    if len(graph.node) > MAX_NODES:
        raise ModelFileError(
            f"{name} has {len(graph.node):,} nodes, more than the {MAX_NODES:,} Splinescope reads."
        )
    constants = {t.name: _tensor(t, name) for t in graph.initializer}
    entry = _graph_input(graph, constants, name)
    shape = _input_shape(entry, input_shape, name)
    builder = ModelBuilder(shape)
    values: dict[str, object] = {**constants, entry.name: builder.input}
    for index, node in enumerate(graph.node):
        outputs = _convert_node(builder, node, index, values, name)
        values.update((n, v) for n, v in zip(node.output, outputs, strict=False) if n)
    if len(graph.output) != 1:
        raise ModelFileError(f"{name} has {len(graph.output)} outputs; Splinescope needs one.")
    try:
        module = builder.build(values.get(graph.output[0].name))
    except NodeRefused as error:
        raise ModelFileError(f"{name}: {error}.") from error
    return module, shape


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def _constant_tensors(graph) -> list:
    return [
        a.t
        for node in graph.node
        if node.op_type == "Constant"
        for a in node.attribute
        if a.type == onnx.AttributeProto.TENSOR
    ]


def _check_sizes(graph, name: str) -> None:
    """Refuse declared tensor shapes past :data:`MAX_PARAMETERS` before reading any."""
    total = 0
    for tensor in (*graph.initializer, *_constant_tensors(graph)):
        if any(d < 0 for d in tensor.dims):
            raise ModelFileError(f"{name}: the tensor {tensor.name!r} has a negative size.")
        total += math.prod(tensor.dims)
        if total > MAX_PARAMETERS:
            raise ModelFileError(
                f"{name} declares more than {MAX_PARAMETERS:,} weights (the tensor "
                f"{tensor.name!r} has shape {list(tensor.dims)}), more than Splinescope imports."
            )


def _tensor(proto: TensorProto, name: str) -> torch.Tensor:
    """A float64 (floating point) or int64 (integer) copy of a checked tensor."""
    label = f"{name}: the tensor {proto.name!r}" if proto.name else f"{name}: a constant"
    if proto.data_type not in _FLOATS | _INTEGERS:
        kind = TensorProto.DataType.Name(proto.data_type)
        raise ModelFileError(f"{label} holds {kind} values; Splinescope reads numbers only.")
    count = math.prod(proto.dims)
    item = np.dtype(helper.tensor_dtype_to_np_dtype(proto.data_type)).itemsize
    stored = len(getattr(proto, _TYPED_FIELD[proto.data_type]))
    if proto.HasField("raw_data"):
        stored = len(proto.raw_data) // item if len(proto.raw_data) % item == 0 else -1
    if stored != count:
        raise ModelFileError(
            f"{label} declares {count:,} values but stores {max(stored, 0):,}; the file is "
            "damaged or cut short."
        )
    array = numpy_helper.to_array(proto)
    if proto.data_type in _INTEGERS:
        return torch.from_numpy(np.array(array, dtype=np.int64))
    values = torch.from_numpy(np.array(array, dtype=np.float64))
    if not bool(torch.isfinite(values).all()):
        raise ModelFileError(f"{label} has NaN or infinite values.")
    return values


def _graph_input(graph, constants: dict, name: str):
    entries = [i for i in graph.input if i.name not in constants]
    if len(entries) != 1:
        raise ModelFileError(f"{name} has {len(entries)} inputs; Splinescope needs one.")
    entry = entries[0]
    if not entry.type.HasField("tensor_type") or entry.type.tensor_type.elem_type not in _FLOATS:
        raise ModelFileError(f"{name}: its input {entry.name!r} is not a floating-point tensor.")
    return entry


def _input_shape(entry, given: tuple[int, ...] | None, name: str) -> tuple[int, ...]:
    """The per-sample input shape the file states, checked against ``given``."""
    tensor_type = entry.type.tensor_type
    declared = None
    if tensor_type.HasField("shape"):
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]
        if len(dims) < 2:
            raise ModelFileError(
                f"{name}: its input has rank {len(dims)}; Splinescope needs a batch axis first."
            )
        declared = dims[1:]
        known = math.prod(d for d in declared if d)
        if any(d == 0 for d in declared) or known > MAX_INPUT_ENTRIES:
            raise ModelFileError(
                f"{name} declares an input of shape {declared}; Splinescope takes 1 to "
                f"{MAX_INPUT_ENTRIES:,} entries per sample."
            )
    if declared is not None and None not in declared:
        if given is not None and tuple(given) != tuple(declared):
            raise ModelFileError(
                f"{name} states an input of shape {tuple(declared)}, not {tuple(given)}."
            )
        return tuple(declared)
    if given is None:
        open_sizes = ["?" if d is None else d for d in declared or []]
        stated = (
            f"leaves sizes of its input open ({open_sizes})"
            if declared
            else "does not state its input's shape"
        )
        raise InputShapeRequired(
            f"{name} {stated}: give the input shape of one sample, without the batch axis."
        )
    if declared is not None and (
        len(declared) != len(given)
        or any(d not in (None, g) for d, g in zip(declared, given, strict=True))
    ):
        raise ModelFileError(f"{name} states an input of shape {declared}, not {tuple(given)}.")
    return tuple(given)


def _convert_node(builder: ModelBuilder, node, index: int, values: dict, name: str) -> list:
    where = f"ONNX node {index}" + (f" {node.name!r}" if node.name else "") + f" ({node.op_type})"
    supported = ", ".join(SUPPORTED_OPS)
    if node.domain not in ("", "ai.onnx"):
        raise ModelFileError(
            f"{where} is from the operator set {node.domain!r}; Splinescope supports the "
            f"standard operators {supported}."
        )
    if node.op_type == "Constant":
        return [_constant_node(node, name, where)]
    convert = CONVERTERS.get(node.op_type)
    if convert is None:
        what = "is not piecewise linear" if node.op_type in NONLINEAR_OPS else "is not supported"
        raise ModelFileError(f"{where} {what}; Splinescope supports: {supported}.")
    missing = [n for n in node.input if n and n not in values]
    if missing:
        raise ModelFileError(f"{where} reads {missing[0]!r}, which no earlier node computes.")
    inputs = [values[n] if n else None for n in node.input]
    try:
        attributes = {a.name: _attribute(a) for a in node.attribute}
        return convert(builder, inputs, attributes)
    except NodeRefused as error:
        raise ModelFileError(f"{where} cannot be imported: {error}.") from error
    except (TypeError, ValueError, IndexError, KeyError, RuntimeError) as error:
        raise ModelFileError(
            f"{where} has inputs or attributes Splinescope cannot read ({_first_line(error)})."
        ) from error


def _attribute(attribute):
    """An attribute's value; a float (stored as float32 by ONNX) is read as the shortest
    decimal that rounds to it, the number its author wrote (0.2, not 0.20000000298)."""
    value = helper.get_attribute_value(attribute)
    if attribute.type not in (onnx.AttributeProto.FLOAT, onnx.AttributeProto.FLOATS):
        return value
    numbers = [float(str(np.float32(v))) for v in np.atleast_1d(value)]
    if not all(math.isfinite(v) for v in numbers):
        raise NodeRefused(f"its attribute {attribute.name!r} is NaN or infinite")
    return numbers[0] if attribute.type == onnx.AttributeProto.FLOAT else numbers


def _constant_node(node, name: str, where: str) -> torch.Tensor:
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        if attribute.name == "value":
            return _tensor(value, name)
        if attribute.name in ("value_float", "value_floats"):
            values = torch.tensor(value, dtype=torch.float64)
            if not bool(torch.isfinite(values).all()):
                raise ModelFileError(f"{where} has NaN or infinite values.")
            return values
        if attribute.name in ("value_int", "value_ints"):
            return torch.tensor(value, dtype=torch.int64)
    raise ModelFileError(f"{where} holds a kind of constant Splinescope does not read.")
