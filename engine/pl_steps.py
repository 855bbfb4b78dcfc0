"""The steps of a traced piecewise-linear model (:mod:`engine.pl_graph`) as plain data:
:class:`GraphStep`, :class:`PLGraph`, and the helpers every tracer shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import fx, nn

#: Step kinds that cut the input space (one "layer" of the partition each).
CUTTING_KINDS = ("relu", "clamp", "maxpool")

Env = dict[str, object]


@dataclass(frozen=True)
class GraphStep:
    """One node of a traced piecewise-linear model.

    Attributes
    ----------
    name : the fx node name (unique in the graph).
    kind : ``"affine"``, ``"meta"``, ``"relu"``, ``"clamp"`` or ``"maxpool"``.
    op : what the node is, for messages: ``"Conv2d 'features.0'"``, ``"add"``.
    inputs : names of the steps whose values it reads.
    compute : affine and meta steps: ``compute(env)`` -> the linear part of the step
        applied to the values in ``env`` (a batch ``(B * r, *shape)``), or the meta value.
    bias : affine steps: ``(*shape)``-broadcastable float64 constant added to the last
        row of every cell, or None.
    slope : relu steps: ``(*shape)``-broadcastable float64 slope where the input is <= 0.
    low, high : clamp steps: the clamp bounds (either may be None, not both).
    windows : maxpool steps: (n_positions, k) int64 flat spatial index of every window's
        entries in the input (``-1`` for padding), entries in the order torch scans them.
    shape : per-sample shape of the step's value (empty for meta steps).
    densify : an affine step (a convolution, an average pooling) that runs faster as one
        matrix product when its matrix is small (see :data:`DENSE_ENTRIES`).
    """

    name: str
    kind: str
    op: str
    inputs: tuple[str, ...]
    compute: Callable[[Env], object] | None = None
    bias: torch.Tensor | None = None
    slope: torch.Tensor | None = None
    low: float | None = None
    high: float | None = None
    windows: np.ndarray | None = None
    shape: tuple[int, ...] = ()
    densify: bool = False

    @property
    def n_units(self) -> int:
        """Entries of the step's value (windows for max-pooling)."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def n_bits(self) -> int:
        """Pattern bits of a cutting step: one per unit (ReLU-like), one per kink per unit
        (clamp), one per window entry (max-pooling, one-hot on the argmax)."""
        if self.kind == "relu":
            return self.n_units
        if self.kind == "clamp":
            return self.n_units * ((self.low is not None) + (self.high is not None))
        if self.kind == "maxpool":
            return self.n_units * self.windows.shape[1]
        return 0


@dataclass(frozen=True)
class PLGraph:
    """A traced piecewise-linear model.

    Attributes
    ----------
    steps : the steps in a topological order; the first reads the input.
    input_name : name of the model input's value.
    input_shape : per-sample shape of the input, e.g. ``(1, 8, 8)``.
    output_name : the step whose value is the model output.
    last_use : for every step name, the index of the last step that reads it.
    traced_with : ``"torch.fx"`` or ``"forward hooks"``.
    """

    steps: tuple[GraphStep, ...]
    input_name: str
    input_shape: tuple[int, ...]
    output_name: str
    last_use: dict[str, int] = field(default_factory=dict)
    traced_with: str = "torch.fx"

    @property
    def cutting_steps(self) -> tuple[GraphStep, ...]:
        """The piecewise-linear steps, in order: the layers of a partition."""
        return tuple(s for s in self.steps if s.kind in CUTTING_KINDS)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.step(self.output_name).shape

    def step(self, name: str) -> GraphStep:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def truncated(self, n_layers: int) -> PLGraph:
        """The graph up to (and with its output at) its ``n_layers``-th cutting step."""
        cutting = self.cutting_steps
        if n_layers >= len(cutting):
            return self
        if n_layers == 0:
            return with_last_use(
                self.steps[:0], self.input_name, self.input_shape, self.input_name, self.traced_with
            )
        last = cutting[n_layers - 1].name
        end = next(i for i, s in enumerate(self.steps) if s.name == last) + 1
        return with_last_use(
            self.steps[:end], self.input_name, self.input_shape, last, self.traced_with
        )


def with_last_use(steps, input_name, input_shape, output_name, traced_with) -> PLGraph:
    last_use = {}
    for index, step in enumerate(steps):
        for name in step.inputs:
            last_use[name] = index
    last_use[output_name] = len(steps)
    return PLGraph(tuple(steps), input_name, tuple(input_shape), output_name, last_use, traced_with)


def describe_node(node: fx.Node, module: nn.Module | None = None) -> str:
    """``"call_module Tanh 'act'"``, ``"call_function gelu"``: a node's kind for messages."""
    if node.op == "call_module":
        return f"call_module {type(module).__name__} '{node.target}'"
    target = (
        node.target
        if isinstance(node.target, str)
        else getattr(node.target, "__name__", repr(node.target))
    )
    return f"{node.op} {target}"


def refuse(name: str, kind: str, why: str = "") -> ValueError:
    """The error for a node that is not piecewise linear (or not supported)."""
    reason = why or (
        "it is not a piecewise-linear operation; Splinescope partitions models built "
        "from Linear, convolutions, BatchNorm, pooling, reshapes, additions, "
        "concatenation and ReLU-like activations, clamps and max-pooling"
    )
    return ValueError(f"node '{name}' ({kind}) is not supported: {reason}")


def as_float64(value):
    """Floating tensors as float64 copies (detached); anything else unchanged."""
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.detach().to(torch.float64).clone()
    return value


#: Samples in the example batch traced through the graph (an unusual size, so that an
#: operation that mixes the samples of a batch shows in the shapes).
EXAMPLE_BATCH = 7


def replace_step(step: GraphStep, **changes) -> GraphStep:
    fields = {f: getattr(step, f) for f in step.__dataclass_fields__}
    fields.update(changes)
    return GraphStep(**fields)
