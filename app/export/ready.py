"""When does a page show real results? One answer for ``--screenshot`` and ``export``.

:func:`page_readiness` says, for each page, which signals may announce its first real
result, how to check that it is there, which signals carry a failure message, and what
to start first (a page that computes only on request). :func:`when_ready` waits for it
without blocking the event loop. A page of another kind may define
``export_readiness() -> Readiness`` itself; without one, a page counts as ready a moment
after it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

#: After the page says it is ready, let it paint this long before grabbing (ms).
SETTLE_MS = 300
#: A page without a readiness rule is grabbed this long after it is shown (ms).
FALLBACK_MS = 1500


@dataclass
class Readiness:
    """How to know that a page shows real results.

    Attributes
    ----------
    signals : signals that may announce the result (``is_ready`` is checked on each).
    is_ready : whether the result is on screen now.
    failures : signals carrying a message when the work failed.
    start : work to start first (for pages that compute on request), or None.
    settle_ms : time to let the page paint after it is ready.
    """

    signals: tuple[object, ...]
    is_ready: Callable[[], bool]
    failures: tuple[object, ...] = ()
    start: Callable[[], None] | None = None
    settle_ms: int = SETTLE_MS
    _seen: list[bool] = field(default_factory=lambda: [False])


def _after_signal(signal: object, check: Callable[[], bool] | None = None) -> Readiness:
    """Ready once ``signal`` has fired since the readiness was made (and ``check`` holds)."""
    readiness = Readiness((signal,), lambda: False)
    seen = readiness._seen

    def mark(*_args: object) -> None:
        seen[0] = True

    signal.connect(mark)
    readiness.is_ready = lambda: seen[0] and (check is None or check())
    return readiness


def page_readiness(page: QWidget, key: str, *, layers: int | None = None) -> Readiness:
    """The readiness rule of ``page`` (tab key ``key``); ``layers`` waits for that many."""
    own = getattr(page, "export_readiness", None)
    if callable(own):
        return own()
    if key in ("cells", "cells3d"):
        controller = page.controller

        def cells_ready() -> bool:
            result = getattr(controller, "result", None)
            if layers is not None and controller.layers != layers:
                return False
            if key == "cells":
                return (
                    result is not None
                    and result.layers == controller.layers
                    and not (controller.is_busy)
                )
            return not controller.is_busy

        if key == "cells":
            rule = Readiness((page.partition_shown,), cells_ready)
        else:
            rule = _after_signal(page.partition_shown, cells_ready)
            rule.settle_ms = 400
        rule.failures = (controller.partition_failed,)
        return rule
    if key == "volume":
        # The page announces its first distance histogram and Monte-Carlo run once.
        rule = Readiness((page.results_shown,), lambda: page.first_results_shown)
        rule.failures = (page.controller.failed,)
        return rule
    if key == "playground":
        c = page.controller

        def trained_and_drawn() -> bool:
            frame = c.frame
            return (
                frame is not None
                and not c.is_training
                and frame.session == c.session
                and frame.step == c.snapshot.step
            )

        return Readiness(
            (page.frame_shown, c.training_changed),
            trained_and_drawn,
            (c.frame_failed, c.training_failed),
        )
    if key == "paths":
        rule = _after_signal(page.pair_shown)
        rule.failures = (page.controller.failed,)
        rule.settle_ms = 400
        return rule
    if key == "hulls":  # Figure 1 runs on request; the screenshot shows its results
        rule = _after_signal(page.experiment_shown)
        rule.failures = (page.controller.failed,)
        rule.start = lambda: page.controller.run_experiment("gaussian")
        rule.settle_ms = 400
        return rule
    timer = QTimer(page)
    timer.setSingleShot(True)
    rule = _after_signal(timer.timeout)
    rule.start = lambda: timer.start(FALLBACK_MS)
    return rule


class _Waiter(QObject):
    def __init__(self, rule: Readiness, ready: Callable[[], None], failed, parent) -> None:
        super().__init__(parent)
        self._rule, self._ready, self._failed = rule, ready, failed
        self._connections: list[tuple[object, object]] = []
        self._done = False
        for signal in rule.signals:
            signal.connect(self._check)
            self._connections.append((signal, self._check))
        for signal in rule.failures:
            signal.connect(self._fail)
            self._connections.append((signal, self._fail))

    def _release(self) -> None:
        self._done = True
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections.clear()
        self.deleteLater()

    def _check(self, *_args: object) -> None:
        if not self._done and self._rule.is_ready():
            self._release()
            QTimer.singleShot(self._rule.settle_ms, self._ready)

    def _fail(self, message: object) -> None:
        if not self._done:
            self._release()
            self._failed(str(message))


def when_ready(
    rule: Readiness,
    ready: Callable[[], None],
    failed: Callable[[str], None],
    parent: QObject,
) -> None:
    """Call ``ready()`` once the rule holds (plus its settle time), or ``failed(message)``.

    Returns at once; the rule is checked now (after its start work) and whenever one of
    its signals fires.
    """
    waiter = _Waiter(rule, ready, failed, parent)
    if rule.start is not None:
        rule.start()
    QTimer.singleShot(0, waiter._check)
