"""The layering rules of DESIGN.md, checked by import-linter and by a bare import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUI_PACKAGES = ("PySide6", "pyqtgraph", "vtk", "vtkmodules", "superqt")


def test_import_linter_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), f"{lint_imports} not found: install the test extras"
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_engine_imports_without_gui_packages():
    code = (
        "import engine.partition2d, engine.networks; import sys; "
        f"assert not any(m.split('.')[0] in {GUI_PACKAGES!r} for m in sys.modules), "
        f"sorted(m for m in sys.modules if m.split('.')[0] in {GUI_PACKAGES!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
