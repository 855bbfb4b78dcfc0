"""The Networks page's worker jobs: the exact cells of a slice, the Jacobian at a probe.

Both run off the GUI thread (:class:`app.networks.controller.NetworksController` submits
them) and return plain data. The first slice of the shipped network also loads its
weights and the test digits, so that the GUI thread never waits on the disk.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from app.jobs.partition_runner import PartitionTicket
from engine.decision import DecisionBoundary, decision_boundary
from engine.digits import DigitImages
from engine.digits_cnn import INPUT_SHAPE, digits_split, load_digits_cnn
from engine.partition2d import Partition2D, partition_2d
from engine.pl_graph import trace_piecewise_linear
from engine.pl_local import local_affine_map
from engine.pl_steps import PLGraph
from engine.slices import PlaneSlice, plane_through, shrunk_about_centre

#: What the page calls the shipped network.
SHIPPED_NAME = "digits CNN (shipped)"
#: Seed of the three random-normal anchors of a network whose inputs are not 8x8 images.
RANDOM_ANCHOR_SEED = 0


@dataclass(frozen=True)
class ShownNetwork:
    """A network the page shows, in float64 eval mode, and the test images for its anchors.

    Attributes
    ----------
    model : the network (float64, eval).
    input_shape : its per-sample input shape.
    name : what the page calls it.
    images : (N, h, w) test images in [0, 1] and their labels (the shipped digits for a
        network of 64 inputs, or the data it came with, e.g. MNIST's), or None (then the
        anchors are random-normal inputs).
    graph : the traced graph, for probe Jacobians.
    n_layers : its cutting steps (ReLU-like, clamp, max-pooling).
    """

    model: nn.Module
    input_shape: tuple[int, ...]
    name: str
    images: DigitImages | None
    graph: PLGraph
    n_layers: int

    @property
    def takes_digits(self) -> bool:
        return self.images is not None


def float64_copy(module: nn.Module) -> nn.Module:
    """A float64, eval-mode copy of ``module`` (the original is left as it is)."""
    model = copy.deepcopy(module)
    return model.double().eval()


def prepare_network(
    module: nn.Module | None,
    input_shape: tuple[int, ...],
    name: str,
    images: DigitImages | None = None,
) -> ShownNetwork:
    """Load (module None: the shipped digits CNN) and trace a network for the page; its
    anchors come from ``images``, else from the shipped test digits if it takes 64 inputs."""
    if module is None:
        module, input_shape = load_digits_cnn(), INPUT_SHAPE
    model = float64_copy(module)
    if images is None and math.prod(input_shape) == 64:
        images = digits_split()[1]
    graph = trace_piecewise_linear(model, tuple(input_shape))
    return ShownNetwork(model, tuple(input_shape), name, images, graph, len(graph.cutting_steps))


def anchor_inputs(network: ShownNetwork, anchors: tuple[int, int, int]) -> list[np.ndarray]:
    """The three inputs (each of the network's input shape) the slice goes through."""
    if network.images is not None:
        n_images = len(network.images)
        if max(anchors) >= n_images:
            raise ValueError(f"the anchors {anchors} go beyond the {n_images:,} test images.")
        return [network.images.images[i].reshape(network.input_shape) for i in anchors]
    rng = np.random.default_rng(RANDOM_ANCHOR_SEED)
    return [rng.standard_normal(network.input_shape) for _ in range(3)]


@dataclass(frozen=True)
class ModelSource:
    """A network to show that is not traced yet (an imported or trained model), and the
    test images its anchors index (None: the shipped digits, for 64 inputs)."""

    module: nn.Module
    input_shape: tuple[int, ...]
    name: str
    images: DigitImages | None = None


@dataclass(frozen=True)
class SliceRequest:
    """One slice to compute: the network, the anchors, domain, margin and layers."""

    ticket: PartitionTicket
    network: ShownNetwork | None  # None: prepare ``source`` first
    source: ModelSource | None  # None: the shipped digits CNN
    anchors: tuple[int, int, int]
    margin: float
    domain: str
    layers: int | None  # None: every layer
    extent: float = 1.0  # the share of the domain cut, about the anchors' centre


@dataclass(frozen=True)
class NetworkSlice:
    """The exact cells of a network in the plane through three inputs.

    Attributes
    ----------
    network : the network sliced.
    plane : the plane and its domain (``plane.anchors`` (3, 2): where A, B, C are).
    partition : the cells (a :class:`engine.partition_graph.GraphPartition2D`).
    boundary : the decision boundary's segments (empty unless every layer cuts).
    cell_class : (R,) int64 the predicted class at each cell's centroid.
    anchors : the image indices (A, B, C) asked for.
    """

    network: ShownNetwork
    plane: PlaneSlice
    partition: Partition2D
    boundary: DecisionBoundary | None
    cell_class: np.ndarray
    anchors: tuple[int, int, int]


def compute_slice(request: SliceRequest) -> NetworkSlice:
    """The worker's job: the cells of the slice, its decision boundary and cell classes."""
    network = request.network
    if network is None:
        source = request.source or ModelSource(None, INPUT_SHAPE, SHIPPED_NAME)
        network = prepare_network(source.module, source.input_shape, source.name, source.images)
    a, b, c = anchor_inputs(network, request.anchors)
    plane = plane_through(a, b, c, margin=request.margin, domain=request.domain)
    plane = shrunk_about_centre(plane, request.extent)
    layers = request.layers
    if layers is not None and layers >= network.n_layers:
        layers = None
    partition = partition_2d(
        network.model, None, plane=plane, layers=layers, progress=request.ticket.after_layer
    )
    lifted = plane.lift(partition.centroids)
    with torch.no_grad():
        outputs = network.model(torch.from_numpy(lifted)).reshape(len(lifted), -1)
    cell_class = outputs.argmax(1).numpy().astype(np.int64)
    boundary = decision_boundary(partition) if partition.is_complete else None
    return NetworkSlice(network, plane, partition, boundary, cell_class, request.anchors)


@dataclass(frozen=True)
class ProbeJacobian:
    """The affine map of the probe's cell in the whole input space.

    Attributes
    ----------
    point : (2,) the probe's plane coordinates.
    jacobian : (n_out, d) float64 d output / d input (row i: the template of output i).
    output : (n_out,) the network's output at the probe.
    """

    point: tuple[float, float]
    jacobian: np.ndarray
    output: np.ndarray


def probe_jacobian(job: tuple[NetworkSlice, tuple[float, float]]) -> ProbeJacobian:
    """The worker's job: the exact Jacobian of the network at the probe (float64)."""
    shown, point = job
    x = shown.plane.lift(np.array([point]))[0]
    local = local_affine_map(shown.network.graph, x)
    return ProbeJacobian(point, local.jacobian, local.output)
