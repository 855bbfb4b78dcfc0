"""Run one hostile-input case in a forked child and measure it: the runners of
``tests/engine/test_hostile_engine.py`` and ``tests/sessions/test_hostile_inputs.py``.

The child runs under an address-space limit (its size at fork plus 3 GB), so a
regression fails with MemoryError instead of eating the machine, and is killed after
:data:`KILL_AFTER_S`. The outcome gives the error's type names (most derived first) and
message, the wall time and the child's peak resident set (``wait4``'s ``ru_maxrss``).
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

KILL_AFTER_S = 20.0


def _virtual_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(call: Callable[[], object], answer: int) -> None:
    limit = _virtual_bytes() + (3 << 30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        call()
        outcome = {"error": None, "message": ""}
    except BaseException as error:  # reported, whatever it is
        names = [kind.__name__ for kind in type(error).__mro__]
        outcome = {"error": names, "message": str(error)[:500]}
    os.write(answer, json.dumps(outcome).encode())
    os.close(answer)


def run_forked(call: Callable[[], object]) -> dict:
    """Run ``call()`` in a forked child; its outcome with ``seconds`` and
    ``peak_rss_bytes``."""
    reading, writing = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(reading)
        try:
            _child(call, writing)
        finally:
            os._exit(0)
    os.close(writing)
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > KILL_AFTER_S:
            os.kill(pid, 9)
            done, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.002)
    seconds = time.monotonic() - start
    with os.fdopen(reading, "rb") as stream:
        text = stream.read()
    outcome = json.loads(text) if text else {"error": ["Killed"], "message": f"status {status}"}
    outcome.update(seconds=seconds, peak_rss_bytes=usage.ru_maxrss * 1024)
    return outcome
