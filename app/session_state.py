"""How pages take part in a session: the small protocol the window saves and restores.

A page that owns state worth keeping implements two methods:

``save_state() -> PageState``
    Its settings (plain JSON values) and tensors (weights, plane vectors, histories),
    copied: the result must not change when the page does.
``restore_state(state: PageState) -> None``
    Show that state. Validate everything first and raise ``ValueError`` (ideally
    :class:`engine.session_file.SessionFileError`) with a message for the user before
    changing anything; settings it does not know are ignored, missing ones keep their
    defaults, so older and newer sessions still open.

The main window keys each page by :func:`page_key` (its tab title, lower-cased: "cells",
"playground", ...), collects :func:`save_states` from every page that implements the
protocol, and restores with :func:`restore_states`, which puts every page back as it was
when any page refuses its state: a bad file never leaves a half-loaded session.
A new page joins by implementing the two methods; nothing else needs to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from engine.session_file import PageState, SessionFileError

__all__ = ["PageState", "SessionPage", "page_key", "restore_states", "save_states"]


@runtime_checkable
class SessionPage(Protocol):
    """A page whose state a session saves."""

    def save_state(self) -> PageState: ...

    def restore_state(self, state: PageState) -> None: ...


def page_key(title: str) -> str:
    """The session key of a tab titled ``title``: ``"&Cells"`` -> ``"cells"``."""
    return "_".join(title.replace("&", "").lower().split())


def save_states(pages: Mapping[str, object]) -> dict[str, PageState]:
    """The state of every page (key -> page) that implements :class:`SessionPage`."""
    return {key: page.save_state() for key, page in pages.items() if isinstance(page, SessionPage)}


def restore_states(pages: Mapping[str, object], states: Mapping[str, PageState]) -> list[str]:
    """Restore every page that has a state in ``states``; all or nothing.

    Returns the keys of saved pages this window has no page for (a newer version's
    pages), so the caller can mention them.

    Raises
    ------
    SessionFileError
        ``"The <key> page: <reason>"`` when a page refuses its state; every page restored
        before it has been put back to what it showed before the call.
    """
    session_pages = {k: p for k, p in pages.items() if isinstance(p, SessionPage)}
    before = {key: session_pages[key].save_state() for key in states if key in session_pages}
    restored: list[str] = []
    try:
        for key, state in states.items():
            if key in session_pages:
                session_pages[key].restore_state(state)
                restored.append(key)
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        for done in restored:
            session_pages[done].restore_state(before[done])
        raise SessionFileError(f"The {key} page: {error}") from error
    return sorted(set(states) - set(session_pages))
