"""The Jigsaw page's controller: its state, the training worker and the jigsaw jobs.

The controller owns the page's :class:`app.jigsaw.state.JigsawState`; every change goes
through :meth:`JigsawController.set_state`. A change of the network's settings trains a
new network in a superqt generator worker (progress after every epoch; a newer request
stops the older one at its next epoch); a change of layer or projection only pushes the
cells forward again, in a :class:`app.jobs.newest_only.NewestOnlyRunner` job.
"""

from __future__ import annotations

import traceback
from dataclasses import replace

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, create_worker

from app.jigsaw.scene import (
    JigsawScene,
    TrainedNetwork,
    TrainingProgress,
    jigsaw_scene,
    train_network,
)
from app.jigsaw.state import JigsawState
from app.jobs.newest_only import NewestOnlyRunner
from app.state.owner import StateOwner


class JigsawController(StateOwner[JigsawState], QObject):
    """Trains the network the state names and computes the jigsaw of its chosen layer.

    Signals
    -------
    state_changed(JigsawState) : the settings changed.
    training_started() : a new network is being trained.
    training_progress(TrainingProgress) : the newest training's progress.
    training_finished(str) : ``"done"``, ``"cancelled"`` or ``"failed"``.
    scene_ready(JigsawScene) : a jigsaw for the current settings.
    failed(str) : a message for the user.
    """

    state_changed = Signal(object)
    training_started = Signal()
    training_progress = Signal(object)
    training_finished = Signal(str)
    scene_ready = Signal(object)
    failed = Signal(str)

    def __init__(self, state: JigsawState | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state or JigsawState()
        self._network: TrainedNetwork | None = None
        self._training: GeneratorWorker | None = None
        self._trained: TrainedNetwork | None = None
        self._scenes = NewestOnlyRunner(self)
        self._scenes.result_ready.connect(self._on_scene_ready)
        self._scenes.job_failed.connect(self._on_errored)
        self._started = False
        self._shut_down = False

    # --- the state ------------------------------------------------------------------------

    def set_state(self, state: JigsawState) -> None:
        """Show ``state``: train again if the network changed, else redraw the jigsaw."""
        if not isinstance(state, JigsawState):
            raise ValueError("the Jigsaw page's state must be a JigsawState")
        old, self._state = self._state, state
        if state == old:
            return
        self.state_changed.emit(state)
        if state.network_key != old.network_key or self._network is None:
            if self._started:
                self.train()
        elif replace(state, show_folds=old.show_folds) != old:
            self.request_scene()

    def set_depth(self, depth: int) -> None:
        """Train with ``depth`` hidden layers; the layer shown stays inside them."""
        self.update(depth=depth, layer=min(self._state.layer, depth))

    def set_width(self, width: int) -> None:
        """Train with ``width`` units per layer; the units shown stay inside them and
        distinct (a 3-D view of three units falls back to PCA below width 3)."""
        x, y = min(self._state.unit_x, width), min(self._state.unit_y, width)
        if x == y:
            x, y = (x - 1, y) if x > 1 else (x, y + 1)
        projection = self._state.projection
        if self._state.uses_three_units and width < 3:
            projection = "pca"
        z = _free_unit(min(self._state.unit_z, width), (x, y), width)
        self.update(width=width, unit_x=x, unit_y=y, unit_z=z, projection=projection)

    def set_dimensions(self, dimensions: int) -> None:
        """Show the layer in 2-D or 3-D; three units need a third one distinct from the
        others (PCA instead when the layer is too narrow)."""
        state = self._state
        projection = state.projection
        if dimensions == 3 and projection == "units" and state.width < 3:
            projection = "pca"
        z = _free_unit(min(state.unit_z, state.width), (state.unit_x, state.unit_y), state.width)
        self.update(dimensions=dimensions, projection=projection, unit_z=z)

    def set_projection(self, projection: str) -> None:
        """Project by PCA or by units; three units in 3-D need a width of at least 3 (else
        nothing changes and ``failed`` says why)."""
        state = self._state
        if projection == "units" and state.dimensions == 3 and state.width < 3:
            self.state_changed.emit(state)  # put the control back
            self.failed.emit("Three units need a width of at least 3: widen the network.")
            return
        z = _free_unit(min(state.unit_z, state.width), (state.unit_x, state.unit_y), state.width)
        self.update(projection=projection, unit_z=z)

    def set_unit(self, axis: int, unit: int) -> None:
        """Show unit ``unit`` on axis 0 (horizontal), 1 or 2 (3-D depth); an axis that
        already shows it takes this axis's old unit (the axes swap rather than repeat)."""
        state = self._state
        units = [state.unit_x, state.unit_y, state.unit_z]
        shown = len(state.units)
        for other in range(shown):
            if other != axis and units[other] == unit:
                units[other] = units[axis]
        units[axis] = unit
        if shown == 2:
            units[2] = _free_unit(units[2], units[:2], state.width)
        self.update(unit_x=units[0], unit_y=units[1], unit_z=units[2], projection="units")

    # --- the network ----------------------------------------------------------------------

    @property
    def network(self) -> TrainedNetwork | None:
        """The trained network shown, or None before the first."""
        return self._network

    @property
    def is_training(self) -> bool:
        return self._training is not None

    @property
    def is_busy(self) -> bool:
        """Whether a network is being trained or a jigsaw computed (a newer one is coming)."""
        return self._training is not None or self._scenes.is_busy

    def train(self) -> None:
        """Train the state's network (replacing a training under way)."""
        if self._shut_down:
            return
        self._started = True
        if self._training is not None:
            self._training.quit()
        self._scenes.cancel()
        worker = create_worker(train_network, self._state, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(self._on_training_yielded)
        worker.returned.connect(self._on_training_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_training_finished)
        self._training = worker
        self._trained = None
        self.training_started.emit()
        worker.start()

    def cancel_training(self) -> None:
        """Stop the training under way at its next epoch; the last network stays shown."""
        if self._training is not None:
            self._training.quit()

    def _is_current(self) -> bool:
        return self._training is not None and self.sender() is self._training.signals

    def _on_training_yielded(self, progress: TrainingProgress) -> None:
        if self._is_current() and not self._training.abort_requested:
            self.training_progress.emit(progress)

    def _on_training_returned(self, network: TrainedNetwork) -> None:
        if self._is_current():
            self._trained = network

    def _on_training_finished(self) -> None:
        if not self._is_current():
            return
        worker, self._training = self._training, None
        network, self._trained = self._trained, None
        if network is not None and network.key == self._state.network_key:
            self._network = network
            self.training_finished.emit("done")
            self.request_scene()
        else:
            self.training_finished.emit("cancelled" if worker.abort_requested else "failed")

    # --- the jigsaw -----------------------------------------------------------------------

    def request_scene(self) -> None:
        """Push the cells forward to the state's layer and projection (off the GUI thread)."""
        network = self._network
        if network is None or self._shut_down or network.key != self._state.network_key:
            return  # the network being trained for the state asks when it is ready
        self._scenes.discard_running()
        self._scenes.submit(jigsaw_scene, (self._network, self._state))

    def _on_scene_ready(self, scene: JigsawScene) -> None:
        state = self._state
        if (
            scene.network is self._network
            and scene.layer == state.layer
            and scene.dimensions == state.dimensions
        ):
            self.scene_ready.emit(scene)

    # --- errors and shutdown --------------------------------------------------------------

    def _on_errored(self, error: BaseException) -> None:
        traceback.print_exception(error)
        self.failed.emit(f"The computation failed: {type(error).__name__}: {error}")

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop the training and the jigsaw jobs, and wait for them."""
        self._shut_down = True
        if self._training is not None:
            self._training.quit()
        self._scenes.shutdown(timeout_ms)
        if QThreadPool.globalInstance().waitForDone(timeout_ms):
            self._training = None


def _free_unit(unit: int, taken, width: int) -> int:
    """``unit`` if it is not ``taken``, else the lowest unit of ``1..width`` that is not
    (``unit`` itself when every unit is taken)."""
    if unit not in taken:
        return unit
    return next((u for u in range(1, width + 1) if u not in taken), unit)
