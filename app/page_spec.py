"""What the window needs to know of a page: one :class:`PageSpec` per page.

Each feature package (``app/cells``, ``app/volume``, ...) declares its page once, in its
``spec.py``, and :mod:`app.registry` lists them in tab order. The main window, the
command line, sessions, presets, export and the deck loop over that list; none of them
names a page class or switches over page keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QWidget

    from app.export.ready import Readiness
    from app.export.targets import ExportAnimation, ExportView
    from engine.session_file import PageState

#: A page widget as its spec's functions receive it (each spec knows its own class).
Page = Any


@dataclass(frozen=True)
class ScreenshotDemo:
    """A scene ``--screenshot FILE --demo NAME`` stages on its page before saving.

    Attributes
    ----------
    name : the ``--demo`` name.
    stage : run once the page shows its first results.
    wait_again : after staging, wait for the page to be ready again (the scene computes);
        else save a moment later.
    """

    name: str
    stage: Callable[[Page], None]
    wait_again: bool = False


@dataclass(frozen=True)
class PageSpec:
    """A page, declared once.

    Attributes
    ----------
    key : the page's name in presets, ``--page`` and ``--view`` names (``"cells3d"``).
    title : the tab's title (``"Cells 3D"``).
    session_key : the page's section in a session file (``"cells_3d"``: kept as older
        files wrote it).
    factory : builds the page (its widgets, controller and state object).
    state_type : the frozen dataclass of the page's user-visible settings; its
        constructor is the one place they are checked.
    save_state, restore_state : the page's session section; ``restore_state`` checks
        everything first and raises ``ValueError`` before changing anything.
    check_preset, apply_preset : a preset's ``settings`` for this page: checked when the
        file is read (``ValueError`` naming what is wrong), applied when it is opened.
    export_targets : the page's exportable views and animations, main view first.
    readiness : how to know that the page shows real results (``layers``: that many).
    set_layers : shows the first ``layers`` layers (pages with a layer slider), else None.
    layer_count : the hidden layers L of the network shown (``set_layers`` takes 0 to L),
        for the pages with ``set_layers``.
    view_actions : the page's entries for the View menu, or None.
    status : the page's status-bar line signal (``str``), or None.
    show_network : shows a network on this page (``model, bounds, plane``), or None.
    network_requests : a signal (``model, bounds, plane``) asking another page to show a
        network, or None.
    demo : the scene ``--screenshot --demo`` can stage on this page, or None.
    first_result : how to know that the page shows what a user sees first when it opens
        (``benchmarks/first_show.py`` times it), when that comes before ``readiness``
        holds (a page whose readiness waits for a whole run); None: ``readiness``.
    """

    key: str
    title: str
    session_key: str
    factory: Callable[[], QWidget]
    state_type: type
    save_state: Callable[[Page], PageState]
    restore_state: Callable[[Page, PageState], None]
    check_preset: Callable[[Mapping[str, Any]], None]
    apply_preset: Callable[[Page, Mapping[str, Any]], None]
    export_targets: Callable[[Page], list[ExportView | ExportAnimation]]
    readiness: Callable[[Page, int | None], Readiness]
    set_layers: Callable[[Page, int], None] | None = None
    layer_count: Callable[[Page], int] | None = None
    view_actions: Callable[[Page], list[QAction]] | None = None
    status: Callable[[Page], SignalInstance] | None = None
    show_network: Callable[[Page, Any, Any, Any], None] | None = None
    network_requests: Callable[[Page], SignalInstance] | None = None
    demo: ScreenshotDemo | None = None
    first_result: Callable[[Page], Readiness] | None = None


#: The fields a :class:`PageEntry` holds itself; the others are its spec's.
_ENTRY_FIELDS = ("key", "title", "session_key")


@dataclass(frozen=True)
class PageEntry:
    """A page as the registry lists it: what the window needs before the page's code is
    imported (its tab, its session section, its ``--demo``), and where the rest is.

    The page's :class:`PageSpec` (and with it torch, VTK and the page's widgets) is
    imported the first time any other of its fields is read: ``entry.factory`` is the
    spec's ``factory``. That keeps the window's start-up free of every page's imports.

    Attributes
    ----------
    key, title, session_key : as the spec's (:meth:`spec` checks that they agree).
    spec_path : ``"module:NAME"``, the module and name of the page's :class:`PageSpec`.
    demo_name : the name of the spec's ``demo`` (``--demo`` choices), or None.
    """

    key: str
    title: str
    session_key: str
    spec_path: str
    demo_name: str | None = None

    @property
    def module(self) -> str:
        """The module that declares the page's spec (importing it imports the page)."""
        return self.spec_path.partition(":")[0]

    def spec(self) -> PageSpec:
        """The page's full spec (imports its module the first time)."""
        module, _, name = self.spec_path.partition(":")
        spec = getattr(import_module(module), name)
        held = {f: getattr(self, f) for f in _ENTRY_FIELDS}
        declared = {f: getattr(spec, f) for f in _ENTRY_FIELDS}
        if held != declared or self.demo_name != (spec.demo.name if spec.demo else None):
            raise RuntimeError(f"the registry's {self.key!r} entry disagrees with {self.spec_path}")
        return spec

    def __getattr__(self, name: str) -> Any:
        if name in _SPEC_FIELDS:
            return getattr(self.spec(), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


_SPEC_FIELDS = frozenset(f.name for f in fields(PageSpec)) - set(_ENTRY_FIELDS)
