"""A first-show probe for ``benchmarks/first_show.py``: when the window appeared and when
its page first showed a real result, written to the file the environment names.

With ``SPLINESCOPE_FIRST_SHOW=<file>`` set, ``python main.py --page KEY`` records, as
``time.time()`` stamps (comparable with the parent process's clock) and CPU seconds of
this process, the moment the window is shown, the moment the page is built (the window
shows first, the page's code is imported meanwhile) and the moment the page's first real
result is on screen (``PageSpec.first_result``, else ``PageSpec.readiness``), and whether
torch was imported by then (``"torch_at_result"``: a second of start-up, which pages that
need no torch for their first result must not pay), writes them to ``<file>`` as JSON and
quits. Unset, nothing here runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.registry import page_first_result

#: The environment variable naming the file the probe writes.
FIRST_SHOW_ENV = "SPLINESCOPE_FIRST_SHOW"
#: Give up after this long (ms) and write what was seen, with ``"result": null``.
FIRST_SHOW_TIMEOUT_MS = 180_000


def first_show_file(environ: dict[str, str] | os._Environ) -> Path | None:
    """The file ``SPLINESCOPE_FIRST_SHOW`` names, or None when it is unset or empty."""
    name = environ.get(FIRST_SHOW_ENV, "").strip()
    return Path(name) if name else None


class FirstShowProbe(QObject):
    """Watches ``window`` (the main window, opening on the page named ``key``) and writes
    ``path`` when the page's first real result is on screen, then quits the application."""

    def __init__(
        self,
        window: QWidget,
        key: str,
        path: Path,
        written: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._path = path
        self._key = key
        self._written_callback = written or (lambda code: _close_and_exit(window, code))
        self._stamps: dict[str, float | str | None] = {"page": key}
        self._written = False
        self._rule = None
        window.installEventFilter(self)
        QTimer.singleShot(FIRST_SHOW_TIMEOUT_MS, lambda: self._write("timed out"))
        if window.page_tabs.is_built(key):
            self._watch(window.page(key))
        else:
            window.page_tabs.page_built.connect(self._on_page_built)

    def _on_page_built(self, key: str, page: QWidget) -> None:
        if key == self._key and self._rule is None:
            self._watch(page)

    def _watch(self, page: QWidget) -> None:
        """The page exists: watch its readiness."""
        self._stamp("built")
        self._rule = page_first_result(self._key, page)
        for signal in self._rule.signals:
            signal.connect(self._check)
        for signal in self._rule.failures:
            signal.connect(self._fail)
        if self._rule.start is not None:
            self._rule.start()
        QTimer.singleShot(0, self._check)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and "window" not in self._stamps:
            self._stamp("window")
        return False

    def _stamp(self, name: str) -> None:
        self._stamps[name] = time.time()
        self._stamps[f"{name}_cpu"] = time.process_time()

    def _check(self, *_args: object) -> None:
        if self._rule is None:
            return
        if self._written or not self._rule.is_ready():
            return
        # Whether torch came with the result is read when the result is there: a page
        # may start importing it for later work (training) right after its first result,
        # before a slow window's first paint.
        self._stamps.setdefault("torch_at_result", "torch" in sys.modules)
        if "window" in self._stamps:
            self._stamp("result")
            self._write(None)
        else:
            QTimer.singleShot(10, self._check)

    def _fail(self, message: object) -> None:
        self._write(str(message))

    def _write(self, failure: str | None) -> None:
        if self._written:
            return
        self._written = True
        self._stamps["failure"] = failure
        self._path.write_text(json.dumps(self._stamps), encoding="utf-8")
        self._written_callback(0 if failure is None else 1)


def _close_and_exit(window: QWidget, code: int) -> None:
    """Close ``window`` (its pages stop their workers) and quit with ``code``: quitting
    with workers still running crashes the interpreter on its way out."""
    window.close()
    QApplication.instance().exit(code)


def install_first_show_probe(
    window: QWidget, key: str, path: Path, written: Callable[[int], None] | None = None
) -> FirstShowProbe:
    """Record ``window``'s first show and its page ``key``'s first result into ``path``,
    then call ``written(code)`` (default: close the window and quit the application with
    that exit code)."""
    return FirstShowProbe(window, key, path, written)
