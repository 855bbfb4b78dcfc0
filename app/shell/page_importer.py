"""Imports the pages' code on a background thread while the window is already on screen.

Importing a page's code means importing torch, scipy, numba, VTK and pyqtgraph with it:
seconds of work the window should not wait for. :class:`PageImporter` imports the
modules it is asked for, one at a time, on a Python thread (the GUI thread keeps
painting and answering between the interpreter's switches) and says on the GUI thread
when each is done. Only one thread imports at a time: before the GUI thread imports
anything itself (a page needed at once), it calls :meth:`PageImporter.settle`, which
waits for the module in progress and pauses the rest, so two threads never take
Python's import locks in opposite orders.
"""

from __future__ import annotations

import importlib
import sys
import threading

from PySide6.QtCore import QObject, Signal


class PageImporter(QObject):
    """Imports modules in the background, in the order asked, most urgent first.

    Signals
    -------
    imported(str) : a module asked for is imported (emitted on the GUI thread).
    failed(str, str) : a module and the error its import raised.
    """

    imported = Signal(str)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: list[str] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._paused = False
        self._running = False  # a thread is taking modules from the queue

    def request(self, modules: list[str], *, urgent: bool = False) -> None:
        """Import ``modules`` (those not imported yet), after the ones already asked for,
        or before them when ``urgent``."""
        with self._lock:
            fresh = [m for m in modules if m not in self._queue]
            self._queue = fresh + self._queue if urgent else self._queue + fresh
        self._run()

    def is_imported(self, module: str) -> bool:
        """Whether ``module`` is imported and finished initialising."""
        loaded = sys.modules.get(module)
        spec = getattr(loaded, "__spec__", None)
        return loaded is not None and not getattr(spec, "_initializing", False)

    def busy(self) -> bool:
        """Whether modules are being imported now."""
        with self._lock:
            return self._running

    def settle(self) -> None:
        """Wait for the module being imported, and keep the others for :meth:`resume`:
        the GUI thread may import on its own until then."""
        with self._lock:
            self._paused = True
        thread = self._thread
        if thread is not None:
            thread.join()

    def resume(self) -> None:
        """Go on with the modules :meth:`settle` kept."""
        with self._lock:
            self._paused = False
        self._run()

    def _run(self) -> None:
        with self._lock:
            if self._paused or not self._queue or self._running:
                return
            self._running = True
            self._thread = threading.Thread(
                target=self._import_queue, name="page-importer", daemon=True
            )
            self._thread.start()

    def _next(self) -> str | None:
        with self._lock:
            if self._paused or not self._queue:
                self._running = False
                return None
            return self._queue.pop(0)

    def _import_queue(self) -> None:
        while (module := self._next()) is not None:
            try:
                importlib.import_module(module)
            except Exception as error:  # any: told to the window, which shows it
                self.failed.emit(module, f"{type(error).__name__}: {error}")
            else:
                self.imported.emit(module)
