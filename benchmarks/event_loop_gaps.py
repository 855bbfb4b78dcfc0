"""Benchmark: how long the window's event loop stalls while a partition computes.

A real QApplication with the main window shown, and a 10 ms QTimer on the GUI thread
recording when it fires. The window's partition runner (app.jobs.partition_runner,
as the Cells page uses it, with its compute function app.cells.controller.compute_cells)
computes the exact cells of a random 8x64 MLP (~130,000 cells) in its worker thread.
Prints, per run, the longest gap between two ticks and the number of gaps over 50, 100
and 200 ms, beside two references measured in the same process: the idle loop for as
long, and the same partition with the garbage-collection pause switched off. Beside each
run: the full (generation 2) garbage collections that ran during it and the longest of
them, which hold the GIL and stall the GUI. It asserts nothing.

Usage (from the repository root; needs a display, e.g. under xvfb-run)::

    python benchmarks/event_loop_gaps.py               # 8x64, 3 runs of each
    python benchmarks/event_loop_gaps.py --widths 64 64 64 64 --runs 1
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.cells.controller import CellsRequest, compute_cells  # noqa: E402
from app.jobs import partition_runner  # noqa: E402
from app.jobs.partition_runner import PartitionRunner  # noqa: E402
from app.shell.main_window import MainWindow  # noqa: E402
from engine.networks import random_mlp  # noqa: E402

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
TICK_MS = 10
THRESHOLDS_MS = (50, 100, 200)


@dataclass(frozen=True)
class Gaps:
    """The ticks' gaps (seconds) of one run, how long it took, and the seconds of every
    full garbage collection during it."""

    gaps: np.ndarray
    seconds: float
    n_cells: int | None
    full_collections: tuple[float, ...] = ()

    def row(self, name: str) -> str:
        longest = self.gaps.max() * 1e3 if len(self.gaps) else float("nan")
        over = "  ".join(f"{int((self.gaps > t / 1e3).sum()):>4}" for t in THRESHOLDS_MS)
        cells = "-" if self.n_cells is None else f"{self.n_cells:,}"
        collections = self.full_collections
        slowest = f"{max(collections) * 1e3:.0f} ms" if collections else "-"
        return (
            f"{name:<26} {self.seconds:7.2f} s {cells:>9} {longest:9.0f} ms  {over}"
            f" {len(collections):>8} {slowest:>9}"
        )


class FullCollections:
    """Seconds of the generation-2 garbage collections while it is active (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds.append(time.perf_counter() - self._started)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


def _ticks_while(start, is_done) -> Gaps:
    """Run the event loop with a 10 ms timer until ``is_done()``, after ``start()``."""
    app = QApplication.instance()
    stamps: list[float] = []
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(TICK_MS)

    def tick() -> None:
        stamps.append(time.perf_counter())
        if is_done():
            loop.quit()

    timer.timeout.connect(tick)
    app.processEvents()
    with FullCollections() as collections:
        began = time.perf_counter()
        timer.start()
        start()
        loop.exec()
        timer.stop()
    seconds = time.perf_counter() - began
    return Gaps(np.diff(np.array(stamps)), seconds, None, tuple(collections.seconds))


def partition_run(window: MainWindow, model, pause_gc: bool) -> Gaps:
    """Gaps while the window's partition runner computes ``model``'s cells."""
    runner = PartitionRunner(window)
    results = []
    runner.result_ready.connect(results.append)
    runner.job_failed.connect(results.append)
    pause = partition_runner.paused_gc
    if not pause_gc:
        partition_runner.paused_gc = contextlib.nullcontext
    try:
        ticket = runner.issue()
        request = CellsRequest(model, BOUNDS, len(model) // 2, ticket, None, 2_000_000)
        gaps = _ticks_while(lambda: runner.submit(compute_cells, request), lambda: bool(results))
    finally:
        partition_runner.paused_gc = pause
        runner.shutdown()
    if isinstance(results[0], BaseException):
        raise results[0]
    return dataclasses.replace(gaps, n_cells=results[0].partition.n_regions)


def idle_run(seconds: float) -> Gaps:
    """Gaps of the idle event loop for ``seconds``."""
    end = time.perf_counter() + seconds
    return _ticks_while(lambda: None, lambda: time.perf_counter() >= end)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[64] * 8)
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    model = random_mlp(args.widths, seed=0, bias_std=0.1, dtype=torch.float64)
    name = "x".join(map(str, args.widths))
    print(
        f"event-loop gaps ({TICK_MS} ms QTimer on the GUI thread) while the partition "
        f"runner computes {name} on {BOUNDS}; python {sys.version.split()[0]}, "
        f"torch {torch.__version__}"
    )
    # Warm up: the kernels load (or compile) outside the timed runs.
    partition_run(window, random_mlp([8, 8], seed=0), pause_gc=True)
    over = "  ".join(f">{t:>3}" for t in THRESHOLDS_MS)
    print(
        f"{'run':<26} {'time':>9} {'cells':>9} {'longest gap':>12}  {over} ms"
        f" {'full gcs':>8} {'longest':>9}"
    )
    for run in range(args.runs):
        # Each kind goes first in turn: the first partition after an idle spell is slower.
        for pause_gc in (run % 2 == 0, run % 2 == 1):
            gaps = partition_run(window, model, pause_gc=pause_gc)
            print(gaps.row("partition, gc paused" if pause_gc else "partition, gc not paused"))
        print(idle_run(gaps.seconds).row("idle loop (reference)"))
    window.close()


if __name__ == "__main__":
    main()
