"""Piecewise-linear models as a graph of affine and piecewise-linear steps.

:func:`trace_piecewise_linear` traces a PyTorch model with ``torch.fx`` (or, where
tracing fails, records its chain of layers with forward hooks, see
:mod:`engine.pl_hooks`) and turns every node into a :class:`GraphStep` in float64:

- ``"affine"``: a map that is linear in the values of its inputs, plus a constant
  ``bias`` (convolutions, Linear, BatchNorm folded into the convolution before it,
  average pooling, reshapes, residual additions, concatenation, means and sums);
- ``"meta"``: a Python value computed from the inputs' shapes (``x.size(0)``);
- ``"relu"``: ``x`` where ``x > 0``, else ``slope * x`` (ReLU, LeakyReLU, PReLU, Abs);
- ``"clamp"``: ``x`` clamped to ``[low, high]`` (Hardtanh, ReLU6, ``torch.clamp``);
- ``"maxpool"``: the largest entry of every pooling window.

Anything else (tanh, GELU, softmax, attention, a product of two input-dependent values)
is refused with a ``ValueError`` that names the node and its kind. The model is read in
eval mode (BatchNorm uses its running statistics, Dropout is the identity).

Every value flows through the graph as a batch ``(B * r, *shape)``: ``r`` rows per cell
or point, the last of them holding the value at the origin of the slice and the others
its derivatives. :meth:`GraphStep.compute` gives the linear part of an affine step (it is
applied to every row); ``bias`` is added to the last row only.
"""

from __future__ import annotations

import copy
import operator

import numpy as np
import torch
from torch import fx, nn
from torch.fx.node import map_arg

from engine.pl_hooks import record_chain
from engine.pl_modules import FUNCTIONS, METHODS, function_step, module_step
from engine.pl_slice import point_forward, point_value
from engine.pl_steps import (
    EXAMPLE_BATCH,
    Env,
    GraphStep,
    PLGraph,
    as_float64,
    describe_node,
    refuse,
    replace_step,
    with_last_use,
)


def _check_finite(model: nn.Module) -> None:
    """Refuse a model with NaN or infinite weights or buffers, naming the first one."""
    for name, tensor in (*model.named_parameters(), *model.named_buffers()):
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"the model's {name!r} has NaN or infinite values")


def _check_input_shape(input_shape) -> tuple[int, ...]:
    shape = tuple(int(n) for n in input_shape)
    if not shape or any(n < 1 for n in shape):
        raise ValueError(f"the input shape must be positive sizes, got {input_shape}")
    return shape


def trace_piecewise_linear(model: nn.Module, input_shape) -> PLGraph:
    """Trace ``model`` into float64 :class:`GraphStep` s.

    Parameters
    ----------
    model : a PyTorch module mapping a batch ``(N, *input_shape)`` to ``(N, ...)``.
    input_shape : per-sample input shape, e.g. ``(1, 8, 8)`` or ``(64,)``.

    Raises
    ------
    ValueError
        Naming the first node that is not piecewise linear, or saying why neither
        ``torch.fx`` nor forward hooks could read the model.
    """
    shape = _check_input_shape(input_shape)
    _check_finite(model)
    try:
        traced = fx.symbolic_trace(model)
    except Exception as trace_error:
        graph = record_chain(model, shape, trace_error)
    else:
        graph = _from_fx(traced, shape)
    graph = _with_small_matrices(graph)
    _check_reproduces(model, graph)
    return graph


#: A convolution or pooling whose matrix has at most this many entries (shared by every
#: cell, never one per cell) is applied as one matrix product: float64 convolutions of
#: many tiny images are far slower than the product. Larger ones stay convolutions.
DENSE_ENTRIES = 2**21


