"""Which unit of a traced network a pattern bit is: layer, channel, position, pooling window.

A :class:`engine.partition_graph.GraphPartition2D` numbers its pattern bits globally;
:func:`bit_unit` turns a bit into a :class:`UnitName` a person can read
(``"MaxPool2d '3', channel 2, window rows 0-1, cols 2-3, entry (1, 0)"``),
:func:`pattern_changes` lists the bits two activation patterns differ in, in order, and
:func:`step_labels` names each cutting step as a person would (``"conv1 (Conv2d)"``,
``"pool1 (MaxPool2d)"``) where torch.fx calls it ``'_2'`` or ``'features_0'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from torch import nn

from engine.pl_steps import PLGraph


@dataclass(frozen=True)
class UnitName:
    """One pattern bit of a traced network, decoded.

    Attributes
    ----------
    bit : the global bit index (pattern column).
    layer : 0-based cutting step (ReLU-like, clamp or max-pooling), in order.
    kind : the step's module class (``"ReLU"``, ``"MaxPool2d"``) or function name.
    node : the step's module or node name in the model (``"3"``, ``"features.2"``).
    channel, row, col : the unit's position in the step's (C, H, W) output; for a flat
        output, ``channel`` is the unit's index and ``row = col = -1``.
    window : for max-pooling, ``(row0, row1, col0, col1)`` inclusive rows and columns of
        the pool's input the window covers, else None.
    entry : for max-pooling, ``(row, col)`` of the bit's entry inside its window, else None.
    """

    bit: int
    layer: int
    kind: str
    node: str
    channel: int
    row: int
    col: int
    window: tuple[int, int, int, int] | None = None
    entry: tuple[int, int] | None = None

    @property
    def layer_text(self) -> str:
        """``"2: MaxPool2d '3'"`` (1-based step number)."""
        return f"{self.layer + 1}: {self.kind} '{self.node}'"

    @property
    def unit_text(self) -> str:
        """``"channel 3, (row 1, col 2)"``, or ``"unit 17"`` for a flat layer; 1-based
        channels and units, 0-based rows and columns as in the tensor."""
        if self.row < 0:
            return f"unit {self.channel + 1}"
        text = f"channel {self.channel + 1}, (row {self.row}, col {self.col})"
        if self.window is not None and self.entry is not None:
            r0, r1, c0, c1 = self.window
            text += (
                f", window rows {r0}-{r1} cols {c0}-{c1}, entry "
                f"(row {r0 + self.entry[0]}, col {c0 + self.entry[1]})"
            )
        return text


def _op_kind_node(op: str) -> tuple[str, str]:
    """``("ReLU", "2")`` from ``"call_module ReLU '2'"``; the op itself when unparsable."""
    parts = op.split(" ", 2)
    if len(parts) == 3:
        return parts[1], parts[2].strip("'")
    return op, ""


def _pool_geometry(model: nn.Module | None, node: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Kernel and stride (each (h, w)) of the max-pooling module ``node`` of ``model``."""
    module = dict(model.named_modules()).get(node) if model is not None else None
    if not isinstance(module, nn.MaxPool2d):
        return (0, 0), (0, 0)

    def pair(value) -> tuple[int, int]:
        return (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)

    kernel = pair(module.kernel_size)
    stride = pair(module.stride if module.stride is not None else module.kernel_size)
    return kernel, stride


def bit_unit(partition, bit: int, model: nn.Module | None = None) -> UnitName:
    """Decode pattern bit ``bit`` of a traced partition.

    Parameters
    ----------
    partition : a :class:`engine.partition_graph.GraphPartition2D` (its ``layer_of_neuron``,
        ``layer_ops``, ``layer_shapes``, ``neuron_unit``, ``neuron_entry``).
    bit : 0 <= bit < n_neurons.
    model : the partitioned model, to read a max-pooling module's kernel and stride (the
        window is left out without it).
    """
    n_bits = len(partition.layer_of_neuron)
    if not (isinstance(bit, int | np.integer) and 0 <= int(bit) < n_bits):
        raise ValueError(f"bit must be a whole number from 0 to {n_bits - 1}, got {bit!r}")
    bit = int(bit)
    layer = int(partition.layer_of_neuron[bit])
    kind, node = _op_kind_node(partition.layer_ops[layer])
    shape = tuple(partition.layer_shapes[layer])
    unit = int(partition.neuron_unit[bit])
    if len(shape) != 3:
        return UnitName(bit, layer, kind, node, unit, -1, -1)
    channel, row, col = (int(v) for v in np.unravel_index(unit, shape))
    if kind != "MaxPool2d":
        return UnitName(bit, layer, kind, node, channel, row, col)
    kernel, stride = _pool_geometry(model, node)
    if kernel == (0, 0):
        return UnitName(bit, layer, kind, node, channel, row, col)
    r0, c0 = row * stride[0], col * stride[1]
    window = (r0, r0 + kernel[0] - 1, c0, c0 + kernel[1] - 1)
    entry = divmod(int(partition.neuron_entry[bit]), kernel[1])
    return UnitName(bit, layer, kind, node, channel, row, col, window, entry)


