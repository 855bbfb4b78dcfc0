"""The Networks page's worker jobs: the exact cells of a slice, the Jacobian at a probe.

Both run off the GUI thread (:class:`app.networks.controller.NetworksController` submits
them) and return plain data. The first slice of the shipped network also loads its
weights and the test digits, so that the GUI thread never waits on the disk.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from app.jobs.partition_runner import PartitionTicket
from engine.decision import DecisionBoundary, decision_boundary
from engine.digits import DigitImages
from engine.digits_cnn import INPUT_SHAPE, digits_split, load_digits_cnn
from engine.mnist_cnn import digits_at_28
from engine.partition2d import Partition2D, partition_2d
from engine.pl_graph import trace_piecewise_linear
from engine.pl_local import local_affine_map
from engine.pl_steps import PLGraph
from engine.slices import PlaneSlice, plane_through, shrunk_about_centre
from engine.unit_names import step_labels

#: What the page calls the shipped network.
SHIPPED_NAME = "digits CNN (shipped)"
#: Seed of the three random-normal anchors of a network whose inputs are not images.
RANDOM_ANCHOR_SEED = 0
#: Sides of the square grey images whose test images the anchors can be: the shipped
#: 8x8 digits, and 28x28 (MNIST's held-out images, or the 8x8 digits drawn at 28x28).
IMAGE_SIDES = (8, 28)
#: The gallery's note for a 28x28 network before any MNIST files are loaded.
DIGITS_AT_28_NOTE = (
    "The shipped 8×8 test digits drawn at 28×28 (3×3 per pixel): load MNIST files "
    "(Ctrl+M) to slice through MNIST's own test images."
)


def image_side(input_shape: tuple[int, ...]) -> int | None:
    """The side of the square grey image a network takes (8 or 28), or None.

    A network takes images when its per-sample input is ``side*side`` values, flat or as
    ``side x side`` with any axes of length 1 (``(784,)``, ``(1, 28, 28)``, ``(28, 28)``).
    """
    axes = tuple(n for n in input_shape if n != 1)
    for side in IMAGE_SIDES:
        if axes in ((side * side,), (side, side)):
            return side
    return None


@dataclass(frozen=True)
class ShownNetwork:
    """A network the page shows, in float64 eval mode, and the test images for its anchors.

    Attributes
    ----------
    model : the network (float64, eval).
    input_shape : its per-sample input shape.
    name : what the page calls it.
    images : (N, h, w) test images in [0, 1] and their labels (the data it came with,
        e.g. MNIST's; else the shipped test digits for a network of 8x8 inputs, the same
        drawn at 28x28 for one of 28x28 inputs), or None (then the anchors are
        random-normal inputs).
    graph : the traced graph, for probe Jacobians.
    n_layers : its cutting steps (ReLU-like, clamp, max-pooling).
    step_labels : (n_layers,) what the page calls each cutting step (``"conv1 (Conv2d)"``,
        see :func:`engine.unit_names.step_labels`).
    anchor_note : a sentence for the gallery on where the anchors come from ("" for the
        network's own test images).
    """

    model: nn.Module
    input_shape: tuple[int, ...]
    name: str
    images: DigitImages | None
    graph: PLGraph
    n_layers: int
    step_labels: tuple[str, ...] = ()
    anchor_note: str = ""

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
    anchors come from ``images``, else from :func:`default_anchor_images`."""
    if module is None:
        module, input_shape = load_digits_cnn(), INPUT_SHAPE
    model = float64_copy(module)
    note = ""
    if images is None:
        images, note = default_anchor_images(tuple(input_shape))
    graph = trace_piecewise_linear(model, tuple(input_shape))
    labels = step_labels(graph)
    return ShownNetwork(model, tuple(input_shape), name, images, graph, len(labels), labels, note)


def default_anchor_images(input_shape: tuple[int, ...]) -> tuple[DigitImages | None, str]:
    """The test images a network without data of its own is sliced through, and the
    gallery's note: the shipped 8x8 test digits (at 28x28 for 28x28 inputs), or None
    (three random-normal inputs) for a network that does not take such images."""
    side = image_side(input_shape)
    if side == 8:
        return digits_split()[1], ""
    if side == 28:
        return digits_at_28(digits_split()[1]), DIGITS_AT_28_NOTE
    shape = "×".join(map(str, input_shape))
    return None, (
        f"This network takes {shape} inputs, not 8×8 or 28×28 images: the slice goes "
        "through three random-normal inputs A, B, C."
    )


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
    test images its anchors index (None: :func:`default_anchor_images`)."""

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
