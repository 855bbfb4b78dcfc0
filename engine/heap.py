"""Keep freed working memory in the process for reuse (glibc only).

A partition allocates and frees tens of megabytes of temporary arrays every layer
(maps, masks, pieces). glibc hands large freed blocks back to the system at once, so
the next layer or the next partition faults every page in again: about 5,000 page
faults, a third of the time of a 4x64 2-D partition, in these virtual machines.
:func:`keep_freed_memory` asks glibc to serve blocks up to 32 MB from its heap and to
keep up to 128 MB of freed memory there, which the next allocations reuse.

The setting is process-wide and harmless elsewhere: it only changes when memory goes
back to the system. On other C libraries it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: Blocks up to this size come from the heap, not from their own mapping.
MMAP_THRESHOLD = 32 << 20
#: Freed memory kept at the top of the heap before any is returned to the system.
TRIM_THRESHOLD = 128 << 20

_done = False


def keep_freed_memory() -> bool:
    """Set the allocator's thresholds once per process; True where they were set."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _done
