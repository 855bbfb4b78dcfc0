"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(fn: Callable[[], Any], repeats: int, budget: float) -> tuple[float, Any]:
    """Median wall-clock seconds of ``fn()`` over up to ``repeats`` runs within ``budget``
    seconds, and the last result."""
    times = []
    result = None
    spent = 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
        if spent > budget:
            break
    return statistics.median(times), result


def format_seconds(seconds: float) -> str:
    """Eight-wide milliseconds below a second, seconds above."""
    if seconds < 1.0:
        return f"{seconds * 1e3:8.1f} ms"
    return f"{seconds:8.2f} s "
