"""How much memory a partition may take, estimated before anything is allocated.

A partition's memory grows with its cell count: every cell stores its polygon, its
activation pattern and its affine map, and while a layer is cut every piece also carries
the pre-activations of that layer's neurons. :func:`partition_bytes_per_cell` estimates
that cost from the network's shape; :func:`check_cell_budget` refuses a cell limit whose
estimate exceeds a fraction of the memory available now, with a message saying what to do.

The engine's own partitions plan with the tighter :func:`layered_bytes_per_cell` (it knows
every layer's width): :func:`partition_cell_budget` gives the cells they may make, and
past that count they stop with :func:`partition_over_budget`'s error rather than grow
(see :func:`engine.input_checks.budgeted_partition`). Callers that plan a cell limit with
:func:`partition_bytes_per_cell` plan below what the engine allows, so the engine never
stops them first unless memory was taken in between.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

#: The share of the currently available memory one partition may plan to use.
BUDGET_FRACTION = 0.5
#: Assumed when the operating system does not say how much memory is free.
FALLBACK_AVAILABLE_BYTES = 2 << 30
#: Vertices per cell, on average, in the partitions of the benchmarks (rings of 5–6).
_VERTICES_PER_CELL = 6
#: Temporaries of a cutting round (both halves of every piece, sorting, bookkeeping),
#: and the canvas's own copy of every polygon to draw.
_WORKING_FACTOR = 3


class MemoryBudgetError(MemoryError):
    """A request whose memory estimate exceeds the budget; ``str(error)`` says what to do.

    Attributes
    ----------
    needed_bytes, budget_bytes : the estimate and the budget it exceeds.
    max_cells : the largest cell count the budget allows.
    """

    def __init__(self, message: str, needed_bytes: int, budget_bytes: int, max_cells: int):
        super().__init__(message)
        self.needed_bytes = needed_bytes
        self.budget_bytes = budget_bytes
        self.max_cells = max_cells


@dataclass(frozen=True)
class CellBudget:
    """A cell limit that fits in memory.

    Attributes
    ----------
    max_cells : the limit asked for.
    bytes_per_cell : estimated bytes of one cell.
    needed_bytes : ``max_cells * bytes_per_cell``.
    budget_bytes : what the partition may use.
    """

    max_cells: int
    bytes_per_cell: int
    needed_bytes: int
    budget_bytes: int

    @property
    def affordable_cells(self) -> int:
        """The largest cell count within the budget."""
        return self.budget_bytes // self.bytes_per_cell


def available_memory_bytes() -> int:
    """Memory the system can give without swapping (``MemAvailable`` on Linux)."""
    try:  # the third line of /proc/meminfo; read raw, every partition asks
        descriptor = os.open("/proc/meminfo", os.O_RDONLY)
        try:
            head = os.read(descriptor, 512)
        finally:
            os.close(descriptor)
        start = head.index(b"MemAvailable:") + len(b"MemAvailable:")
        return int(head[start : head.index(b"kB", start)]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return FALLBACK_AVAILABLE_BYTES


def partition_bytes_per_cell(
    n_neurons: int, max_width: int, n_outputs: int, *, dimension: int = 2
) -> int:
    """Estimated bytes one cell of a ``dimension``-D partition costs while it is built.

    Parameters
    ----------
    n_neurons : hidden neurons in all (the activation pattern's length, one byte each).
    max_width : neurons of the widest layer (pre-activations carried while it is cut).
    n_outputs : network outputs (the cell's affine map).
    dimension : 2 for polygons, 3 for polyhedra (more vertices, bigger maps).
    """
    vertices = _VERTICES_PER_CELL * (dimension - 1) ** 2
    geometry = vertices * (8 * dimension + 8 + 8)  # coordinates, index, edge label
    affine = 8 * (dimension + 1) * max(max_width, n_outputs)  # the cell's layer map
    pattern = n_neurons  # one bool per neuron
    pre_activations = 8 * max_width * (dimension + 1)  # per piece, while a layer is cut
    per_cell = geometry + affine + pattern + pre_activations + 64  # + bookkeeping
    # Never below the engine's own bound with every layer as wide as the widest.
    k = dimension
    widest = 4 * max_width + 8 * (k + 1) * (max(max_width, n_outputs) + 2 * max_width)
    return max(int(per_cell * _WORKING_FACTOR), _cell_bytes(n_neurons, widest, k))


def _format_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def check_cell_budget(
    max_cells: int,
    bytes_per_cell: int,
    *,
    available_bytes: int | None = None,
) -> CellBudget:
    """The budget of a partition allowed ``max_cells`` cells; raises if it does not fit.

    Raises
    ------
    MemoryBudgetError
        When ``max_cells * bytes_per_cell`` exceeds :data:`BUDGET_FRACTION` of the
        available memory; the message gives both and the largest affordable limit.
    """
    available = available_memory_bytes() if available_bytes is None else int(available_bytes)
    budget = int(available * BUDGET_FRACTION)
    per_cell = max(int(bytes_per_cell), 1)
    needed = int(max_cells) * per_cell
    if needed > budget:
        affordable = budget // per_cell
        raise MemoryBudgetError(
            f"A limit of {int(max_cells):,} cells could need about {_format_bytes(needed)} of "
            f"memory, more than the {_format_bytes(budget)} this computation may use "
            f"(half of the {_format_bytes(available)} free now). The largest limit that fits "
            f"is about {affordable:,} cells: zoom in, use fewer layers, or close other "
            "programs.",
            needed,
            budget,
            affordable,
        )
    return CellBudget(int(max_cells), per_cell, needed, budget)


#: Corners per cell, on average, in the partitions of the benchmarks: rings of 5–6 in 2-D,
#: polyhedra of about 24 corners (with their faces) in 3-D.
_CORNERS_PER_CELL = {2: 6, 3: 24}


def layered_bytes_per_cell(widths: Sequence[int], n_outputs: int, *, dimension: int = 2) -> int:
    """Peak bytes one cell of a ``dimension``-D partition may cost, from every layer's width.

    A tighter bound than :func:`partition_bytes_per_cell`, which knows only the widest
    layer. While layer ``l`` (width ``w_l``) cuts ``C`` cells into ``P >= C`` pieces, memory
    holds per piece its corners (twice: the kernel's doubling buffer and the joined
    groups), the bits of every layer so far and the final patterns (``2 n_neurons``), the
    layer's bits in the kernel, the joined copy and ``cell_on`` (``4 w_l``), and the next
    layer's map (``8 (k+1) w_{l+1}``, the output's after the last layer); per cell cut it
    holds the layer's pre-activation map and its masked copy (``16 (k+1) w_l``), counted
    per piece since ``C <= P`` (the first layer cuts one cell, so it is left out there).
    Measured peaks of the benchmark networks are 1.7 to 4 times below this bound.

    Parameters
    ----------
    widths : (L,) the hidden widths of the layers the partition cuts.
    n_outputs : width of the map after the last layer cut (the network's outputs, or the
        last layer's width when the partition stops before the output).
    dimension : 2 for polygons, 3 for polyhedra.
    """
    k = dimension
    following = [*list(widths)[1:], n_outputs][: len(widths)]
    per_layer = [
        4 * w + 8 * (k + 1) * (w_next + (2 * w if index else 0))
        for index, (w, w_next) in enumerate(zip(widths, following, strict=True))
    ]
    return _cell_bytes(sum(widths), max(per_layer, default=8 * (k + 1) * n_outputs), k)


def _cell_bytes(n_neurons: int, layer_bytes: int, dimension: int) -> int:
    """A cell's corners (twice), patterns (twice), the costliest layer's bytes, bookkeeping."""
    corners = _CORNERS_PER_CELL.get(dimension, 6 * (dimension - 1) ** 2)
    return int(4 * corners * (8 * dimension + 16) + 2 * n_neurons + layer_bytes + 128)


def partition_cell_budget(
    widths: Sequence[int],
    n_outputs: int,
    max_regions: int,
    dimension: int = 2,
    *,
    available_bytes: int | None = None,
) -> CellBudget:
    """The cells a partition of these widths may make within the budget.

    ``affordable_cells`` may be below ``max_regions``: the partition is then stopped there
    with :func:`partition_over_budget`'s error. Raises :class:`MemoryBudgetError` at once
    when not even one cell fits.
    """
    available = available_memory_bytes() if available_bytes is None else int(available_bytes)
    budget = int(available * BUDGET_FRACTION)
    per_cell = layered_bytes_per_cell(widths, n_outputs, dimension=dimension)
    planned = CellBudget(int(max_regions), per_cell, int(max_regions) * per_cell, budget)
    if planned.affordable_cells < 1:
        raise partition_over_budget(planned, 0)
    return planned


def partition_over_budget(budget: CellBudget, n_regions: int) -> MemoryBudgetError:
    """The error of a partition stopped at the budget's ``affordable_cells``."""
    budget_text = f"{_format_bytes(budget.budget_bytes)} (half of the memory free now)"
    if n_regions:
        what = (
            f"The partition reached {n_regions:,} cells, more than the "
            f"{budget.affordable_cells:,} that fit in {budget_text}, at about "
            f"{_format_bytes(budget.bytes_per_cell)} a cell"
        )
    else:
        what = (
            f"One cell of this partition could need {_format_bytes(budget.bytes_per_cell)}, "
            f"more than the {budget_text} it may use"
        )
    return MemoryBudgetError(
        f"{what}: zoom in, use fewer or narrower layers, or close other programs.",
        max(budget.needed_bytes, budget.bytes_per_cell * max(n_regions, 1)),
        budget.budget_bytes,
        budget.affordable_cells,
    )
