"""Benchmark: redraws of the exact cells per second while a network trains.

The real Playground page (controller, training worker, newest-only frame worker, canvas)
trains on two spirals for a few seconds per network; the frames it draws are counted.
A frame is the exact partition, decision boundary, per-cell predictions, class pieces
and cells per layer, computed in a worker, then drawn on the GUI thread. Beside it, in the
same run and on the final network: the cost of one frame computed and drawn alone, and of
a 100 x 100 sampled heatmap redraw (the network evaluated on a grid, coloured, drawn as an image),
which is all a sampled view such as TensorFlow Playground's draws.

Prints only; asserts nothing about time. Usage, from the repository root::

    python benchmarks/training_redraw.py             # 6 s of training per network
    python benchmarks/training_redraw.py --seconds 3
    OPENBLAS_NUM_THREADS=1 python benchmarks/training_redraw.py
    python benchmarks/training_redraw.py --tree ../before --tree .   # both, same run

``--tree DIR`` (repeatable) runs this benchmark, one fresh process per tree, on the code
of another checkout (an older commit's worktree, say), to compare before and after.

On 2 cores the training thread, the frame worker and the GUI thread already take both;
OpenBLAS's own threads then only wait for each other, and the partition's matrix
products slow down about twofold: compare the runs with and without the variable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: The checkout whose code is measured: this one, or the one ``--tree`` runs.
TREE_ENV = "TRAINING_REDRAW_TREE"
ROOT = Path(os.environ.get(TREE_ENV) or Path(__file__).resolve().parents[1])
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEventLoop, QRectF, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.playground.controller import PlaygroundController  # noqa: E402
from app.playground.frames import FrameRequest, compute_frame  # noqa: E402
from app.playground.page import PlaygroundPage, cell_counts  # noqa: E402
from app.playground.state import MAX_EPOCHS, PlaygroundState  # noqa: E402
from engine.datasets import DATA_BOUNDS  # noqa: E402
from engine.networks import network_layers  # noqa: E402
from engine.sampled_cells import pixel_centres, sample_cells  # noqa: E402
from engine.training import TrainingHistory  # noqa: E402
from widgets.common.class_colours import class_fill_colours  # noqa: E402

#: widths -> target frames per second on 2 cores (from the issue).
TARGETS = {(8, 8): 30.0, (32, 32, 32): 15.0}
HEATMAP_SIDE = 100
#: Curve updates replayed to time them (spread over the run's epochs).
CURVE_UPDATES = 120


def _wait(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def _wait_until(app: QApplication, condition, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the page did not settle")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its running children (the training and frame
    processes), from /proc (0 for a child that ends meanwhile)."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError, IndexError):
            continue
        if int(fields[1]) == os.getpid():
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _median_ms(fn, repeats: int = 7, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times) * 1e3


def _live_run(app: QApplication, widths: tuple[int, ...], seconds: float) -> dict:
    """Train on the page for ``seconds``; count snapshots and frames drawn."""
    controller = PlaygroundController(
        PlaygroundState(dataset="two_spirals", widths=widths, epochs=MAX_EPOCHS)
    )
    page = PlaygroundPage(controller)
    page.resize(1400, 900)
    page.show()
    _wait_until(app, lambda: page.frames_drawn >= 1)
    frames: list[tuple[float, float]] = []
    snapshots: list[int] = []
    counts: list[tuple[float, ...]] = []
    page.frame_shown.connect(lambda f: frames.append((time.perf_counter(), f.seconds)))
    page.frame_shown.connect(lambda f: counts.append((float(f.epoch), *cell_counts(f))))
    controller.snapshot_received.connect(lambda s: snapshots.append(s.epoch))
    played = time.perf_counter()
    controller.play()
    # The window opens with the first snapshot: before it, the training process may
    # still be importing torch (the page's first frames come without it).
    _wait_until(app, lambda: snapshots)
    start_s = time.perf_counter() - played
    frames.clear()
    snapshots.clear()
    gui_cpu, all_cpu = time.thread_time(), _cpu_with_children()
    _wait(app, seconds)
    gui_cpu, all_cpu = time.thread_time() - gui_cpu, _cpu_with_children() - all_cpu
    controller.pause()
    _wait_until(app, lambda: not controller.is_busy)
    span = frames[-1][0] - frames[0][0] if len(frames) > 1 else float("nan")
    result = {
        "page": page,
        "fps": (len(frames) - 1) / span,
        "snapshots_per_s": len(snapshots) / seconds,
        "epochs_per_s": (snapshots[-1] - snapshots[0] if snapshots else 0) / seconds,
        "start_s": start_s,
        "compute_ms": statistics.median(s for _, s in frames) * 1e3,
        "frames": len(frames),
        # CPU per frame drawn: of the GUI thread, and of the whole process and its
        # children (training, frames, GUI); wall-clock rates depend on the other load.
        "gui_cpu_ms": gui_cpu / max(len(frames), 1) * 1e3,
        "all_cpu_ms": all_cpu / max(len(frames), 1) * 1e3,
        "cells": controller.frame.n_cells,
        "cell_counts": counts,
    }
    return result


def _curves_cost(app: QApplication, page: PlaygroundPage, counts: list[tuple]) -> float:
    """The GUI thread's CPU ms per redraw of the curves (loss, cells, accuracy), replaying
    the run epoch by epoch: set the data, let the axes refit, paint the three plots."""
    history = page.controller.snapshot.history
    curves = page.curves
    rows = np.asarray(counts, float).reshape(-1, 4)
    ends = np.unique(np.linspace(1, len(history), min(CURVE_UPDATES, len(history))).astype(int))
    columns = ("epoch", "train_loss", "test_loss", "train_score", "test_score")
    start = time.thread_time()
    for end in ends:
        shown = TrainingHistory(*(getattr(history, name)[:end] for name in columns))
        curves.set_history(shown)
        curves.set_cell_counts(*rows[rows[:, 0] < end].T)
        app.processEvents()  # the axes' refits (a zero timer), then the paint they ask for
        app.processEvents()
    return (time.thread_time() - start) / len(ends) * 1e3


def _single_frame_costs(page: PlaygroundPage) -> tuple[float, float, float]:
    """Median ms to compute the exact frame of the final snapshot and to draw it, and
    the GUI thread's CPU ms to draw it."""
    c = page.controller
    request = FrameRequest(c.snapshot, c.dataset, c.transform, c.view, DATA_BOUNDS, c.run_id)
    compute_ms = _median_ms(lambda: compute_frame(request))
    frame = compute_frame(request)
    viewport = page.cells.canvas.viewport()

    # A tree from before the worker built the drawing has no ``frame.drawing``.
    prebuilt = {"drawing": frame.drawing} if hasattr(frame, "drawing") else {}

    def draw() -> None:
        page.cells.show_exact(
            frame.partition, frame.boundary, frame.predictions, 2, pieces=frame.pieces, **prebuilt
        )
        page.statistics.set_statistics(
            frame.layer_cells, frame.mixed_cells, frame.region_bounds, exact=True
        )
        viewport.repaint()

    return compute_ms, _median_ms(draw), _median_ms(draw, clock=time.thread_time)


