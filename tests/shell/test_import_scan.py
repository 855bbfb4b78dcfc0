"""PySide's import hook reads no source of the packages that never use Qt (nor of the
standard library's), and still reads (and answers for) the others."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Run in a fresh process: PySide first, then a Qt-free module and one that uses Qt (the
#: hook sees the module an import statement returns: ``from a.b import c`` gives a.b).
SCRIPT = """
import inspect, json, sys
import PySide6.QtWidgets
read = []
getsource = inspect.getsource
inspect.getsource = lambda module: (read.append(module.__name__), getsource(module))[1]
from app.shell.import_scan import skip_source_scan_of_qt_free_packages
found = skip_source_scan_of_qt_free_packages()
again = skip_source_scan_of_qt_free_packages()
from engine.digits import load_digits
import tomllib
from widgets.common.fonts import scaled_font
feature = sys.modules["shibokensupport.feature"].pyside_feature_dict
print(json.dumps({
    "found": found, "again": again, "read": read,
    "digits": feature.get("engine.digits"), "fonts": feature.get("widgets.common.fonts"),
    "tomllib": feature.get("tomllib"),
}))
"""


def test_qt_free_modules_are_answered_without_reading_their_source():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["found"] and seen["again"]
    # PySide's answers: -1, "does not use PySide"; 0, "uses PySide" (its feature default).
    assert seen["digits"] == seen["tomllib"] == -1 and seen["fonts"] == 0
    assert not any(name.split(".")[0] in ("engine", "tomllib") for name in seen["read"])
    assert "widgets.common.fonts" in seen["read"]
