"""Session state of the 3-D probe: where it is in the box and what it crossed.

The 3-D twin of :class:`app.probe.controller.ProbeController`, reporting the same
:class:`app.probe.controller.ProbeState`, so that the same Probe panel and Transition log
show it. A step locates one point and walks one segment exactly: it runs inline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.probe.controller import ProbeState
from engine.decision3d import DecisionSurface
from engine.partition3d import Partition3D
from engine.probe import ProbeReadout, Transition
from engine.probe3d import probe_readout_3d, probe_step_3d

if TYPE_CHECKING:
    from torch import nn

    from engine.networks import NetworkLayers

#: Where a new probe goes, from the box's centre towards the corner the starting view
#: looks from, as a fraction of the way there: in front, where it can be seen.
INITIAL_PROBE_DIRECTION = np.array([1.0, -1.25, 0.85]) / np.linalg.norm([1.0, -1.25, 0.85])
INITIAL_PROBE_REACH = 0.5


def initial_probe_position_3d(partition: Partition3D) -> np.ndarray:
    """(3,) where a new probe goes: the centroid of the cell half-way from the box's
    centre towards the viewer of the starting view."""
    low, high = partition.bounds[0::2], partition.bounds[1::2]
    half = 0.5 * (high - low)
    point = low + half + INITIAL_PROBE_REACH * half * INITIAL_PROBE_DIRECTION
    return partition.centroids[int(partition.locate(point[None])[0])].copy()


class Probe3DController(QObject):
    """Moves a probe through the partition on screen.

    Positions are clamped to the box. ``move_probe`` walks from the previous position and
    reports every flip; ``place_probe`` jumps there.
    """

    probe_changed = Signal(object)  # ProbeState

    def __init__(self, model: nn.Sequential | NetworkLayers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._partition: Partition3D | None = None
        self._surface: DecisionSurface | None = None
        self._state: ProbeState | None = None
        self._last_flipped: tuple[int, ...] = ()
        self._pending: np.ndarray | None = None

    @property
    def partition(self) -> Partition3D | None:
        return self._partition

    @property
    def state(self) -> ProbeState | None:
        return self._state

    @property
    def position(self) -> np.ndarray | None:
        return None if self._state is None else self._state.readout.point.copy()

    def set_model(self, model: nn.Sequential | NetworkLayers) -> None:
        """Probe a new network: the next partition places the probe afresh."""
        self._model = model
        self._partition = None
        self._surface = None
        self._last_flipped = ()
        self._pending = None

    def place_after_next_partition(self, point) -> None:
        """Put the probe at ``point`` (3,) when the next partition comes, without walking
        there (a restored session's probe)."""
        self._pending = np.asarray(point, dtype=np.float64).reshape(3).copy()

    def set_partition(self, partition: Partition3D, surface: DecisionSurface | None) -> None:
        """Read the probe again on a new partition (it keeps its position if it had one,
        or goes where :meth:`place_after_next_partition` said)."""
        fresh = self._partition is None or self._state is None
        self._partition = partition
        self._surface = surface
        n_neurons = partition.patterns.shape[1]
        self._last_flipped = tuple(n for n in self._last_flipped if n < n_neurons)
        if self._pending is not None:
            point, self._pending = self._pending, None
        elif fresh:
            point = initial_probe_position_3d(partition)
        else:
            point = self._state.readout.point
        readout = probe_readout_3d(partition, self.clamp(point), surface)
        self._emit(readout, ())

    def move_probe(self, point) -> None:
        """Move the probe to ``point`` (3,), walking from where it was; logs every flip."""
        if self._partition is None or self._state is None:
            return
        point = self.clamp(point)
        start = self._state.readout.point
        if np.array_equal(point, start):
            return
        step = probe_step_3d(self._model, self._partition, start, point, self._surface)
        self._last_flipped = step.last_flipped or self._last_flipped
        self._emit(step.readout, step.transitions)

    def place_probe(self, point) -> None:
        """Put the probe at ``point`` without walking there (nothing is logged)."""
        if self._partition is None:
            return
        self._emit(probe_readout_3d(self._partition, self.clamp(point), self._surface), ())

    def clamp(self, point) -> np.ndarray:
        """(3,) ``point`` moved into the box."""
        bounds = self._partition.bounds
        return np.clip(np.asarray(point, dtype=np.float64).reshape(3), bounds[0::2], bounds[1::2])

    def _emit(self, readout: ProbeReadout, transitions: tuple[Transition, ...]) -> None:
        self._state = ProbeState(readout, transitions, self._last_flipped, None)
        self.probe_changed.emit(self._state)
