"""The on-line tolerances of a 2-D partition's cuts, from its rectangle alone (numpy only:
:mod:`engine.class_pieces` cuts a partition's cells by its class lines with them, and the
cells of a first drawing must not wait for the traced-graph engine's torch import)."""

from __future__ import annotations

import numpy as np

from engine.cell_cutting import RELATIVE_THICKNESS, ROUNDING_ULPS
from engine.layerwise import domain_diagonal


def line_tolerances(box: np.ndarray) -> tuple[np.ndarray, float]:
    """The on-line tolerance ``(thickness, rounding, reach_x, reach_y)`` and the least
    piece area of the 2-D partition over ``box`` ``(xmin, xmax, ymin, ymax)`` (as
    :mod:`engine.partition2d` cuts its cells)."""
    diagonal = domain_diagonal(box)
    tolerance = np.array(
        [
            RELATIVE_THICKNESS * diagonal,
            ROUNDING_ULPS * 2.2e-16,
            np.abs(box[:2]).max(),
            np.abs(box[2:]).max(),
        ]
    )
    return tolerance, (RELATIVE_THICKNESS * diagonal) ** 2
