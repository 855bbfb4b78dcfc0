"""Spare PySide's import hook from reading the source of packages that never use Qt.

Once PySide6 is imported, each module imported after it is handed to PySide's
``__feature__`` bookkeeping (``shibokensupport.feature.feature_imported``), which reads
the module's whole source file (``inspect.getsource``) to see whether it mentions
"PySide6". The pages import torch, numpy, scipy and numba after the window is up: a few
thousand modules, whose source reading is about a sixth of the pages' import time (0.15 to
0.2 CPU s of about 1.3). Those packages, and the standard library, never use Qt, so their
answer is known: "no".
"""

from __future__ import annotations

import sys
from types import ModuleType

#: Top-level packages that never import Qt (the engine by its import contract), whose
#: modules' sources need not be read: PySide's answer for them is "does not use PySide".
QT_FREE_PACKAGES = frozenset(
    {
        "engine",
        "filelock",
        "fsspec",
        "jinja2",
        "llvmlite",
        "markupsafe",
        "mpmath",
        "networkx",
        "numba",
        "numpy",
        "scipy",
        "sklearn",
        "sympy",
        "torch",
        "typing_extensions",
    }
)
_FEATURE_MODULE = "shibokensupport.feature"


def is_qt_free(module_name: str) -> bool:
    """Whether the module named ``module_name`` is known not to use Qt: it belongs to one
    of :data:`QT_FREE_PACKAGES` or to Python's standard library (``email``, ``ast``, ...:
    a tenth of a second of source reading while a page's code is imported)."""
    top = module_name.partition(".")[0]
    return top in QT_FREE_PACKAGES or top in sys.stdlib_module_names


def skip_source_scan_of_qt_free_packages() -> bool:
    """Have PySide's import hook answer "no PySide" for :data:`QT_FREE_PACKAGES`'
    modules without reading their sources; other modules are scanned as before. True if
    the hook was found (a PySide6 without it is left alone); calling it again is harmless.
    """
    feature = sys.modules.get(_FEATURE_MODULE)
    scan = getattr(feature, "_mod_uses_pyside", None)
    if scan is None:
        return False
    if getattr(scan, "skips_qt_free_packages", False):
        return True

    def uses_pyside(module: ModuleType) -> bool:
        name = getattr(module, "__name__", "")
        if isinstance(name, str) and is_qt_free(name):
            return False
        return scan(module)

    uses_pyside.skips_qt_free_packages = True
    feature._mod_uses_pyside = uses_pyside
    return True
