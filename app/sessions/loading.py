"""Session files read off the GUI thread, with a progress dialog and Cancel.

:class:`SessionReader` reads and checks a ``.splinescope`` file in a worker
(:class:`app.jobs.background_read.BackgroundRead` runs
:func:`engine.session_file.read_session`, every read bounded), shows a
:class:`QProgressDialog` while it takes longer than :data:`SHOW_AFTER_MS`, and hands the
pages back on the GUI thread through :attr:`SessionReader.read_done`; the caller restores
them there, all or nothing. Cancel (or a newer read) stops the worker at its next chunk
and nothing is handed back. The worker returns plain data and never touches a widget.

:func:`remove_leftovers_in_background` removes, in a worker, the temporary files that a
killed save or export left in the folders sessions are written to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from superqt.utils import create_worker

from app.jobs.background_read import BackgroundRead
from app.jobs.pool import start_worker
from engine.safe_files import remove_stale_temporary_files
from engine.session_file import PageState, read_session

#: A read that ends sooner than this never shows its progress dialog.
SHOW_AFTER_MS = 300
#: ``read(path, progress=...)``: the reader the worker calls (tests slow it down).
Reader = Callable[..., dict[str, PageState]]


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

    def __init__(self, parent_widget: QWidget, read: Reader = read_session) -> None:
        super().__init__(parent_widget)
        self._parent_widget = parent_widget
        self._read = read
        self._path: Path | None = None
        self._dialog: QProgressDialog | None = None
        self._job = BackgroundRead(self)
        self._job.progressed.connect(self._on_progressed)
        self._job.returned.connect(self._on_returned)

    @property
    def is_busy(self) -> bool:
        """Whether a read runs."""
        return self._job.is_busy

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        """The running read's progress dialog (hidden until the read is slow)."""
        return self._dialog

    def start(self, path: str | Path) -> None:
        """Read ``path`` in a worker, stopping any read still running."""
        self.cancel(quietly=True)
        path, read = Path(path), self._read
        self._path = path
        self._dialog = self._make_dialog(path)
        self._job.start(lambda progress: read(path, progress=progress))

    def cancel(self, *, quietly: bool = False) -> None:
        """Stop the running read; nothing it read is handed back."""
        if not self._job.cancel():
            return
        self._close_dialog()
        if not quietly:
            self.read_cancelled.emit(str(self._path))

    def _make_dialog(self, path: Path) -> QProgressDialog:
        dialog = QProgressDialog(f"Opening {path.name}…", "Cancel", 0, 100, self._parent_widget)
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

    def _on_progressed(self, percent: int) -> None:
        if self._dialog is not None:
            self._dialog.setValue(percent)

    def _on_returned(self, outcome: object) -> None:
        self._close_dialog()
        if isinstance(outcome, Exception):
            self.read_done.emit(ReadOutcome(self._path, None, outcome))
        else:
            self.read_done.emit(ReadOutcome(self._path, outcome, None))


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
    start_worker(worker)
