"""The Networks page showing a small CNN, as the page's GUI tests use it."""

from __future__ import annotations

from collections.abc import Iterator

from app.networks.page import NetworksPage
from tests.cnn_case import small_cnn
from tests.shown_page import shown_page

TIMEOUT_MS = 60_000


def small_cnn_page(qtbot, size: tuple[int, int]) -> Iterator[NetworksPage]:
    """Yield the page sliced through the small CNN (Conv 1->3, pooling, Linear 48->10),
    shown at ``size``; shut down after. Use as ``yield from small_cnn_page(...)``."""
    shown = NetworksPage()
    with qtbot.waitSignal(shown.controller.slice_ready, timeout=TIMEOUT_MS):
        shown.show_model(small_cnn(), (1, 8, 8), "small CNN")
    yield from shown_page(qtbot, shown, size, timeout_ms=TIMEOUT_MS)
