"""A plain ``torch.fx`` module built node by node from standard layers and torch functions.

The converters of model files (:mod:`engine.onnx_model`, :mod:`engine.torchscript_model`)
read a foreign graph one node at a time and hand each supported node to a
:class:`ModelBuilder`: a layer (``nn.Linear``, ``nn.Conv2d``, ``nn.BatchNorm2d``,
``nn.MaxPool2d``, ``nn.ReLU``, ...) becomes a ``call_module`` node, a function (``torch.add``,
``torch.cat``, ``torch.reshape``, ``torch.mean``, ...) a ``call_function`` node, and a
constant tensor a float64 buffer read by ``get_attr``. The result is an
``fx.GraphModule`` in eval mode and float64 that :func:`engine.pl_graph.trace_piecewise_linear`
traces like any hand-written model: it holds only layers the engine knows, never the
foreign file's code.

Every new value is computed at once on an example batch of :data:`EXAMPLE_ROWS` random
inputs, so the builder knows every per-sample shape, and an operation that fails, or that
mixes the samples of a batch, is refused on the node that does it. Its shape is first
worked out on PyTorch's meta device (no data), so a value larger than
:data:`MAX_VALUE_ENTRIES` per sample is refused before any memory is taken for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import fx, nn

#: Rows of the example batch (odd, so that a batch mixed with a size-2 axis is caught).
EXAMPLE_ROWS = 3
#: Entries per sample that one intermediate value may have (its example is held in memory).
MAX_VALUE_ENTRIES = 1 << 22


class ModelFileError(ValueError):
    """A model file that cannot be imported; ``str(error)`` is one sentence for the user."""


class InputShapeRequired(ModelFileError):
    """The file does not state its input's shape: the caller must give it."""


class NodeRefused(ValueError):
    """A node the builder cannot take; ``str(error)`` says why (the converter names the node)."""


class BatchSize:
    """The batch size of the input, as a model's graph computes it (``x.size(0)``,
    ``Shape(x)[0]``): a reshape that puts it first keeps the samples apart."""

    def __repr__(self) -> str:
        return "N"  # as messages print a target shape: [N, -1]


BATCH = BatchSize()


