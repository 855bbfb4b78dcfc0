"""An export run builds the pages its jobs need, not the whole window: building a page,
or importing its code in the background as the window does for a user, imports the
page's engine (the Networks page brings torch), and a CLI figure paid for all of them."""

from __future__ import annotations

from app.registry import PAGES
from tests.export.headless_run import exited_cleanly, run_headless

#: Writes the presets ``sys.argv[2:]`` at a small size into ``sys.argv[1]`` from a runner
#: made with its jobs (as ``main.py export`` makes it), then prints the pages the window
#: built and the pages whose code was imported.
BUILT_PAGES = """
import sys
from pathlib import Path

from app.export.headless import configure_headless

configure_headless()
from PySide6.QtWidgets import QApplication

from app.export.formats import ImageSize
from app.export.plan import Job
from app.export.runner import ExportRunner
from app.registry import PAGES

app = QApplication([sys.argv[0]])
size = ImageSize(pixels=(480, 270))
out = Path(sys.argv[1])
jobs = [Job(view=None, out=out / f"{name}.png", preset=name, size=size) for name in sys.argv[2:]]
runner = ExportRunner(jobs)
code = runner.run(app)
tabs = runner.window.page_tabs
print("built:", *(entry.key for entry in PAGES if tabs.is_built(entry.key)), flush=True)
print("imported:", *(entry.key for entry in PAGES if entry.module in sys.modules), flush=True)
sys.exit(code)
"""


def pages_touched(tmp_path, *presets: str) -> tuple[list[str], list[str]]:
    """The keys of the pages built, and of those whose code was imported."""
    result = run_headless(BUILT_PAGES, str(tmp_path), *presets, timeout=600)
    exited_cleanly(result)
    lines = result.stdout.splitlines()
    (built,) = [line.split()[1:] for line in lines if line.startswith("built:")]
    (imported,) = [line.split()[1:] for line in lines if line.startswith("imported:")]
    return built, imported


def test_a_presets_figure_builds_and_imports_its_page_only(tmp_path):
    # Not the window's first tab either: that one would be built and start computing.
    assert PAGES[0].key != "volume"
    assert pages_touched(tmp_path, "ball-in-cube") == (["volume"], ["volume"])
    assert (tmp_path / "ball-in-cube.png").stat().st_size > 0
