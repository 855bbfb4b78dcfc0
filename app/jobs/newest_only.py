"""Run background jobs one at a time, keeping only the newest request waiting.

A view that redraws from a stream of requests (a slider being dragged, a network being
trained) should draw the newest state it can keep up with: requests that arrive while a
job runs are not queued, each replaces the one waiting before it. The running job is
left to finish and its result is delivered, unless :meth:`NewestOnlyRunner.discard_running`
says it no longer describes what the user asked for.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import FunctionWorker, create_worker

from app.jobs.pool import start_worker


@dataclass(frozen=True)
class _Job:
    function: Callable[[Any], Any]
    argument: Any
    ticket: int


def _run(job: _Job) -> tuple[int, Any, Exception | None]:
    """Run ``job`` in the worker; the outcome carries its ticket, so the receiver knows
    which job answered without asking which Qt object sent it."""
    try:
        return job.ticket, job.function(job.argument), None
    except Exception as error:
        return job.ticket, None, error


class NewestOnlyRunner(QObject):
    """One job at a time on the global thread pool; at most one waiting, the newest.

    Signals
    -------
    result_ready(object) : the return value of a job whose result is wanted.
    job_failed(object) : the exception a wanted job raised (also printed).
    idle() : no job runs or waits any more.
    """

    result_ready = Signal(object)
    job_failed = Signal(object)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ticket = 0
        self._wanted_from = 0  # results of jobs with smaller tickets are dropped
        self._running: FunctionWorker | None = None
        self._running_ticket = 0
        self._waiting: _Job | None = None

    @property
    def is_busy(self) -> bool:
        """Whether a job runs or waits."""
        return self._running is not None or self._waiting is not None

    def submit(self, function: Callable[[Any], Any], argument: Any) -> None:
        """Run ``function(argument)`` now if idle, else as the next job, replacing any
        job still waiting (which is dropped without running)."""
        self._ticket += 1
        job = _Job(function, argument, self._ticket)
        if self._running is None:
            self._start(job)
        else:
            self._waiting = job

    def discard_running(self) -> None:
        """Do not deliver the result of the job running now (the waiting one still runs)."""
        self._wanted_from = max(self._wanted_from, self._running_ticket + 1)

    def cancel(self) -> None:
        """Drop the waiting job and the running job's result."""
        self._waiting = None
        self._wanted_from = self._ticket + 1

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the running job to end; True if it did."""
        self.cancel()
        if self._running is None:
            return True
        self._running.quit()
        done = QThreadPool.globalInstance().waitForDone(timeout_ms)
        if done:
            self._running = None
            self._running_ticket = 0
        return done

    def _start(self, job: _Job) -> None:
        worker = create_worker(_run, job, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_returned)
        self._running = worker
        self._running_ticket = job.ticket
        start_worker(worker)

    def _on_returned(self, outcome: tuple[int, Any, Exception | None]) -> None:
        ticket, result, error = outcome
        if self._running is None or ticket != self._running_ticket:
            return  # a job shutdown() already waited for
        # Start the waiting job before the result is handed on, so that it computes
        # while the receiver draws this one.
        self._running = None
        if self._waiting is not None:
            job, self._waiting = self._waiting, None
            self._start(job)
        if ticket >= self._wanted_from:
            if error is None:
                self.result_ready.emit(result)
            else:
                traceback.print_exception(error)
                self.job_failed.emit(error)
        if self._running is None:
            self.idle.emit()
