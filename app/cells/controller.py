"""The Cells page's controller: its state (rectangle, layers, cell limit, ...), its
network and the worker that partitions off the GUI thread.

The controller owns the page's :class:`app.cells.state.CellsState`; every change goes
through :meth:`CellsController.set_state` (or :meth:`~CellsController.update`), which
checks it, starts the partition it implies and emits ``state_changed``. The network and
its slicing plane are data: :meth:`~CellsController.set_network` changes them together
with the state that goes with them.

The network may be a torch model or its float64 layers (:class:`engine.networks.NetworkLayers`):
the start-up network is drawn in numpy, so the first cells need no torch (a second of
start-up). :attr:`CellsController.model` gives it as a torch model, built from those
layers the first time it is asked for.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.cells.state import MAX_REGIONS, Bounds, CellsState
from app.jobs.partition_runner import PartitionRunner, PartitionTicket
from app.state.fields import SettingError
from app.state.owner import StateOwner
from engine.decision import DecisionBoundary, decision_boundary
from engine.memory_budget import (
    CellBudget,
    MemoryBudgetError,
    check_cell_budget,
    partition_bytes_per_cell,
)
from engine.networks import NetworkLayers, network_layers
from engine.partition2d import (
    Partition2D,
    TooManyRegionsError,
    partition_2d,
)

if TYPE_CHECKING:
    from torch import nn

#: ``(origin (d,), u (d,), v (d,))``: the 2-D slice ``origin + s u + t v`` of the input space.
Plane = tuple[np.ndarray, np.ndarray, np.ndarray]

#: "Raise limit" multiplies the limit by this much (capped by the memory budget).
LIMIT_STEP = 4
#: The settings a partition is made of: a change to any of them computes a new one.
PARTITION_FIELDS = ("bounds", "layers", "max_regions")


@dataclass(frozen=True)
class CellsRequest:
    """What to partition: ``model`` (a torch model or its layers) on ``bounds`` with its
    first ``layers`` hidden layers.

    ``ticket`` numbers requests in the order they were made (only the newest one's
    result is shown), reports every layer done and stops the partition once stopped.
    ``plane``, when given, is the slice of the input space the bounds lie in.
    """

    model: nn.Sequential | NetworkLayers
    bounds: Bounds
    layers: int
    ticket: PartitionTicket
    plane: Plane | None = None
    max_regions: int = MAX_REGIONS

    @property
    def generation(self) -> int:
        return self.ticket.generation


@dataclass(frozen=True)
class CellsResult:
    """A computed partition, ready to draw.

    Attributes
    ----------
    partition : the cells of the first ``layers`` hidden layers inside ``bounds``.
    boundary : the decision boundary, when all layers are partitioned, else None.
    layers, n_layers : k partitioned layers out of the network's L hidden layers.
    seconds : wall-clock time of the computation.
    generation : the request this answers.
    """

    partition: Partition2D
    boundary: DecisionBoundary | None
    layers: int
    n_layers: int
    seconds: float
    generation: int


def compute_cells(request: CellsRequest) -> CellsResult:
    """Partition (and find the decision boundary) for ``request``; runs in a worker."""
    started = time.perf_counter()
    partition = partition_2d(
        request.model,
        request.bounds,
        plane=request.plane,
        layers=request.layers,
        max_regions=request.max_regions,
        progress=request.ticket.after_layer,
    )
    boundary = decision_boundary(partition) if partition.is_complete else None
    # Build the point locator here, off the GUI thread: the probe's first lookup is then
    # as fast as every other.
    partition.locate(np.empty((0, 2)))
    return CellsResult(
        partition=partition,
        boundary=boundary,
        layers=partition.n_layers,
        n_layers=partition.n_layers_total,
        seconds=time.perf_counter() - started,
        generation=request.generation,
    )


def describe_error(error: BaseException) -> str:
    """One or two sentences for the user about why a partition failed."""
    if isinstance(error, TooManyRegionsError):
        return (
            f"This view has more than {error.n_regions:,} cells, past the limit of "
            f"{error.max_regions:,}. Zoom in on a smaller region, use fewer layers, or "
            "raise the limit."
        )
    return f"The partition could not be computed: {type(error).__name__}: {error}"


def plain_bounds(bounds: Sequence[object]) -> tuple[object, ...]:
    """``bounds`` with its numbers (numpy's too) as floats; the rest is left for the state's
    checks to refuse."""
    return tuple(
        float(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else v for v in bounds
    )


def cell_budget(model: nn.Module | NetworkLayers, max_regions: int) -> CellBudget:
    """The memory estimate of ``max_regions`` cells of ``model``; raises
    :class:`engine.memory_budget.MemoryBudgetError` when it does not fit in the budget."""
    layers = network_layers(model)
    per_cell = partition_bytes_per_cell(
        layers.n_neurons, max(layers.widths, default=1), layers.n_outputs
    )
    return check_cell_budget(max_regions, per_cell)


def checked_network(
    model: nn.Sequential | NetworkLayers, plane: Plane | None
) -> tuple[int, Plane | None]:
    """The network's hidden layers L and ``plane`` as float64 vectors; raises ValueError
    for a network the engine cannot partition or a plane of the wrong dimension."""
    layers = network_layers(model)  # raises ValueError for an unsupported network
    if plane is not None:
        plane = tuple(np.asarray(a, dtype=np.float64) for a in plane)
        if any(a.shape != (layers.n_inputs,) for a in plane):
            raise ValueError(
                f"the plane's origin and directions need {layers.n_inputs} coordinates "
                "each, one per network input"
            )
    elif layers.n_inputs != 2:
        raise ValueError(
            f"the network has {layers.n_inputs} inputs; give a plane to slice its input "
            "space, or use a network with 2 inputs"
        )
    return len(layers.hidden), plane


class CellsController(StateOwner[CellsState], QObject):
    """Owns the Cells page's state and network, and computes their partitions.

    At most one partition runs at a time. A request made while one runs replaces any
    request still waiting, and the running one's result is dropped when it arrives: only
    the newest request is ever shown; a superseded partition stops after its current
    layer. :meth:`cancel_partition` stops the newest one too and keeps the last result.

    Signals
    -------
    state_changed(CellsState) : the settings changed (any field).
    network_changed(object) : another network (or plane) is shown (a torch model or
        its layers).
    model_built(nn.Sequential) : the network shown, held as layers until then, is now
        held as this torch model (the same network: nothing is partitioned again).
    """

    state_changed = Signal(object)
    network_changed = Signal(object)
    partition_requested = Signal(int)  # layers k of the newest request
    partition_progress = Signal(int, int, int)  # layers done, layers, cells so far (newest)
    partition_ready = Signal(object)  # CellsResult of the newest request
    partition_failed = Signal(str)  # a message for the user
    partition_cancelled = Signal()  # the newest request was cancelled
    network_restored = Signal(object)  # a cancel went back to the shown result's network
    model_built = Signal(object)  # the layers shown became this torch model

    def __init__(
        self,
        model: nn.Sequential | NetworkLayers,
        bounds: Bounds,
        *,
        plane: Plane | None = None,
        compute: Callable[[CellsRequest], CellsResult] = compute_cells,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        n_layers, self._plane = checked_network(model, plane)
        self._model = model
        self._state = CellsState(bounds=plain_bounds(bounds), n_layers=n_layers, layers=n_layers)
        self._compute = compute
        self._result: CellsResult | None = None
        self._result_model: nn.Sequential | NetworkLayers | None = None  # the result's network
        self._result_view: tuple[Bounds, Plane | None] | None = None  # and its rectangle
        self._limit_error: TooManyRegionsError | None = None
        self._runner = PartitionRunner(self)
        self._runner.progress.connect(self.partition_progress)
        self._runner.result_ready.connect(self._on_result)
        self._runner.job_failed.connect(self._on_failed)

    # --- the state --------------------------------------------------------------------------

    def set_state(self, state: CellsState) -> None:
        """Show ``state``: partition again when its rectangle, layers or limit differ.

        Raises ValueError (a new ``n_layers``: change the network with
        :meth:`set_network`) or :class:`engine.memory_budget.MemoryBudgetError` (a new
        limit past the memory budget) before anything changes.
        """
        old = self._state
        if state.n_layers != old.n_layers:
            raise SettingError(
                f"n_layers = {state.n_layers} is not the network's {old.n_layers} hidden "
                "layers; show another network to change it."
            )
        if state.max_regions != old.max_regions:
            self.cell_budget(state.max_regions)
        self._state = state
        if any(getattr(state, f) != getattr(old, f) for f in PARTITION_FIELDS):
            self.request_partition()
        if state != old:
            self.state_changed.emit(state)

    # --- the network ------------------------------------------------------------------------

    @property
    def network(self) -> nn.Sequential | NetworkLayers:
        """The network shown as it is held: a torch model, or its float64 layers (the
        start-up network, drawn without torch, until :attr:`model` is asked for)."""
        return self._model

    @property
    def model(self) -> nn.Sequential:
        """The network shown as a torch model. Held as layers, it becomes the float64
        ``nn.Sequential`` of exactly those weights here (importing torch, once), and
        ``model_built`` says so."""
        if isinstance(self._model, NetworkLayers):
            from engine.torch_networks import torch_model

            layers, model = self._model, torch_model(self._model)
            self._model = model
            if self._result_model is layers:
                self._result_model = model
            self.model_built.emit(model)
        return self._model

    @property
    def plane(self) -> Plane | None:
        """The slice of the input space the bounds lie in, or None for a 2-D network."""
        return self._plane

    def set_network(
        self,
        model: nn.Sequential | NetworkLayers,
        bounds: Bounds,
        *,
        plane: Plane | None = None,
        state: CellsState | None = None,
    ) -> None:
        """Show ``model`` on ``bounds`` (of ``plane``, for more than 2 inputs), all layers;
        or, given ``state``, with its settings (``bounds`` is then ignored; its ``n_layers``
        must be the network's).

        Raises ValueError, before anything changes, for a network the engine cannot
        partition, a plane of the wrong dimension or bad settings. The new partition is
        requested at once.
        """
        n_layers, plane = checked_network(model, plane)
        if state is None:
            state = replace(
                self._state, bounds=plain_bounds(bounds), n_layers=n_layers, layers=n_layers
            )
        elif state.n_layers != n_layers:
            raise SettingError(
                f"n_layers = {state.n_layers} is not the network's {n_layers} hidden layers."
            )
        self._install(model, plane, state)
        self.network_changed.emit(model)
        self.request_partition()

    def _install(
        self, model: nn.Sequential | NetworkLayers, plane: Plane | None, state: CellsState
    ) -> None:
        self._model, self._plane = model, plane
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # --- the settings, one at a time --------------------------------------------------------

    @property
    def bounds(self) -> Bounds:
        return self._state.bounds

    @property
    def layers(self) -> int:
        """The requested number of partitioned hidden layers k."""
        return self._state.layers

    @property
    def n_layers(self) -> int:
        """The network's number of hidden layers L."""
        return self._state.n_layers

    @property
    def max_regions(self) -> int:
        """The cell limit asked for (a request uses at most what memory allows)."""
        return self._state.max_regions

    def set_bounds(self, bounds: Bounds) -> None:
        """Partition another rectangle (same network, plane and layers)."""
        self.update(bounds=plain_bounds(bounds))

    def set_layers(self, layers: int) -> None:
        """Partition with the first ``layers`` hidden layers (clamped to 0..L)."""
        self.update(layers=max(0, min(int(layers), self.n_layers)))

    def set_max_regions(self, max_regions: int) -> None:
        """Use a new cell limit and partition again.

        Raises :class:`engine.memory_budget.MemoryBudgetError` (nothing changes, nothing
        is computed) when the limit's memory estimate exceeds the budget.
        """
        if isinstance(max_regions, numbers.Integral) and not isinstance(max_regions, bool):
            max_regions = int(max_regions)
        self.update(max_regions=max_regions)

    # --- the cell limit ---------------------------------------------------------------------

    @property
    def limit_error(self) -> TooManyRegionsError | None:
        """Why the newest request failed, when it failed for having too many cells."""
        return self._limit_error

    def cell_budget(self, max_regions: int | None = None) -> CellBudget:
        """The memory estimate of ``max_regions`` cells (default: the current limit) of
        this network; raises :class:`engine.memory_budget.MemoryBudgetError` when it does
        not fit in the budget."""
        return cell_budget(self._model, self.max_regions if max_regions is None else max_regions)

    def raised_limit(self) -> int | None:
        """The limit "Raise limit" offers: :data:`LIMIT_STEP` times the current one (at
        least past the count reached), capped by the memory budget; None when the budget
        allows no more."""
        reached = self._limit_error.n_regions if self._limit_error is not None else 0
        wanted = max(self.max_regions * LIMIT_STEP, reached * 2)
        try:
            affordable = self.cell_budget(1).affordable_cells
        except MemoryBudgetError:
            return None
        raised = min(wanted, affordable)
        return raised if raised > self.max_regions else None

    # --- partitions -------------------------------------------------------------------------

    @property
    def result(self) -> CellsResult | None:
        """The newest result shown so far."""
        return self._result

    @property
    def is_busy(self) -> bool:
        """Whether a partition is running or waiting."""
        return self._runner.is_busy

    def request_partition(self) -> None:
        """Compute the partition of the current state; supersedes earlier requests."""
        self._limit_error = None
        # Never plan more cells than memory holds: the limit is cut to the budget.
        try:
            limit = self.cell_budget().max_cells
        except MemoryBudgetError as error:
            limit = max(error.max_cells, 1)
        # The ticket stops the superseded partitions: the worker moves on to this one.
        ticket = self._runner.issue()
        state = self._state
        request = CellsRequest(self._model, state.bounds, state.layers, ticket, self._plane, limit)
        self.partition_requested.emit(request.layers)
        self._runner.discard_running()
        self._runner.submit(self._compute, request)

    def cancel_partition(self) -> bool:
        """Stop the partition being computed (after its current layer) and drop any
        waiting one. The last result stays, and the controller goes back to its network,
        rectangle and layer count, so that what is shown matches what is described
        (``network_restored`` tells of a network change). True if there was one to cancel."""
        if not self._runner.cancel():
            return False
        shown = self._result
        if shown is not None:
            # What is on screen stays true to its labels: a cancelled new network,
            # rectangle or layer count gives way to the one the cells were made of.
            restored = self._result_model is not self._model
            bounds, plane = self._result_view
            state = replace(
                self._state, bounds=bounds, n_layers=shown.n_layers, layers=shown.layers
            )
            self._install(self._result_model, plane, state)
            if restored:
                self.network_restored.emit(self._model)
        self.partition_cancelled.emit()
        return True

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Drop waiting work, stop the running partition after its current layer and
        wait for it to end."""
        self._runner.shutdown(timeout_ms)

    def _on_result(self, result: CellsResult) -> None:
        self._result = result
        self._result_model = self._model  # only the newest request's result arrives
        self._result_view = (self.bounds, self._plane)
        self.partition_ready.emit(result)

    def _on_failed(self, error: BaseException) -> None:
        self._limit_error = error if isinstance(error, TooManyRegionsError) else None
        self.partition_failed.emit(describe_error(error))