def _heatmap_cost(page: PlaygroundPage) -> tuple[float, float]:
    """Median ms of a 100 x 100 sampled heatmap redraw (evaluate, colour, draw), and of a
    100 x 100 sampled activation-pattern image (the app's sampled view) for comparison."""
    c = page.controller
    model = c.snapshot.model()
    layers = network_layers(model)
    image = pg.ImageItem(axisOrder="row-major")
    image.setZValue(50)
    page.cells.canvas.getPlotItem().addItem(image)
    viewport = page.cells.canvas.viewport()
    xmin, xmax, ymin, ymax = DATA_BOUNDS
    centres = pixel_centres(DATA_BOUNDS, HEATMAP_SIDE, HEATMAP_SIDE)

    def heatmap() -> None:
        outputs, _ = layers.forward(centres)
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        confidence = 1.0 / shifted.sum(axis=1)
        rgb = class_fill_colours(outputs.argmax(axis=1), confidence, outputs.shape[1])
        image.setImage(rgb.reshape(HEATMAP_SIDE, HEATMAP_SIDE, 3), autoLevels=False)
        image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
        viewport.repaint()

    heatmap_ms = _median_ms(heatmap)
    page.cells.canvas.getPlotItem().removeItem(image)

    def patterns() -> None:
        sampled = sample_cells(model, c.transform, DATA_BOUNDS, HEATMAP_SIDE)
        page.cells.show_sampled(c.frame.partition, sampled, 2)
        viewport.repaint()

    return heatmap_ms, _median_ms(patterns)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="training time per network")
    parser.add_argument("--tree", action="append", type=Path, default=[])
    args = parser.parse_args(argv)
    if args.tree:
        for tree in args.tree:
            print(f"\n== {tree.resolve()}", flush=True)
            env = dict(os.environ, **{TREE_ENV: str(tree.resolve())})
            command = [sys.executable, __file__, "--seconds", str(args.seconds)]
            subprocess.run(command, cwd=tree, env=env, check=False)
        return
    app = QApplication.instance() or QApplication([sys.argv[0]])

    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(
        f"Playground on two spirals (400 points), Adam, batch 16; {os.cpu_count()} cores, "
        f"{torch.get_num_threads()} torch threads (1 while training), OPENBLAS_NUM_THREADS "
        f"{blas}, Qt platform {app.platformName()}; {args.seconds:g} s of training per network"
    )
    header = (
        f"{'network':>9} {'cells':>6} {'epochs/s':>9} {'snaps/s':>8} {'frames/s':>9} "
        f"{'target':>11} {'compute':>9} {'draw':>8} {'heatmap':>9} {'ratio':>7} "
        f"{'sampled':>9} {'draw cpu':>9} {'gui cpu/f':>10} {'all cpu/f':>10} {'curves cpu':>10} "
        f"{'start':>7}"
    )
    print(header)
    print("-" * len(header))
    for widths, target in TARGETS.items():
        live = _live_run(app, widths, args.seconds)
        page = live["page"]
        compute_ms, draw_ms, draw_cpu_ms = _single_frame_costs(page)
        heatmap_ms, patterns_ms = _heatmap_cost(page)
        curves_ms = _curves_cost(app, page, live["cell_counts"])
        verdict = "met" if live["fps"] >= target else "MISSED"
        name = "-".join(map(str, widths))
        print(
            f"{name:>9} {live['cells']:>6,} {live['epochs_per_s']:>9.0f} "
            f"{live['snapshots_per_s']:>8.1f} {live['fps']:>9.1f} "
            f"{f'>={target:g} {verdict}':>11} {compute_ms:>7.1f}ms {draw_ms:>6.1f}ms "
            f"{heatmap_ms:>7.1f}ms {(compute_ms + draw_ms) / heatmap_ms:>6.1f}x "
            f"{patterns_ms:>7.1f}ms {draw_cpu_ms:>7.1f}ms {live['gui_cpu_ms']:>8.1f}ms "
            f"{live['all_cpu_ms']:>8.1f}ms {curves_ms:>8.1f}ms {live['start_s']:>6.2f}s"
        )
        page.shutdown()
        page.close()
        page.deleteLater()
    print(
        "frames/s: exact frames drawn per second while training (newest-only, stale "
        "snapshots dropped); compute/draw: one exact frame of the final network, alone; "
        f"heatmap: a {HEATMAP_SIDE}x{HEATMAP_SIDE} sampled heatmap redraw of the same "
        "network; ratio: (compute + draw) / heatmap; sampled: the app's sampled "
        f"activation-pattern view at {HEATMAP_SIDE}x{HEATMAP_SIDE}; draw cpu: the GUI "
        "thread's CPU time of that draw; gui cpu/f, all cpu/f: CPU time of the GUI thread "
        "and of the whole process with its training and frame processes while training, "
        "per frame drawn (less than the wall time per frame when other programs share the "
        "cores); curves cpu: the GUI thread's CPU time of one redraw of the curves (data, "
        "axes, paint), the run replayed epoch by epoch; start: Play to the first snapshot "
        "(the rates are measured from there)."
    )


if __name__ == "__main__":
    main()
