"""When does a page show real results? One answer for ``--screenshot`` and ``export``.

A :class:`Readiness` says which signals may announce a page's first real result, how to
check that it is there, which signals carry a failure message, and what to start first
(a page that computes only on request); each page's spec gives its own
(``PageSpec.readiness``). :func:`when_ready` waits for it without blocking the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer

#: After the page says it is ready, let it paint this long before grabbing (ms).
SETTLE_MS = 300


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


def after_signal(signal: object, check: Callable[[], bool] | None = None) -> Readiness:
    """Ready once ``signal`` has fired since the readiness was made (and ``check`` holds)."""
    readiness = Readiness((signal,), lambda: False)
    seen = readiness._seen

    def mark(*_args: object) -> None:
        seen[0] = True

    signal.connect(mark)
    readiness.is_ready = lambda: seen[0] and (check is None or check())
    return readiness


class ReadyWait(QObject):
    """One wait of :func:`when_ready`; :meth:`cancel` ends it without a call back."""

    def __init__(self, rule: Readiness, ready: Callable[[], None], failed, parent) -> None:
        super().__init__(parent)
        self._rule, self._ready, self._failed = rule, ready, failed
        self._connections: list[tuple[object, object]] = []
        self._done = False
        self._cancelled = [False]  # read by the settle timer, which may outlive this
        for signal in rule.signals:
            signal.connect(self._check)
            self._connections.append((signal, self._check))
        for signal in rule.failures:
            signal.connect(self._fail)
            self._connections.append((signal, self._fail))

    def cancel(self) -> None:
        """Stop waiting: neither ``ready`` nor ``failed`` will be called."""
        self._cancelled[0] = True
        if not self._done:
            self._release()

    def _release(self) -> None:
        self._done = True
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections.clear()
        self.deleteLater()

    def _check(self, *_args: object) -> None:
        if not self._done and self._rule.is_ready():
            self._release()
            cancelled, ready = self._cancelled, self._ready
            QTimer.singleShot(self._rule.settle_ms, lambda: cancelled[0] or ready())

    def _fail(self, message: object) -> None:
        if not self._done:
            self._release()
            self._failed(str(message))


def when_ready(
    rule: Readiness,
    ready: Callable[[], None],
    failed: Callable[[str], None],
    parent: QObject,
) -> ReadyWait:
    """Call ``ready()`` once the rule holds (plus its settle time), or ``failed(message)``.

    Returns at once, with the wait (its ``cancel()`` stops it); the rule is checked now
    (after its start work) and whenever one of its signals fires.
    """
    waiter = ReadyWait(rule, ready, failed, parent)
    if rule.start is not None:
        rule.start()
    QTimer.singleShot(0, waiter._check)
    return waiter
