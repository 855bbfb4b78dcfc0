"""First use: the window starts only the page it opens on, and the first-show probe of
``benchmarks/first_show.py`` records what the user saw, in order."""

from __future__ import annotations

import json

from app.shell.first_show import first_show_file, install_first_show_probe
from app.shell.main_window import MainWindow

TIMEOUT_MS = 60_000


def test_the_window_starts_only_the_page_it_opens_on(qtbot):
    window = MainWindow(first_page="hulls")
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    hulls, cells = window.page("hulls"), window.page("cells")
    qtbot.waitUntil(lambda: hulls.canvas.scene_data is not None, timeout=TIMEOUT_MS)
    assert window.pages.currentWidget() is hulls
    assert cells.canvas.partition is None  # not computing behind the page shown
    window.show_page("cells")  # its first show starts it
    qtbot.waitUntil(lambda: cells.canvas.partition is not None, timeout=TIMEOUT_MS)
    window.close()


def test_the_probe_writes_the_window_then_the_first_result(qtbot, tmp_path):
    assert first_show_file({}) is None and first_show_file({"SPLINESCOPE_FIRST_SHOW": " "}) is None
    out = tmp_path / "stamps.json"
    assert first_show_file({"SPLINESCOPE_FIRST_SHOW": str(out)}) == out
    window = MainWindow(first_page="cells")
    qtbot.addWidget(window)
    codes: list[int] = []
    install_first_show_probe(window, "cells", out, codes.append)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: bool(codes), timeout=TIMEOUT_MS)
    stamps = json.loads(out.read_text(encoding="utf-8"))
    assert codes == [0] and stamps["page"] == "cells" and stamps["failure"] is None
    assert stamps["window"] <= stamps["result"]
    assert window.page("cells").canvas.partition is not None  # the result it timed
    window.close()
