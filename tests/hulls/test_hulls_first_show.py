"""The Hulls page's first result (the training set and the test point's verdict) needs
neither torch nor scipy: a fresh process shows it without importing them (about a second
of start-up), and the experiments import what they need when they run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.shell import test_first_show

ROOT = Path(__file__).resolve().parents[2]


def _python_says(code: str) -> list[str]:
    """The words ``code`` prints, run in a fresh interpreter from the worktree's root."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_a_fresh_window_on_the_hulls_page_shows_its_verdict_without_torch(tmp_path):
    # The window paints, then the page is built, then its verdict shows, with no torch.
    test_first_show.test_a_fresh_process_paints_its_window_before_building_its_page(
        tmp_path, "hulls"
    )


def test_the_hulls_page_and_its_first_result_import_neither_torch_nor_scipy():
    code = (
        "import sys\n"
        "import app.hulls.spec\n"
        "from engine.hull_scene import judge_point, make_scene\n"
        "scene = make_scene(0)\n"
        "judge_point(scene, (0.3, -0.2))\n"
        "print(*(m for m in ('torch', 'scipy', 'numba') if m in sys.modules))\n"
    )
    assert _python_says(code) == []


def test_an_experiment_imports_its_engine_module_when_it_starts():
    code = (
        "import sys\n"
        "from app.hulls.experiments import EXPERIMENTS\n"
        "before = 'engine.encoding_experiments' in sys.modules\n"
        "spec = next(s for s in EXPERIMENTS if s.key == 'noise')\n"
        "run = spec.start()\n"
        "print(before, 'engine.encoding_experiments' in sys.modules, type(run).__name__)\n"
    )
    assert _python_says(code) == ["False", "True", "generator"]


def test_once_its_first_verdict_is_out_the_page_imports_the_experiments_engine():
    # Run on Figure 1 then measures at once, rather than after a second of imports.
    code = (
        "import sys, time\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication(['hulls'])\n"
        "from app.hulls.controller import EXPERIMENT_ENGINE, HullsController\n"
        "controller = HullsController()\n"
        "at_verdict = []\n"
        "controller.verdict_ready.connect(lambda _v: at_verdict.append('torch' in sys.modules))\n"
        "controller.start()\n"
        "deadline = time.monotonic() + 120\n"
        "while time.monotonic() < deadline and not (\n"
        "    at_verdict and all(name in sys.modules for name in EXPERIMENT_ENGINE)\n"
        "):\n"
        "    app.processEvents()\n"
        "    time.sleep(0.01)\n"
        "controller.shutdown()\n"
        "print(at_verdict[:1], 'torch' in sys.modules, 'engine.hulls' in sys.modules)\n"
    )
    assert _python_says(code) == ["[False]", "True", "True"]
