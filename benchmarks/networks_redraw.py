"""GUI-thread cost of showing a Networks page slice, against the bare cell canvas.

Computes the default slice of the shipped digits CNN once (the page's worker job), then
times on the GUI thread: the page showing it (class fills, edges, decision boundary,
marks, probe readout) and, as the same-run reference, ``CellCanvas.set_partition`` of
the same partition (what the Cells page does). Also times one probe move (cell lookup,
decoded input, predicted class, pattern changes; the Jacobian is a worker's). Prints
medians and ratios; asserts nothing.

Usage (from the repository root, with a display or ``QT_QPA_PLATFORM=offscreen``)::

    python benchmarks/networks_redraw.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.jobs.partition_runner import PartitionTicket  # noqa: E402
from app.networks.page import NetworksPage  # noqa: E402
from app.networks.slicing import SliceRequest, compute_slice  # noqa: E402
from app.networks.state import NetworksState  # noqa: E402
from benchmarks.timing import format_seconds, median_time  # noqa: E402
from widgets.canvas.cell_canvas import CellCanvas  # noqa: E402


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    state = NetworksState()
    start = time.perf_counter()
    shown = compute_slice(
        SliceRequest(
            PartitionTicket(1), None, None, state.anchors, state.margin, state.domain, None
        )
    )
    print(
        f"default slice: {shown.partition.n_regions:,} cells, computed in "
        f"{time.perf_counter() - start:.1f} s (worker job, incl. loading and tracing)"
    )
    page = NetworksPage()
    page.resize(1400, 850)
    canvas = CellCanvas()
    canvas.resize(800, 800)

    def page_draw() -> None:
        page.controller._on_slice_ready(shown)  # what the worker's result does
        app.processEvents()

    def canvas_draw() -> None:
        canvas.set_partition(shown.partition, shown.boundary)
        app.processEvents()

    page_draw()
    canvas_draw()
    page_seconds, _ = median_time(page_draw, 5, 30.0)
    canvas_seconds, _ = median_time(canvas_draw, 5, 30.0)
    centre = shown.plane.anchors.mean(axis=0)
    rng = np.random.default_rng(0)
    steps = centre + rng.normal(scale=0.05, size=(50, 2))
    index = iter(range(10**9))

    def probe_move() -> None:
        s, t = steps[next(index) % len(steps)]
        page.controller.set_probe(float(s), float(t))

    probe_seconds, _ = median_time(probe_move, 50, 10.0)
    print(
        f"GUI thread: page shows the slice {format_seconds(page_seconds)}, bare canvas "
        f"{format_seconds(canvas_seconds)} (page / canvas = {page_seconds / canvas_seconds:.2f}); "
        f"one probe move {format_seconds(probe_seconds)}"
    )
    page.shutdown()


if __name__ == "__main__":
    main()
