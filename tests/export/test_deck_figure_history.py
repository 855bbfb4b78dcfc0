"""A deck figure is a function of its preset only: what the process drew before it (the
3-D jigsaw, the Cells 3D page at its defaults) changes none of its bytes, and no VTK
window of the process warns on the way."""

from __future__ import annotations

from tests.export.headless_run import exited_cleanly, run_headless

#: Writes the deck figures of ``sys.argv[2:]`` (a preset name, or ``:view`` for a view at
#: its page's defaults) into ``sys.argv[1]`` from one window, at a small size.
FIGURES_IN_ONE_PROCESS = """
import sys
from pathlib import Path

from app.export.headless import configure_headless, quiet_offscreen_messages

configure_headless()
from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.export.formats import ImageSize
from app.export.plan import Job
from app.export.runner import ExportRunner

size = ImageSize(pixels=(480, 270))
jobs = [
    Job(view=name[1:], out=None, size=size)
    if name.startswith(":")
    else Job(view=None, out=None, preset=name, size=size)
    for name in sys.argv[2:]
]
qInstallMessageHandler(quiet_offscreen_messages)
app = QApplication([sys.argv[0]])
sys.exit(ExportRunner(jobs, deck=Path(sys.argv[1]), theme="talk").run(app))
"""


def write_figures(folder, *names: str, cache) -> str:
    """Write ``names`` in one process into ``folder``; its standard error."""
    result = run_headless(
        FIGURES_IN_ONE_PROCESS,
        str(folder),
        *names,
        extra_env={"SPLINESCOPE_CACHE_DIR": str(cache)},
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    exited_cleanly(result)
    return result.stderr


def test_a_cells3d_figure_after_other_3d_figures_is_the_one_made_alone(tmp_path):
    cache = tmp_path / "cache"
    after = write_figures(tmp_path / "after", "jigsaw-3d", ":cells3d", "octants-3d", cache=cache)
    alone = write_figures(tmp_path / "alone", "octants-3d", cache=cache)
    for stem in ("octants-3d-cells3d.png", "octants-3d-cells3d.svg"):
        written_after = (tmp_path / "after" / stem).read_bytes()
        assert written_after == (tmp_path / "alone" / stem).read_bytes(), stem
    # The default figure of the same page is another picture: the comparison can fail.
    default = (tmp_path / "after" / "default-cells3d.png").read_bytes()
    assert default != (tmp_path / "alone" / "octants-3d-cells3d.png").read_bytes()
    # Three VTK windows (Cells 3D, Volume, Jigsaw) were made, sized, drawn and released.
    for stderr in (after, alone):
        assert "OSMesaMakeCurrent" not in stderr and "WARN" not in stderr, stderr
