"""A deck written by several processes at once: the parent's side.

``export --deck DIR`` with ``--processes N`` (N > 1) starts N headless child processes
(the same command with ``--deck-part``); each child makes the whole deck's job list, then
claims the pages it writes one at a time (:mod:`app.export.deck_claims`), so the cores
share the pages until none is left. Every child appends a row per figure it wrote to its
own log; the parent merges them in the single-process deck's order and writes
``index.html``. A figure's bytes depend only on its page's own jobs, all done in one
process, so the files are those of a single-process deck.

Each child dies with the parent (``PR_SET_PDEATHSIG`` on Linux) and ignores Ctrl-C: the
parent stops them, so a Ctrl-C or a killed parent leaves no process behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from app.export.deck import write_deck_index
from app.export.deck_claims import PARENT_FILE, ROWS_FILE, read_rows, store_page_costs

#: The folder holding the ``app`` package: the children import the same code.
CODE_ROOT = Path(__file__).resolve().parents[2]
#: How long stopped children get to end before they are killed (s).
STOP_GRACE_S = 5.0
#: How often the parent looks at its children (s).
POLL_S = 0.2
#: The child's command: ``main`` of :mod:`app.cli` with the code root first on the path.
CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from app.cli import main; sys.exit(main())"
)


def default_processes() -> int:
    """Processes for a deck when ``--processes`` is not given: two, or one on one core."""
    return max(1, min(2, os.cpu_count() or 1))


def child_command(argv: Sequence[str], folder: Path, index: int) -> list[str]:
    """The command line of child ``index`` of a deck with arguments ``argv``."""
    return [
        sys.executable,
        "-c",
        CHILD_CODE,
        str(CODE_ROOT),
        "export",
        *argv,
        "--deck-part",
        str(folder),
        str(index),
    ]


def run_deck_in_parts(
    argv: Sequence[str], deck: Path, theme: str, processes: int, cache: Path | None
) -> int:
    """Write the deck of ``argv`` with ``processes`` children; returns the exit code (the
    worst of the children's: 1 when a figure failed, 2 for arguments no page takes).

    ``cache`` is the result cache folder (None with ``--no-cache``): the figures' costs
    are kept there for the next run's order of pages.
    """
    deck.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="splinescope-deck-") as temporary:
        folder = Path(temporary)
        (folder / PARENT_FILE).write_text(str(os.getpid()), encoding="utf-8")
        children = [
            subprocess.Popen(child_command(argv, folder, index), stdin=subprocess.DEVNULL)
            for index in range(processes)
        ]
        try:
            codes = wait_for(children)
        except BaseException:
            stop_children(children)
            raise
        rows, broken = [], []
        for index, code in enumerate(codes):
            part_rows, problem = read_rows(folder / ROWS_FILE.format(index=index))
            rows += part_rows
            if code < 0:
                problem = f"ended with signal {signal.Signals(-code).name}"
            if problem:
                broken.append(f"deck process {index + 1} of {processes} {problem}")
        for message in broken:
            print(f"splinescope export: {message}; its figures are missing.", file=sys.stderr)
    if 2 in codes:
        return 2  # the arguments were refused before any figure (each child says why)
    rows.sort(key=lambda row: row["order"])
    index = write_deck_index(deck, rows, theme)
    print(f"Wrote {index} ({len(rows)} figures)")
    if cache is not None and not broken:
        store_page_costs(cache, rows)
    return 1 if broken or any(code != 0 for code in codes) else 0


def wait_for(children: list[subprocess.Popen]) -> list[int]:
    """The children's exit codes once all have ended; when one refuses the arguments
    (exit code 2) the others are stopped: the deck is not written."""
    while True:
        codes = [child.poll() for child in children]
        if 2 in codes:
            stop_children(children)
            return [child.wait() for child in children]
        if None not in codes:
            return codes
        time.sleep(POLL_S)


def stop_children(children: list[subprocess.Popen]) -> None:
    """End every child still running: terminate, then kill after :data:`STOP_GRACE_S`."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
