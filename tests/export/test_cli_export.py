"""``python main.py export`` in a subprocess with no display: files, deck and bad names."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.cells.page import DEFAULT_BOUNDS, default_model
from app.presets.files import preset_names
from engine.partition2d import partition_2d
from tests.read_only import read_only_folder

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``main.py`` with no display at all: no DISPLAY, no WAYLAND_DISPLAY, no Qt platform."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XAUTHORITY")
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_documents_the_export_command():
    result = run_cli("--help", timeout=60)
    assert result.returncode == 0 and "export" in result.stdout
    result = run_cli("export", "--help", timeout=60)
    assert result.returncode == 0
    for option in ("--preset", "--view", "--out", "--size", "--scale", "--deck", "--frames"):
        assert option in result.stdout


def test_a_bad_preset_exits_listing_the_presets(tmp_path):
    result = run_cli("export", "--preset", "no-such-preset", "--out", str(tmp_path / "x.png"))
    assert result.returncode != 0
    assert "no-such-preset" in result.stderr
    for name in preset_names():
        assert name in result.stderr


def test_an_unwritable_out_path_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    from app.export.headless import run_export

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert run_export(["--view", "cells", "--out", str(blocker / "cells.png")]) == 2
    assert "cannot make the folder" in capsys.readouterr().err
    assert run_export(["--view", "cells", "--out", str(tmp_path / "cells.bmp")]) == 2
    assert ".bmp" in capsys.readouterr().err
    assert run_export(["--deck", str(blocker / "deck")]) == 2
    assert "cannot make the folder" in capsys.readouterr().err
    out = tmp_path / "cells.png"
    out.mkdir()  # a folder where the file should go
    assert run_export(["--view", "cells", "--out", str(out)]) == 2
    assert "is a folder" in capsys.readouterr().err

    locked = read_only_folder(monkeypatch, tmp_path / "locked")
    assert run_export(["--view", "cells", "--out", str(locked / "cells.png")]) == 2
    assert capsys.readouterr().err == (
        f"splinescope export: The folder {locked} is read-only for you: choose a folder "
        "you can write to (for example your home folder).\n"
    )
    assert list(locked.iterdir()) == []


def test_one_svg_headless_then_a_bad_view(tmp_path):
    out = tmp_path / "cells.svg"
    result = run_cli("export", "--view", "cells", "--out", str(out), "--size", "800x600")
    assert result.returncode == 0, result.stderr
    root = ET.parse(out).getroot()
    cells = [p for p in root.iter(f"{SVG}polygon") if p.get("class") == "cell"]
    # The default network's cells, computed here independently of the app.
    expected = partition_2d(default_model(), DEFAULT_BOUNDS).n_regions
    assert len(cells) == expected
    assert (root.get("width"), root.get("height")) == ("800", "600")

    bad = run_cli("export", "--view", "no-such-view", "--out", str(tmp_path / "x.png"))
    assert bad.returncode != 0
    assert "no-such-view" in bad.stderr
    for name in ("cells", "cells-layers", "volume-cube", "playground-training"):
        assert name in bad.stderr


@pytest.mark.parametrize("presets", [("ball-in-cube", "cells-layer-by-layer")])
def test_deck_writes_each_figure_and_an_index(tmp_path, presets):
    deck = tmp_path / "deck"
    args = ["export", "--deck", str(deck), "--size", "640x360", "--theme", "talk"]
    for name in presets:
        args += ["--preset", name]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    index = (deck / "index.html").read_text(encoding="utf-8")
    for name, view in zip(presets, ("volume-fraction", "cells"), strict=True):
        png = deck / f"{name}-{view}.png"
        assert QImage(str(png)).size().toTuple() == (640, 360)
        assert png.name in index and name in index
    # Figure views get an SVG beside their PNG, with their title line.
    fraction = ET.parse(deck / "ball-in-cube-volume-fraction.svg").getroot()
    assert any("falls faster" in "".join(t.itertext()) for t in fraction.iter(f"{SVG}text"))
    svg = ET.parse(deck / "cells-layer-by-layer-cells.svg").getroot()
    assert any(p.get("class") == "cell" for p in svg.iter(f"{SVG}polygon"))


def test_the_offscreen_platforms_noise_is_kept_off_stderr(capsys):
    from PySide6.QtCore import QLoggingCategory, qCWarning, qInstallMessageHandler, qWarning

    from app.export.headless import quiet_offscreen_messages

    previous = qInstallMessageHandler(quiet_offscreen_messages)
    try:
        qWarning("This plugin does not support propagateSizeHints()")
        qWarning("This plugin does not support lower()")
        qWarning("This plugin does not support setParent!")
        qWarning("QPainter::end: Painter not active")
        qCWarning(QLoggingCategory("qt.qpa.fonts"), "This plugin does not support lower() yet")
    finally:
        qInstallMessageHandler(previous)
    assert capsys.readouterr().err == (
        "QPainter::end: Painter not active\n"
        "qt.qpa.fonts: This plugin does not support lower() yet\n"
    )


def test_a_warm_cache_writes_the_same_deck_and_no_cache_stores_nothing(tmp_path, monkeypatch):
    """xor-4 trains its network: the second run reads it from the cache and writes the
    same bytes; a damaged entry is computed again; --no-cache neither reads nor writes."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SPLINESCOPE_CACHE_DIR", str(cache))
    args = ["export", "--preset", "xor-4", "--size", "640x360", "--theme", "talk"]

    def deck(name: str, *more: str) -> bytes:
        result = run_cli(*args, "--deck", str(tmp_path / name), *more)
        assert result.returncode == 0, result.stderr
        return (tmp_path / name / "xor-4-playground.png").read_bytes()

    cold = deck("cold")
    (entry,) = cache.glob("training-run-*.safetensors")
    stored = entry.stat().st_mtime_ns
    assert deck("warm") == cold
    assert entry.stat().st_mtime_ns == stored  # read, not written again
    entry.write_bytes(b"not a cache file")
    assert deck("damaged") == cold
    assert entry.read_bytes() != b"not a cache file"  # stored again, whole
    monkeypatch.setenv("SPLINESCOPE_CACHE_DIR", str(tmp_path / "unused"))
    assert deck("bypassed", "--no-cache") == cold
    assert not (tmp_path / "unused").exists()
