"""The Networks page's controller: its state, the slice worker, the probe and its Jacobian.

The controller owns the page's :class:`app.networks.state.NetworksState`; every change
goes through :meth:`NetworksController.set_state`, which recomputes the slice when the
anchors, margin, domain or layers change (a newer request stops an older one after its
current layer) and recolours the cells when only the colour mode changes. The probe's
cell, decoded input, predicted class and pattern changes are looked up on the GUI
thread (microseconds); its Jacobian in the whole input space runs in a worker.
:meth:`NetworksController.load_mnist` reads a pair of MNIST IDX files and trains the
LeNet-sized :mod:`engine.mnist_cnn` on them in a worker (progress, Cancel), then shows it
sliced through three of its held-out images; a file that cannot be used changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.jobs.background_read import BackgroundRead
from app.jobs.newest_only import NewestOnlyRunner
from app.jobs.partition_runner import PartitionRunner
from app.networks.slicing import (
    ModelSource,
    NetworkSlice,
    ShownNetwork,
    SliceRequest,
    compute_slice,
    image_side,
    probe_jacobian,
)
from app.networks.state import (
    DEFAULT_ANCHORS,
    MAX_LAYERS,
    MNIST_EXTENT,
    N_TEST_IMAGES,
    NetworksState,
    default_anchors,
)
from app.state.owner import StateOwner
from engine.digits import DigitImages
from engine.mnist_cnn import INPUT_SHAPE as MNIST_INPUT_SHAPE
from engine.mnist_cnn import TrainedMnistCnn, fit_mnist_files
from engine.unit_names import UnitName, bit_unit, pattern_changes

#: What the page calls the network it trains on MNIST files.
MNIST_NAME = "MNIST CNN (trained here)"


@dataclass(frozen=True)
class ProbeReadout:
    """What the page shows of the probe.

    Attributes
    ----------
    point : (s, t) in the plane.
    cell : the cell id, -1 outside the slice's domain.
    image : the decoded input ``origin + s u + t v``, of the network's input shape.
    output : (n_out,) the network's output there (the cell's affine map).
    predicted : the predicted class (argmax of ``output``), -1 outside.
    """

    point: tuple[float, float]
    cell: int
    image: np.ndarray
    output: np.ndarray
    predicted: int


@dataclass(frozen=True)
class UnitTransition:
    """One unit that flipped when the probe moved from one cell to the next."""

    unit: UnitName
    turned_on: bool
    point: tuple[float, float]


class NetworksController(StateOwner[NetworksState], QObject):
    """Settings, the slice worker, the probe and the Jacobian worker of the Networks page.

    Signals
    -------
    state_changed(NetworksState) : the settings changed.
    slice_requested(int) : a slice is being computed with that many layers.
    slice_progress(int, int, int) : layers done, layers, cells so far.
    slice_ready(NetworkSlice) : the newest slice.
    slice_failed(str) : a sentence for the user.
    slice_cancelled() : the user stopped the slice.
    probe_changed(ProbeReadout) : the probe moved (or the slice under it changed).
    transitions_found(list) : the units (:class:`UnitTransition`) the probe's last move flipped.
    jacobian_ready(ProbeJacobian) : the Jacobian at the newest probe position.
    mnist_started(), mnist_progress(int), mnist_failed(str), mnist_cancelled() : reading
        MNIST files and training on them: begun, percent done, why it failed (nothing
        changed), stopped by the user.
    mnist_trained(TrainedMnistCnn) : the MNIST CNN (trained, or from a session) is being
        sliced.
    """

    state_changed = Signal(object)
    slice_requested = Signal(int)
    slice_progress = Signal(int, int, int)
    slice_ready = Signal(object)
    slice_failed = Signal(str)
    slice_cancelled = Signal()
    probe_changed = Signal(object)
    transitions_found = Signal(object)
    jacobian_ready = Signal(object)
    mnist_started = Signal()
    mnist_progress = Signal(int)
    mnist_failed = Signal(str)
    mnist_cancelled = Signal()
    mnist_trained = Signal(object)

    def __init__(self, state: NetworksState | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state or NetworksState()
        self._network: ShownNetwork | None = None  # None: traced by the next slice job
        self._source: ModelSource | None = None  # None: the shipped digits CNN
        self._mnist: TrainedMnistCnn | None = None  # the MNIST CNN, when it is the source
        # The held-out images of the last MNIST files loaded: an imported 28x28 network's
        # anchors.
        self._mnist_images: DigitImages | None = None
        # What to go back to if a newly shown network cannot be sliced.
        self._fallback: tuple | None = None
        self._slice: NetworkSlice | None = None
        self._probe: tuple[float, float] | None = None
        self._probe_cell = -1
        self._slices = PartitionRunner(self)
        self._slices.result_ready.connect(self._on_slice_ready)
        self._slices.job_failed.connect(self._on_slice_failed)
        self._slices.progress.connect(self.slice_progress)
        self._jacobians = NewestOnlyRunner(self)
        self._jacobians.result_ready.connect(self._on_jacobian_ready)
        self._jacobians.job_failed.connect(self._on_jacobian_failed)
        self._training = BackgroundRead(self)
        self._training.progressed.connect(self.mnist_progress)
        self._training.returned.connect(self._on_mnist_returned)

    # --- the state ------------------------------------------------------------------------

    @property
    def network(self) -> ShownNetwork | None:
        """The network shown (None until the first slice has loaded it)."""
        return self._network

    @property
    def shown_slice(self) -> NetworkSlice | None:
        return self._slice

    @property
    def is_busy(self) -> bool:
        return self._slices.is_busy

    @property
    def layers(self) -> int:
        return self._state.layers

    @property
    def n_layers(self) -> int:
        return self._state.n_layers

    def set_state(self, state: NetworksState) -> None:
        """Show ``state``: recompute the slice if its geometry changed, else recolour."""
        old, self._state = self._state, state
        geometry = ("anchors", "margin", "domain", "extent", "layers")
        if any(getattr(old, name) != getattr(state, name) for name in geometry):
            self.request_slice()
        self.state_changed.emit(state)

    @property
    def mnist(self) -> TrainedMnistCnn | None:
        """The MNIST CNN and its data, when it is the network shown (or being sliced)."""
        return self._mnist

    @property
    def is_training(self) -> bool:
        return self._training.is_busy

    def show_model(self, module, input_shape: tuple[int, ...], name: str) -> None:
        """Show another network: it is traced and sliced in the worker. A network of 28x28
        inputs is sliced through MNIST's held-out images when MNIST files were loaded here
        (else through the shipped 8x8 test digits drawn at 28x28), in :data:`MNIST_EXTENT`
        of their triangle; one of 8x8 inputs through the shipped test digits (the anchors
        stay if those are shown already); any other through three random-normal inputs.
        If it cannot be sliced, the network shown before stays, with its settings."""
        side = image_side(tuple(input_shape))
        images = self._mnist_images if side == 28 else None
        state = self._state
        if images is not None:
            anchors = default_anchors(images.labels)
            state = replace(state, anchors=anchors, n_images=len(images), extent=MNIST_EXTENT)
        elif side == 28:
            state = replace(
                state, anchors=DEFAULT_ANCHORS, n_images=N_TEST_IMAGES, extent=MNIST_EXTENT
            )
        elif self._shown_side() != side or state.n_images != N_TEST_IMAGES:
            state = replace(state, anchors=DEFAULT_ANCHORS, n_images=N_TEST_IMAGES, extent=1.0)
        source = ModelSource(module, tuple(input_shape), name, images)
        self._show_source(source, None, replace(state, n_layers=MAX_LAYERS, layers=MAX_LAYERS))

    def _shown_side(self) -> int | None:
        """The image side of the network shown (8 for the shipped digits CNN)."""
        return 8 if self._source is None else image_side(self._source.input_shape)

    def show_mnist(self, trained: TrainedMnistCnn, state: NetworksState | None = None) -> None:
        """Show the MNIST CNN sliced through three of its held-out images (``state``'s, or
        the first 0, 3 and 8 in :data:`MNIST_EXTENT` of their triangle, every layer).
        ``state`` counts :data:`MAX_LAYERS` layers until the network is traced."""
        if state is None:
            state = replace(
                self._state,
                anchors=default_anchors(trained.test.labels),
                n_images=len(trained.test),
                extent=MNIST_EXTENT,
                n_layers=MAX_LAYERS,
                layers=MAX_LAYERS,
            )
        source = ModelSource(trained.model, MNIST_INPUT_SHAPE, MNIST_NAME, trained.test)
        self._mnist_images = trained.test
        self._show_source(source, trained, state)
        self.mnist_trained.emit(trained)

    def _show_source(
        self, source: ModelSource, mnist: TrainedMnistCnn | None, state: NetworksState
    ) -> None:
        if self._fallback is None:
            self._fallback = (self._source, self._network, self._state, self._mnist)
        self._source, self._mnist = source, mnist
        self._network = None
        self._state = state
        self.request_slice()
        self.state_changed.emit(self._state)

    def load_mnist(self, images_path: str, labels_path: str) -> None:
        """Read a pair of MNIST IDX files and train the MNIST CNN on them, in a worker;
        then show it. A file that cannot be used is reported by ``mnist_failed`` and
        changes nothing."""
        self._training.start(
            lambda progress: fit_mnist_files(images_path, labels_path, progress=progress)
        )
        self.mnist_started.emit()

    def cancel_mnist(self) -> None:
        """Stop reading or training (after the current batch); nothing changes."""
        if self._training.cancel():
            self.mnist_cancelled.emit()

    def _on_mnist_returned(self, outcome: object) -> None:
        if isinstance(outcome, TrainedMnistCnn):
            self.show_mnist(outcome)
            return
        if not isinstance(outcome, OSError | ValueError):
            outcome = f"{type(outcome).__name__}: {outcome}"
        self.mnist_failed.emit(f"Could not use the MNIST files: {outcome}")

    def request_slice(self) -> None:
        """Compute the slice the state asks for (a newer request stops older ones)."""
        state = self._state
        layers = None if state.layers >= state.n_layers else state.layers
        request = SliceRequest(
            self._slices.issue(),
            self._network,
            self._source,
            state.anchors,
            state.margin,
            state.domain,
            layers,
            state.extent,
        )
        self.slice_requested.emit(state.layers)
        self._slices.submit(compute_slice, request)

    def cancel_partition(self) -> None:
        """Stop the slice being computed; the cells shown stay."""
        if self._slices.cancel():
            self.slice_cancelled.emit()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop every worker; True if they ended within ``timeout_ms``."""
        self._training.cancel()
        jacobians = self._jacobians.shutdown(timeout_ms)
        return self._slices.shutdown(timeout_ms) and jacobians

    def _on_slice_ready(self, result: NetworkSlice) -> None:
        network = result.network
        self._network, self._slice, self._fallback = network, result, None
        state = self._state
        if state.n_layers != network.n_layers:
            self._state = replace(
                state,
                n_layers=network.n_layers,
                layers=min(state.layers, network.n_layers),
            )
            self.state_changed.emit(self._state)
        self.slice_ready.emit(result)
        if self._probe is not None:
            self.set_probe(*self._probe, log=False)

    def _on_slice_failed(self, error: BaseException) -> None:
        if self._fallback is not None:  # a new network that cannot be sliced: keep the old
            self._source, self._network, self._state, self._mnist = self._fallback
            self._fallback = None
            self.state_changed.emit(self._state)
            self.slice_failed.emit(f"The network could not be shown: {error}")
            return
        self.slice_failed.emit(f"The slice could not be computed: {error}")

    # --- the probe ------------------------------------------------------------------------

    @property
    def probe(self) -> tuple[float, float] | None:
        return self._probe

    def set_probe(self, s: float, t: float, *, log: bool = True) -> ProbeReadout | None:
        """Move the probe to ``(s, t)``: read its cell now, ask for its Jacobian, and log
        the units that flipped since its last cell (when ``log``)."""
        if not (np.isfinite(s) and np.isfinite(t)):
            return None
        self._probe = (float(s), float(t))
        shown = self._slice
        if shown is None:
            return None
        point = np.array([[s, t]], dtype=np.float64)
        cell = int(shown.partition.locate(point)[0])
        image = shown.plane.lift(point)[0]
        if cell >= 0:
            output = shown.partition.A[cell] @ point[0] + shown.partition.c[cell]
            predicted = int(np.argmax(output))
        else:
            output, predicted = np.zeros(0), -1
        previous, self._probe_cell = self._probe_cell, cell
        if log and previous >= 0 and cell >= 0 and previous != cell:
            self.transitions_found.emit(self.transitions(previous, cell, self._probe))
        readout = ProbeReadout(self._probe, cell, image, output, predicted)
        self.probe_changed.emit(readout)
        if cell >= 0:
            self._jacobians.submit(probe_jacobian, (shown, self._probe))
        return readout

    def transitions(
        self, from_cell: int, to_cell: int, point: tuple[float, float]
    ) -> list[UnitTransition]:
        """The units whose bits differ between two cells of the shown slice."""
        shown = self._slice
        patterns, model = shown.partition.patterns, shown.network.model
        bits, turned_on = pattern_changes(patterns[from_cell], patterns[to_cell])
        return [
            UnitTransition(bit_unit(shown.partition, int(bit), model), bool(on), point)
            for bit, on in zip(bits, turned_on, strict=True)
        ]

    def _on_jacobian_ready(self, result) -> None:
        if result.point == self._probe:
            self.jacobian_ready.emit(result)

    def _on_jacobian_failed(self, error: BaseException) -> None:
        self.slice_failed.emit(f"The probe's affine map could not be computed: {error}")