def pattern_changes(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bits two (n_bits,) bool patterns differ in, ascending, and whether each turned on.

    Returns ``(bits (K,) int64, turned_on (K,) bool)``.
    """
    before = np.asarray(before, dtype=bool)
    after = np.asarray(after, dtype=bool)
    if before.shape != after.shape or before.ndim != 1:
        raise ValueError(f"need two patterns of one length, got {before.shape} and {after.shape}")
    bits = np.flatnonzero(before != after)
    return bits.astype(np.int64), after[bits]


#: ``"call_module Conv2d 'features.0' + BatchNorm2d"`` or ``"Conv2d '0' (recorded)"``: a
#: module step's type and module path.
_MODULE_OP = re.compile(r"^(?:call_module )?(\w+) '([^']*)'")
#: Short names of the module families a person numbers (conv1, pool2, fc1), by the
#: first part of the type name that matches.
_FAMILIES = (("ConvTranspose", "deconv"), ("Conv", "conv"), ("Linear", "fc"), ("Pool", "pool"))


def _module_of(op: str) -> tuple[str, str] | None:
    """``(type, path)`` of a module step's ``op``, None for a function step."""
    match = _MODULE_OP.match(op)
    return (match.group(1), match.group(2)) if match else None


def _family(kind: str) -> str | None:
    return next((short for part, short in _FAMILIES if part in kind), None)


def step_labels(graph: PLGraph) -> tuple[str, ...]:
    """One name per cutting step of ``graph`` (the layers of its partitions), for display.

    A ReLU-like step or clamp right after a convolution or Linear layer is named after
    that layer, whose units it switches; any other step after its own module. A module is
    called by its path in the model (``"features.conv1 (Conv2d)"``) unless the path ends
    in a number (an ``nn.Sequential`` index): then by its family and rank among the
    model's modules of that family, ``"conv2 (Conv2d)"``, ``"pool1 (MaxPool2d)"``,
    ``"fc1 (Linear)"``. Anything else, and any name two steps would share, is
    ``"layer k (Kind)"`` (k from 1). The engine's own identifiers (``layer_ops``, node
    names) are left as they are.

    Returns
    -------
    (L,) tuple of str, L = ``len(graph.cutting_steps)``.
    """
    ranks: dict[str, int] = {}
    counts: dict[str, int] = {}
    for step in graph.steps:
        module = _module_of(step.op)
        family = _family(module[0]) if module else None
        if family is not None and module[1] not in ranks:
            counts[family] = counts.get(family, 0) + 1
            ranks[module[1]] = counts[family]

    def module_label(kind: str, path: str) -> str | None:
        if path and not path.rsplit(".", 1)[-1].isdigit():
            return f"{path} ({kind})"
        family = _family(kind)
        return f"{family}{ranks[path]} ({kind})" if family and path in ranks else None

    names, fallbacks = [], []
    for index, step in enumerate(graph.cutting_steps):
        module = _module_of(step.op)
        name = module_label(*module) if module else None
        if step.kind in ("relu", "clamp") and step.inputs:
            feeding = next((s for s in graph.steps if s.name == step.inputs[0]), None)
            source = _module_of(feeding.op) if feeding and feeding.kind == "affine" else None
            if source and _family(source[0]) in ("conv", "deconv", "fc"):
                name = module_label(*source) or name
        names.append(name)
        fallbacks.append(f"layer {index + 1} ({module[0] if module else step.op.split(' ')[-1]})")
    return tuple(
        name if name is not None and names.count(name) == 1 else fallback
        for name, fallback in zip(names, fallbacks, strict=True)
    )
