"""The Playground page's controller: its settings, data set, network runs and frames.

The controller owns the page's :class:`app.playground.state.PlaygroundState`; every
change goes through :meth:`PlaygroundController.set_state` (or
:meth:`~PlaygroundController.update`), which checks it, starts the work it implies (a
new data set, a new network, new frames) and emits ``state_changed``. The weights, the
training history and the snapshots are data, not settings: they live here, beside it.

Two kinds of background work, both off the GUI thread:

- training: a generator worker runs :meth:`engine.training.Trainer.run`, its steps in a
  child process (:mod:`engine.training_process`), and yields snapshots (copies of the
  weights) a few dozen times a second;
- frames: every snapshot asks for a frame (exact cells, statistics) on a
  :class:`app.jobs.newest_only.NewestOnlyRunner`, which keeps only the newest request
  waiting: the page draws each snapshot it can keep up with and drops the stale ones.
  Once training has started, another child process computes them
  (:mod:`app.playground.frame_process`).

Neither shares the GIL with the GUI thread drawing the frame before (a (32, 32, 32)
frame took 2-4 times as long beside them).

The trainer is touched by one thread at a time: the worker while it runs, the GUI thread
otherwise. A change that needs a new network (data, features, architecture, seed, Reset)
builds a new trainer (a new *run*), so a worker still winding down never shares one with
the next.

The first run of a controller made before torch is imported starts without a trainer:
its untrained network is drawn in numpy (:mod:`app.playground.starting_run`, torch's
draws bit for bit) and its cells are the page's first result; the trainer is built in a
worker (importing torch) once they are shown, or at once when Play asks for it, and its
first snapshot, checked against the network drawn, takes the drawn one's place.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import FunctionWorker, GeneratorWorker

from app.jobs.newest_only import NewestOnlyRunner
from app.jobs.pool import start_worker
from app.playground.frame_process import compute_frame_anywhere, start_frame_process
from app.playground.frames import FrameRequest, PlaygroundFrame, describe_frame_error
from app.playground.starting_run import DrawnSnapshot, drawn_snapshot, trainer_worker
from app.playground.state import PlaygroundState, config_fields, dataset_fields
from app.playground.training_worker import training_worker
from app.state.owner import StateOwner
from engine import training_process
from engine.child_process import ChildFailed
from engine.datasets import DATA_BOUNDS, Dataset, DatasetSpec
from engine.features import FeatureTransform, feature_transform
from engine.networks import identical_layers, network_layers
from engine.training_settings import Architecture, TrainingConfig, TrainingHistory

if TYPE_CHECKING:
    from engine.training import Trainer, TrainingSnapshot


class PlaygroundController(StateOwner[PlaygroundState], QObject):
    """Holds the Playground's settings, data set, network and training run.

    Signals
    -------
    state_changed(PlaygroundState) : the settings changed (any field).
    run_started(object) : a new network at epoch 0, or restored weights
        (TrainingSnapshot, or a DrawnSnapshot before the first run's trainer is built);
        the history starts again.
    snapshot_received(object) : the newest TrainingSnapshot of the current run (the
        trainer's first, when it takes the place of the network drawn without it).
    frame_ready(object) : a PlaygroundFrame of the current run, to draw.
    frame_failed(str) : a message about a frame that could not be computed.
    training_changed(bool) : training started (True) or stopped (False).
    training_failed(str) : a message about a training run that raised.
    """

    state_changed = Signal(object)
    run_started = Signal(object)
    snapshot_received = Signal(object)
    frame_ready = Signal(object)
    frame_failed = Signal(str)
    training_changed = Signal(bool)
    training_failed = Signal(str)

    def __init__(
        self,
        state: PlaygroundState | None = None,
        parent: QObject | None = None,
        *,
        draw_first: bool | None = None,
    ) -> None:
        """``draw_first``: start the first run with its network drawn in numpy and build
        its trainer afterwards (default: when torch is not imported yet)."""
        super().__init__(parent)
        self._state = state or PlaygroundState()
        self._dataset = self._state.dataset_spec.make()
        self._run_id = 0
        self._trainer: Trainer | None = None  # None until a drawn run's trainer is built
        self._initial_state: dict | None = None
        self._snapshot: TrainingSnapshot | DrawnSnapshot | None = None
        self._draw_first = "torch" not in sys.modules if draw_first is None else draw_first
        self._trainer_build: FunctionWorker | None = None  # builds a drawn run's trainer
        self._play_when_built: int | None = None  # epochs to train once it is built
        self._train_worker: GeneratorWorker | None = None
        self._train_ticket = 0  # numbers the training workers
        self._continue_with: int | None = None  # epochs to train once the worker ends
        self._frame: PlaygroundFrame | None = None
        self._frame_asked: tuple[int, int] | None = None  # (run, step) of the newest request
        self._frames = NewestOnlyRunner(self)
        self._frames.result_ready.connect(self._on_frame)
        self._frames.job_failed.connect(self._on_frame_failed)
        self._new_run()

    # -- the state ---------------------------------------------------------------------

    def set_state(self, state: PlaygroundState) -> None:
        """Show ``state``: a new data set, a new network, new frames or new optimiser
        settings where it differs from the current one."""
        old = self._state
        if state == old:
            return
        new_data = state.dataset_spec != old.dataset_spec
        dataset = state.dataset_spec.make() if new_data else self._dataset
        self._state, self._dataset = state, dataset
        new_network = new_data or (state.transform, state.architecture, state.seed) != (
            old.transform,
            old.architecture,
            old.seed,
        )
        if new_network:
            self._new_run()
        else:
            if state.view != old.view:
                self._restart_frames()
            if state.config != old.config:
                self._apply_config()
        self.state_changed.emit(state)

    # -- what the settings made --------------------------------------------------------

    @property
    def dataset(self) -> Dataset:
        """The data set drawn from the state's data-set settings."""
        return self._dataset

    @property
    def dataset_spec(self) -> DatasetSpec:
        return self._state.dataset_spec

    @property
    def transform(self) -> FeatureTransform:
        return feature_transform(self._state.transform)

    @property
    def view(self) -> str:
        return self._state.view

    @property
    def architecture(self) -> Architecture:
        """The network's shape (inputs and outputs fitted to the features and data)."""
        return self._snapshot.architecture

    @property
    def config(self) -> TrainingConfig:
        return self._state.config

    @property
    def snapshot(self) -> TrainingSnapshot | DrawnSnapshot:
        """The newest weights and history received (a :class:`DrawnSnapshot` until the
        first run's trainer is built, when drawn without torch)."""
        return self._snapshot

    @property
    def initial_state(self) -> dict:
        """The weights at epoch 0 of this run (what Reset goes back to)."""
        if self._initial_state is None:
            return self._snapshot.state  # a drawn run's, which has not trained
        return self._initial_state

    @property
    def has_trainer(self) -> bool:
        """Whether the run's trainer is built (a drawn first run waits for it)."""
        return self._trainer is not None

    @property
    def frame(self) -> PlaygroundFrame | None:
        """The newest frame delivered."""
        return self._frame

    @property
    def run_id(self) -> int:
        """Numbers the runs and views: a new network, Reset, a restored run or another
        view starts the next; frames of an older one are never shown."""
        return self._run_id

    @property
    def is_training(self) -> bool:
        """Whether training runs or is about to run again (not paused)."""
        running = self._train_worker is not None and not self._train_worker.abort_requested
        return running or self._continue_with is not None or self._play_when_built is not None

    @property
    def can_play(self) -> bool:
        """Whether Play has epochs left to train (the budget is ``state.epochs``)."""
        return self._snapshot.epoch < self._state.epochs

    @property
    def is_busy(self) -> bool:
        """Whether any training, trainer building or frame work runs or waits."""
        busy = self._train_worker is not None or self._trainer_build is not None
        return busy or self._frames.is_busy

    # -- requests from the page --------------------------------------------------------

    def set_dataset(self, spec: DatasetSpec) -> None:
        """Draw a new data set and start over with a fresh network."""
        self.update(**dataset_fields(asdict(spec)))

    def set_features(self, transform: str, view: str) -> None:
        """Use another feature transform (a fresh network) or another view of the cells."""
        self.update(transform=transform, view=view)

    def set_architecture(self, architecture: Architecture) -> None:
        """Use hidden widths and an activation; starts over with a fresh network."""
        self.update(widths=architecture.widths, activation=architecture.activation)

    def set_config(self, config: TrainingConfig) -> None:
        """Use optimiser settings. A new seed starts over with a fresh network; the other
        settings apply from the next step of the current run."""
        self.update(**config_fields(asdict(config)))

    def play(self) -> None:
        """Train until ``config.epochs``."""
        if self.is_training or not self.can_play:
            return
        self._start_training(self._epochs_left())

    def step(self) -> None:
        """Train to the end of the next epoch (also past the budget)."""
        if self.is_training:
            return
        self._start_training(1)

    def pause(self) -> None:
        """Stop training at the worker's next snapshot (a fraction of a second); the run
        resumes from there, inside the epoch."""
        was_training = self.is_training
        self._continue_with = self._play_when_built = None
        if self._train_worker is not None:
            self._train_worker.quit()
        if was_training:
            self.training_changed.emit(False)

    def reset(self) -> None:
        """Go back to the initial weights of this run, with an empty history."""
        self._new_run(weights=self._initial_state)

    def restore_run(
        self,
        state: PlaygroundState,
        *,
        initial_weights: dict,
        weights: dict,
        epoch: int,
        step: int,
        history: TrainingHistory,
    ) -> None:
        """Show a saved run: its settings, weights and history (a session).

        Everything is built first; weights that do not fit the architecture raise
        (RuntimeError or KeyError from ``load_state_dict``) before anything changes.
        Training goes on from these weights with a fresh optimiser state.
        """
        from engine.training import Trainer, model_from_state

        data = state.dataset_spec.make()
        trainer = Trainer(
            data,
            feature_transform(state.transform),
            state.architecture,
            state.config,
            state=weights,
        )
        model_from_state(trainer.architecture, initial_weights)  # the Reset weights fit too
        trainer.epoch, trainer.step, trainer.history = int(epoch), int(step), history
        self._state, self._dataset = state, data
        self._initial_state = {k: v.detach().clone() for k, v in initial_weights.items()}
        self._new_run(trainer=trainer)
        self.state_changed.emit(state)

    def request_frame(self) -> None:
        """Compute the frame of the newest snapshot (newest-only)."""
        self._frame_asked = (self._run_id, self._snapshot.step)
        request = FrameRequest(
            snapshot=self._snapshot,
            dataset=self._dataset,
            transform=self.transform,
            view=self._state.view,
            input_bounds=DATA_BOUNDS,
            run_id=self._run_id,
        )
        self._frames.submit(compute_frame_anywhere, request)

    def ensure_frame(self) -> None:
        """Compute the newest snapshot's frame unless it has been asked for already."""
        if self._frame_asked != (self._run_id, self._snapshot.step):
            self.request_frame()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop training and frames, and wait for the workers to end."""
        self._continue_with = self._play_when_built = None
        if self._train_worker is not None:
            self._train_worker.quit()
        self._frames.cancel()
        if QThreadPool.globalInstance().waitForDone(timeout_ms):
            self._train_worker = self._trainer_build = None
            self._frames.shutdown(0)

    # -- internals ---------------------------------------------------------------------

    def _epochs_left(self) -> int:
        return max(0, self._state.epochs - self._snapshot.epoch)

    def _apply_config(self) -> None:
        """Give the trainer the state's optimiser settings between two snapshots (one
        being built gets them when it is)."""
        if self._trainer is None:
            return
        if self._train_worker is None:
            self._trainer.set_config(self._state.config)
        elif self.is_training:
            # Restart the worker so the trainer takes the settings between two snapshots.
            self._stop_worker(continue_with=self._epochs_left())
        # A paused worker still winding down gets the settings in _on_train_finished.

    def _new_run(self, weights: dict | None = None, trainer: Trainer | None = None) -> None:
        was_training = self.is_training
        self._continue_with = self._play_when_built = None
        if self._train_worker is not None:
            # It winds down on the old trainer; its signals are ignored from now on.
            self._train_worker.quit()
            self._train_worker = None
        if was_training:
            self.training_changed.emit(False)
        state = self._state
        fresh = weights is None and trainer is None
        if fresh and self._draw_first:
            # The first run: its network drawn now, its trainer built once it is shown.
            self._draw_first = False
            self._trainer, self._initial_state = None, None
            self._snapshot = drawn_snapshot(
                self._dataset, self.transform, state.architecture, state.config.seed
            )
        else:
            if trainer is None:
                from engine.training import Trainer

                trainer = Trainer(
                    self._dataset, self.transform, state.architecture, state.config, state=weights
                )
            self._trainer = trainer
            training_process.prestart()
            self._snapshot = self._trainer.snapshot()
            if fresh or self._initial_state is None:
                self._initial_state = self._snapshot.state
        self.run_started.emit(self._snapshot)
        self._restart_frames()

    def _restart_frames(self) -> None:
        self._run_id += 1
        self._frames.cancel()
        self.request_frame()

    def _build_trainer(self) -> None:
        """Build the drawn run's trainer in a worker (once): torch is imported there."""
        if self._trainer is not None or self._trainer_build is not None:
            return
        drawn, state = self._snapshot, self._state
        training_process.prestart()  # it imports torch beside this worker
        worker = trainer_worker(self._dataset, self.transform, state.architecture, state.config)
        worker.returned.connect(partial(self._on_trainer_built, drawn))
        worker.errored.connect(partial(self._on_trainer_failed, drawn))
        self._trainer_build = worker
        start_worker(worker)

    def _on_trainer_built(self, drawn: DrawnSnapshot, trainer: Trainer) -> None:
        """The drawn run's trainer: it takes the drawn network's place (the same weights,
        so the cells drawn stay; torch's own network is drawn should they differ)."""
        self._trainer_build = None
        if self._snapshot is not drawn:
            return  # another run started meanwhile
        trainer.set_config(self._state.config)
        snapshot = trainer.snapshot()
        self._trainer, self._snapshot, self._initial_state = trainer, snapshot, snapshot.state
        if identical_layers(network_layers(snapshot.model()), drawn.layers):
            self.snapshot_received.emit(snapshot)  # torch's own epoch 0 scores
        else:
            self.run_started.emit(snapshot)
            self._restart_frames()
        if self._play_when_built is not None:
            epochs, self._play_when_built = self._play_when_built, None
            self._start_training(epochs)

    def _on_trainer_failed(self, drawn: DrawnSnapshot, error: BaseException) -> None:
        self._trainer_build = None
        if self._snapshot is drawn:
            traceback.print_exception(error)
            waiting, self._play_when_built = self._play_when_built is not None, None
            self.training_failed.emit(f"Training could not start: {type(error).__name__}: {error}")
            if waiting:
                self.training_changed.emit(False)

    def _start_training(self, n_epochs: int) -> None:
        if self._trainer is None:
            # The drawn run's trainer is on its way: train once it is there.
            self._play_when_built = n_epochs
            self._build_trainer()
            self.training_changed.emit(True)
            return
        if self._train_worker is not None:
            # A paused worker is still running up to its next snapshot: go on when done.
            self._continue_with = n_epochs
            self.training_changed.emit(True)
            return
        start_frame_process()  # frames go there once it is up
        worker = training_worker(self._trainer, n_epochs)
        # Each handler learns which worker spoke, by number: a worker that a new run
        # retired is ignored. (Qt's sender() cannot tell: the wrappers of deleted workers
        # are reused; and a worker in its own handlers would never be freed.)
        self._train_ticket += 1
        ticket = self._train_ticket
        worker.yielded.connect(partial(self._on_snapshot, ticket))
        worker.errored.connect(partial(self._on_train_error, ticket))
        worker.finished.connect(partial(self._on_train_finished, ticket))
        self._train_worker = worker
        self.training_changed.emit(True)
        start_worker(worker)

    def _stop_worker(self, *, continue_with: int | None) -> None:
        self._continue_with = continue_with
        self._train_worker.quit()

    def _is_current(self, ticket: int) -> bool:
        return self._train_worker is not None and ticket == self._train_ticket

    def _on_snapshot(self, ticket: int, snapshot: TrainingSnapshot) -> None:
        if not self._is_current(ticket):
            return
        self._snapshot = snapshot
        self.snapshot_received.emit(snapshot)
        self.request_frame()

    def _on_train_error(self, ticket: int, error: BaseException) -> None:
        if not self._is_current(ticket):
            return
        self._continue_with = None
        if isinstance(error, ChildFailed):
            what = str(error)  # one sentence already; the child printed its traceback
        else:
            traceback.print_exception(error)
            what = f"{type(error).__name__}: {error}"
        self.training_failed.emit(f"Training stopped: {what}")

    def _on_train_finished(self, ticket: int) -> None:
        if not self._is_current(ticket):
            return
        self._train_worker = None
        self._trainer.set_config(self._state.config)  # a worker ran: the trainer is built
        if self._continue_with is not None:
            epochs, self._continue_with = self._continue_with, None
            if epochs > 0:
                self._start_training(epochs)
                return
        self.training_changed.emit(False)

    def _on_frame(self, frame: PlaygroundFrame) -> None:
        if frame.run_id != self._run_id:
            return
        self._frame = frame
        self.frame_ready.emit(frame)
        if self._trainer is None:
            self._build_trainer()  # the drawn network's cells are shown: now torch

    def _on_frame_failed(self, error: BaseException) -> None:
        self.frame_failed.emit(describe_frame_error(error))
        if self._trainer is None:
            self._build_trainer()
