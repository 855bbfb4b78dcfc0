"""Every page of the window, in tab order: adding a page is one folder and one line here."""

from __future__ import annotations

from app.adversarial.spec import ADVERSARIAL
from app.cells.spec import CELLS
from app.cells3d.spec import CELLS_3D
from app.extrapolation.spec import EXTRAPOLATION
from app.hulls.spec import HULLS
from app.jigsaw.spec import JIGSAW
from app.networks.spec import NETWORKS
from app.page_spec import PageSpec
from app.paths.spec import PATHS
from app.playground.spec import PLAYGROUND
from app.volume.spec import VOLUME

PAGES: tuple[PageSpec, ...] = (
    CELLS,
    VOLUME,
    PLAYGROUND,
    CELLS_3D,
    PATHS,
    HULLS,
    NETWORKS,
    JIGSAW,
    ADVERSARIAL,
    EXTRAPOLATION,
)


def page_keys() -> tuple[str, ...]:
    """The pages' keys in tab order (``--page`` choices, preset ``page`` values)."""
    return tuple(spec.key for spec in PAGES)


def page_spec(key: str) -> PageSpec:
    """The page named ``key``; raises ValueError naming the pages there are."""
    for spec in PAGES:
        if spec.key == key:
            return spec
    raise ValueError(f"there is no {key!r} page; the pages are {', '.join(page_keys())}")
