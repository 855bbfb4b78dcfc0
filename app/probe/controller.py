"""Session state of a probe on a 2-D partition: where it is, what it crossed, its path.

Everything here is the fast path: a probe step locates one point and walks one short
segment exactly (well under a millisecond on the default network), so it runs inline
on the GUI thread, never recomputing the partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.cells2d import Partition2D
from engine.decision import DecisionBoundary
from engine.networks import identical_layers, network_layers
from engine.probe import (
    LocalAffineMap,
    ProbeReadout,
    Transition,
    crossings_among,
    lift_to_input,
    local_affine_map,
    probe_readout,
    probe_step,
)
from engine.segment_walk import SegmentCrossings, segment_crossings

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True, eq=False)
class ProbeState:
    """The probe after a move.

    Attributes
    ----------
    readout : the partition's answer at the probe.
    transitions : the flips of the move that produced this state, in order (empty for
        a jump or a re-read after a new partition).
    last_flipped : global indices of the neurons flipped at the last transition so far.
    local_map : the full-dimensional affine map of the probe's cell when the partition
        is a slice of a higher-dimensional input space, else None.
    """

    readout: ProbeReadout
    transitions: tuple[Transition, ...]
    last_flipped: tuple[int, ...]
    local_map: LocalAffineMap | None


@dataclass(frozen=True, eq=False)
class PathState:
    """A straight path across the plane and its exact walk.

    Attributes
    ----------
    a, b : (2,) float64 ends of the path (plane coordinates).
    crossings : the walk over every layer of the network, in input space.
    shown : (K,) indices of the crossings of the partition's layers (all of them when
        every layer is partitioned): the boundaries drawn on the canvas.
    points : (K, 2) float64 those crossings in plane coordinates.
    """

    a: np.ndarray
    b: np.ndarray
    crossings: SegmentCrossings
    shown: np.ndarray
    points: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of cells of the partition the path passes through."""
        return len(self.shown) + 1


class ProbeController(QObject):
    """Moves a probe over the partition on screen and walks a path.

    Positions are clamped to the partition's rectangle. ``move_probe`` walks the step
    from the previous position exactly and reports every flip; ``place_probe`` jumps.
    """

    probe_changed = Signal(object)  # ProbeState
    path_changed = Signal(object)  # PathState, or None when the path is cleared

    def __init__(self, model: nn.Sequential, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._network = network_layers(model)
        self._partition: Partition2D | None = None
        self._boundary: DecisionBoundary | None = None
        self._state: ProbeState | None = None
        self._path: PathState | None = None
        self._last_flipped: tuple[int, ...] = ()

    @property
    def model(self) -> nn.Sequential:
        return self._model

    @property
    def partition(self) -> Partition2D | None:
        return self._partition

    @property
    def boundary(self) -> DecisionBoundary | None:
        """The decision boundary of the partition probed, or None."""
        return self._boundary

    @property
    def state(self) -> ProbeState | None:
        """The probe as last reported, or None before the first partition."""
        return self._state

    @property
    def position(self) -> tuple[float, float] | None:
        if self._state is None:
            return None
        x, y = self._state.readout.point
        return float(x), float(y)

    @property
    def path(self) -> PathState | None:
        return self._path

    def set_model(self, model: nn.Sequential) -> None:
        """Probe a new network: forget the probe, the path and the last flips."""
        self._model = model
        self._network = network_layers(model)
        self._partition = None
        self._boundary = None
        self._state = None
        self._last_flipped = ()
        self.clear_path()

    def adopt_model(self, model: nn.Sequential) -> None:
        """Hold ``model``, the same network as the one probed (its torch model, say), in
        its place: the probe, the path and the partition stay. Raises ValueError, keeping
        the network probed, when its layers differ."""
        if not identical_layers(network_layers(model), self._network):
            raise ValueError("the model adopted is not the network probed")
        self._model = model

    def set_partition(
        self, partition: Partition2D, boundary: DecisionBoundary | None = None
    ) -> None:
        """Read the probe (and the path) again on a new partition of the same network.

        The probe keeps its position; the first partition places it at
        :func:`initial_probe_position`.
        """
        self._partition = partition
        self._boundary = boundary
        n_neurons = partition.patterns.shape[1]
        self._last_flipped = tuple(n for n in self._last_flipped if n < n_neurons)
        point = self.position if self._state is not None else initial_probe_position(partition)
        self._report(self._clamp(point), ())
        if self._path is not None:
            self.set_path(*self._path.a, *self._path.b)

    def move_probe(self, x: float, y: float) -> None:
        """Move the probe to ``(x, y)``, walking from where it was; logs every flip."""
        if self._partition is None:
            return
        point = self._clamp((x, y))
        start = self._state.readout.point
        if np.array_equal(point, start):
            return
        step = probe_step(self._model, self._partition, start, point, self._boundary)
        self._last_flipped = step.last_flipped or self._last_flipped
        self._emit(step.readout, step.transitions)

    def place_probe(self, x: float, y: float) -> None:
        """Put the probe at ``(x, y)`` without walking there (nothing is logged)."""
        if self._partition is None:
            return
        self._report(self._clamp((x, y)), ())

    def set_path(self, ax: float, ay: float, bx: float, by: float) -> None:
        """Walk the straight path from ``(ax, ay)`` to ``(bx, by)`` (clamped)."""
        if self._partition is None:
            return
        a, b = self._clamp((ax, ay)), self._clamp((bx, by))
        plane = self._partition.plane
        crossings = segment_crossings(self._model, lift_to_input(plane, a), lift_to_input(plane, b))
        shown = crossings_among(crossings, self._partition.patterns.shape[1])
        points = a + crossings.t[shown, None] * (b - a)
        self._path = PathState(a, b, crossings, shown, points.reshape(-1, 2))
        self.path_changed.emit(self._path)

    def clear_path(self) -> None:
        if self._path is None:
            return
        self._path = None
        self.path_changed.emit(None)

    def _clamp(self, point) -> np.ndarray:
        xmin, xmax, ymin, ymax = self._partition.bounds
        x, y = (float(v) for v in point)
        return np.array([min(max(x, xmin), xmax), min(max(y, ymin), ymax)])

    def _report(self, point: np.ndarray, transitions: tuple[Transition, ...]) -> None:
        readout = probe_readout(self._partition, point, self._boundary)
        self._emit(readout, transitions)

    def _emit(self, readout: ProbeReadout, transitions: tuple[Transition, ...]) -> None:
        local_map = None
        if self._partition.plane is not None:
            x = lift_to_input(self._partition.plane, readout.point)
            local_map = local_affine_map(self._network, x)
        self._state = ProbeState(readout, transitions, self._last_flipped, local_map)
        self.probe_changed.emit(self._state)


def initial_probe_position(partition: Partition2D) -> tuple[float, float]:
    """Where a new probe goes: the centre of the largest cell near the middle of the view.

    Cells whose centre lies in the middle half of the rectangle are candidates, so the
    probe starts where the cells are, in a cell large enough to see.
    """
    xmin, xmax, ymin, ymax = partition.bounds
    centre = partition.centroids
    near = (np.abs(centre[:, 0] - 0.5 * (xmin + xmax)) <= 0.25 * (xmax - xmin)) & (
        np.abs(centre[:, 1] - 0.5 * (ymin + ymax)) <= 0.25 * (ymax - ymin)
    )
    candidates = np.flatnonzero(near) if near.any() else np.arange(partition.n_regions)
    best = candidates[np.argmax(partition.areas[candidates])]
    return float(centre[best, 0]), float(centre[best, 1])
