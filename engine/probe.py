"""A probe point of a 2-D partition: its cell, its affine map, and what it crosses.

The readout, the step and the transitions are shared with 3-D partitions
(:mod:`engine.probe3d`): points are in the partition's own coordinates, 2 or 3 of them.

Everything here is a fast path for interactive use: a probe is located with the
partition's point locator and read from the partition's arrays; a drag step walks the
straight segment between two probe positions exactly
(:func:`engine.segment_walk.segment_crossings`).
Nothing recomputes the partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from torch import nn

from engine.decision import DecisionBoundary
from engine.networks import NetworkLayers, network_layers
from engine.partition2d import Partition2D
from engine.segment_walk import SegmentCrossings, segment_crossings


@dataclass(frozen=True, eq=False)
class ProbeReadout:
    """What a partition says about one point of its plane.

    Attributes
    ----------
    point : (k,) float64 the probe, in the partition's coordinates (k = 2 for a plane,
        3 for a box of space).
    cell : id of the cell containing it (an index into the partition's cells).
    n_cells : number of cells of the partition.
    pattern : (n_neurons,) bool activation pattern of the cell, layer by layer.
    layer_of_neuron : (n_neurons,) int64 0-based hidden layer of every pattern bit.
    A : (n_out, k) float64 and c : (n_out,) float64, the cell's affine map
        ``f(x) = A @ x + c``: the network output when ``is_output``, else the
        activations of the last partitioned layer.
    output : (n_out,) float64 ``A @ point + c``.
    is_output : whether every hidden layer is partitioned, so ``output`` is the
        network's output.
    predicted_class : argmax of the output (``output[0] > 0`` for one output);
        -1 when not ``is_output``.
    boundary_distance : exact distance from the probe to the nearest edge (in 3-D:
        face) of its cell made by a neuron (those on the domain boundary do not count);
        ``inf`` when the cell has no such edge.
    boundary_point : (k,) the nearest point of that edge (NaN when there is none).
    boundary_neuron : global index of the neuron that made that edge, -1 when none.
    decision_distance : exact distance to the nearest decision-boundary segment (in 3-D:
        polygon), ``inf`` when no boundary was given or it is empty.
    decision_point : (k,) the nearest point of the decision boundary (NaN when none).
    """

    point: np.ndarray
    cell: int
    n_cells: int
    pattern: np.ndarray
    layer_of_neuron: np.ndarray
    A: np.ndarray
    c: np.ndarray
    output: np.ndarray
    is_output: bool
    predicted_class: int
    boundary_distance: float
    boundary_point: np.ndarray
    boundary_neuron: int
    decision_distance: float
    decision_point: np.ndarray


@dataclass(frozen=True)
class Transition:
    """One neuron flipping where a probe step crosses a cell boundary.

    Attributes
    ----------
    t : parameter of the crossing along the step, in (0, 1).
    point : (k,) float64 where it happens, in the partition's coordinates.
    layer : 0-based hidden layer of the neuron.
    neuron : global index of the neuron (its position in the activation pattern).
    unit : 0-based index of the neuron within its layer.
    turned_on : True for off -> on, False for on -> off.
    """

    t: float
    point: np.ndarray
    layer: int
    neuron: int
    unit: int
    turned_on: bool


@dataclass(frozen=True, eq=False)
class ProbeStep:
    """A probe moved from ``start`` to ``readout.point``.

    Attributes
    ----------
    start : (k,) float64 previous probe position (the partition's coordinates).
    readout : the probe at its new position.
    crossings : the exact walk from ``start`` to the new position, in input space,
        over every layer of the network.
    transitions : the neuron flips of the partitioned layers along the walk, in the
        order they happen (ties in pattern order).
    """

    start: np.ndarray
    readout: ProbeReadout
    crossings: SegmentCrossings
    transitions: tuple[Transition, ...]

    @property
    def last_flipped(self) -> tuple[int, ...]:
        """Global indices of the neurons flipped at the step's last crossing (empty: none)."""
        if not self.transitions:
            return ()
        last_t = self.transitions[-1].t
        return tuple(tr.neuron for tr in self.transitions if tr.t == last_t)


class LocalAffineMap(NamedTuple):
    """The affine map the network applies in the cell of one input.

    Attributes
    ----------
    jacobian : (n_out, d) float64 ``W_out D_L W_L ... D_1 W_1``.
    offset : (n_out,) float64, so that ``model(x) = jacobian @ x + offset`` in the cell.
    """

    jacobian: np.ndarray
    offset: np.ndarray


def nearest_on_segments(
    point: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[float, np.ndarray, int]:
    """Nearest point of a set of segments.

    Parameters
    ----------
    point : (k,) the query point (any dimension k).
    starts, ends : (S, k) end points of the segments.

    Returns
    -------
    distance : the smallest point-to-segment distance (``inf`` when S is 0).
    closest : (k,) the nearest point (NaN when S is 0).
    index : the segment it lies on (-1 when S is 0).
    """
    if len(starts) == 0:
        return float("inf"), np.full(len(point), np.nan), -1
    direction = ends - starts
    length2 = np.einsum("ij,ij->i", direction, direction)
    along = np.einsum("ij,ij->i", point - starts, direction)
    t = np.clip(along / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
    closest = starts + t[:, None] * direction
    gap = closest - point
    distance = np.sqrt(np.einsum("ij,ij->i", gap, gap))
    k = int(np.argmin(distance))
    return float(distance[k]), closest[k].copy(), k


def predicted_class(output: np.ndarray) -> int:
    """Class of an output vector (n_out,): its argmax, or ``output[0] > 0`` for one output."""
    output = np.asarray(output)
    if output.shape[0] == 1:
        return int(output[0] > 0)
    return int(np.argmax(output))


def probe_readout(
    partition: Partition2D,
    point,
    boundary: DecisionBoundary | None = None,
    *,
    cell: int | None = None,
) -> ProbeReadout:
    """Read the partition at one point.

    Parameters
    ----------
    partition : the cells of the plane.
    point : (2,) a point of the partition's rectangle (plane coordinates).
    boundary : the partition's decision boundary, for ``decision_distance``.
    cell : the cell of ``point`` when already known (skips locating it).

    Returns
    -------
    ProbeReadout

    Raises
    ------
    ValueError
        If ``point`` is outside the partition's rectangle.
    """
    point = np.asarray(point, dtype=np.float64).reshape(2)
    if cell is None:
        cell = int(partition.locate(point[None])[0])
    if cell < 0:
        raise ValueError(f"the point {tuple(point)} is outside the partition's rectangle")
    lo, hi = partition.offsets[cell], partition.offsets[cell + 1]
    ring = partition.indices[lo:hi]
    starts = partition.vertices[ring]
    ends = np.roll(starts, -1, axis=0)
    made_by = partition.edge_neuron[lo:hi]
    inner = made_by >= 0
    edge_distance, edge_point, edge = nearest_on_segments(point, starts[inner], ends[inner])
    if boundary is None or boundary.n_segments == 0:
        decision_distance, decision_point = float("inf"), np.full(2, np.nan)
    else:
        segments = np.asarray(boundary.segments)
        decision_distance, decision_point, _ = nearest_on_segments(
            point, segments[:, 0], segments[:, 1]
        )
    neuron = int(made_by[inner][edge]) if edge >= 0 else -1
    return cell_readout(
        partition,
        point,
        cell,
        (edge_distance, edge_point, neuron),
        (decision_distance, decision_point),
    )


def cell_readout(
    partition,
    point: np.ndarray,
    cell: int,
    boundary: tuple[float, np.ndarray, int],
    decision: tuple[float, np.ndarray],
) -> ProbeReadout:
    """The readout of ``point`` (k,) in ``cell`` of a 2-D or 3-D partition, given its
    nearest cell boundary ``(distance, point (k,), neuron)`` and nearest decision
    boundary ``(distance, point (k,))``: the cell's map, output and predicted class."""
    A, c = partition.A[cell], partition.c[cell]
    output = A @ point + c
    complete = partition.is_complete
    return ProbeReadout(
        point=point,
        cell=cell,
        n_cells=partition.n_regions,
        pattern=partition.cell_pattern(cell),
        layer_of_neuron=partition.layer_of_neuron,
        A=A,
        c=c,
        output=output,
        is_output=complete,
        predicted_class=predicted_class(output) if complete else -1,
        boundary_distance=boundary[0],
        boundary_point=boundary[1],
        boundary_neuron=boundary[2],
        decision_distance=decision[0],
        decision_point=decision[1],
    )


def lift_to_input(plane, points) -> np.ndarray:
    """Network inputs of points of a partition's plane (or 3-D slice).

    Parameters
    ----------
    plane : ``(origin (d,), u (d,), v (d,))`` of a sliced partition (``(origin, u, v,
        w)`` for a 3-D slice), or None when the partition's domain is the input space.
    points : (..., k) coordinates ``(s, t)`` (``(s, t, q)``).

    Returns
    -------
    (..., d) float64 ``origin + s u + t v (+ q w)`` (the points themselves when ``plane``
    is None).
    """
    points = np.asarray(points, dtype=np.float64)
    if plane is None:
        return points.copy()
    origin, *directions = plane
    return origin + points @ np.stack(directions)


def local_affine_map(model: nn.Module | NetworkLayers, x) -> LocalAffineMap:
    """The full-dimensional affine map of the cell that contains ``x``.

    Parameters
    ----------
    model : the network (or its :func:`engine.networks.network_layers`).
    x : (d,) an input.

    Returns
    -------
    LocalAffineMap
        ``jacobian (n_out, d)`` and ``offset (n_out,)`` from the activation pattern at
        ``x`` (pre-activation > 0 is on, as in the partition).
    """
    net = model if isinstance(model, NetworkLayers) else network_layers(model)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    if x.shape != (net.n_inputs,):
        raise ValueError(f"x must have the network's input dimension {net.n_inputs}")
    jacobian = np.eye(net.n_inputs)
    offset = np.zeros(net.n_inputs)
    for layer in net.hidden:
        jacobian = layer.weight @ jacobian
        offset = layer.weight @ offset + layer.bias
        slope = np.where(jacobian @ x + offset > 0, 1.0, layer.negative_slope)
        jacobian *= slope[:, None]
        offset *= slope
    return LocalAffineMap(net.out_weight @ jacobian, net.out_weight @ offset + net.out_bias)


def crossings_among(crossings: SegmentCrossings, n_neurons: int) -> np.ndarray:
    """(K',) indices of the crossings at which one of the first ``n_neurons`` neurons flips.

    These are the crossings of the cell boundaries of a partition with fewer layers than
    the network (``n_neurons`` = the length of its patterns).
    """
    flipped = crossings.flip_neuron < n_neurons
    crossing = np.repeat(np.arange(crossings.n_crossings), np.diff(crossings.flip_offsets))
    return np.unique(crossing[flipped])


def step_transitions(
    crossings: SegmentCrossings, a, b, layer_of_neuron: np.ndarray
) -> tuple[Transition, ...]:
    """The flips along a walk, as transitions placed in plane coordinates.

    Parameters
    ----------
    crossings : the walk from ``lift(a)`` to ``lift(b)``.
    a, b : (k,) its end points in the partition's coordinates (the lift to the input space is
        affine, so a crossing at ``t`` lies at ``a + t (b - a)``).
    layer_of_neuron : (n_neurons,) layers of the neurons to report (a partition's
        ``layer_of_neuron``): flips of deeper neurons are left out.

    Returns
    -------
    tuple of :class:`Transition`, in the order of the walk.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    n_neurons = len(layer_of_neuron)
    first_of_layer = np.searchsorted(
        layer_of_neuron, np.arange(layer_of_neuron.max(initial=-1) + 1)
    )
    transitions = []
    for k in crossings_among(crossings, n_neurons):
        t = float(crossings.t[k])
        point = a + t * (b - a)
        for layer, neuron, on in crossings.flips(int(k)):
            if neuron < n_neurons:
                unit = neuron - int(first_of_layer[layer])
                transitions.append(Transition(t, point, layer, neuron, unit, on))
    return tuple(transitions)


def probe_step(
    model: nn.Module,
    partition: Partition2D,
    start,
    point,
    boundary: DecisionBoundary | None = None,
) -> ProbeStep:
    """Move a probe from ``start`` to ``point``: locate it and walk the step exactly.

    Parameters
    ----------
    model : the partitioned network.
    partition : its cells (possibly of a slice, see ``partition.plane``).
    start, point : (2,) previous and new probe positions in plane coordinates.
    boundary : the partition's decision boundary, for the readout.

    Returns
    -------
    ProbeStep
    """
    readout = probe_readout(partition, point, boundary)
    return walk_to(model, partition.plane, partition.layer_of_neuron, start, readout)


def walk_to(
    model: nn.Module, plane, layer_of_neuron: np.ndarray, start, readout: ProbeReadout
) -> ProbeStep:
    """The step from ``start`` to ``readout.point``, walked exactly (2-D or 3-D).

    Parameters
    ----------
    model : the partitioned network.
    plane : the partition's ``plane`` (None when its domain is the input space).
    layer_of_neuron : the partition's ``layer_of_neuron`` (the neurons to report).
    start : (k,) previous probe position in the partition's coordinates.
    readout : the probe read at its new position.

    Returns
    -------
    ProbeStep
    """
    start = np.asarray(start, dtype=np.float64).reshape(-1)
    point = readout.point
    crossings = segment_crossings(model, lift_to_input(plane, start), lift_to_input(plane, point))
    transitions = step_transitions(crossings, start, point, layer_of_neuron)
    return ProbeStep(start, readout, crossings, transitions)
