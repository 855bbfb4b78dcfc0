"""A deck written by several processes at once: the child's side, and their shared files.

Each child of :func:`app.export.deck_parts.run_deck_in_parts` makes the whole deck's job
list, groups it by page (a page's figures at its defaults, then its presets, in the
single-process order) and claims one page at a time by creating ``claim-<page>`` in the
run's folder (``O_EXCL``: one child wins each page). Pages are offered costliest first, by
the seconds each took in the last deck that used the same result cache
(``deck-costs.json`` there), so the long pages start early and the short ones fill in.
Every figure written is appended to the child's row log (``rows-<index>.jsonl``) at once:
a child that dies loses only the figure it was writing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import math
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from engine.safe_files import read_regular_file, write_bytes_atomically

#: A child's log of its figures, one JSON row a line, in the run's folder.
ROWS_FILE = "rows-{index}.jsonl"
#: The parent's process id, in the run's folder (a child whose parent is gone stops).
PARENT_FILE = "parent-pid"
#: The seconds each page's figures took in the last deck, in the result cache folder.
COSTS_FILE = "deck-costs.json"
#: The largest row log or cost file read (bytes).
MAX_LOG_BYTES = 4 << 20
#: Linux ``prctl`` option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


class DeckPart:
    """Child ``index``'s share of a deck whose run folder is ``folder``."""

    def __init__(self, folder: Path, index: int, costs: dict[str, float] | None = None):
        self.folder = Path(folder)
        self.index = index
        self.costs = costs or {}
        self.units: list[tuple[str, list[tuple[int, object]]]] = []
        self.rows_path = self.folder / ROWS_FILE.format(index=index)
        self.rows_path.write_text("", encoding="utf-8")

    def plan(self, jobs: list, page_of: Callable[[object], str]) -> None:
        """Group ``jobs`` (the whole deck, in order) by their page (``page_of(job)``):
        the units the children claim, costliest first (by :attr:`costs`), then in order."""
        by_page: dict[str, list[tuple[int, object]]] = {}
        for order, job in enumerate(jobs):
            by_page.setdefault(page_of(job), []).append((order, job))
        first = {key: position for position, key in enumerate(by_page)}
        keys = sorted(by_page, key=lambda key: (-self.costs.get(key, 0.0), first[key]))
        self.units = [(key, by_page[key]) for key in keys]

    def claim_next(self) -> list[tuple[int, object]]:
        """The jobs of the next page no child has claimed, with their place in the deck
        (now claimed by this child); empty when every page is taken."""
        while self.units:
            key, jobs = self.units.pop(0)
            try:
                os.close(os.open(self.folder / f"claim-{key}", os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                continue
            return jobs
        return []

    def log_row(self, row: dict) -> None:
        """Append the row of a written figure to this child's log (flushed at once)."""
        with self.rows_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def attach_to_parent(folder: Path) -> str | None:
    """Make this child end with its parent and leave Ctrl-C to it; returns why the child
    must not run (its parent is gone already), or None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    try:
        parent = int(read_regular_file(folder / PARENT_FILE, 64, "deck parent id"))
    except (OSError, ValueError):
        return "the deck's parent process left no id"
    if os.getppid() != parent:
        return "the deck's parent process has ended"
    return None


def read_rows(path: Path) -> tuple[list[dict], str | None]:
    """The rows of a child's log, and what is wrong with it (or None)."""
    try:
        text = read_regular_file(path, MAX_LOG_BYTES, "deck row log").decode("utf-8")
    except (OSError, ValueError):
        return [], "left no figure log"
    rows = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            return rows, "left a damaged figure log"
        if not isinstance(row, dict) or not isinstance(row.get("order"), int):
            return rows, "left a damaged figure log"
        rows.append(row)
    return rows, None


def read_page_costs(cache: Path | None) -> dict[str, float]:
    """The seconds each page's figures took in the last deck with this cache (empty when
    there is none or the file is not one the deck wrote)."""
    if cache is None:
        return {}
    try:
        costs = json.loads(read_regular_file(cache / COSTS_FILE, MAX_LOG_BYTES, "deck costs"))
    except (OSError, ValueError):
        return {}
    if not isinstance(costs, dict):
        return {}
    return {
        key: float(seconds)
        for key, seconds in costs.items()
        if isinstance(key, str)
        and isinstance(seconds, int | float)
        and math.isfinite(seconds)
        and seconds >= 0
    }


def store_page_costs(cache: Path, rows: list[dict]) -> None:
    """Keep the seconds each page's figures took (from the rows' ``seconds``) in
    ``cache`` for the next deck's order; a cache that cannot be written is left alone."""
    costs: dict[str, float] = {}
    for row in rows:
        seconds, page = row.get("seconds"), row.get("page")
        if isinstance(seconds, int | float) and math.isfinite(seconds) and isinstance(page, str):
            costs[page] = round(costs.get(page, 0.0) + float(seconds), 2)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(cache / COSTS_FILE, json.dumps(costs, sort_keys=True).encode())
    except OSError:
        return
