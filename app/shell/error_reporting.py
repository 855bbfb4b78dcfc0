"""Unhandled exceptions: logged to a file, shown to the user, and the app keeps running.

:func:`install_exception_hooks` replaces ``sys.excepthook`` (which PySide6 calls for an
exception escaping a slot or a virtual method) and ``threading.excepthook`` (a Python
thread that dies). Each report is appended to :func:`app.shell.user_files.error_log_path` with
its traceback, printed to stderr, and shown in one non-modal message box on the GUI
thread (a burst of errors updates the box instead of opening a stack of them).
"""

from __future__ import annotations

import datetime
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.shell.user_files import error_log_path

#: The log is cut back to its newest half past this size.
MAX_LOG_BYTES = 1 << 20


def log_exception(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None, where: str
) -> Path | None:
    """Append one report to the error log; returns its path (None if it cannot be written)."""
    text = "".join(traceback.format_exception(kind, error, trace))
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    try:
        path = error_log_path()
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            kept = path.read_bytes()[-MAX_LOG_BYTES // 2 :]
            path.write_bytes(kept)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {stamp} · {where}\n{text}\n")
        return path
    except OSError:
        return None


def describe_exception(error: BaseException, log_path: Path | None) -> str:
    """The message box text: what happened, that nothing was lost, where the details are."""
    where = f" The details are in {log_path}." if log_path is not None else ""
    return (
        f"Something went wrong: {type(error).__name__}: {error}\n\n"
        "Splinescope is still running and your session is intact; save it if you are "
        f"unsure.{where} Please include that file when you report the problem."
    )


class ErrorReporter(QObject):
    """Receives reports from any thread and shows them on the GUI thread."""

    reported = Signal(str)  # the message shown
    _show_request = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._box: QMessageBox | None = None
        self._previous = (sys.excepthook, threading.excepthook)
        # Queued: a worker thread's report is shown by the GUI thread.
        self._show_request.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def excepthook(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, error, trace)
            return
        self.report(kind, error, trace, "GUI thread")

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.report(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    def report(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
        where: str,
    ) -> None:
        """Log, print and (on the GUI thread, soon) show one exception."""
        traceback.print_exception(kind, error, trace)
        path = log_exception(kind, error, trace, where)
        self._show_request.emit(describe_exception(error, path))

    @property
    def box(self) -> QMessageBox | None:
        """The message box on show, if any."""
        return self._box

    def _show(self, message: str) -> None:
        if self._box is not None and self._box.isVisible():
            self._box.setText(message)
            self.reported.emit(message)
            return
        parent = QApplication.activeWindow()
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Splinescope: unexpected error",
            message,
            QMessageBox.StandardButton.Ok,
            parent if isinstance(parent, QWidget) else None,
        )
        box.setObjectName("unexpectedErrorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(self._forget_box)
        self._box = box
        box.open()
        self.reported.emit(message)

    def _forget_box(self) -> None:
        self._box = None

    def uninstall(self) -> None:
        """Put the previous hooks back."""
        sys.excepthook, threading.excepthook = self._previous


def install_exception_hooks() -> ErrorReporter:
    """Route unhandled exceptions (GUI thread and Python threads) to an ErrorReporter.

    Call after the QApplication exists; the reporter lives as long as the application.
    """
    reporter = ErrorReporter(QCoreApplication.instance())
    sys.excepthook = reporter.excepthook
    threading.excepthook = reporter.threading_excepthook
    return reporter
