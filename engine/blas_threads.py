"""One BLAS thread while a partition runs.

The layer-by-layer partitions cut and multiply on threads of their own, one per core,
and call BLAS from each. A multi-threaded BLAS (numpy's OpenBLAS starts one thread per
core) then adds threads that spin between calls and take the cores from the kernels:
a quarter of the CPU time of a 4x64 2-D partition went to ``blas_thread_server``.
:func:`one_blas_thread` limits BLAS to one thread for the duration of a block, so a
notebook or a benchmark gets what the app has (it sets ``OPENBLAS_NUM_THREADS=1`` for
the same reason). OpenBLAS 0.3 takes the limit when it is set from the main thread (set
from another thread it is ignored), which covers a partition called from a notebook;
the app's workers run with the environment's one thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_users = 0
_limiter = None
_controller: ThreadpoolController | None = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the block. Blocks may overlap on several threads: the
    limit is set by the first to enter and the original restored by the last to leave."""
    global _users, _limiter, _controller
    with _lock:
        if _users == 0:
            if _controller is None:
                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
