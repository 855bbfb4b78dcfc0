"""Every page's section of a session: collected and restored through the page registry.

Each page's spec gives ``save_state(page) -> PageState`` (its settings, plain JSON values,
and its tensors, copied) and ``restore_state(page, state)`` (checks everything first and
raises ``ValueError``, ideally :class:`engine.session_file.SessionFileError`, before
changing anything; settings it does not know are ignored, missing ones keep their
defaults, so older and newer sessions still open). A session file keys each page's
section by the spec's ``session_key``.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QWidget

from app.registry import PAGES
from engine.session_file import PageState, SessionFileError

__all__ = ["PageState", "restore_states", "save_states"]


def save_states(pages: Mapping[str, QWidget]) -> dict[str, PageState]:
    """The state of every page in ``pages`` (page key -> page), by session key.

    The window lists only the pages it has built: a page never shown has no section, and
    opening the session leaves that page as it is (at its defaults in a fresh window)."""
    saved = [spec for spec in PAGES if spec.key in pages]
    return {spec.session_key: spec.save_state(pages[spec.key]) for spec in saved}


def restore_states(pages: Mapping[str, QWidget], states: Mapping[str, PageState]) -> list[str]:
    """Restore every page that has a state in ``states``; all or nothing.

    Returns the session keys this window has no page for (a newer version's pages), so
    the caller can mention them.

    Raises
    ------
    SessionFileError
        ``"The <key> page: <reason>"`` when a page refuses its state; every page restored
        before it has been put back to what it showed before the call.
    """
    specs = [spec for spec in PAGES if spec.session_key in states]
    before = {spec.key: spec.save_state(pages[spec.key]) for spec in specs}
    restored = []
    for spec in specs:
        try:
            spec.restore_state(pages[spec.key], states[spec.session_key])
        except (ValueError, KeyError, TypeError, RuntimeError) as error:
            for done in restored:
                done.restore_state(pages[done.key], before[done.key])
            raise SessionFileError(f"The {spec.session_key} page: {error}") from error
        restored.append(spec)
    return sorted(set(states) - {spec.session_key for spec in PAGES})
