"""Run an export script in a fresh Python process with no display, as ``main.py export``
meets a server: the shared start of such scripts and the call that runs one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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


def headless_env() -> dict[str, str]:
    """The environment with no display at all (as ``main.py export`` meets it on a server)."""
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XAUTHORITY")
    return {k: v for k, v in os.environ.items() if k not in hidden}


def run_headless(
    script: str, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 1200
) -> subprocess.CompletedProcess:
    """Run ``script`` (usually ``HEADLESS_RUNNER + ...``) with ``args`` as ``sys.argv[1:]``
    from the repository root with no display; the finished process, output as text."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env={**headless_env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def exited_cleanly(result: subprocess.CompletedProcess) -> None:
    """Assert the run exited 0 with no C-level abort (OSMesa contexts freed twice did)."""
    assert "free()" not in result.stderr and "Aborted" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr[-3000:]
