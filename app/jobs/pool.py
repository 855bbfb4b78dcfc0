"""Starting superqt workers on Qt's global thread pool, kept alive until they end.

A worker handed straight to ``QThreadPool.start`` is held only by the pool, which deletes
it in the pool's thread as soon as its ``run`` returns. Its signals object goes with it,
while the signals the worker emitted last (``yielded``, ``finished``) still wait in the
GUI thread's event queue for the receivers PySide made for its handlers
(``functools.partial`` objects, lambdas): delivering them then crashed the app
(``QObject::event`` on freed memory, SIGSEGV, with PySide6 6.11). A controller that
retires a running worker by dropping its reference (a new fit, a new frame) made this
likely. Every worker is therefore started with :func:`start_worker`, which holds it until
its ``finished`` signal has reached the GUI thread, after every handler connected before
it.

superqt's own ``worker.start()`` holds its workers the same way but defers the start by a
timer tick, which a shutdown waiting on the pool would not see.
"""

from __future__ import annotations

import itertools
from functools import partial

from PySide6.QtCore import QThreadPool
from superqt.utils import WorkerBase

#: Workers started and not yet seen finished on the GUI thread, by start number.
_running: dict[int, WorkerBase] = {}
_numbers = itertools.count()


def start_worker(worker: WorkerBase) -> None:
    """Run ``worker`` on the global pool now; connect its handlers before calling this.

    The worker is held until its ``finished`` signal is handled on the GUI thread; its
    handlers connected before this call have run by then (queued signals keep their
    order).
    """
    number = next(_numbers)
    _running[number] = worker
    # Released by number: a handler holding the worker itself would keep the worker,
    # its signals and that handler alive for ever.
    worker.finished.connect(partial(_release, number))
    QThreadPool.globalInstance().start(worker)


def running_workers() -> int:
    """How many started workers have not been seen finished yet."""
    return len(_running)


def _release(number: int) -> None:
    _running.pop(number, None)
