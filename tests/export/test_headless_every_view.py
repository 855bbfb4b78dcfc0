"""Every view and animation of the catalogue exports with no display, and the run exits 0.

One subprocess writes them all (a deck-like run of the export runner over every name the
pages declare), so the window is made once; it then closes its pages, which finalizes the
OSMesa contexts of the VTK views, and must exit without an abort.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import imageio.v2 as imageio
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
ANIMATION_FRAMES = 2

#: The start of a subprocess script: the same headless set-up and runner as ``main.py
#: export``, an empty ``runner`` to give jobs and ``out``, the folder of ``sys.argv[1]``.
HEADLESS_RUNNER = """
import sys
from pathlib import Path

from app.export.headless import configure_headless, quiet_offscreen_messages

configure_headless()
from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.export.formats import ImageSize
from app.export.plan import Job
from app.export.runner import ExportRunner
from app.export.targets import ExportAnimation, ExportView

out = Path(sys.argv[1])
qInstallMessageHandler(quiet_offscreen_messages)
app = QApplication([sys.argv[0]])
runner = ExportRunner([])
"""

#: Run in the subprocess: every catalogue name to ``OUT`` (PNG, and SVG for VTK views; a
#: GIF for animations).
EVERY_VIEW = (
    HEADLESS_RUNNER
    + f"""
for name, (key, target) in runner.catalogue().items():
    if isinstance(target, ExportAnimation):
        gif = out / f"{{name}}.gif"
        runner.jobs.append(Job(name, gif, size=ImageSize(1.0), frames={ANIMATION_FRAMES}))
        continue
    runner.jobs.append(Job(name, out / f"{{name}}.png", size=ImageSize(1.0)))
    if target.vtk:
        runner.jobs.append(Job(name, out / f"{{name}}.svg", size=ImageSize(1.0)))
print("jobs:", " ".join(str(job.out.name) for job in runner.jobs), flush=True)
sys.exit(runner.run(app))
"""
)


def headless_env() -> dict[str, str]:
    """The environment with no display at all (as ``main.py export`` meets it on a server)."""
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XAUTHORITY")
    return {k: v for k, v in os.environ.items() if k not in hidden}


def test_every_view_and_animation_exports_headless_and_exits_0(tmp_path):
    out = tmp_path / "figures"
    result = subprocess.run(
        [sys.executable, "-c", EVERY_VIEW, str(out)],
        cwd=ROOT,
        env=headless_env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert "free()" not in result.stderr and "Aborted" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    names = result.stdout.splitlines()[0].removeprefix("jobs: ").split()
    for name in ("cells.png", "volume-cube.png", "volume-cube.svg", "cells3d.svg"):
        assert name in names
    assert sorted(names) == sorted(p.name for p in out.iterdir())
    for name in names:
        path = out / name
        assert path.stat().st_size > 0, name
        assert f"Wrote {path} " in result.stdout, name
        if path.suffix == ".png":
            pixels = imageio.imread(path)
            assert np.ptp(pixels[..., :3]) > 0, f"{name} is one flat colour"
        elif path.suffix == ".gif":
            assert len(imageio.mimread(path)) == ANIMATION_FRAMES, name
        else:
            assert path.read_text(encoding="utf-8").lstrip().startswith("<"), name
