"""``splinescope export`` refuses counts no page can honour at once (exit 2, one sentence),
and every wait of a run ends with a message naming what it waited for."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.export import animation, runner
from app.export.formats import ExportOptions, ImageSize
from app.export.headless import run_export
from app.export.plan import Job
from app.export.ready import Readiness
from app.export.targets import ExportAnimation, WaitFor
from tests.export.test_cli_export import run_cli


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--scale", "0", "--scale 0 is out of range"),
        ("--scale", "-2", "--scale -2 is out of range"),
        ("--scale", "nan", "--scale nan is out of range"),
        ("--frames", "0", "--frames 0 is out of range: an animation has 1 to 2000 frames."),
        ("--frames", "-1", "--frames -1 is out of range"),
        ("--frames", "2001", "--frames 2001 is out of range"),
        ("--layers", "-1", "--layers -1 is out of range"),
        ("--size", "0x600", "--size 0x600: each side must be between 1 and 16384 pixels."),
    ],
)
def test_a_count_out_of_range_exits_2_before_any_window(tmp_path, capsys, option, value, says):
    out = tmp_path / "layers.gif"
    assert run_export(["--view", "cells-layers", "--out", str(out), option, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"splinescope export: {says}")
    assert err.count("\n") == 1 and err.rstrip().endswith(".")  # one sentence
    assert not out.exists()


def test_layers_beyond_the_network_or_on_a_page_without_layers_exit_2(tmp_path):
    result = run_cli("export", "--view", "cells", "--out", str(tmp_path / "c.png"), "--layers", "9")
    assert result.returncode == 2, result.stderr
    assert result.stderr.endswith(
        "splinescope export: --layers 9 is out of range: the Cells page's network has 3 hidden "
        "layers, so give 0 to 3.\n"
    )
    assert not (tmp_path / "c.png").exists()
    cube = tmp_path / "cube.png"
    result = run_cli("export", "--view", "volume-cube", "--out", str(cube), "--layers", "1")
    assert result.returncode == 2, result.stderr
    assert result.stderr.endswith(
        "splinescope export: --layers applies to the pages with a layer slider (cells, "
        "networks), and volume-cube is on the Volume page.\n"
    )
    assert not cube.exists()
    # A preset's main view on such a page is refused too (it was written, --layers unheard).
    jigsaw = tmp_path / "jigsaw.png"
    result = run_cli("export", "--preset", "jigsaw-3d", "--out", str(jigsaw), "--layers", "9")
    assert result.returncode == 2, result.stderr
    assert result.stderr.endswith(
        "splinescope export: --layers applies to the pages with a layer slider (cells, "
        "networks), and preset jigsaw-3d is on the Jigsaw page.\n"
    )
    assert not jigsaw.exists()


class _Page(QObject):
    never = Signal()


def test_a_job_that_waits_too_long_names_what_it_waited_for(
    qtbot, qapp, tmp_path, monkeypatch, capsys
):
    page = _Page()
    monkeypatch.setattr(runner, "JOB_TIMEOUT_MS", 300)
    monkeypatch.setattr(
        runner, "page_readiness", lambda *args, **kw: Readiness((page.never,), lambda: False)
    )
    jobs = [
        Job("cells", tmp_path / "out" / "cells.png", preset="cells-layer-by-layer", layers=2),
        Job("volume-cube", tmp_path / "out" / "cube.png"),
    ]
    assert runner.ExportRunner(jobs).run(qapp) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "splinescope export: cells: timed out after 0.3 s waiting for the Cells page to show "
        "the cells of its first 2 layers after the preset 'cells-layer-by-layer'",
        "splinescope export: volume-cube: timed out after 0.3 s waiting for the Volume page to "
        "show its first result",
    ]
    assert not (tmp_path / "out").exists()


def test_an_animation_that_waits_too_long_names_what_it_waited_for(qtbot, tmp_path, monkeypatch):
    page = _Page()

    def script(n_frames, size):
        yield QImage(32, 32, QImage.Format.Format_RGB32)
        yield WaitFor((page.never,), lambda: False, "the cells of 2 layers")
        yield QImage(32, 32, QImage.Format.Format_RGB32)

    monkeypatch.setattr(animation, "WAIT_TIMEOUT_MS", 200)
    target = ExportAnimation("stalls", "a stalling animation", script)
    recorder = animation.AnimationRecorder(
        target, ExportOptions(tmp_path / "out" / "stalls.gif", ImageSize(1.0), frames=2)
    )
    with qtbot.waitSignal(recorder.failed, timeout=5000) as failed:
        recorder.start()
    assert failed.args == ["Timed out after 0.2 s waiting for the cells of 2 layers."]
    assert not list((tmp_path / "out").iterdir())
    with pytest.raises(ValueError, match="says what it waits for"):
        WaitFor((page.never,), lambda: False, " ")
