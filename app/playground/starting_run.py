"""The Playground's first run, drawn before torch is imported: its untrained network in
numpy (torch's draws, bit for bit), its epoch 0 evaluated in numpy, and the worker
function that builds the run's trainer (importing torch) once those cells are shown.

Importing torch takes about a second of start-up; the page's first result, the cells of
the untrained network, needs none of it. The trainer built afterwards starts from the
same weights (the controller checks, and shows torch's network should they differ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from superqt.utils import FunctionWorker, create_worker

from engine.datasets import Dataset
from engine.features import FeatureTransform
from engine.networks import NetworkLayers, network_layers
from engine.training_settings import Architecture, TrainingConfig, TrainingHistory
from engine.training_start import fitted_architecture, starting_history, starting_layers

if TYPE_CHECKING:
    import torch
    from torch import nn

    from engine.training import Trainer, TrainingSnapshot


@dataclass(frozen=True)
class DrawnSnapshot:
    """What a :class:`engine.training.TrainingSnapshot` says of a network, its weights
    held as float64 layers (the trainer's float32 weights, exactly), with no torch: epoch
    0 of a run whose trainer is not built yet, or a trainer's snapshot sent to a process
    that computes frames (:func:`portable_snapshot`).

    Attributes
    ----------
    layers : the network.
    history : its loss and score so far (at epoch 0: one row, computed in numpy).
    architecture : the network's shape (inputs and outputs fitted to the data).
    epoch, step : epochs and optimiser steps done (0: nothing trained).
    """

    layers: NetworkLayers
    history: TrainingHistory
    architecture: Architecture
    epoch: int = 0
    step: int = 0

    @property
    def state(self) -> dict[str, torch.Tensor]:
        """The weights as the trainer's ``state_dict`` holds them (float32 tensors;
        imports torch)."""
        from engine.torch_networks import torch_model

        model = torch_model(self.layers).float()
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    def model(self) -> nn.Sequential:
        """A new float64 model with the snapshot's weights (imports torch)."""
        from engine.torch_networks import torch_model

        return torch_model(self.layers)


def drawn_snapshot(
    dataset: Dataset, transform: FeatureTransform, architecture: Architecture, seed: int
) -> DrawnSnapshot:
    """Epoch 0 of a run on ``dataset`` seen through ``transform``, from the network
    ``architecture`` and ``seed`` give, as the trainer would start it."""
    fitted = fitted_architecture(architecture, dataset, transform)
    layers = starting_layers(fitted, seed)
    return DrawnSnapshot(layers, starting_history(layers, dataset, transform), fitted)


def portable_snapshot(snapshot: TrainingSnapshot | DrawnSnapshot) -> DrawnSnapshot:
    """``snapshot`` with its weights as float64 layers, for a process without torch."""
    if isinstance(snapshot, DrawnSnapshot):
        return snapshot
    layers = network_layers(snapshot.model())
    return DrawnSnapshot(
        layers, snapshot.history, snapshot.architecture, snapshot.epoch, snapshot.step
    )


def snapshot_network(snapshot: object) -> NetworkLayers | nn.Sequential:
    """The network of a snapshot, for the frame worker: a drawn snapshot's layers as they
    are (no torch), a trainer's snapshot as a float64 model."""
    return snapshot.layers if isinstance(snapshot, DrawnSnapshot) else snapshot.model()


def make_trainer(
    dataset: Dataset,
    transform: FeatureTransform,
    architecture: Architecture,
    config: TrainingConfig,
) -> Trainer:
    """A fresh trainer (runs in a worker: the first one imports torch)."""
    from engine.training import Trainer

    return Trainer(dataset, transform, architecture, config)


def trainer_worker(
    dataset: Dataset,
    transform: FeatureTransform,
    architecture: Architecture,
    config: TrainingConfig,
) -> FunctionWorker:
    """A worker, not started, that returns :func:`make_trainer`'s trainer (its errors
    go to its ``errored`` signal)."""
    return create_worker(
        make_trainer,
        dataset,
        transform,
        architecture,
        config,
        _start_thread=False,
        _ignore_errors=True,
    )
