"""Show one page on its own, as the GUI tests' page fixtures do, and take it down after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget

Page = TypeVar("Page", bound=QWidget)


def shown_page(
    qtbot,
    page: Page,
    size: tuple[int, int],
    *,
    timeout_ms: int,
    drawn: SignalInstance | None = None,
    ready: Callable[[], bool] | None = None,
) -> Iterator[Page]:
    """Yield ``page`` shown at ``size`` once it has drawn; shut it down and close it after.

    Drawn means: the signal ``drawn`` came while it was being shown (pages that announce
    their first result), then ``ready()`` holds (pages polled for it). Use it from a
    fixture as ``yield from shown_page(qtbot, Page(), (w, h), ...)``.
    """
    qtbot.addWidget(page)
    page.resize(*size)
    if drawn is None:
        page.show()
    else:
        with qtbot.waitSignal(drawn, timeout=timeout_ms):
            page.show()
    qtbot.waitExposed(page)
    if ready is not None:
        qtbot.waitUntil(ready, timeout=timeout_ms)
    yield page
    page.shutdown()
    page.close()


def give_focus(qtbot, widget) -> None:
    """Activate the widget's window and focus the widget, as a click would."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
