"""Python's cyclic garbage collector held off while a partition runs.

A partition makes few Python objects, but while it runs in a worker the GUI thread
keeps allocating, and a collection of the oldest generation then walks every object of
the process (torch, Qt wrappers, pyqtgraph items: millions) with the GIL held: the
window stalls for hundreds of milliseconds. :func:`paused_gc` switches automatic
collection off for the length of the work and restores the previous state afterwards,
also when the work raises. Several threads may hold it at once: the first one in
records and disables, the last one out restores.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Automatic garbage collection off inside the ``with`` block (process-wide).

    Nested and concurrent uses (from any threads) share one pause: collection stays off
    until the last of them ends, then is enabled again if it was enabled before the
    first began. Explicit ``gc.collect()`` calls still work inside.
    """
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