def per_sample_shape(in_shape: tuple[int, ...], target: Sequence) -> tuple[int, ...]:
    """The per-sample shape of a reshape of a batch of ``in_shape`` samples to ``target``.

    ``target`` is a whole shape, batch first: its first entry must be :data:`BATCH`, ``0``
    (ONNX: copy the batch), ``-1`` or ``1`` (a batch of one, as exporters bake it); later
    entries are positive sizes, ``0`` (copy that axis) or one ``-1`` (the rest).

    Raises
    ------
    NodeRefused
        The first entry is another size (the reshape would mix samples) or the sizes do
        not fit ``in_shape``.
    """
    if not target:
        raise NodeRefused("it reshapes to a scalar, which drops the batch axis")
    first = target[0]
    if not (first is BATCH or first in (0, -1, 1)):
        raise NodeRefused(f"its target shape starts with {first}, not the batch size")
    sizes = []
    for axis, size in enumerate(target[1:], start=1):
        if size is BATCH or not isinstance(size, int) or size < -1:
            raise NodeRefused(f"its target shape {list(target)} mixes the samples of a batch")
        if size == 0:
            if axis > len(in_shape):
                raise NodeRefused(f"its target shape {list(target)} copies a missing axis")
            size = in_shape[axis - 1]
        sizes.append(size)
    n_entries = math.prod(in_shape)
    known = math.prod(size for size in sizes if size != -1)
    free = sizes.count(-1) + (first == -1)
    if free > 1 or known == 0 or n_entries % known or (free == 0 and known != n_entries):
        raise NodeRefused(f"its target shape {list(target)} does not fit samples of {in_shape}")
    if first == -1 and known != n_entries:
        raise NodeRefused(f"its target shape {list(target)} mixes the samples of a batch")
    return tuple(n_entries // known if size == -1 else size for size in sizes)


class ModelBuilder:
    """An ``fx.GraphModule`` under construction, one node at a time.

    Parameters
    ----------
    input_shape : per-sample shape of the model's one input, e.g. ``(1, 28, 28)``.
    """

    def __init__(self, input_shape: tuple[int, ...]) -> None:
        self.root = nn.Module()
        self.graph = fx.Graph()
        self.input = self.graph.placeholder("x")
        generator = torch.Generator().manual_seed(0)
        self._examples: dict[fx.Node, torch.Tensor] = {
            self.input: torch.randn(
                (EXAMPLE_ROWS, *input_shape), generator=generator, dtype=torch.float64
            )
        }
        self._constants: dict[int, fx.Node] = {}

    def shape(self, value: fx.Node) -> tuple[int, ...]:
        """Per-sample shape of a value the builder made."""
        return tuple(self._examples[value].shape[1:])

    def is_value(self, value) -> bool:
        """Whether ``value`` is an input-dependent value of this builder."""
        return isinstance(value, fx.Node) and value in self._examples

    def layer(self, module: nn.Module, value: fx.Node, hint: str) -> fx.Node:
        """``module(value)`` as a ``call_module`` node; ``module`` is put in eval mode and
        float64 (its parameters are copies the caller made)."""
        name = self._free_name(hint)
        self.root.add_module(name, module.to(torch.float64).eval())
        node = self.graph.call_module(name, (value,))

        def run(on_meta: bool):
            x = self._examples[value]
            if not on_meta:
                return module(x)
            state = dict(module.named_parameters()) | dict(module.named_buffers())
            state = {key: _meta(tensor) for key, tensor in state.items()}
            return torch.func.functional_call(module, state, (_meta(x),))

        return self._computed(node, run)

    def call(self, function: Callable, *args, **kwargs) -> fx.Node:
        """``function(*args, **kwargs)`` as a ``call_function`` node. Arguments may hold
        values of this builder (also inside lists), constant tensors (stored as float64
        buffers) and plain numbers."""
        graph_args = fx.node.map_aggregate(args, self._graph_argument)
        graph_kwargs = fx.node.map_aggregate(kwargs, self._graph_argument)
        node = self.graph.call_function(function, tuple(graph_args), dict(graph_kwargs))

        def run(on_meta: bool):
            def value(a):
                known = self._examples[a] if self.is_value(a) else _float64(a)
                return _meta(known) if on_meta else known

            return function(
                *fx.node.map_aggregate(args, value), **fx.node.map_aggregate(kwargs, value)
            )

        return self._computed(node, run)

    def reshape(self, value: fx.Node, target: Sequence) -> fx.Node:
        """``value`` reshaped to the whole shape ``target`` (see :func:`per_sample_shape`)."""
        shape = per_sample_shape(self.shape(value), target)
        if shape == self.shape(value):
            return value
        return self.call(torch.reshape, value, (-1, *shape))

    def build(self, output: fx.Node) -> fx.GraphModule:
        """The finished float64 module in eval mode, returning ``output``."""
        if not self.is_value(output) or output is self.input:
            raise NodeRefused("the model's output does not depend on its input")
        self.graph.output(output)
        module = fx.GraphModule(self.root, self.graph, class_name="ImportedGraph")
        module.graph.eliminate_dead_code()
        module.delete_all_unused_submodules()
        module.recompile()
        return module.to(torch.float64).eval()

    def _graph_argument(self, a):
        if isinstance(a, torch.Tensor):
            return self._constant(a)
        if a is BATCH:
            raise NodeRefused("it uses the batch size as a number")
        return a

    def _constant(self, tensor: torch.Tensor) -> fx.Node:
        node = self._constants.get(id(tensor))
        if node is None:
            name = self._free_name("constant")
            self.root.register_buffer(name, _float64(tensor))
            node = self.graph.get_attr(name)
            self._constants[id(tensor)] = node
        return node

    def _free_name(self, hint: str) -> str:
        stem = "".join(c if c.isalnum() else "_" for c in hint).strip("_").lower() or "node"
        if stem[0].isdigit():
            stem = f"n{stem}"
        name, number = stem, 1
        while hasattr(self.root, name):
            number += 1
            name = f"{stem}_{number}"
        return name

    def _computed(self, node: fx.Node, run: Callable[[bool], object]) -> fx.Node:
        """Compute ``node`` on the example batch with ``run(False)``, after ``run(True)``
        gave its shape on the meta device (no memory), so that a node whose value would
        be too large is refused before it is computed."""
        try:
            with torch.no_grad():
                try:
                    self._check_value(run(True))
                except NotImplementedError:
                    pass  # no meta kernel: the size is checked after computing
                value = run(False)
        except NodeRefused:
            raise
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "no details"
            raise NodeRefused(f"it fails on the values it receives ({first})") from error
        self._check_value(value)
        self._examples[node] = value
        return node

    @staticmethod
    def _check_value(value) -> None:
        if not isinstance(value, torch.Tensor) or value.ndim == 0:
            raise NodeRefused("its result is not a batch of tensors")
        if value.shape[0] != EXAMPLE_ROWS:
            raise NodeRefused("it mixes the samples of a batch")
        if value.numel() > EXAMPLE_ROWS * MAX_VALUE_ENTRIES:
            raise NodeRefused(
                f"its value has {value.numel() // EXAMPLE_ROWS:,} entries per sample, more "
                f"than the {MAX_VALUE_ENTRIES:,} Splinescope follows"
            )


def _meta(value):
    """A tensor's shape and type on the meta device (no data); anything else unchanged."""
    if isinstance(value, torch.Tensor):
        return torch.empty(value.shape, dtype=value.dtype, device="meta")
    return value


def _float64(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.detach().to(torch.float64).clone()
    return value
