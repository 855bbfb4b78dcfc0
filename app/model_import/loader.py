"""Model files read and converted off the GUI thread, one at a time, with progress and Cancel.

:class:`ModelLoader` runs :func:`engine.model_files.load_model` in a superqt worker on the
global thread pool (as :mod:`app.sessions.loading` reads sessions) and hands the outcome
back on the GUI thread: :attr:`ModelLoader.loaded` with the
:class:`engine.model_files.ImportedModel`, or :attr:`ModelLoader.failed` with the
error. Cancel (or a newer load) sets the running load's stop flag, which the read checks
at every chunk and the conversion between its stages; nothing it read is handed back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from engine.model_files import ImportedModel, ReadCancelled, load_model

#: ``load(path, *, input_shape=..., progress=...)``: what the worker calls (tests slow it).
Loader = Callable[..., ImportedModel]
#: Workers handed to the pool, kept alive until they finish.
_RUNNING: set = set()


@dataclass(frozen=True)
class _Ticket:
    number: int
    path: Path
    input_shape: tuple[int, ...] | None
    stop: threading.Event = field(default_factory=threading.Event, compare=False)


class ModelLoader(QObject):
    """Loads one model file at a time in a worker; a newer load stops the older one.

    Signals
    -------
    progressed(int) : percent done of the running load.
    loaded(object) : the :class:`ImportedModel` of a load that was not cancelled.
    failed(object) : the exception that stopped a load (a ``ModelFileError`` says what
        is wrong in one sentence).
    """

    progressed = Signal(int)
    loaded = Signal(object)
    failed = Signal(object)
    _reported = Signal(int, int)  # emitted by workers: ticket number, percent

    def __init__(self, parent: QObject | None = None, load: Loader = load_model) -> None:
        super().__init__(parent)
        self._load = load
        self._number = 0
        self._ticket: _Ticket | None = None
        self._reported.connect(self._on_reported)  # queued: emitted in workers

    @property
    def is_busy(self) -> bool:
        """Whether a load runs."""
        return self._ticket is not None

    def start(self, path: str | Path, input_shape: tuple[int, ...] | None) -> None:
        """Load ``path`` in a worker, stopping any load still running."""
        self.cancel()
        self._number += 1
        ticket = _Ticket(self._number, Path(path), input_shape)
        self._ticket = ticket
        worker = create_worker(
            _load_in_worker,
            ticket,
            self._load,
            self._reported.emit,
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.returned.connect(self._on_returned)
        _RUNNING.add(worker)
        worker.finished.connect(lambda: _RUNNING.discard(worker))
        QThreadPool.globalInstance().start(worker)

    def cancel(self) -> None:
        """Stop the running load; nothing it read is handed back."""
        ticket, self._ticket = self._ticket, None
        if ticket is not None:
            ticket.stop.set()

    def _on_reported(self, number: int, percent: int) -> None:
        if self._ticket is not None and number == self._ticket.number:
            self.progressed.emit(percent)

    def _on_returned(self, answer: tuple[int, object]) -> None:
        number, outcome = answer
        if self._ticket is None or number != self._ticket.number or outcome is None:
            return  # cancelled or superseded
        self._ticket = None
        if isinstance(outcome, Exception):
            self.failed.emit(outcome)
        else:
            self.loaded.emit(outcome)


def _load_in_worker(
    ticket: _Ticket, load: Loader, report: Callable[[int, int], None]
) -> tuple[int, object]:
    """Load ``ticket.path`` (in a worker): the model, the error, or None when stopped."""

    def progress(fraction: float) -> None:
        if ticket.stop.is_set():
            raise ReadCancelled
        report(ticket.number, round(100 * fraction))

    try:
        return ticket.number, load(ticket.path, input_shape=ticket.input_shape, progress=progress)
    except ReadCancelled:
        return ticket.number, None
    except Exception as error:  # handed to the GUI thread, which shows it
        return ticket.number, error
