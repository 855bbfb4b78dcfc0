"""Command line: ``splinescope`` opens the window; options for headless chores."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

NO_DISPLAY_MESSAGE = (
    "splinescope: there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY "
    "are unset); run it on a desktop, or use `make test` to run the test suite headless "
    "under Xvfb."
)
SCREENSHOT_SIZE = (1400, 900)
SCREENSHOT_TIMEOUT_MS = 120_000
_HEADLESS_PLATFORMS = {"offscreen", "minimal"}


def has_display(environ: Mapping[str, str]) -> bool:
    """Whether Qt can open a window: a display server, or a headless Qt platform."""
    platform = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if platform in _HEADLESS_PLATFORMS:
        return True
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="splinescope",
        description="See the exact linear regions (cells) of ReLU networks. "
        "With no options, opens the window.",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help=f"open the window at {SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]}, wait until the "
        "first partition is drawn, save the window to FILE (PNG) and quit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run Splinescope; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if not has_display(os.environ):
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    return _run_window(screenshot=args.screenshot)


def _run_window(*, screenshot: Path | None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Splinescope")
    app.setApplicationDisplayName("Splinescope")
    window = MainWindow()
    window.resize(*SCREENSHOT_SIZE)
    exit_code = 0

    if screenshot is not None:

        def finish(code: int, message: str) -> None:
            nonlocal exit_code
            exit_code = code
            print(message, file=sys.stderr if code else sys.stdout)
            window.close()
            app.exit(code)

        def save() -> None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if window.grab().save(str(screenshot)):
                finish(0, f"Saved {screenshot}")
            else:
                finish(1, f"splinescope: could not write {screenshot}")

        page = window.cells_page
        page.partition_shown.connect(lambda _result: QTimer.singleShot(200, save))
        page.controller.partition_failed.connect(
            lambda message: finish(1, f"splinescope: {message}")
        )
        QTimer.singleShot(
            SCREENSHOT_TIMEOUT_MS,
            lambda: finish(1, "splinescope: timed out waiting for the first partition"),
        )

    window.show()
    code = app.exec()
    return exit_code or code
