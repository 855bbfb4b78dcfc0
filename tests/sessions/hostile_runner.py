"""Runs hostile-input cases, each in a forked child, and measures each one.

Started by ``tests/sessions/test_hostile_inputs.py`` as ``python -m
tests.sessions.hostile_runner``. It imports the readers once, then reads one JSON case a
line from stdin (``{"reader": "session" | "mnist" | "weights", "paths": [...], "folder":
...}``) and forks a child that calls the reader. The child runs under an address-space
limit (its size at fork plus 3 GB), so a regression fails with MemoryError instead of
eating the machine, and is killed after 20 s. The answer, one JSON line on stdout, gives
the error type and message, the wall time, the child's peak resident set (``wait4``'s
``ru_maxrss``), and whether the folder's listing (names, sizes, modification times)
changed.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from engine.digits import load_mnist_idx
from engine.session_file import read_session
from engine.weights_import import load_state_dict_file

KILL_AFTER_S = 20.0
_READERS = {
    "session": lambda paths: read_session(paths[0]),
    "mnist": lambda paths: load_mnist_idx(paths[0], paths[1]),
    "weights": lambda paths: load_state_dict_file(paths[0]),
}


def _listing(folder: str) -> list:
    return sorted(
        (p.name, p.lstat().st_size, p.lstat().st_mtime_ns) for p in Path(folder).iterdir()
    )


def _virtual_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(case: dict, answer: int) -> None:
    limit = _virtual_bytes() + (3 << 30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        _READERS[case["reader"]](case["paths"])
        outcome = {"error": None, "message": ""}
    except BaseException as error:  # reported, whatever it is
        names = [kind.__name__ for kind in type(error).__mro__]
        outcome = {"error": names, "message": str(error)[:500]}
    os.write(answer, json.dumps(outcome).encode())
    os.close(answer)


def run(case: dict) -> dict:
    """Run one case in a forked child; its outcome with time, peak RSS and disk check."""
    before = _listing(case["folder"])
    reading, writing = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(reading)
        try:
            _child(case, writing)
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
    outcome.update(
        seconds=seconds,
        peak_rss_bytes=usage.ru_maxrss * 1024,
        disk_unchanged=_listing(case["folder"]) == before,
    )
    return outcome


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
