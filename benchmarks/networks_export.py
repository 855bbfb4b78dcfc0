"""Cost of exporting the Networks page's figure: writing its SVG and its progress reports.

Computes the default slice of the shipped digits CNN (61,308 cells) once, shows it on the
page and times, at 1920x1080 in the talk theme: writing the figure's SVG document
(:func:`app.export.cells_svg.cell_figure_svg`) against, as the same-run reference,
rasterising that document with Qt (what a PNG export does next). Then feeds the page 400
progress reports as fast as the engine sends them and times the GUI thread, against the
same 400 reports shown one by one (the page's status line, bar and status bar each time).
Prints medians and ratios; asserts nothing.

Usage (from the repository root, with a display or ``QT_QPA_PLATFORM=offscreen``)::

    python benchmarks/networks_export.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.export.cells_svg import cell_figure_svg  # noqa: E402
from app.export.vector import render_svg  # noqa: E402
from app.jobs.partition_runner import PartitionTicket  # noqa: E402
from app.networks.export import networks_figure  # noqa: E402
from app.networks.page import NetworksPage  # noqa: E402
from app.networks.slicing import SliceRequest, compute_slice  # noqa: E402
from app.networks.state import NetworksState  # noqa: E402
from benchmarks.timing import format_seconds, median_time  # noqa: E402
from widgets.common.theme import TALK_THEME  # noqa: E402

SIZE = (1920, 1080)
REPORTS = 400


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    state = NetworksState()
    request = SliceRequest(
        PartitionTicket(1), None, None, state.anchors, state.margin, state.domain, None
    )
    shown = compute_slice(request)
    page = NetworksPage()
    page.resize(1400, 850)
    page.show()
    page.controller._on_slice_ready(shown)  # what the worker's result does
    app.processEvents()
    figure = replace(networks_figure(page), theme=TALK_THEME)
    write, svg = median_time(lambda: cell_figure_svg(figure, *SIZE), 5, 30.0)
    raster, _ = median_time(lambda: render_svg(svg, *SIZE), 3, 30.0)
    print(
        f"{shown.partition.n_regions:,} cells, SVG {len(svg) / 1e6:.1f} MB: writing "
        f"{format_seconds(write)}, rasterising with Qt {format_seconds(raster)} "
        f"(writing / rasterising = {write / raster:.2f})"
    )

    def burst(report) -> float:
        start = time.perf_counter()
        for k in range(REPORTS):
            report(1 + 5 * k // REPORTS, 5, 150 * k)
            app.processEvents()
        return time.perf_counter() - start

    page.controller.slice_requested.emit(5)  # the bar starts, as for a new slice
    times = {"paced": [], "each": []}
    for _ in range(3):
        times["each"].append(burst(page._on_slice_progress))  # every report shown
        times["paced"].append(burst(page.controller.slice_progress.emit))
    paced, each = min(times["paced"]), min(times["each"])
    print(
        f"{REPORTS} progress reports on the GUI thread: paced {format_seconds(paced)}, "
        f"each shown {format_seconds(each)} (paced / each = {paced / each:.2f})"
    )
    page.shutdown()


if __name__ == "__main__":
    main()
