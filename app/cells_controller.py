"""Session state of the Cells page and the worker that partitions off the GUI thread."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import FunctionWorker, create_worker
from torch import nn

from engine.decision import DecisionBoundary, decision_boundary
from engine.networks import network_layers
from engine.partition2d import Partition2D, TooManyRegionsError, partition_2d

Bounds = tuple[float, float, float, float]
#: ``(origin (d,), u (d,), v (d,))``: the 2-D slice ``origin + s u + t v`` of the input space.
Plane = tuple[np.ndarray, np.ndarray, np.ndarray]

#: Beyond this many cells the page asks the user to zoom in or use fewer layers.
MAX_REGIONS = 200_000


@dataclass(frozen=True)
class CellsRequest:
    """What to partition: ``model`` on ``bounds`` with its first ``layers`` hidden layers.

    ``generation`` numbers requests in the order they were made; only the newest one's
    result is shown. ``plane``, when given, is the slice of the input space the bounds
    lie in.
    """

    model: nn.Sequential
    bounds: Bounds
    layers: int
    generation: int
    plane: Plane | None = None


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
        max_regions=MAX_REGIONS,
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
            f"This view has more than {error.n_regions:,} cells, too many to draw. "
            "Use fewer layers or a smaller region."
        )
    return f"The partition could not be computed: {type(error).__name__}: {error}"


class CellsController(QObject):
    """Holds the Cells page's model, bounds and layer count, and computes partitions.

    At most one partition runs at a time. A request made while one runs replaces any
    request still waiting, and the running one's result is dropped when it arrives: only
    the newest request is ever shown.
    """

    partition_requested = Signal(int)  # layers k of the newest request
    partition_ready = Signal(object)  # CellsResult of the newest request
    partition_failed = Signal(str)  # a message for the user

    def __init__(
        self,
        model: nn.Sequential,
        bounds: Bounds,
        *,
        plane: Plane | None = None,
        compute: Callable[[CellsRequest], CellsResult] = compute_cells,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._bounds = tuple(float(v) for v in bounds)
        self._plane = (
            None if plane is None else tuple(np.asarray(a, dtype=np.float64) for a in plane)
        )
        self._n_layers = len(network_layers(model).hidden)
        self._layers = self._n_layers
        self._compute = compute
        self._generation = 0
        self._running: FunctionWorker | None = None
        self._running_generation = 0
        self._waiting: CellsRequest | None = None
        self._result: CellsResult | None = None

    @property
    def model(self) -> nn.Sequential:
        return self._model

    @property
    def bounds(self) -> Bounds:
        return self._bounds

    @property
    def plane(self) -> Plane | None:
        """The slice of the input space the bounds lie in, or None for a 2-D network."""
        return self._plane

    @property
    def layers(self) -> int:
        """The requested number of partitioned hidden layers k."""
        return self._layers

    @property
    def n_layers(self) -> int:
        """The network's number of hidden layers L."""
        return self._n_layers

    @property
    def result(self) -> CellsResult | None:
        """The newest result shown so far."""
        return self._result

    @property
    def is_busy(self) -> bool:
        """Whether a partition is running or waiting."""
        return self._running is not None or self._waiting is not None

    def set_layers(self, layers: int) -> None:
        """Partition with the first ``layers`` hidden layers (clamped to 0..L)."""
        layers = max(0, min(int(layers), self._n_layers))
        if layers == self._layers:
            return
        self._layers = layers
        self.request_partition()

    def request_partition(self) -> None:
        """Compute the partition of the current state; supersedes earlier requests."""
        self._generation += 1
        request = CellsRequest(
            self._model, self._bounds, self._layers, self._generation, self._plane
        )
        self.partition_requested.emit(request.layers)
        if self._running is None:
            self._start(request)
        else:
            self._running.quit()
            self._waiting = request

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Drop waiting work, ask the running worker to stop and wait for it."""
        self._waiting = None
        self._generation += 1
        if self._running is not None:
            self._running.quit()
        if QThreadPool.globalInstance().waitForDone(timeout_ms):
            self._running = None

    def _start(self, request: CellsRequest) -> None:
        worker = create_worker(self._compute, request, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        self._running = worker
        self._running_generation = request.generation
        worker.start()

    def _on_returned(self, result: CellsResult) -> None:
        if result.generation != self._generation:
            return
        self._result = result
        self.partition_ready.emit(result)

    def _on_errored(self, error: BaseException) -> None:
        # Signals of one worker arrive in order: errored before finished, so the
        # running generation is still the one that failed.
        if self._running_generation != self._generation:
            return
        traceback.print_exception(error)
        self.partition_failed.emit(describe_error(error))

    def _on_finished(self) -> None:
        if self._running is None or self.sender() is not self._running.signals:
            return  # a worker that shutdown() already waited for
        self._running = None
        if self._waiting is not None:
            request, self._waiting = self._waiting, None
            self._start(request)