def _with_small_matrices(graph: PLGraph) -> PLGraph:
    """The graph with its small single-input convolutions and poolings as matrices."""
    shapes = {graph.input_name: graph.input_shape}
    shapes.update({s.name: s.shape for s in graph.steps})
    steps = []
    for step in graph.steps:
        source = step.inputs[0] if len(step.inputs) == 1 else None
        n_in = int(np.prod(shapes.get(source, (0,))))
        if step.densify and source is not None and n_in * step.n_units <= DENSE_ENTRIES:
            basis = torch.eye(n_in, dtype=torch.float64).reshape(n_in, *shapes[source])
            with torch.no_grad():
                matrix = step.compute({source: basis}).reshape(n_in, step.n_units)

            def product(env, source=source, matrix=matrix, n_in=n_in, shape=step.shape):
                return (env[source].reshape(-1, n_in) @ matrix).reshape(-1, *shape)

            step = replace_step(step, compute=product)
        steps.append(step)
    return with_last_use(
        steps, graph.input_name, graph.input_shape, graph.output_name, graph.traced_with
    )


def _example(shape: tuple[int, ...], batch: int = EXAMPLE_BATCH) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.randn((batch, *shape), generator=generator, dtype=torch.float64)


def _from_fx(traced: fx.GraphModule, input_shape: tuple[int, ...]) -> PLGraph:
    """Steps of an fx graph, with their shapes from an example batch."""
    modules = dict(traced.named_modules())
    consts: dict[str, object] = {}
    example: Env = {}
    alias: dict[str, str] = {}
    steps: list[GraphStep] = []
    input_name = output_name = None
    folded: dict[str, nn.Module] = {}

    def source(n: fx.Node) -> str:
        return alias.get(n.name, n.name)

    def dependent(n: fx.Node) -> bool:
        return n.name not in consts

    for node in traced.graph.nodes:
        module = modules.get(node.target) if node.op == "call_module" else None
        kind = describe_node(node, module)
        if node.op == "placeholder":
            if input_name is not None:
                raise refuse(node.name, kind, "the model takes more than one input")
            input_name = node.name
            example[node.name] = _example(input_shape)
            continue
        if node.op == "get_attr":
            value = traced
            for part in node.target.split("."):
                value = getattr(value, part)
            consts[node.name] = as_float64(value)
            continue
        if node.op == "output":
            result = node.args[0]
            if not isinstance(result, fx.Node) or not dependent(result):
                raise refuse(node.name, "output", "the model must return one tensor")
            output_name = source(result)
            continue
        inputs = [n for n in node.all_input_nodes if dependent(n)]
        if not inputs:
            args = map_arg(node.args, lambda n: consts[n.name])
            kwargs = map_arg(node.kwargs, lambda n: consts[n.name])
            consts[node.name] = as_float64(_run_constant(node, module, traced, args, kwargs))
            continue
        if node.op == "call_module":
            if node.kwargs or len(node.args) != 1 or not isinstance(node.args[0], fx.Node):
                raise refuse(node.name, kind, "a module must be called on one tensor")
            if node.name in folded:
                alias[node.name] = source(node.args[0])
                continue
            bn = _foldable_batchnorm(node, modules)
            if bn is not None:
                folded[next(iter(node.users)).name] = bn
            in_shape = tuple(example[source(node.args[0])].shape[1:])
            step = module_step(node.name, kind, module, source(node.args[0]), in_shape, fold=bn)
        else:
            step = _call_step(node, kind, source, consts, example)
        value = _example_value(step, example)
        step = _shaped(step, value, kind)
        example[step.name] = value
        steps.append(step)
    if input_name is None or output_name is None:
        raise ValueError("the model has no input or no output")
    if output_name == input_name or not isinstance(example[output_name], torch.Tensor):
        raise ValueError("the model output must be a tensor computed from the input")
    return with_last_use(steps, input_name, input_shape, output_name, "torch.fx")


def _run_constant(node, module, traced, args, kwargs):
    if node.op == "call_module":
        return module(*args, **kwargs)
    if node.op == "call_function":
        return node.target(*args, **kwargs)
    return getattr(args[0], node.target)(*args[1:], **kwargs)


def _foldable_batchnorm(node: fx.Node, modules: dict[str, nn.Module]) -> nn.Module | None:
    """The BatchNorm that is the only user of a Linear or convolution node, if any."""
    module = modules.get(node.target)
    if not isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return None
    if len(node.users) != 1:
        return None
    user = next(iter(node.users))
    bn = modules.get(user.target) if user.op == "call_module" else None
    if isinstance(bn, nn.modules.batchnorm._BatchNorm) and bn.track_running_stats:
        return bn
    return None


