"""The exact distance disc of a 2-D partition: the nearest input of another class.

On a complete 2-D partition the decision boundary is a set of exact segments
(:mod:`engine.decision`), so the nearest input of another class than the point's is the
nearest point of the segments that bound the point's class: in L2 the foot of a
perpendicular or an end, in L-infinity one of the few kinks of ``max(|u|, |v|)`` along a
segment. This is the GeoCert answer (:mod:`engine.adversarial_distance`) read off the
partition on screen, one vectorised pass over the segments, well under a millisecond.

The partition only covers its rectangle: the answer is exact for the whole plane when its
ball (circle in L2, square in L-infinity) lies inside the rectangle, since any nearer input
of another class would lie inside the ball. Otherwise an input outside the rectangle may
be nearer, and the distance is only proven down to the point's distance to the edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.cell_programs import NORMS
from engine.decision import DecisionBoundary
from engine.partition2d import Partition2D
from engine.probe import nearest_on_segments, predicted_class


@dataclass(frozen=True)
class BoundaryDistance:
    """The exact distance from a point of the plane to the nearest input of another class.

    Attributes
    ----------
    point : (2,) float64, the query point; label : its predicted class.
    norm : ``"l2"`` or ``"linf"``.
    distance : the distance to the nearest boundary point in the rectangle (``inf`` when
        no other class shows in it).
    nearest : (2,) float64, that point (NaN when none); it ties ``label`` with
        ``adversarial_class`` (-1 when none).
    segment : the decision-boundary segment it lies on (-1 when none).
    lower_bound : proven: no input of another class, in the whole plane, is nearer. It
        equals ``distance`` when the ball lies in the rectangle, else it is the smaller
        of ``distance`` and the point's distance to the rectangle's edge.
    """

    point: np.ndarray
    label: int
    norm: str
    distance: float
    nearest: np.ndarray
    adversarial_class: int
    segment: int
    lower_bound: float

    @property
    def is_exact(self) -> bool:
        """Whether ``distance`` is the distance in the whole plane, not only the rectangle."""
        return bool(self.lower_bound == self.distance)


def _nearest_linf(point: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """(distance, nearest (2,), index) in L-infinity over (S, 2) segments (S > 0).

    Along a segment ``u(t) = start + t (end - start) - point``, ``max(|u_x|, |u_y|)`` is
    convex and piecewise linear with kinks where ``u_x``, ``u_y`` or ``u_x -+ u_y`` vanish:
    its minimum over [0, 1] is at one of those or at an end.
    """
    base = starts - point  # (S, 2)
    step = ends - starts
    values = np.stack([base[:, 0], base[:, 1], base[:, 0] - base[:, 1], base[:, 0] + base[:, 1]])
    slopes = np.stack([step[:, 0], step[:, 1], step[:, 0] - step[:, 1], step[:, 0] + step[:, 1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        kinks = np.where(slopes != 0, -values / slopes, 0.0)
    t = np.clip(np.concatenate([np.zeros((1, len(base))), np.ones((1, len(base))), kinks]), 0, 1)
    offsets = base[None] + t[:, :, None] * step[None]  # (6, S, 2)
    length = np.abs(offsets).max(axis=2)
    best = np.argmin(length, axis=0)
    columns = np.arange(len(base))
    distance = length[best, columns]
    k = int(np.argmin(distance))
    return float(distance[k]), point + offsets[best[k], k], k


def boundary_distance(
    partition: Partition2D,
    boundary: DecisionBoundary,
    point,
    norm: str = "l2",
) -> BoundaryDistance:
    """The nearest input of another class to ``point``, from the partition's boundary.

    Parameters
    ----------
    partition : a complete partition (every hidden layer) of a 2-D plane.
    boundary : its decision boundary (:func:`engine.decision.decision_boundary`).
    point : (2,) a point of the partition's rectangle.
    norm : ``"l2"`` or ``"linf"``.

    Returns
    -------
    BoundaryDistance

    Raises
    ------
    ValueError
        for a partition of some layers only, a bad norm, or a point outside the rectangle
        or not finite.
    """
    if norm not in NORMS:
        raise ValueError(f"the norm must be one of {', '.join(NORMS)}, got {norm!r}")
    if not partition.is_complete:
        raise ValueError("the distance disc needs a partition of every hidden layer")
    point = np.asarray(point, dtype=np.float64).reshape(2)
    if not np.all(np.isfinite(point)):
        raise ValueError("the point has NaN or infinite coordinates")
    cell = int(partition.locate(point[None])[0])
    if cell < 0:
        raise ValueError(f"the point {tuple(point)} is outside the partition's rectangle")
    label = predicted_class(partition.A[cell] @ point + partition.c[cell])
    segments = np.asarray(boundary.segments, dtype=np.float64).reshape(-1, 2, 2)
    classes = np.asarray(boundary.classes).reshape(-1, 2)
    single_output = partition.c.shape[1] == 1
    # Only the segments that bound the point's class can hold the nearest other class.
    bounding = np.ones(len(segments), bool) if single_output else (classes == label).any(axis=1)
    index = np.flatnonzero(bounding)
    starts, ends = segments[index, 0], segments[index, 1]
    if len(index) == 0:
        distance, nearest, k = float("inf"), np.full(2, np.nan), -1
    elif norm == "l2":
        distance, nearest, k = nearest_on_segments(point, starts, ends)
    else:
        distance, nearest, k = _nearest_linf(point, starts, ends)
    segment = int(index[k]) if k >= 0 else -1
    other = -1
    if segment >= 0:
        other = 1 - label if single_output else int(classes[segment][classes[segment] != label][0])
    xmin, xmax, ymin, ymax = (float(v) for v in partition.bounds)
    to_edge = min(point[0] - xmin, xmax - point[0], point[1] - ymin, ymax - point[1])
    return BoundaryDistance(
        point=point,
        label=label,
        norm=norm,
        distance=distance,
        nearest=nearest,
        adversarial_class=other,
        segment=segment,
        lower_bound=distance if distance <= to_edge else to_edge,
    )
