"""Partitions off the GUI thread: only the newest wanted, progress per layer, Cancel.

Every partition request gets a :class:`PartitionTicket`: its ``after_layer`` is the
engine's ``progress`` callback (see :func:`engine.partition2d.partition_2d`), which
reports the layer just cut and stops the partition there once the ticket is stopped.
A :class:`PartitionRunner` runs the requests on a :class:`NewestOnlyRunner`, stops the
ones a newer request supersedes, and hands the newest one's progress to the GUI thread
through a queued signal (the worker never touches a widget). A stopped partition is not
a failure: the worker hands back :data:`STOPPED` instead of raising, so nothing is printed
or reported for it. :func:`follow_partitions` shows a controller's partitions on a page's
progress bar and status line.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.jobs.newest_only import NewestOnlyRunner
from engine.gc_pause import paused_gc
from engine.layerwise import PartitionCancelled
from widgets.common.job_progress import JobProgress
from widgets.common.layer_slider import LayerSlider

#: ``report(generation, layers_done, n_layers, n_cells)``, called from the worker.
LayerReport = Callable[[int, int, int, int], None]
#: Seconds between two reports of the same layer: a traced-graph partition calls back
#: once per chunk of cells (thousands per slice), and each report is a queued signal the
#: GUI thread turns into a progress bar and a status line.
REPORT_INTERVAL_S = 0.05


class _ReportPace:
    """When the last report went out, and of which layer (shared by a ticket's threads)."""

    def __init__(self) -> None:
        self.layer = -1
        self.time = -math.inf

    def due(self, done: int) -> bool:
        """Whether a report of ``done`` layers goes out now: a new layer always does."""
        now = time.monotonic()
        if done == self.layer and now - self.time < REPORT_INTERVAL_S:
            return False
        self.layer, self.time = done, now
        return True


class _Stopped:
    """What the worker returns for a partition its ticket stopped."""

    def __repr__(self) -> str:
        return "STOPPED"


#: The outcome of a stopped partition (dropped before ``result_ready``).
STOPPED = _Stopped()


@dataclass(frozen=True)
class PartitionTicket:
    """The stop flag and progress report of partition request number ``generation``."""

    generation: int
    stop: threading.Event = field(default_factory=threading.Event, compare=False)
    report: LayerReport | None = field(default=None, compare=False)
    pace: _ReportPace = field(default_factory=_ReportPace, compare=False, repr=False)

    def after_layer(self, done: int, total: int, n_cells: int) -> None:
        """The partition's progress callback: report (each new layer, and a layer's
        growing cell count at most every ``REPORT_INTERVAL_S``), then raise
        :class:`engine.layerwise.PartitionCancelled` if the ticket is stopped."""
        if self.report is not None and self.pace.due(done):
            self.report(self.generation, done, total, n_cells)
        if self.stop.is_set():
            raise PartitionCancelled


class PartitionRunner(QObject):
    """One partition at a time on the thread pool; a newer request stops older ones.

    Signals
    -------
    result_ready(object) : the result of a request still wanted.
    job_failed(object) : the exception a wanted request raised (never a cancel).
    progress(int, int, int) : layers done, layers, cells so far, of the newest request
        (on the GUI thread, never for a stopped one).
    """

    result_ready = Signal(object)
    job_failed = Signal(object)
    progress = Signal(int, int, int)
    _layer_done = Signal(int, int, int, int)  # emitted by workers: generation, done, total, cells

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._live: list[PartitionTicket] = []  # issued and not known to be over
        self._runner = NewestOnlyRunner(self)
        self._runner.result_ready.connect(self._on_result)
        self._runner.job_failed.connect(self.job_failed)
        self._runner.idle.connect(self._forget)
        self._layer_done.connect(self._on_layer_done)  # queued: emitted in other threads

    @property
    def is_busy(self) -> bool:
        """Whether a partition runs or waits."""
        return self._runner.is_busy

    def issue(self) -> PartitionTicket:
        """A ticket for a new request; every earlier one is stopped (it ends after the
        layer it is cutting, so the new request need not wait for it)."""
        self._stop_all()
        self._generation += 1
        ticket = PartitionTicket(self._generation, report=self._layer_done.emit)
        self._live = [ticket]
        return ticket

    def submit(self, compute: Callable[[Any], Any], request: Any) -> None:
        """Run ``compute(request)`` (a request holding the newest ticket) next, with
        Python's garbage collection paused while it runs (see :mod:`engine.gc_pause`)."""
        self._runner.submit(_with_gc_paused, (compute, request))

    def discard_running(self) -> None:
        """Do not deliver the result of the partition running now."""
        self._runner.discard_running()

    def cancel(self) -> bool:
        """Stop the running partition after its current layer, drop the waiting one and
        every result to come; True if there was one."""
        if not self._runner.is_busy:
            return False
        self._stop_all()
        self._runner.cancel()
        return True

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the running partition to end; True if it did."""
        self._stop_all()
        return self._runner.shutdown(timeout_ms)

    def _forget(self) -> None:
        self._live = []  # nothing runs: late reports are dropped

    def _stop_all(self) -> None:
        for ticket in self._live:
            ticket.stop.set()

    def _on_result(self, result: Any) -> None:
        if result is not STOPPED:  # a newer request or the cancel speaks for a stopped one
            self.result_ready.emit(result)

    def _on_layer_done(self, generation: int, done: int, total: int, n_cells: int) -> None:
        newest = self._live[-1] if self._live else None
        if newest is not None and newest.generation == generation and not newest.stop.is_set():
            self.progress.emit(done, total, n_cells)


def _with_gc_paused(job: tuple[Callable[[Any], Any], Any]) -> Any:
    """``compute(request)`` for ``job = (compute, request)``, in the worker, with no
    garbage collection walking the process's objects (and stalling the GUI) meanwhile;
    :data:`STOPPED` if its ticket stopped it."""
    compute, request = job
    with paused_gc():
        try:
            return compute(request)
        except PartitionCancelled:
            return STOPPED


def progress_text(done: int, total: int, n_cells: int) -> str:
    """``layer 2 of 4: 1,234 cells``: a partition's progress, for a bar or a status line."""
    return f"layer {done} of {total}: {n_cells:,} cells"


def cancelled_text(n_cells_shown: int | None) -> str:
    """What a page says after a cancel: the cells it still shows, if any."""
    kept = f" The view still shows {n_cells_shown:,} cells." if n_cells_shown is not None else ""
    return f"Cancelled.{kept}"


def partition_progress_bar(what: str, name: str, parent: QWidget) -> JobProgress:
    """The progress bar and Cancel button of a page's partitions (``what``: "the
    cells"). Its Cancel has Ctrl+.; the page gives Esc to it while the bar shows."""
    progress = JobProgress(f"computing {what}", parent=parent)
    progress.setObjectName(name)
    progress.cancel_button.setToolTip(
        f"Stop computing {what} after the current layer (Esc or Ctrl+.); the cells shown now stay"
    )
    return progress


def follow_partitions(
    controller: QObject,
    progress: JobProgress,
    layer_slider: LayerSlider,
    show_status: Callable[[str], None],
    cells_shown: Callable[[], int | None],
) -> None:
    """Show ``controller``'s partitions on a page: a status line when one is asked for,
    the bar (after a moment) with each layer's count, and after a cancel the slider back
    at the layers shown and a status that says what stays.

    ``controller`` has the signals ``partition_requested(int)``, ``partition_progress(int,
    int, int)``, ``partition_ready(object)``, ``partition_failed(str)``,
    ``partition_cancelled()``, the slot ``cancel_partition()`` and the properties
    ``layers`` and ``n_layers``; ``cells_shown()`` is the count of the cells on screen.
    """

    def requested(layers: int) -> None:
        plural = "layer" if layers == 1 else "layers"
        show_status(f"Computing the cells of the first {layers} {plural}…")
        progress.start()

    def reported(done: int, total: int, n_cells: int) -> None:
        text = progress_text(done, total, n_cells)
        progress.set_progress(done, total, text)
        show_status(f"Computing the cells: {text}…")

    def cancelled() -> None:
        progress.finish()
        layer_slider.set_layers(controller.layers, controller.n_layers)
        show_status(cancelled_text(cells_shown()))

    controller.partition_requested.connect(requested)
    controller.partition_progress.connect(reported)
    controller.partition_cancelled.connect(cancelled)
    controller.partition_ready.connect(progress.finish)
    controller.partition_failed.connect(progress.finish)
    progress.cancel_requested.connect(controller.cancel_partition)
