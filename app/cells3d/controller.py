"""The Cells 3D page's controller: its settings, its network, training and exact cells.

The controller owns the page's :class:`app.cells3d.state.Cells3DState`; every change goes
through :meth:`Cells3DController.set_state` (or :meth:`~Cells3DController.update`), which
checks it, starts what it implies (a partition when the layers change) and emits
``state_changed``.

Partitions run on the global thread pool through a :class:`PartitionRunner` (a newer
request supersedes a waiting one and stops a running one after its current layer, as
does :meth:`Cells3DController.cancel_partition`); training runs as a generator worker
that yields a snapshot every quarter of a second and stops at the next one when
cancelled, keeping the weights it reached. The GUI thread only receives results.

When the page opens, nothing is on screen yet: the first training shows the network it
starts from (its cells and the data) and waits for those cells before it trains, so the
first result is not held up by training. That starting network is built in numpy
(:func:`app.cells3d.training.starting_network`, torch's own draws bit for bit), so the first
result needs no torch at all (a second of start-up): the training imports it once the
cells are drawn, and its first snapshot is checked against the network on screen (on a
torch build whose maths the draws do not reproduce, the page shows torch's network).
Networks are ``nn.Sequential`` models or their float64 layers
(:class:`engine.networks.NetworkLayers`); :meth:`Cells3DController.torch_model` gives a
model for what needs one (sessions, the Cells page).
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, create_worker

from app.cells3d.state import Cells3DState
from app.cells3d.training import page_dataset, random_model, starting_network, train_on
from app.jobs.partition_runner import PartitionRunner, PartitionTicket
from app.state.fields import SettingError
from app.state.owner import StateOwner
from engine.datasets import DATA_BOUNDS_3D, DATASETS_3D, Dataset
from engine.decision3d import DecisionSurface, decision_surface
from engine.networks import NetworkLayers, identical_layers, network_layers
from engine.partition3d import Partition3D, partition_3d

if TYPE_CHECKING:
    from torch import nn

    from engine.training import TrainingSnapshot

    Network = nn.Sequential | NetworkLayers

Bounds3D = tuple[float, float, float, float, float, float]
#: Past this many cells the partition stops with a message (the view stays usable).
MAX_REGIONS = 400_000


@dataclass(frozen=True)
class Cells3DRequest:
    """The first ``layers`` hidden layers of ``model`` on ``bounds``; ``ticket`` reports
    each layer done and stops the partition once stopped."""

    model: Network
    bounds: Bounds3D
    layers: int
    ticket: PartitionTicket


@dataclass(frozen=True, eq=False)
class Cells3DResult:
    """A partition on screen and what it took.

    Attributes
    ----------
    model : the network partitioned.
    partition : its cells with the first ``layers`` hidden layers.
    surface : the decision surface (None unless every layer is partitioned).
    layers, n_layers : layers partitioned, of the network's total.
    seconds : time to compute both.
    """

    model: Network
    partition: Partition3D
    surface: DecisionSurface | None
    layers: int
    n_layers: int
    seconds: float


def compute_cells(request: Cells3DRequest) -> Cells3DResult:
    """The cells (and decision surface) of ``request`` (runs in a worker)."""
    start = time.perf_counter()
    partition = partition_3d(
        request.model,
        request.bounds,
        layers=request.layers,
        max_regions=MAX_REGIONS,
        progress=request.ticket.after_layer,
    )
    surface = decision_surface(partition) if partition.is_complete else None
    return Cells3DResult(
        request.model,
        partition,
        surface,
        request.layers,
        partition.n_layers_total,
        time.perf_counter() - start,
    )


def _network_shape(model: Network) -> tuple[int, int]:
    """Hidden layers and neurons of ``model``."""
    layers = network_layers(model)
    return len(layers.hidden), layers.n_neurons


class Cells3DController(StateOwner[Cells3DState], QObject):
    """The page's settings, its network, its data, its training and its partitions.

    Signals
    -------
    state_changed(Cells3DState) : the settings changed (any field).
    partition_requested(int) : a partition with this many layers was asked for.
    partition_progress(int, int, int) : layers done, layers, cells so far (newest request).
    partition_ready(object) : a :class:`Cells3DResult` of the newest request.
    partition_failed(str) : a message for the user.
    partition_cancelled() : the newest partition was cancelled; the last result stays.
    network_changed(object) : the network to show now (``nn.Sequential`` or
        :class:`engine.networks.NetworkLayers`).
    data_changed(object) : the data set trained on (:class:`Dataset`), or None.
    training_started(str) : the title of the data set being trained on.
    training_progress(object) : a :class:`TrainingSnapshot`.
    training_finished(str) : "done", "cancelled" or "failed".
    """

    state_changed = Signal(object)
    partition_requested = Signal(int)
    partition_progress = Signal(int, int, int)
    partition_ready = Signal(object)
    partition_failed = Signal(str)
    partition_cancelled = Signal()
    network_changed = Signal(object)
    data_changed = Signal(object)
    training_started = Signal(str)
    training_progress = Signal(object)
    training_finished = Signal(str)

    def __init__(
        self,
        model: Network | None = None,
        bounds: Bounds3D = DATA_BOUNDS_3D,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model if model is not None else random_model()
        self._bounds = tuple(float(v) for v in bounds)
        centre = tuple(0.5 * (lo + hi) for lo, hi in zip(bounds[0::2], bounds[1::2], strict=True))
        self._state = Cells3DState(slice_origin=centre).for_network(*_network_shape(self._model))
        self._dataset: Dataset | None = None
        self._runner = PartitionRunner(self)
        self._runner.progress.connect(self.partition_progress)
        self._runner.result_ready.connect(self._on_partition_ready)
        self._runner.job_failed.connect(self._on_partition_failed)
        self._result: Cells3DResult | None = None
        self._training: GeneratorWorker | None = None
        self._snapshot: TrainingSnapshot | None = None
        self._final: TrainingSnapshot | None = None
        self._training_dataset: Dataset | None = None
        # Set once the starting network's cells are shown: its training may go on.
        self._training_go: threading.Event | None = None
        # The starting network shown before torch was there, until training checks it.
        self._starting: NetworkLayers | None = None

    # The state ------------------------------------------------------------------------------

    def set_state(self, state: Cells3DState) -> None:
        """Show ``state``: partition again if its layers differ. Raises ValueError,
        changing nothing, when it describes another network than the one shown."""
        _check_shape(state, self._model)
        old, self._state = self._state, state
        if state.layers != old.layers:
            self.request_partition()
        if state != old:
            self.state_changed.emit(state)

    # The network and its data ---------------------------------------------------------------

    @property
    def model(self) -> Network:
        return self._model

    def torch_model(self) -> nn.Sequential:
        """The network shown, as an ``nn.Sequential`` (imports torch if need be)."""
        if isinstance(self._model, NetworkLayers):
            from engine.torch_networks import torch_model

            return torch_model(self._model)
        return self._model

    @property
    def bounds(self) -> Bounds3D:
        return self._bounds

    @property
    def layers(self) -> int:
        return self._state.layers

    @property
    def n_layers(self) -> int:
        return self._state.n_layers

    @property
    def dataset(self) -> Dataset | None:
        return self._dataset

    @property
    def is_training(self) -> bool:
        return self._training is not None

    @property
    def is_busy(self) -> bool:
        return self._runner.is_busy or self.is_training

    def set_network(
        self,
        model: Network,
        dataset: Dataset | None = None,
        state: Cells3DState | None = None,
    ) -> None:
        """Show ``model`` and the data it was trained on, with ``state`` (default: the
        current settings with every layer of ``model``). Raises ValueError, changing
        nothing, when ``state`` describes another network."""
        state = state or self._state.for_network(*_network_shape(model))
        _check_shape(state, model)
        old = self._state
        self._model = model
        self._state = state
        self._dataset = dataset
        self._runner.discard_running()
        self.network_changed.emit(model)
        self.data_changed.emit(dataset)
        if state != old:
            self.state_changed.emit(state)
        self.request_partition()

    # Partitions -----------------------------------------------------------------------------

    def set_layers(self, layers: int) -> None:
        """Partition with the first ``layers`` hidden layers (clipped to the network's)."""
        self.update(layers=max(0, min(int(layers), self._state.n_layers)))

    @property
    def is_partitioning(self) -> bool:
        """Whether a partition runs or waits."""
        return self._runner.is_busy

    def request_partition(self) -> None:
        """Compute the cells of the current network and layers in a worker; a partition
        still running stops after its current layer."""
        ticket = self._runner.issue()
        layers = self._state.layers
        self.partition_requested.emit(layers)
        request = Cells3DRequest(self._model, self._bounds, layers, ticket)
        self._runner.submit(compute_cells, request)

    def cancel_partition(self) -> bool:
        """Stop the partition being computed (after its current layer) and drop any
        waiting one; the last result stays, and so does its layer count when it is of the
        same network. True if there was one to cancel."""
        if not self._runner.cancel():
            return False
        result = self._result
        if result is not None and result.model is self._model:
            old, self._state = self._state, replace(self._state, layers=result.layers)
            if self._state != old:
                self.state_changed.emit(self._state)
        self.partition_cancelled.emit()
        self._let_training_go()
        return True

    def _on_partition_ready(self, result: Cells3DResult) -> None:
        self._result = result
        self.partition_ready.emit(result)
        self._let_training_go()

    def _on_partition_failed(self, error: Exception) -> None:
        self.partition_failed.emit(f"The 3-D cells could not be computed: {error}")
        self._let_training_go()

    def _let_training_go(self) -> None:
        """A training waiting for its starting network's cells trains now."""
        if self._training_go is not None:
            self._training_go.set()
            self._training_go = None

    # Training -------------------------------------------------------------------------------

    def train(self, dataset_name: str, seed: int = 0) -> None:
        """Train a fresh network on a 3-D data set (it becomes the state's data set and
        seed); replaces any training under way. Raises ValueError for an unknown data set
        or a bad seed, changing nothing."""
        self.update(dataset=dataset_name, seed=seed)
        kind = DATASETS_3D[dataset_name]
        dataset = page_dataset(dataset_name, seed)
        self.cancel_training()
        self._let_training_go()
        # Nothing on screen yet (the page opens): show the starting network's cells first.
        first = self._result is None and not self._runner.is_busy
        go = self._training_go = threading.Event() if first else None
        self._starting = starting_network(dataset, seed) if first else None
        worker = create_worker(
            train_on, dataset, seed, go, _start_thread=False, _ignore_errors=True
        )
        worker.yielded.connect(self._on_training_yielded)
        worker.returned.connect(self._on_training_returned)
        worker.errored.connect(self._on_training_errored)
        worker.finished.connect(self._on_training_finished)
        self._training = worker
        self._training_dataset = dataset
        self._snapshot = None
        self._final = None
        self.training_started.emit(kind.title)
        worker.start()
        if self._starting is not None:
            self.set_network(self._starting, dataset)

    def train_chosen(self) -> None:
        """Train on the state's data set with its seed (the page's Train button)."""
        self.train(self._state.dataset, self._state.seed)

    def cancel_training(self) -> None:
        """Stop training at its next snapshot; the network keeps the weights it reached."""
        if self._training is not None:
            self._training.quit()
            self._let_training_go()

    def abandon_training(self) -> bool:
        """Stop any training and ignore what it reaches (another network is being shown);
        True if there was one. Emits ``training_finished("cancelled")``."""
        if self._training is None:
            return False
        worker, self._training = self._training, None
        worker.quit()
        self._let_training_go()
        self.training_finished.emit("cancelled")
        return True

    def _is_current(self) -> bool:
        return self._training is not None and self.sender() is self._training.signals

    def _on_training_yielded(self, snapshot: TrainingSnapshot | None) -> None:
        if snapshot is not None and self._is_current():
            self._snapshot = snapshot
            self.training_progress.emit(snapshot)
            if self._starting is not None:
                self._check_starting_network(snapshot)

    def _check_starting_network(self, snapshot: TrainingSnapshot) -> None:
        """The training's first snapshot is the network it starts from: should it differ
        from the one drawn before torch was there, show torch's."""
        starting, self._starting = self._starting, None
        if self._model is not starting:
            return  # another network is shown by now
        model = snapshot.model()
        if not identical_layers(network_layers(model), starting):
            self.set_network(model, self._training_dataset)

    def _on_training_returned(self, snapshot: TrainingSnapshot) -> None:
        if self._is_current():
            self._final = snapshot

    def _on_training_errored(self, error: BaseException) -> None:
        traceback.print_exception(error)
        if self._is_current():
            self.partition_failed.emit(f"Training failed: {type(error).__name__}: {error}")

    def _on_training_finished(self) -> None:
        if not self._is_current():
            return
        worker, self._training = self._training, None
        snapshot = self._final or self._snapshot
        if self._final is not None:
            status = "done"
        elif worker.abort_requested and snapshot is not None:
            status = "cancelled"
        else:
            status = "failed"
        self.training_finished.emit(status)
        if snapshot is not None and status != "failed":
            self.set_network(snapshot.model(), self._training_dataset)

    # Life cycle -----------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop training and partitions and wait for them."""
        if self._training is not None:
            self._training.quit()
        self._let_training_go()
        self._runner.shutdown(timeout_ms)
        if QThreadPool.globalInstance().waitForDone(timeout_ms):
            self._training = None


def _check_shape(state: Cells3DState, model: Network) -> None:
    """Raise ValueError unless ``state`` is of ``model``'s shape."""
    n_layers, n_neurons = _network_shape(model)
    if (state.n_layers, state.n_neurons) != (n_layers, n_neurons):
        raise SettingError(
            f"the settings are for a network of {state.n_layers} hidden layers and "
            f"{state.n_neurons} neurons; the network shown has {n_layers} and {n_neurons}."
        )
