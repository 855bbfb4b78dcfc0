"""Subtrees of the traced-graph partition's depth-first push, run on a few threads.

The partition of a traced model (:mod:`engine.partition_graph`) pushes chunks of cells
through the model depth first; a chunk that is cut into more pieces than fit in memory
at once goes on as several smaller chunks, each an independent subtree of work. Those
subtrees run on a small pool of threads (the kernels, numpy and torch release the GIL for
most of their work), each appending its cells to a list of its own that is joined in the
order of the chunks, so the partition is the same, cell for cell, as on one thread.
Inside a subtree everything runs on its thread: the kernels are not split further.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

T = TypeVar("T")


class SubtreeThreads(Generic[T]):
    """A pool of ``n_threads`` threads for subtrees, open inside a ``with`` block; with
    one thread (or outside the block) subtrees run in turn on the caller's thread."""

    def __init__(self, n_threads: int) -> None:
        self.n_threads = max(1, int(n_threads))
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()

    def __enter__(self) -> SubtreeThreads[T]:
        if self.n_threads > 1:
            self._pool = ThreadPoolExecutor(self.n_threads, thread_name_prefix="subtree")
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @property
    def in_subtree(self) -> bool:
        """True on a pool thread (work there is not split over threads again)."""
        return getattr(self._local, "inside", False)

    def kernel_threads(self) -> int:
        """Threads a kernel called from the current thread may split its work over."""
        return 1 if self.in_subtree else self.n_threads

    def run_each(
        self,
        run: Callable[[T, int, list[T]], None],
        tasks: Iterable[tuple[T, int]],
        leaves: list[T],
    ) -> None:
        """``run(chunk, start, out)`` for every ``(chunk, start)`` of ``tasks``, the
        ``out`` lists appended to ``leaves`` in the order of ``tasks``.

        ``tasks`` is consumed lazily: at most one task waits for a free thread, so only a
        few chunks exist at once. The first error of a task is raised once every started
        task has stopped (the rest are not started).
        """
        if self._pool is None or self.in_subtree:
            for chunk, start in tasks:
                run(chunk, start, leaves)
            return
        futures: list[Future] = []
        try:
            for chunk, start in tasks:
                running = [f for f in futures if not f.done()]
                while len(running) > self.n_threads:
                    wait(running, return_when=FIRST_COMPLETED)
                    running = [f for f in running if not f.done()]
                if any(f.done() and f.exception() is not None for f in futures):
                    break
                futures.append(self._pool.submit(self._subtree, run, chunk, start))
            for future in futures:
                leaves.extend(future.result())
        finally:
            for future in futures:
                future.cancel()
            wait(futures)

    def _subtree(self, run: Callable[[T, int, list[T]], None], chunk: T, start: int) -> list[T]:
        self._local.inside = True
        out: list[T] = []
        run(chunk, start, out)
        return out
