"""Small piecewise-linear models and the files they are saved to, for the import tests:
TorchScript (``torch.jit.script`` and ``torch.jit.trace``), ONNX (torch's exporter, and
graphs written with ``onnx.helper``) and a state_dict."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn


class SmallCnn(nn.Module):
    """Conv-BatchNorm-ReLU-MaxPool, ``view(x.size(0), -1)``, Linear-ReLU-Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.norm = nn.BatchNorm2d(2)
        self.pool = nn.MaxPool2d(2)
        self.hidden = nn.Linear(18, 4)
        self.out = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pool(torch.relu(self.norm(self.conv(x))))
        return self.out(torch.relu(self.hidden(y.view(y.size(0), -1))))


class Residual(nn.Module):
    """``x + relu(W x)`` twice (the second with LeakyReLU and a Dropout), then Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(2, 6)
        self.widen = nn.Linear(6, 6)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.first(x))
        h = h + self.drop(nn.functional.leaky_relu(self.widen(h), 0.2))
        return self.out(h)


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))


def seeded(model: nn.Module, seed: int) -> nn.Module:
    """``model`` with random weights and BatchNorm statistics from ``seed``, in eval mode."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in (*model.parameters(), *model.buffers()):
            if tensor.is_floating_point():
                tensor.copy_(torch.rand(tensor.shape, generator=generator) * 1.5 - 0.5)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_var.abs_().add_(0.5)
    return model.eval()


def float64_copy(model: nn.Module) -> nn.Module:
    return copy.deepcopy(model).to(torch.float64).eval()


def save_torchscript(model: nn.Module, path: Path, how: str, input_shape) -> Path:
    """``model`` saved with ``torch.jit.save`` of ``torch.jit.script`` or ``trace``."""
    example = torch.zeros((1, *input_shape))
    scripted = torch.jit.script(model) if how == "script" else torch.jit.trace(model, example)
    torch.jit.save(scripted, str(path))
    return path


def save_onnx(model: nn.Module, path: Path, input_shape, dynamic_batch: bool = False) -> Path:
    """``model`` (in float64, so the weights are exact) exported by torch's TorchScript
    exporter, which needs no network; BatchNorm is kept as its own node."""
    axes = {"x": {0: "batch"}} if dynamic_batch else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            float64_copy(model),
            (torch.zeros((1, *input_shape), dtype=torch.float64),),
            str(path),
            input_names=["x"],
            dynamic_axes=axes,
            dynamo=False,
            training=torch.onnx.TrainingMode.PRESERVE,
        )
    return path


def initializer(name: str, values) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.float64), name)


def onnx_file(
    path: Path,
    nodes,
    initializers,
    input_dims,
    *,
    check: bool = True,
    domains: tuple[str, ...] = (),
) -> Path:
    """A float64 graph from input ``x`` to output ``y`` (opset 17, and version 1 of each of
    ``domains``), checked with ``onnx.checker`` unless ``check`` is False, written to ``path``."""
    graph = helper.make_graph(
        nodes,
        "case",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, input_dims)],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 1])],
        initializer=initializers,
    )
    opsets = [helper.make_opsetid("", 17), *(helper.make_opsetid(d, 1) for d in domains)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    return path


def gemm_relu_graph(path: Path, seed: int) -> tuple[Path, Callable[[np.ndarray], np.ndarray]]:
    """``y = relu(x @ w + b) @ out`` for 2 inputs, written with ``onnx.helper``, and the
    same function in numpy (the evidence)."""
    rng = np.random.default_rng(seed)
    weight, bias, out = (rng.uniform(-1, 1, shape) for shape in [(2, 6), (6,), (6, 1)])
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("MatMul", ["r", "out"], ["y"]),
    ]
    constants = [initializer("w", weight), initializer("b", bias), initializer("out", out)]
    onnx_file(path, nodes, constants, ["N", 2])
    return path, lambda x: np.maximum(x @ weight + bias, 0) @ out


def every_op_graph(path: Path) -> Path:
    """A hand-written graph using the operators torch's exporter does not emit for the
    models above: MatMul + Add, Sub, Div, PRelu, Clip, AveragePool, GlobalAveragePool,
    Transpose, Concat, Abs, ReduceMean, ReduceSum, Reshape, Unsqueeze, Squeeze."""
    rng = np.random.default_rng(3)
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "k"], ["c"], pads=[1, 1, 1, 1]),
        n("Sub", ["c", "shift"], ["c1"]),
        n("Div", ["c1", "two"], ["c2"]),
        n("PRelu", ["c2", "slope"], ["p"]),
        n("AveragePool", ["p"], ["a"], kernel_shape=[2, 2], strides=[1, 1]),
        n("Clip", ["a", "low", "high"], ["q"]),
        n("Transpose", ["q"], ["t"], perm=[0, 1, 3, 2]),
        n("Abs", ["t"], ["b"]),
        n("Concat", ["b", "q"], ["cat"], axis=1),
        n("GlobalAveragePool", ["cat"], ["g"]),
        n("ReduceMean", ["cat"], ["m"], axes=[2, 3], keepdims=1),
        n("Add", ["g", "m"], ["gm"]),
        n("Squeeze", ["gm", "squeeze_axes"], ["s"]),
        n("Unsqueeze", ["s", "unsqueeze_axes"], ["u"]),
        n("Reshape", ["u", "flat"], ["f"]),
        n("MatMul", ["f", "w"], ["h"]),
        n("Add", ["h", "bias"], ["h1"]),
        n("LeakyRelu", ["h1"], ["h2"], alpha=0.125),
        n("ReduceSum", ["h2", "sum_axes"], ["y"], keepdims=1),
    ]
    constants = [
        initializer("k", rng.uniform(-1, 1, (2, 1, 3, 3))),
        initializer("shift", rng.uniform(-0.5, 0.5, (2, 1, 1))),
        initializer("two", 2.0),
        initializer("slope", [[[0.25]], [[-0.5]]]),
        initializer("low", -0.4),
        initializer("high", 0.6),
        initializer("w", rng.uniform(-1, 1, (4, 3))),
        initializer("bias", rng.uniform(-0.2, 0.2, (3,))),
        numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "squeeze_axes"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "unsqueeze_axes"),
        numpy_helper.from_array(np.array([0, -1], dtype=np.int64), "flat"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "sum_axes"),
    ]
    return onnx_file(path, nodes, constants, ["N", 1, 5, 5])
