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
import sys
from pathlib import Path

from engine.digits import load_mnist_idx
from engine.session_file import read_session
from engine.weights_import import load_state_dict_file
from tests.forked_case import run_forked

_READERS = {
    "session": lambda paths: read_session(paths[0]),
    "mnist": lambda paths: load_mnist_idx(paths[0], paths[1]),
    "weights": lambda paths: load_state_dict_file(paths[0]),
}


def _listing(folder: str) -> list:
    return sorted(
        (p.name, p.lstat().st_size, p.lstat().st_mtime_ns) for p in Path(folder).iterdir()
    )


def run(case: dict) -> dict:
    """Run one case in a forked child; its outcome with time, peak RSS and disk check."""
    before = _listing(case["folder"])
    outcome = run_forked(lambda: _READERS[case["reader"]](case["paths"]))
    outcome["disk_unchanged"] = _listing(case["folder"]) == before
    return outcome


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
