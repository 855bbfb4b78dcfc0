"""The Cells page's settings: one frozen object, checked in one place.

The controller owns the current :class:`CellsState`; the page's controls take their
ranges from it and from the limits here and write every change through the controller;
sessions and presets read and write the state, never the controls. The network's weights
and a plane's vectors are data, kept by the controller; the probe and its path are
interaction, kept by the probe controller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.state.fields import SettingError, choice, flag, number, store_checked, whole

Bounds = tuple[float, float, float, float]

#: The rectangle shown at start-up and when a network comes without one.
DEFAULT_BOUNDS: Bounds = (-1.0, 1.0, -1.0, 1.0)
#: Hidden layers of the start-up network (:func:`app.cells.page.default_model`).
DEFAULT_LAYERS = 3
#: Beyond this many cells the page asks the user to zoom in, use fewer layers or raise
#: the limit (up to what the memory budget allows, see :mod:`engine.memory_budget`).
MAX_REGIONS = 200_000
#: The largest cell limit a session may ask for (the memory budget caps it further).
MAX_REGIONS_CEILING = 10**12
#: The panels a user can show or hide (the matched-filter images follow the probe).
PANELS = ("network", "probe", "path", "transitions")
#: The norms of the distance disc.
DISC_NORMS = ("l2", "linf")


def _bounds(value: object) -> Bounds:
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise SettingError(f"bounds must be [xmin, xmax, ymin, ymax], got {value!r}.")
    xmin, xmax, ymin, ymax = (number(v, "bounds", -math.inf, math.inf) for v in value)
    if not (xmin < xmax and ymin < ymax):
        raise SettingError(
            f"bounds {list(value)!r} are not a rectangle: need xmin < xmax and ymin < ymax."
        )
    return xmin, xmax, ymin, ymax


def _panels(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise SettingError(f"panels must be a list of panel names, got {value!r}.")
    shown = {choice(name, "panels", PANELS) for name in value}
    return tuple(name for name in PANELS if name in shown)


@dataclass(frozen=True)
class CellsState:
    """What the Cells page shows.

    Attributes
    ----------
    bounds : the rectangle ``(xmin, xmax, ymin, ymax)`` partitioned, of the input plane or
        of the network's slicing plane; finite, ``xmin < xmax`` and ``ymin < ymax``.
    n_layers : the network's hidden layers L (it comes with the network; the range of
        ``layers``).
    layers : how many hidden layers are partitioned, 0 to ``n_layers``.
    max_regions : the cell limit, 1 to :data:`MAX_REGIONS_CEILING` (a partition uses at
        most what the memory budget allows).
    matched_filters : whether the probe cell's templates are drawn (arrows, and images
        for image inputs).
    path_tool : whether a plain drag on the cells draws a path (else it pans).
    panels : the panels shown, in :data:`PANELS` order.
    distance_disc : whether the exact distance disc to another class is drawn around the
        probe; disc_norm : its norm, one of :data:`DISC_NORMS`.
    """

    bounds: Bounds = DEFAULT_BOUNDS
    n_layers: int = DEFAULT_LAYERS
    layers: int = DEFAULT_LAYERS
    max_regions: int = MAX_REGIONS
    matched_filters: bool = True
    path_tool: bool = False
    panels: tuple[str, ...] = PANELS
    distance_disc: bool = False
    disc_norm: str = "l2"

    def __post_init__(self) -> None:
        n_layers = whole(self.n_layers, "n_layers", 0, math.inf)
        store_checked(
            self,
            bounds=_bounds(self.bounds),
            n_layers=n_layers,
            layers=whole(self.layers, "layers", 0, n_layers),
            max_regions=whole(self.max_regions, "max_regions", 1, MAX_REGIONS_CEILING),
            matched_filters=flag(self.matched_filters, "matched_filters"),
            path_tool=flag(self.path_tool, "path_tool"),
            panels=_panels(self.panels),
            distance_disc=flag(self.distance_disc, "distance_disc"),
            disc_norm=choice(self.disc_norm, "disc_norm", DISC_NORMS),
        )
