"""Training a small network on a planar data set, batch by batch.

:class:`Trainer` owns a model, its optimiser and the random generator that shuffles the
batches. :meth:`Trainer.run` is a generator: it trains and yields a
:class:`TrainingSnapshot` (a copy of the weights and the loss and score history) after
every epoch, or every so many seconds (then also between two epochs), so a caller can
draw the network while it learns and stop at any yield. A stopped run resumes where it
stopped, within the epoch. Everything is seeded: the same configuration gives the same
weights after the same number of steps, wherever the runs were paused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.datasets import Dataset
from engine.features import FeatureTransform
from engine.networks import random_mlp
from engine.result_cache import active_result_cache
from engine.training_cache import is_fresh, restore_run, run_inputs, store_run
from engine.training_settings import OPTIMISERS as OPTIMISERS
from engine.training_settings import Architecture, TrainingConfig, TrainingHistory
from engine.training_start import fitted_architecture

_threads_lock = threading.Lock()
_threads_users = 0
_threads_saved = 1


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Context manager: run torch on one intra-op thread while the block runs.

    The networks here are tiny: a step is a few microseconds of arithmetic, and on a busy
    machine the synchronisation of torch's thread pool makes it ten times slower. Used by
    training (:mod:`engine.training`, :mod:`engine.digit_models`) and the hull experiments
    (:mod:`engine.hulls`). The setting is process-wide, so concurrent and nested users (any
    thread) share one count: the first sets one thread, the last to leave restores the
    number of threads torch had before.
    """
    global _threads_users, _threads_saved
    with _threads_lock:
        if _threads_users == 0:
            _threads_saved = torch.get_num_threads()
            torch.set_num_threads(1)
        _threads_users += 1
    try:
        yield
    finally:
        with _threads_lock:
            _threads_users -= 1
            if _threads_users == 0:
                torch.set_num_threads(_threads_saved)


@dataclass(frozen=True)
class TrainingSnapshot:
    """The state of a training run after some epoch.

    Attributes
    ----------
    epoch : epochs completed so far.
    step : optimiser steps taken so far (a snapshot may fall between two epochs).
    state : a copy of the model's ``state_dict`` (tensors owned by the snapshot).
    history : loss and score of every epoch up to this one.
    architecture : the shape of the network, to rebuild it from ``state``.
    """

    epoch: int
    step: int
    state: dict[str, torch.Tensor]
    history: TrainingHistory
    architecture: Architecture

    def model(self) -> nn.Sequential:
        """A new float64 model with the snapshot's weights."""
        return model_from_state(self.architecture, self.state)


def build_model(architecture: Architecture, seed: int) -> nn.Sequential:
    """A freshly initialised float32 model (He-initialised, seeded)."""
    return random_mlp(architecture.widths, **architecture.draw_arguments(seed), dtype=torch.float32)


def model_from_state(architecture: Architecture, state: dict[str, torch.Tensor]) -> nn.Sequential:
    """A float64 model of ``architecture`` carrying the weights in ``state``."""
    model = random_mlp(
        architecture.widths,
        n_inputs=architecture.n_inputs,
        n_outputs=architecture.n_outputs,
        activation=architecture.activation,
        dtype=torch.float64,
    )
    model.load_state_dict({k: v.to(torch.float64) for k, v in state.items()})
    return model


def copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of ``model.state_dict()``."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def tensors_from_arrays(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """A ``state_dict`` of tensors sharing the memory of ``arrays`` (numpy, any shapes)."""
    return {k: torch.from_numpy(v) for k, v in arrays.items()}


#: What runs a :class:`Trainer`'s steps: ``steps(trainer, n_epochs, every)`` yields its
#: snapshots (see :meth:`Trainer.run`).
Steps = Callable[["Trainer", int, "float | None"], Iterator[TrainingSnapshot]]


class Trainer:
    """Trains one model on one data set seen through one feature transform.

    Parameters
    ----------
    dataset : the data; its labels choose the loss (cross-entropy or squared error).
    transform : the features the network sees, ``transform(x)``.
    architecture : the network's widths and activation (inputs and outputs are checked
        against the data and the transform).
    config : optimiser settings; ``config.seed`` seeds the weights and the batch order.
    state : start from these weights instead of a fresh initialisation.
    """

    def __init__(
        self,
        dataset: Dataset,
        transform: FeatureTransform,
        architecture: Architecture,
        config: TrainingConfig,
        *,
        state: dict[str, torch.Tensor] | None = None,
    ) -> None:
        architecture = fitted_architecture(architecture, dataset, transform)
        self.architecture = architecture
        self.config = config
        self.is_regression = dataset.is_regression
        self.model = build_model(architecture, config.seed)
        if state is not None:
            self.model.load_state_dict(state)
        self._x_train = torch.as_tensor(transform(dataset.x_train), dtype=torch.float32)
        self._x_test = torch.as_tensor(transform(dataset.x_test), dtype=torch.float32)
        label_type = torch.float32 if self.is_regression else torch.int64
        self._y_train = torch.as_tensor(dataset.y_train, dtype=label_type)
        self._y_test = torch.as_tensor(dataset.y_test, dtype=label_type)
        self._generator = torch.Generator().manual_seed(config.seed)
        # Made at the first step: torch's optimisers import torch._dynamo on first use
        # (1.6 CPU-seconds), which a page that only shows an untrained network never needs.
        self._optimiser: torch.optim.Optimizer | None = None
        self.epoch = 0
        self.step = 0
        self._order = torch.zeros(0, dtype=torch.int64)  # the current epoch's batch order
        self._position = 0  # where the next batch starts in it
        with one_torch_thread():
            self.history = TrainingHistory().appended(0, self._evaluate())

    def _make_optimiser(self, config: TrainingConfig) -> torch.optim.Optimizer:
        parameters = self.model.parameters()
        if config.optimiser == "sgd":
            return torch.optim.SGD(
                parameters, lr=config.learning_rate, momentum=0.9, weight_decay=config.l2
            )
        return torch.optim.Adam(parameters, lr=config.learning_rate, weight_decay=config.l2)

    def set_config(self, config: TrainingConfig) -> None:
        """Use new optimiser settings from the next step on. A new optimiser kind starts
        with fresh optimiser state; the same kind keeps its state (e.g. Adam's moments).
        The seed only matters at construction."""
        if config.optimiser != self.config.optimiser:
            self._optimiser = None  # a fresh one at the next step
        elif self._optimiser is not None:
            for group in self._optimiser.param_groups:
                group["lr"] = config.learning_rate
                group["weight_decay"] = config.l2
        self.config = config

    def _loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.is_regression:
            return nn.functional.mse_loss(output[:, 0], target)
        return nn.functional.cross_entropy(output, target)

    def _score(self, output: torch.Tensor, target: torch.Tensor) -> float:
        if self.is_regression:
            residual = float(((output[:, 0] - target) ** 2).sum())
            spread = float(((target - target.mean()) ** 2).sum())
            return 1.0 - residual / spread if spread > 0 else 0.0
        return float((output.argmax(dim=1) == target).float().mean())

    @torch.no_grad()
    def _evaluate(self) -> tuple[float, float, float, float]:
        train_out, test_out = self.model(self._x_train), self.model(self._x_test)
        return (
            float(self._loss(train_out, self._y_train)),
            float(self._loss(test_out, self._y_test)),
            self._score(train_out, self._y_train),
            self._score(test_out, self._y_test),
        )

    def _train_batch(self) -> None:
        """One optimiser step on the next mini-batch; completes the epoch after its last."""
        n = len(self._x_train)
        if self._position >= len(self._order):
            self._order = torch.randperm(n, generator=self._generator)
            self._position = 0
        batch = max(1, min(self.config.batch_size, n))
        chosen = self._order[self._position : self._position + batch]
        self._position += batch
        self.model.train()
        loss = self._loss(self.model(self._x_train[chosen]), self._y_train[chosen])
        if self._optimiser is None:
            self._optimiser = self._make_optimiser(self.config)
        self._optimiser.zero_grad(set_to_none=True)
        loss.backward()
        self._optimiser.step()
        self.step += 1
        if self._position >= n:
            self.epoch += 1
            self.history = self.history.appended(self.epoch, self._evaluate())

    def train_epoch(self) -> None:
        """Train to the end of the current epoch (a whole one if none is under way)."""
        target = self.epoch + 1
        with one_torch_thread():
            while self.epoch < target:
                self._train_batch()

    def snapshot(self) -> TrainingSnapshot:
        """The current weights and history, copied."""
        return TrainingSnapshot(
            self.epoch, self.step, copy_state(self.model), self.history, self.architecture
        )

    def resume_from(self, snapshot: TrainingSnapshot) -> None:
        """Go on from ``snapshot``'s weights, counters and history, with a fresh optimiser
        state and a new batch order: what is left of a run lost with its optimiser."""
        with torch.no_grad():
            self.model.load_state_dict(snapshot.state)
        self.epoch, self.step, self.history = snapshot.epoch, snapshot.step, snapshot.history
        self._optimiser = None
        self._order, self._position = torch.zeros(0, dtype=torch.int64), 0

    def take_state_of(self, other: Trainer) -> None:
        """Go on from where ``other`` (this trainer, run elsewhere and sent back) is: its
        weights, optimiser state, batch order, settings, counters and history."""
        vars(self).update(vars(other))

    def run(
        self, n_epochs: int, *, every: float | None = None, steps: Steps | None = None
    ) -> Iterator[TrainingSnapshot]:
        """Train until ``n_epochs`` more epochs are complete, yielding snapshots.

        An epoch under way when the run starts counts as the first of them.

        Parameters
        ----------
        n_epochs : epochs to complete.
        every : None to yield after every epoch; else yield whenever this many seconds
            have passed since the last yield (checked after every batch, so snapshots
            also fall between epochs). The snapshot after the last epoch always comes.

        Yields
        ------
        TrainingSnapshot. Stopping the generator at a yield leaves the trainer at exactly
        the yielded snapshot's state; the next run goes on from there.

        ``steps`` runs the steps (default :meth:`train_steps`, in this thread), called as
        ``steps(self, n_epochs, every)``: :func:`engine.training_process.run_in_child`
        runs them in a child process, which this trainer takes the state of when the run
        ends or is closed at a yield (a generator merely left at a yield is not there
        yet: close it). The snapshots and the weights are the same either way.

        With the result cache on (:mod:`engine.result_cache`), a run from a fresh trainer
        that was run before yields its last snapshot alone, the trainer restored to where
        that run ended (:mod:`engine.training_cache`); a completed run is stored.
        """
        cache = active_result_cache() if n_epochs > 0 and is_fresh(self) else None
        if cache is not None:
            inputs = run_inputs(self, n_epochs)
            if restore_run(self, cache, inputs):
                yield self.snapshot()
                return
        yield from (steps or Trainer.train_steps)(self, n_epochs, every)
        if cache is not None:
            store_run(self, cache, inputs)

    def train_steps(self, n_epochs: int, every: float | None) -> Iterator[TrainingSnapshot]:
        """:meth:`run` in this thread, without the result cache."""
        target = self.epoch + int(n_epochs)
        last = time.perf_counter()
        while self.epoch < target:
            due = False
            with one_torch_thread():
                while not due and self.epoch < target:
                    epoch = self.epoch
                    self._train_batch()
                    if every is None:
                        due = self.epoch > epoch
                    else:
                        due = time.perf_counter() - last >= every
            if self.epoch < target:
                yield self.snapshot()
                last = time.perf_counter()
        if n_epochs > 0:
            yield self.snapshot()


def train(
    dataset: Dataset,
    transform: FeatureTransform,
    architecture: Architecture,
    config: TrainingConfig | None = None,
) -> TrainingSnapshot:
    """Train for ``config.epochs`` epochs (default settings when None) and return the
    final snapshot."""
    config = config if config is not None else TrainingConfig()
    trainer = Trainer(dataset, transform, architecture, config)
    for _ in trainer.run(config.epochs, every=float("inf")):
        pass
    return trainer.snapshot()