def _call_step(node: fx.Node, kind: str, source, consts, example: Env) -> GraphStep:
    """The step of a call_function or call_method node."""
    if node.op == "call_method":
        name, table = node.target, METHODS
    elif node.target is operator.getitem:
        name, table = "getitem", FUNCTIONS
    else:
        name, table = getattr(node.target, "__name__", None), FUNCTIONS
        if not _is_known(node.target):
            name = None
    if name not in table:
        raise refuse(node.name, kind)

    def is_dependent(n: fx.Node) -> bool:
        return n.name not in consts

    def call(env: Env, keep_bias: bool):
        def value(n: fx.Node):
            return env[source(n)] if is_dependent(n) else consts[n.name]

        args = map_arg(node.args, value)
        kwargs = dict(map_arg(node.kwargs, value))
        if not keep_bias:
            if len(args) > 2:
                args = (*args[:2], None, *args[3:])
            kwargs.pop("bias", None)
        if node.op == "call_method":
            return getattr(args[0], node.target)(*args[1:], **kwargs)
        return node.target(*args, **kwargs)

    inputs = tuple(dict.fromkeys(source(n) for n in node.all_input_nodes if is_dependent(n)))
    tensors = [example[i] for i in inputs if isinstance(example[i], torch.Tensor)]
    in_shape = tuple(tensors[0].shape[1:]) if tensors else ()
    constant = map_arg(node.args, lambda n: None if is_dependent(n) else consts[n.name])
    constant_kwargs = map_arg(node.kwargs, lambda n: None if is_dependent(n) else consts[n.name])
    dependent = [isinstance(a, fx.Node) and is_dependent(a) for a in node.args]
    if any(isinstance(a, (list, tuple)) for a in node.args):
        nested = [a for a in node.args if isinstance(a, (list, tuple))]
        for group in nested:
            if any(isinstance(a, fx.Node) and not is_dependent(a) for a in group) and any(
                isinstance(a, fx.Node) and is_dependent(a) for a in group
            ):
                raise refuse(node.name, kind, "it mixes constant and input-dependent tensors")
    return function_step(
        node.name, kind, table[name], inputs, call, tuple(constant), dict(constant_kwargs),
        dependent, not tensors, in_shape,
    )  # fmt: skip


def _is_known(target) -> bool:
    module = getattr(target, "__module__", "") or ""
    return (
        target in vars(operator).values()
        or module.startswith("torch")
        or module == "_operator"
        or target is getattr
    )


def _example_value(step: GraphStep, example: Env):
    """The step's value on the example batch (every kind computed directly)."""
    return point_value(step, example)


def _shaped(step: GraphStep, value, kind: str) -> GraphStep:
    if step.kind == "meta":
        if isinstance(value, torch.Tensor):
            raise refuse(step.name, kind, "its result is a tensor the graph cannot follow")
        return step
    if not isinstance(value, torch.Tensor) or value.ndim == 0:
        raise refuse(step.name, kind, "its result must be a batch of tensors")
    if value.shape[0] != EXAMPLE_BATCH:
        raise refuse(step.name, kind, "it mixes the samples of a batch")
    return replace_step(step, shape=tuple(value.shape[1:]))


def _check_reproduces(model: nn.Module, graph: PLGraph) -> None:
    """The traced graph must give the eval-mode model's output on random inputs."""
    try:
        reference = copy.deepcopy(model).to(torch.float64).eval()
    except Exception:
        return
    x = _example(graph.input_shape, batch=2)
    with torch.no_grad():
        expected = reference(x)
    got = point_forward(graph, x)
    if not isinstance(expected, torch.Tensor) or expected.shape != got.shape:
        raise ValueError(
            f"the traced graph ({graph.traced_with}) gives outputs of shape "
            f"{tuple(got.shape)}, the model {getattr(expected, 'shape', type(expected))}"
        )
    scale = max(1.0, float(expected.abs().max()))
    if not torch.allclose(got, expected, rtol=0.0, atol=1e-9 * scale):
        raise ValueError(
            f"the traced graph ({graph.traced_with}) does not reproduce the model: it "
            f"probably takes a branch or uses an operation that tracing cannot see"
        )
