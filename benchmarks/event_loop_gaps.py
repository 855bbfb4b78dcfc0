"""Benchmark: how long the window's event loop stalls while a partition computes.

A real QApplication with the main window shown, and a 10 ms QTimer on the GUI thread
recording when it fires. The window's partition runner (app.jobs.partition_runner,
as the Cells pages use it, with their compute functions app.cells.controller and
app.cells3d.controller.compute_cells)
computes the exact cells of a random 8x64 MLP (~130,000 cells) in its worker thread;
``--space 3d --widths 32 32 32`` times the Cells 3D page's 3x32 partition (117,376 cells)
instead.
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
from app.cells3d.controller import Cells3DRequest  # noqa: E402
from app.cells3d.controller import compute_cells as compute_cells_3d  # noqa: E402
from app.jobs import partition_runner  # noqa: E402
from app.jobs.partition_runner import PartitionRunner  # noqa: E402
from app.shell.main_window import MainWindow  # noqa: E402
from engine.networks import random_mlp  # noqa: E402

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
BOUNDS_3D = (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)
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


def _request(model, ticket, space: str):
    """The job a page submits: the Cells page's (2-D) or the Cells 3D page's."""
    if space == "3d":
        return compute_cells_3d, Cells3DRequest(model, BOUNDS_3D, len(model) // 2, ticket)
    return compute_cells, CellsRequest(model, BOUNDS, len(model) // 2, ticket, None, 2_000_000)


def partition_run(window: MainWindow, model, pause_gc: bool, space: str = "2d") -> Gaps:
    """Gaps while the window's partition runner computes ``model``'s cells."""
    runner = PartitionRunner(window)
    results = []
    runner.result_ready.connect(results.append)
    runner.job_failed.connect(results.append)
    pause = partition_runner.paused_gc
    if not pause_gc:
        partition_runner.paused_gc = contextlib.nullcontext
    try:
        compute, request = _request(model, runner.issue(), space)
        gaps = _ticks_while(lambda: runner.submit(compute, request), lambda: bool(results))
    finally:
        partition_runner.paused_gc = pause
        runner.shutdown()
    if isinstance(results[0], BaseException):
        raise results[0]
    return dataclasses.replace(gaps, n_cells=results[0].partition.n_regions)


def paths_training_run(window: MainWindow, app: QApplication) -> Gaps:
    """Gaps while the Paths page retrains its autoencoder and classifier in its worker."""
    page = window.show_page("paths")
    controller = page.controller
    deadline = time.perf_counter() + 120
    while (controller.models is None or controller.is_training) and time.perf_counter() < deadline:
        app.processEvents()  # the shipped models load first
        time.sleep(0.01)
    finished = []
    controller.training_finished.connect(finished.append)
    gaps = _ticks_while(controller.retrain, lambda: bool(finished))
    controller.training_finished.disconnect(finished.append)
    return gaps


def idle_run(seconds: float) -> Gaps:
    """Gaps of the idle event loop for ``seconds``."""
    end = time.perf_counter() + seconds
    return _ticks_while(lambda: None, lambda: time.perf_counter() >= end)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[64] * 8)
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind")
    parser.add_argument(
        "--paths-training",
        action="store_true",
        help="time the Paths page retraining its networks instead of a partition",
    )
    parser.add_argument(
        "--space",
        choices=("2d", "3d"),
        default="2d",
        help="the Cells page's 2-D partition, or the Cells 3D page's (try --widths 32 32 32)",
    )
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    inputs = 3 if args.space == "3d" else 2
    model = random_mlp(args.widths, n_inputs=inputs, seed=0, bias_std=0.1, dtype=torch.float64)
    name = "x".join(map(str, args.widths))
    print(
        f"event-loop gaps ({TICK_MS} ms QTimer on the GUI thread) while the partition "
        f"runner computes {name} on {BOUNDS_3D if inputs == 3 else BOUNDS}; "
        f"python {sys.version.split()[0]}, torch {torch.__version__}"
    )
    if args.paths_training:
        print(f"event-loop gaps ({TICK_MS} ms QTimer) while the Paths page retrains")
        print(f"{'run':<26} {'time':>9} {'cells':>9} {'longest gap':>12}")
        for _ in range(args.runs):
            gaps = paths_training_run(window, app)
            print(gaps.row("Paths training"))
            print(idle_run(gaps.seconds).row("idle loop (reference)"))
        window.close()
        return
    # Warm up: the kernels load (or compile) outside the timed runs.
    partition_run(window, random_mlp([8, 8], n_inputs=inputs, seed=0), True, args.space)
    over = "  ".join(f">{t:>3}" for t in THRESHOLDS_MS)
    print(
        f"{'run':<26} {'time':>9} {'cells':>9} {'longest gap':>12}  {over} ms"
        f" {'full gcs':>8} {'longest':>9}"
    )
    for run in range(args.runs):
        # Each kind goes first in turn: the first partition after an idle spell is slower.
        for pause_gc in (run % 2 == 0, run % 2 == 1):
            gaps = partition_run(window, model, pause_gc, args.space)
            print(gaps.row("partition, gc paused" if pause_gc else "partition, gc not paused"))
        print(idle_run(gaps.seconds).row("idle loop (reference)"))
    window.close()


if __name__ == "__main__":
    main()
