"""Run the tasks here, on a pool of processes, or on a Dask cluster; report progress.

Worker processes start with the ``forkserver`` method (``spawn`` where there is none):
forking a parent that already runs torch or numba threads can deadlock. The fork server
imports the engine once, so workers start in milliseconds instead of each importing torch
and numba (several seconds of CPU each: on a busy 2-core machine the second worker used to
be still starting when a small job ended, and slowed the first while it started). Each worker uses
one torch, BLAS and numba thread, so N workers use N cores and do not oversubscribe them.
Ctrl-C in the terminal reaches every process of the group: workers ignore it and the
parent cancels what has not started, then returns.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence

from app.stats.tasks import SliceRow, SliceTask, prepare_process, run_slice_task

#: ``progress(done, total)`` after each finished slice.
Progress = Callable[[int, int], None]
#: Tasks submitted ahead per worker.
_IN_FLIGHT = 4
#: Modules the fork server imports before it forks any worker.
_PRELOAD = ("app.stats.tasks", "engine.partition2d", "engine.region_stats")
_ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


class StatsCancelled(Exception):
    """Ctrl-C: the run stopped; no table was written."""


def run_tasks(
    tasks: Sequence[SliceTask],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[SliceRow]:
    """Every task's row, in task order, whichever way they ran.

    Raises :class:`app.stats.tasks.SliceFailed` (a slice could not be measured),
    :class:`StatsCancelled` (Ctrl-C) or OSError (no cluster at ``scheduler``).
    """
    report = progress or (lambda done, total: None)
    if scheduler is not None:
        rows = _run_on_dask(tasks, scheduler, report)
    elif workers == 1:
        rows = _run_here(tasks, report)
    else:
        rows = run_on_processes(tasks, workers, report)
    return sorted(rows, key=lambda row: (row.network_index, row.slice_index))


def _run_here(tasks: Sequence[SliceTask], report: Progress) -> list[SliceRow]:
    rows = []
    try:
        for task in tasks:
            rows.append(run_slice_task(task))
            report(len(rows), len(tasks))
    except KeyboardInterrupt:
        raise StatsCancelled from None
    return rows


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    prepare_process()
    import engine.partition2d  # noqa: F401  (imports and cached kernels load in parallel)


def run_on_processes(tasks: Sequence[SliceTask], workers: int, report: Progress) -> list[SliceRow]:
    """The tasks' rows (in completion order) from a pool of ``workers`` processes."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        # The server imports torch, numba and the engine once; every worker forks from it
        # ready, instead of importing them itself (seconds of CPU each, on busy cores).
        context.set_forkserver_preload(list(_PRELOAD))
    saved = {name: os.environ.get(name) for name in _ONE_THREAD}
    os.environ.update({name: "1" for name in _ONE_THREAD})  # inherited by the workers
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)
    rows: list[SliceRow] = []
    try:
        # A few tasks in flight per worker: waiting on every future at once costs time in
        # the number of slices at each wake-up, and Ctrl-C has less to cancel.
        queue = iter(tasks)
        pending: set = set()
        while True:
            for task in itertools.islice(queue, _IN_FLIGHT * workers - len(pending)):
                pending.add(executor.submit(run_slice_task, task))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            rows.extend(future.result() for future in done)
            report(len(rows), len(tasks))
    except KeyboardInterrupt:
        executor.shutdown(wait=False, cancel_futures=True)
        raise StatsCancelled from None
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        _restore(saved)
    executor.shutdown()
    return rows


def _restore(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _run_on_dask(tasks: Sequence[SliceTask], address: str, report: Progress) -> list[SliceRow]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise OSError("--scheduler needs dask.distributed (pip install distributed)") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise OSError(f"could not reach the Dask scheduler at {address}: {error}") from None
    futures = []
    try:
        futures = client.map(run_slice_task, list(tasks), pure=False)
        rows = []
        for future in as_completed(futures):
            rows.append(future.result())
            report(len(rows), len(tasks))
        return rows
    except KeyboardInterrupt:
        client.cancel(futures)
        raise StatsCancelled from None
    finally:
        client.close()


def stderr_progress(quiet: bool) -> Progress:
    """Progress on stderr: a line rewritten in a terminal, else a line every few seconds."""
    started = time.monotonic()
    last = [0.0]
    interactive = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if quiet or (done < total and now - last[0] < (0.2 if interactive else 5.0)):
            return
        last[0] = now
        line = f"stats: {done}/{total} slices ({100 * done / total:.0f} %), {now - started:.1f} s"
        end = "\n" if done == total or not interactive else ""
        print(("\r" if interactive else "") + line, end=end, file=sys.stderr, flush=True)

    return report
