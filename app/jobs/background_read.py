"""Files read off the GUI thread, one at a time, with progress and Cancel.

:class:`BackgroundRead` runs a read in a superqt worker on the global thread pool and
hands its outcome back on the GUI thread. The read gets a ``progress(fraction)`` callback
to call at every chunk; after :meth:`BackgroundRead.cancel` (or a newer read) that call
raises :class:`engine.safe_files.ReadCancelled`, the read stops there and nothing it read
is handed back. Sessions (:mod:`app.sessions.loading`) and model files
(:mod:`app.model_import.loader`) are read this way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from superqt.utils import create_worker

from app.jobs.pool import start_worker
from engine.safe_files import ReadCancelled

#: ``read(progress)``: what the worker runs; ``progress(fraction)`` takes a fraction in
#: [0, 1] and raises ReadCancelled once the read is cancelled.
Read = Callable[[Callable[[float], None]], Any]
#: What a worker hands back for a read stopped by its cancel flag.
_CANCELLED = object()


class BackgroundRead(QObject):
    """Runs one read at a time in a worker; a newer read stops the older one.

    Signals
    -------
    progressed(int) : percent done of the running read.
    returned(object) : what a read that was not cancelled returned, or the exception
        that stopped it (on the GUI thread).
    """

    progressed = Signal(int)
    returned = Signal(object)
    _reported = Signal(int, int)  # emitted by workers: read number, percent

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._number = 0
        self._stop: threading.Event | None = None
        self._reported.connect(self._on_reported)  # queued: emitted in workers

    @property
    def is_busy(self) -> bool:
        """Whether a read runs."""
        return self._stop is not None

    def start(self, read: Read) -> None:
        """Run ``read`` in a worker, stopping any read still running."""
        self.cancel()
        self._number += 1
        self._stop = threading.Event()
        worker = create_worker(
            _read_in_worker,
            self._number,
            self._stop,
            read,
            self._reported.emit,
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.returned.connect(self._on_returned)
        start_worker(worker)

    def cancel(self) -> bool:
        """Stop the running read; nothing it read is handed back. Whether one ran."""
        stop, self._stop = self._stop, None
        if stop is None:
            return False
        stop.set()
        return True

    def _on_reported(self, number: int, percent: int) -> None:
        if self._stop is not None and number == self._number:
            self.progressed.emit(percent)

    def _on_returned(self, answer: tuple[int, object]) -> None:
        number, outcome = answer
        if self._stop is None or number != self._number or outcome is _CANCELLED:
            return  # cancelled or superseded
        self._stop = None
        self.returned.emit(outcome)


def _read_in_worker(
    number: int, stop: threading.Event, read: Read, report: Callable[[int, int], None]
) -> tuple[int, object]:
    """Run ``read`` (in a worker): what it returned, the error, or the cancelled mark."""

    def progress(fraction: float) -> None:
        if stop.is_set():
            raise ReadCancelled
        report(number, round(100 * fraction))

    try:
        return number, read(progress)
    except ReadCancelled:
        return number, _CANCELLED
    except Exception as error:  # handed to the GUI thread, which reports it
        return number, error
