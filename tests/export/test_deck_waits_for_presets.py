"""A deck's preset figure shows the preset's own result, never the page's earlier one.

A full deck first writes every page's figures at the page's defaults, then each preset's.
A preset that trains a new network (or computes a new answer) must be exported once that
work is done and drawn: the page's result from its defaults is already on screen, and a
deck that took it for the preset's wrote a half-trained fit or the defaults' jigsaw,
whichever the timing gave (a warm cache and a cold one then wrote different bytes).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.export.headless_run import HEADLESS_RUNNER, run_headless
from tests.export.test_cli_export import SVG, run_cli

#: In the subprocess: the figures a full deck writes for two pages, defaults first (as
#: ``--deck`` orders them), or the presets alone with ``alone`` as the second argument.
DECK_ORDER = (
    HEADLESS_RUNNER
    + """
from app.export.formats import ImageSize

size = ImageSize(pixels=(640, 360))
defaults = [Job("extrapolation", None, size=size), Job("jigsaw", None, size=size)]
presets = [Job(None, None, name, size) for name in ("extrapolation-abs", "jigsaw-3d")]
runner.deck = out
if sys.argv[2] == "alone":
    runner.jobs = presets
else:
    runner.jobs = [defaults[0], presets[0], defaults[1], presets[1]]
sys.exit(runner.run(app))
"""
)


def write_deck(folder, order: str) -> None:
    cache = {"SPLINESCOPE_CACHE_DIR": str(folder / "cache")}
    result = run_headless(DECK_ORDER, str(folder), order, extra_env=cache, timeout=600)
    assert result.returncode == 0, result.stderr


def test_a_preset_after_the_pages_defaults_is_exported_once_its_own_work_is_done(tmp_path):
    write_deck(tmp_path / "deck", "deck order")
    deck = tmp_path / "deck"
    fit = (deck / "extrapolation-abs-extrapolation.svg").read_text(encoding="utf-8")
    assert "epoch 1500/1500" in fit  # the preset's whole run, not a report on the way
    jigsaw = (deck / "jigsaw-3d-jigsaw.svg").read_text(encoding="utf-8")
    assert "in 3-D" in jigsaw and "Training" not in jigsaw
    write_deck(tmp_path / "alone", "alone")
    for name in ("extrapolation-abs-extrapolation.png", "jigsaw-3d-jigsaw.png"):
        assert (deck / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name


def test_a_preset_showing_another_hulls_experiment_gets_its_svg_too(tmp_path, monkeypatch):
    """Only Figure 1 is written at the Hulls page's defaults (``in_deck``); a preset that
    shows another experiment still gets its figure as PNG and SVG, with its title line."""
    monkeypatch.setenv("SPLINESCOPE_CACHE_DIR", str(tmp_path / "cache"))
    deck = tmp_path / "deck"
    preset = ["--preset", "hull-noise-dimensions", "--size", "640x360"]
    result = run_cli("export", "--deck", str(deck), *preset)
    assert result.returncode == 0, result.stderr
    svg = deck / "hull-noise-dimensions-hulls-noise.svg"
    root = ET.parse(svg).getroot()
    assert any("Convex hulls" in "".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert svg.name in (deck / "index.html").read_text(encoding="utf-8")
