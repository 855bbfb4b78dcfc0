"""Session files read off the GUI thread, with a progress dialog and Cancel.

:class:`SessionReader` reads and checks a ``.splinescope`` file in a worker on the global
thread pool (:func:`engine.session_file.read_session`, every read bounded), shows a
:class:`QProgressDialog` while it takes longer than :data:`SHOW_AFTER_MS`, and hands the
pages back on the GUI thread through :attr:`SessionReader.read_done`; the caller restores
them there, all or nothing. Cancel (or a newer read) stops the worker at its next chunk
and nothing is handed back. The worker returns plain data and never touches a widget.

:func:`remove_leftovers_in_background` removes, in a worker, the temporary files that a
killed save or export left in the folders sessions are written to.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from superqt.utils import create_worker

from engine.safe_files import ReadCancelled, remove_stale_temporary_files
from engine.session_file import PageState, read_session

#: A read that ends sooner than this never shows its progress dialog.
SHOW_AFTER_MS = 300
#: ``read(path, progress=...)``: the reader the worker calls (tests slow it down).
Reader = Callable[..., dict[str, PageState]]
#: Workers handed to the pool, kept alive until they finish.
_RUNNING: set = set()


def _start(worker) -> None:
    """Start a superqt worker straight on the global pool, holding it until it ends."""
    _RUNNING.add(worker)
    worker.finished.connect(lambda: _RUNNING.discard(worker))
    QThreadPool.globalInstance().start(worker)


@dataclass(frozen=True)
class _ReadTicket:
    """One read: its number, its path and its stop flag."""

    number: int
    path: Path
    stop: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class ReadOutcome:
    """What a worker hands back: the pages read, or the error that stopped it."""

    path: Path
    pages: dict[str, PageState] | None
    error: Exception | None


class SessionReader(QObject):
    """Reads one session file at a time in a worker; a newer read stops the older one.

    Signals
    -------
    read_done(object) : a :class:`ReadOutcome` of a read that was not cancelled (on the
        GUI thread).
    read_cancelled(str) : the path of a read the user cancelled.
    """

    read_done = Signal(object)
    read_cancelled = Signal(str)
    _progressed = Signal(int, int)  # emitted by workers: ticket number, percent

    def __init__(self, parent_widget: QWidget, read: Reader = read_session) -> None:
        super().__init__(parent_widget)
        self._parent_widget = parent_widget
        self._read = read
        self._number = 0
        self._ticket: _ReadTicket | None = None
        self._dialog: QProgressDialog | None = None
        self._progressed.connect(self._on_progressed)  # queued: emitted in workers

    @property
    def is_busy(self) -> bool:
        """Whether a read runs."""
        return self._ticket is not None

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        """The running read's progress dialog (hidden until the read is slow)."""
        return self._dialog

    def start(self, path: str | Path) -> None:
        """Read ``path`` in a worker, stopping any read still running."""
        self.cancel(quietly=True)
        self._number += 1
        ticket = _ReadTicket(self._number, Path(path))
        self._ticket = ticket
        self._dialog = self._make_dialog(ticket)
        worker = create_worker(
            _read_in_worker,
            ticket,
            self._read,
            self._progressed.emit,
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.returned.connect(self._on_returned)
        _start(worker)

    def cancel(self, *, quietly: bool = False) -> None:
        """Stop the running read; nothing it read is handed back."""
        ticket, self._ticket = self._ticket, None
        if ticket is None:
            return
        ticket.stop.set()
        self._close_dialog()
        if not quietly:
            self.read_cancelled.emit(str(ticket.path))

    def _make_dialog(self, ticket: _ReadTicket) -> QProgressDialog:
        dialog = QProgressDialog(
            f"Opening {ticket.path.name}…", "Cancel", 0, 100, self._parent_widget
        )
        dialog.setObjectName("sessionReadProgress")
        dialog.setWindowTitle("Splinescope")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(SHOW_AFTER_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)
        return dialog

    def _close_dialog(self) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.close()
            dialog.deleteLater()

    def _on_progressed(self, number: int, percent: int) -> None:
        if self._ticket is not None and number == self._ticket.number and self._dialog:
            self._dialog.setValue(percent)

    def _on_returned(self, answer: tuple[int, ReadOutcome | None]) -> None:
        number, outcome = answer
        if self._ticket is None or number != self._ticket.number or outcome is None:
            return  # cancelled or superseded
        self._ticket = None
        self._close_dialog()
        self.read_done.emit(outcome)


def _read_in_worker(
    ticket: _ReadTicket, read: Reader, report: Callable[[int, int], None]
) -> tuple[int, ReadOutcome | None]:
    """Read ``ticket.path`` (in a worker); None for a read stopped by its ticket."""

    def progress(fraction: float) -> None:
        if ticket.stop.is_set():
            raise ReadCancelled
        report(ticket.number, round(100 * fraction))

    try:
        return ticket.number, ReadOutcome(ticket.path, read(ticket.path, progress=progress), None)
    except ReadCancelled:
        return ticket.number, None
    except Exception as error:  # handed to the GUI thread, which reports it
        return ticket.number, ReadOutcome(ticket.path, None, error)


def remove_leftovers_in_background(
    folders: Iterable[Path], done: Callable[[list[Path]], None] | None = None
) -> None:
    """Remove stale temporary files (:func:`engine.safe_files.stale_temporary_files`) in
    ``folders`` in a worker; ``done(removed)`` is called on the GUI thread after."""
    worker = create_worker(
        remove_stale_temporary_files, list(folders), _start_thread=False, _ignore_errors=True
    )
    if done is not None:
        worker.returned.connect(done)
    _start(worker)
