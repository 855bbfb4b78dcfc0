"""A Playground page shown on its own, its first exact frame drawn."""

from __future__ import annotations

from collections.abc import Iterator

from app.playground.page import PlaygroundPage
from tests.shown_page import shown_page

#: Training frames and partitions take a few seconds on a quiet machine.
TIMEOUT_MS = 60_000


def shown_playground(qtbot, size: tuple[int, int] = (1300, 850)) -> Iterator[PlaygroundPage]:
    """For a fixture: a new page shown at ``size`` until its first frame is drawn."""
    page = PlaygroundPage()
    yield from shown_page(
        qtbot, page, size, timeout_ms=TIMEOUT_MS, ready=lambda: page.frames_drawn >= 1
    )
