"""Every page of the window, in tab order: adding a page is one folder and one line here.

The entries name each page's spec module instead of importing it, so that listing the
pages (the window's tabs, ``--help``, a session's sections) imports none of them: a page's
code, and torch with it, is imported when the page is first needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.page_spec import PageEntry, PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.export.ready import Readiness

PAGES: tuple[PageEntry, ...] = (
    PageEntry("cells", "Cells", "cells", "app.cells.spec:CELLS", demo_name="probe"),
    PageEntry("volume", "Volume", "volume", "app.volume.spec:VOLUME"),
    PageEntry(
        "playground",
        "Playground",
        "playground",
        "app.playground.spec:PLAYGROUND",
        demo_name="training",
    ),
    PageEntry("cells3d", "Cells 3D", "cells_3d", "app.cells3d.spec:CELLS_3D"),
    PageEntry("paths", "Paths", "paths", "app.paths.spec:PATHS"),
    PageEntry("hulls", "Hulls", "hulls", "app.hulls.spec:HULLS"),
    PageEntry("networks", "Networks", "networks", "app.networks.spec:NETWORKS"),
    PageEntry("jigsaw", "Jigsaw", "jigsaw", "app.jigsaw.spec:JIGSAW", demo_name="hover"),
    PageEntry("adversarial", "Adversarial", "adversarial", "app.adversarial.spec:ADVERSARIAL"),
    PageEntry(
        "extrapolation", "Extrapolation", "extrapolation", "app.extrapolation.spec:EXTRAPOLATION"
    ),
)


def page_keys() -> tuple[str, ...]:
    """The pages' keys in tab order (``--page`` choices, preset ``page`` values)."""
    return tuple(spec.key for spec in PAGES)


def page_entry(key: str) -> PageEntry:
    """The registry's entry for the page named ``key`` (imports nothing of the page);
    raises ValueError naming the pages there are."""
    for entry in PAGES:
        if entry.key == key:
            return entry
    raise ValueError(f"there is no {key!r} page; the pages are {', '.join(page_keys())}")


def page_spec(key: str) -> PageSpec:
    """The full spec of the page named ``key`` (imports the page's code the first time);
    raises ValueError naming the pages there are."""
    return page_entry(key).spec()


def page_first_result(key: str, page: QWidget) -> Readiness:
    """How to know that ``page`` (the page named ``key``) shows what a user sees first:
    its spec's ``first_result``, or its ``readiness`` when it has none."""
    spec = page_spec(key)
    return spec.first_result(page) if spec.first_result is not None else spec.readiness(page, None)
