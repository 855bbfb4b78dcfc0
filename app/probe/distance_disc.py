"""The distance disc's controls and its fast-path query, shared by the 2-D pages.

A page keeps the option (on or off, and the norm) in its own state; this module builds
the toolbar controls for it and answers, for a probe point, the exact disc of the
partition on screen (:func:`engine.boundary_distance.boundary_distance`: one pass over
the decision segments, well under a millisecond, so it runs inline on the probe's drag).
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QWidget

from engine.boundary_distance import BoundaryDistance, boundary_distance
from engine.cell_programs import NORMS
from engine.decision import DecisionBoundary
from engine.partition2d import Partition2D

NORM_LABELS = {"l2": "L2 (circle)", "linf": "L∞ (square)"}


def distance_disc_action(parent: QWidget) -> QAction:
    """The checkable "Distance disc" action (D)."""
    action = QAction("Distance disc", parent)
    action.setObjectName("distanceDiscAction")
    action.setCheckable(True)
    action.setShortcut(QKeySequence("D"))
    action.setToolTip(
        "Draw around the probe the exact distance disc to the nearest input of another "
        "class (D):\na circle in L2, a square in L∞, touching the decision boundary at the "
        "nearest point.\nExact for the whole plane while the disc stays inside the view."
    )
    return action


def disc_norm_box(parent: QWidget) -> QComboBox:
    """The norm the disc is measured in."""
    box = QComboBox(parent)
    box.setObjectName("discNormBox")
    for norm in NORMS:
        box.addItem(NORM_LABELS[norm], norm)
    box.setToolTip("The norm of the distance disc: L2 draws a circle, L∞ a square")
    return box


def probe_disc(
    partition: Partition2D | None,
    boundary: DecisionBoundary | None,
    point,
    norm: str,
) -> tuple[BoundaryDistance | None, str]:
    """The disc at ``point``, or None with the reason one cannot be drawn.

    A disc needs the decision boundary of every layer of a network with two inputs (a
    slice through a larger input space would measure distances in the plane only).
    """
    if partition is None or point is None:
        return None, ""
    if partition.plane is not None:
        return None, "The distance disc is drawn for networks with two inputs only."
    if boundary is None or not partition.is_complete:
        return None, "The distance disc needs every layer partitioned."
    return boundary_distance(partition, boundary, point, norm), ""
