"""First use: seconds from process start to the window shown and to each page's first
real result, one fresh process per page.

Each page runs ``main.py --page KEY`` in a new Python process with
``SPLINESCOPE_FIRST_SHOW=<file>`` set (see :mod:`app.shell.first_show`): the process
writes when its window painted first, when the page was built and when its first real
result was on screen, and quits.

The first real result is what a user sees first on opening the page
(``PageSpec.first_result``, else ``PageSpec.readiness``): Cells, the exact cells of the
default network; Volume, the first distance histogram and Monte-Carlo run; Playground,
the exact cells of the untrained network (training starts with Play); Cells 3D, the
first 3-D partition drawn; Paths, the first pair's path; Hulls, the training set and the
test point's verdict (the experiments run when asked: Figure 1's first updates after
Run are timed apart, below the table).
By default each process gets an empty numba cache (``NUMBA_CACHE_DIR``), as on a fresh
install; ``--warm`` keeps the usual cache. The floor, measured in the same run, is a
process that only imports PySide6's widgets (``--floor-runs`` times, median).

``--tree DIR`` (repeatable) runs the same pages from other checkouts (another worktree at
an older commit, say) in the same run, to compare before and after; the first tree is this
one unless given. Needs a display (run under ``xvfb-run -a``).

    xvfb-run -a python benchmarks/first_show.py [--pages paths hulls] [--tree ../before]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE_KEYS = ("cells", "volume", "playground", "cells3d", "paths", "hulls")
FIRST_SHOW_ENV = "SPLINESCOPE_FIRST_SHOW"
TIMEOUT_S = 240.0


def _floor(runs: int) -> float:
    """Median seconds of a process that imports PySide6.QtWidgets and exits."""
    times = []
    for _ in range(runs):
        start = time.time()
        subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], check=True)
        times.append(time.time() - start)
    return statistics.median(times)


def _first_show(tree: Path, key: str, cold: bool) -> dict[str, object]:
    """Run one fresh window on ``key`` from ``tree``; its stamps relative to the start."""
    with tempfile.TemporaryDirectory(prefix="first-show-") as scratch:
        out = Path(scratch) / "stamps.json"
        env = dict(os.environ, **{FIRST_SHOW_ENV: str(out)})
        if cold:
            env["NUMBA_CACHE_DIR"] = str(Path(scratch) / "numba")
        env["HOME"] = str(Path(scratch) / "home")  # no saved geometry, theme or recovery
        start = time.time()
        try:
            done = subprocess.run(
                [sys.executable, "main.py", "--page", key],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return {"failure": f"no answer in {TIMEOUT_S:.0f} s"}
        if not out.exists():
            return {"failure": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
        stamps = json.loads(out.read_text(encoding="utf-8"))
    row: dict[str, object] = {"failure": stamps.get("failure")}
    for name in ("window", "built", "result"):
        if isinstance(stamps.get(name), float):
            row[name] = stamps[name] - start
            row[f"{name}_cpu"] = stamps[f"{name}_cpu"]
    row["torch"] = stamps.get("torch_at_result")
    return row


#: Run in each tree: CPU seconds from Figure 1's Run to its first yields and to d = 3;
#: with the argument ``warmed``, after the import the page makes once its first verdict is
#: out (``import_experiment_engine``), as a Run clicked a second or more after opening.
FIGURE1_SCRIPT = """
import sys
import time
from app.hulls.experiments import EXPERIMENTS
if sys.argv[1:] == ["warmed"]:
    try:
        from app.hulls.controller import import_experiment_engine
    except ImportError:
        sys.exit("(this tree's page imports nothing ahead of Run)")
    import_experiment_engine()
run = EXPERIMENTS[0].start()
start = time.process_time()
for progress in run:
    first = progress.done <= 1
    if first or progress.message.startswith("d = 3"):
        print(f"{time.process_time() - start:8.2f}  {progress.message}", flush=True)
    if progress.message.startswith("d = 3"):
        break
"""


def _figure1(tree: Path, *, warmed: bool) -> str:
    """Figure 1's first yields in ``tree``, as CPU seconds after Run (a fresh process;
    ``warmed``: after the page's import of the experiments' engine)."""
    done = subprocess.run(
        [sys.executable, "-c", FIGURE1_SCRIPT, *(["warmed"] if warmed else [])],
        cwd=tree,
        env=dict(os.environ, PYTHONPATH=str(tree)),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    return done.stdout.rstrip() or done.stderr.strip()[-300:]


def _cell(row: dict[str, object], name: str) -> str:
    value = row.get(name)
    return f"{value:7.2f}" if isinstance(value, float) else "      -"


def _torch_cell(imported: object) -> str:
    """``yes``/``no``, or ``-`` for a tree whose probe does not say."""
    return f"{'-' if imported is None else 'yes' if imported else 'no':>5}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", choices=PAGE_KEYS, default=list(PAGE_KEYS))
    parser.add_argument("--tree", action="append", type=Path, default=[])
    parser.add_argument("--warm", action="store_true", help="keep the usual numba cache")
    parser.add_argument("--floor-runs", type=int, default=3)
    args = parser.parse_args(argv)
    trees = [tree.resolve() for tree in args.tree] or [ROOT]
    floor = _floor(args.floor_runs)
    cache = "warm numba cache" if args.warm else "empty numba cache (fresh install)"
    print(f"First show, one fresh process per page, {cache}; wall seconds from process start")
    print(f"floor (same run): `python -c 'import PySide6.QtWidgets'` {floor:.2f} s\n")
    print(
        "window, built, result: wall seconds (window painted, page built, first result);"
        " cpu: this process's CPU seconds at window and result;"
        " torch: whether torch was imported by the first result"
    )
    head = f"{'page':<11} {'tree':<28} {'window':>7} {'built':>7} {'result':>7} {'cpu':>7}"
    print(f"{head} {'cpu':>7} {'built->result':>13} {'torch':>5}")
    for key in args.pages:
        for tree in trees:
            row = _first_show(tree, key, cold=not args.warm)
            # A tree from before the lazy pages built its page before the window showed.
            shown = row.get("built", row.get("window"))
            after = (
                f"{row['result'] - shown:13.2f}"
                if isinstance(row.get("result"), float) and isinstance(shown, float)
                else f"{'-':>13}"
            )
            line = f"{key:<11} {tree.name[-28:]:<28} {_cell(row, 'window')} {_cell(row, 'built')}"
            line += f" {_cell(row, 'result')}"
            line += f" {_cell(row, 'window_cpu')} {_cell(row, 'result_cpu')} {after}"
            line += f" {_torch_cell(row.get('torch'))}"
            if row.get("failure"):
                line += f"  ({row['failure']})"
            print(line, flush=True)
    if "hulls" in args.pages:
        print("\nHulls Figure 1 after Run: CPU seconds of the worker to its first updates")
        for warmed, when in ((False, "at once"), (True, "after the page's warm-up import")):
            for tree in trees:
                print(f"{tree.name}, Run {when}:\n{_figure1(tree, warmed=warmed)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
