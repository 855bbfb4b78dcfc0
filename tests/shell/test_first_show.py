"""First use: the window shows before its pages are built, starts only the page it opens
on, builds the others when visited (or restored), and the first-show probe of
``benchmarks/first_show.py`` records what the user saw, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.registry import PAGES
from app.shell.first_show import first_show_file, install_first_show_probe
from app.shell.main_window import LATER_MODULES, MainWindow
from app.shell.user_files import DATA_DIR_VARIABLE
from app.volume.state import VolumeState
from engine.session_file import read_session

ROOT = Path(__file__).resolve().parents[2]

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


def test_the_window_shows_before_a_page_is_built_and_a_visit_builds_it(qtbot):
    window = MainWindow(first_page="cells")
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    volume_tab = [spec.key for spec in PAGES].index("volume")
    assert not window.page_tabs.is_built("volume")
    placeholder = window.pages.widget(volume_tab)
    assert placeholder.findChild(QLabel, "pageLoadingLabel").text() == "Loading the Volume page…"
    bar = window.pages.tabBar()
    with qtbot.waitSignal(window.page_tabs.page_built, timeout=TIMEOUT_MS) as built:
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(volume_tab).center())
    assert built.args[0] == "volume" and window.page_tabs.is_built("volume")
    page = window.pages.currentWidget()
    assert page is window.page("volume") and window.pages.tabText(volume_tab) == "Volume"
    assert window.current_key() == "volume" and "volume" in window.page_tabs.built()
    assert _view_sections(window) == ["Cells panels", "Appearance"]  # the pages built
    window.close()


def _view_sections(window) -> list[str]:
    return [a.text() for a in window.view_menu.actions() if a.isSeparator() and a.text()]


def test_a_session_restores_onto_a_page_never_built(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))
    first = MainWindow(first_page="volume")
    qtbot.addWidget(first)
    first.page("volume").controller.set_state(VolumeState(dimension=23))
    path = tmp_path / "volume.splinescope"
    assert first.sessions.save_to(path)
    assert read_session(path).keys() == {"volume"}  # only the pages built
    first.close()
    second = MainWindow(first_page="cells")
    qtbot.addWidget(second)
    assert not second.page_tabs.is_built("volume")
    second.sessions.load_path(path)
    assert second.page_tabs.is_built("volume")
    assert second.page("volume").controller.state.dimension == 23
    second.close()


@pytest.mark.parametrize("key", ["volume", "cells3d", "cells", "playground"])
def test_a_fresh_process_paints_its_window_before_building_its_page(tmp_path, key):
    out = tmp_path / "stamps.json"
    env = dict(os.environ, SPLINESCOPE_FIRST_SHOW=str(out), HOME=str(tmp_path / "home"))
    done = subprocess.run(
        [sys.executable, "main.py", "--page", key],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    stamps = json.loads(out.read_text(encoding="utf-8"))
    assert stamps["failure"] is None and stamps["page"] == key
    assert stamps["window"] < stamps["built"] <= stamps["result"]
    # The Volume, Cells 3D, Cells and Playground pages' first results need no torch (a
    # second of start-up); the probe says whether it was imported by then.
    assert stamps["torch_at_result"] is False


#: The pages whose first result needs no torch, and the modules that show it: each page's
#: spec (its page, controller and export views) and the engine code its first result runs.
TORCH_FREE_FIRST_RESULTS = {
    "cells": (
        "app.cells.spec",
        "engine.networks",
        "engine.partition2d",
        "engine.decision",
        "engine.probe",
        "engine.segment_walk",
    ),
    "playground": (
        "app.playground.spec",
        "engine.training_start",
        "engine.partition2d",
        "engine.class_pieces",
        "engine.cell_statistics",
        "engine.sampled_cells",
        "engine.local_complexity",
        "engine.region_bounds",
    ),
    "volume": ("app.volume.spec", "engine.volumes", "engine.packings"),
    "cells3d": (
        "app.cells3d.spec",
        "engine.networks",
        "engine.partition3d",
        "engine.decision3d",
        "engine.probe3d",
        "engine.datasets",
    ),
}


@pytest.mark.parametrize("key", sorted(TORCH_FREE_FIRST_RESULTS))
def test_a_page_whose_first_result_needs_no_torch_does_not_import_it(key):
    """Importing torch costs about a second before the first result: a module that
    imports it at its top on such a page's path fails this test."""
    modules = TORCH_FREE_FIRST_RESULTS[key]
    code = (
        "import importlib, sys\n"
        f"for module in {modules!r}:\n"
        "    importlib.import_module(module)\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False", f"importing {modules} imported torch"


@pytest.mark.parametrize("key", ["hulls", "playground", "volume", "cells3d"])
def test_the_probe_times_what_a_user_sees_first_not_a_whole_run(qtbot, tmp_path, key):
    """Hulls: the training set and the verdict, with no experiment started; Playground:
    the untrained network's exact cells, with no training started; Volume: the distances
    and the Monte-Carlo run's first look, the run refining; Cells 3D: the cells of the
    network training starts from, the training under way."""
    out = tmp_path / f"{key}.json"
    window = MainWindow(first_page=key)
    qtbot.addWidget(window)
    codes: list[int] = []
    install_first_show_probe(window, key, out, codes.append)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: bool(codes), timeout=TIMEOUT_MS)
    stamps = json.loads(out.read_text(encoding="utf-8"))
    assert codes == [0] and stamps["failure"] is None
    assert stamps["built"] <= stamps["result"]
    page = window.page(key)
    if key == "hulls":
        assert page.canvas.scene_data is not None
        assert "distance" in page.verdict_label.text() or "%" in page.verdict_label.text()
        assert not any(page.controller.is_running(k) for k in page.panels)
    elif key == "playground":
        assert page.cells.partition.n_regions > 1 and page.frames_drawn >= 1
        assert not page.controller.is_training
    elif key == "volume":
        assert len(page.fraction_plot.monte_carlo) == 16 and page.controller.is_sampling
        assert "in the ball" in page.distance_readout.text()
    else:
        assert page.view.scene.partition.n_regions > 1 and page.controller.is_training
    window.close()


def test_the_other_pages_are_imported_after_the_first_result(qtbot, tmp_path, monkeypatch):
    """Their imports would compete with the first page's work for the interpreter."""
    window = MainWindow(first_page="hulls")
    qtbot.addWidget(window)
    asked: list[list[str]] = []
    monkeypatch.setattr(window.importer, "request", lambda modules, **_: asked.append(modules))
    at_result: list[int] = []
    install_first_show_probe(
        window, "hulls", tmp_path / "stamps.json", lambda code: at_result.append(len(asked))
    )
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: bool(at_result), timeout=TIMEOUT_MS)
    # Pages imported by earlier tests are not asked for again; the later modules always are.
    rest = {entry.module for entry in PAGES if entry.key != "hulls"} | set(LATER_MODULES)
    assert not any(rest & set(modules) for modules in asked[: at_result[0]])
    qtbot.waitUntil(lambda: any(set(LATER_MODULES) <= set(m) for m in asked), timeout=TIMEOUT_MS)
    window.close()
