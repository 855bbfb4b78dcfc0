"""The Jigsaw page's work, run in workers: train the network, then draw its jigsaw.

:func:`train_network` is a generator (a superqt worker): it yields
:class:`TrainingProgress` after every epoch, so a newer request stops it at the next
one, and returns a :class:`TrainedNetwork` (the trained model and its exact cells).
:func:`jigsaw_scene` then pushes the cells forward to the chosen layer, in a 2-D or a 3-D
projection (milliseconds).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
from torch import nn

from app.jigsaw.state import JigsawState
from engine.cells2d import Partition2D
from engine.datasets import DATA_BOUNDS, Dataset, DatasetSpec
from engine.features import feature_transform
from engine.latent_jigsaw import (
    LatentJigsaw,
    LatentProjection,
    hidden_activations,
    latent_jigsaw,
    pca_projection,
    unit_projection,
)
from engine.latent_jigsaw3d import LatentJigsaw3D, latent_jigsaw_3d
from engine.partition2d import partition_2d
from engine.training import Architecture, Trainer, TrainingConfig

#: Points drawn per data set (training and test), as the Playground draws them.
N_SAMPLES = 400
NOISE = 0.05


@dataclass(frozen=True)
class TrainingProgress:
    """``epoch`` of ``epochs`` done; ``stage`` says what runs (``"training"``, ``"cells"``)."""

    epoch: int
    epochs: int
    stage: str


@dataclass(frozen=True, eq=False)
class TrainedNetwork:
    """A trained network and its exact cells over the data's square.

    Attributes
    ----------
    key : :attr:`JigsawState.network_key` of the settings it was trained for.
    dataset : the points it was trained on.
    model : the float64 ``nn.Sequential``.
    partition : its exact cells over :data:`engine.datasets.DATA_BOUNDS`, every layer.
    test_accuracy : share of test points classified right, 0 to 1.
    """

    key: tuple
    dataset: Dataset
    model: nn.Sequential
    partition: Partition2D
    test_accuracy: float


@dataclass(frozen=True, eq=False)
class JigsawScene:
    """What the two views draw.

    Attributes
    ----------
    network : the trained network and its cells (the left view).
    layer : the hidden layer drawn on the right (1-based).
    projection : the D-axis view of that layer (D = 2 or 3).
    jigsaw : the cells' images (the right view), ``cell[r] == r``: a LatentJigsaw in 2-D,
        a LatentJigsaw3D in 3-D.
    latent_points : (N, D) the training points' activations, projected.
    """

    network: TrainedNetwork
    layer: int
    projection: LatentProjection
    jigsaw: LatentJigsaw | LatentJigsaw3D
    latent_points: np.ndarray

    @property
    def dimensions(self) -> int:
        """2 or 3: the dimension of the latent view."""
        return self.projection.n_axes


def dataset_of(state: JigsawState) -> Dataset:
    """The data set the state names, drawn with the state's seed."""
    return DatasetSpec(name=state.dataset, n_samples=N_SAMPLES, noise=NOISE, seed=state.seed).make()


def train_network(
    state: JigsawState,
) -> Generator[TrainingProgress, None, TrainedNetwork]:
    """Train the state's network (Adam, seeded), yielding after every epoch, then cut it
    into its exact cells."""
    dataset = dataset_of(state)
    architecture = Architecture((state.width,) * state.depth, activation=state.activation)
    config = TrainingConfig(epochs=state.epochs, seed=state.seed)
    trainer = Trainer(dataset, feature_transform("raw"), architecture, config)
    snapshot = trainer.snapshot()
    for snapshot in trainer.run(state.epochs):
        yield TrainingProgress(snapshot.epoch, state.epochs, "training")
    yield TrainingProgress(state.epochs, state.epochs, "cells")
    model = snapshot.model()
    partition = partition_2d(model, DATA_BOUNDS)
    accuracy = float(snapshot.history.test_score[-1])
    return TrainedNetwork(state.network_key, dataset, model, partition, accuracy)


def projection_of(network: TrainedNetwork, state: JigsawState) -> LatentProjection:
    """The state's view of its layer: PCA of the training activations (two or three axes),
    or two or three units."""
    if state.projection == "units":
        return unit_projection(state.width, *(unit - 1 for unit in state.units))
    activations = hidden_activations(network.model, network.dataset.x_train, state.layer)
    return pca_projection(activations, state.dimensions)


def jigsaw_scene(request: tuple[TrainedNetwork, JigsawState]) -> JigsawScene:
    """The jigsaw of ``network`` at the state's layer and projection (a worker job)."""
    network, state = request
    projection = projection_of(network, state)
    push = latent_jigsaw_3d if state.dimensions == 3 else latent_jigsaw
    jigsaw = push(network.model, network.partition, state.layer, projection)
    points = projection(hidden_activations(network.model, network.dataset.x_train, state.layer))
    return JigsawScene(network, state.layer, projection, jigsaw, points)
