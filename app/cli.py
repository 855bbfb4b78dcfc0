"""Command line: ``splinescope`` opens the window; options for headless chores."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.page_spec import ScreenshotDemo

# One BLAS thread: the GUI, the workers and training already share the cores, and a
# second BLAS thread per worker made partitions slower, not faster, on 2 cores. Set
# before anything imports numpy (every heavy import below is inside a function).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

NO_DISPLAY_MESSAGE = (
    "splinescope: there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY "
    "are unset). Without one, write figures with `python main.py export` (for example "
    "`python main.py export --deck figures/` or `python main.py export --view cells --out "
    "cells.svg`; `python main.py export --help` lists the options), or run the test suite "
    "headless under Xvfb with `make test`."
)
EXPORT_HELP = """sub-command:
  export ...   write a view or an animation to PNG, SVG, PDF, GIF or MP4 with no display,
               or a deck of talk figures; `splinescope export --help` for its options.
               Example: splinescope export --preset xor-4 --view playground --out xor.svg
  stats ...    exact cell statistics over many slices or checkpoints, in parallel
               (--workers N, or a Dask cluster with --scheduler); `splinescope stats --help`."""
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
    from app.registry import PAGES, page_keys

    parser = argparse.ArgumentParser(
        prog="splinescope",
        description="See the exact linear regions (cells) of ReLU networks. "
        "With no options, opens the window.",
        epilog=EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "session",
        nargs="?",
        type=Path,
        metavar="FILE.splinescope",
        help="a saved session to open (File > Save writes one)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help=f"open the window at {SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]}, wait until the "
        "first partition is drawn, save the window to FILE (PNG) and quit",
    )
    parser.add_argument(
        "--page",
        choices=page_keys(),
        default=page_keys()[0],
        help="the page to open on (and to save with --screenshot); default: %(default)s",
    )
    demos = {entry.demo_name: entry.key for entry in PAGES if entry.demo_name is not None}
    parser.add_argument(
        "--demo",
        choices=sorted(demos),
        help="with --screenshot: stage a scene first; 'probe' walks the Cells page's probe "
        "across a few cell boundaries and draws a path, at fixed positions (the README "
        "screenshot); 'training' trains the Playground's network to its epoch budget and "
        "saves the trained view",
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        type=_preset_argument,
        help="open on a named scenario from resources/presets (File > Open preset… lists "
        "them), on its page",
    )
    parser.add_argument(
        "--theme",
        choices=("default", "talk"),
        help="the look: 'talk' is for projectors (large type, thick lines); default: the "
        "one chosen last in View > Theme",
    )
    return parser


def _preset_argument(name: str) -> object:
    """``--preset NAME``: the loaded preset, or an argparse error listing the names."""
    from app.presets.files import load_preset

    try:
        return load_preset(name)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run Splinescope; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["export"]:
        from app.export.headless import run_export

        return run_export(argv[1:])
    if argv[:1] == ["stats"]:
        from app.stats import run_stats

        return run_stats(argv[1:])
    if argv[:1] == ["regions"]:
        from app.stats.sample_regions import run_regions

        return run_regions(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    demo = None
    if args.demo is not None:
        from app.registry import PAGES, page_spec

        demo = page_spec(args.page).demo
        if args.screenshot is None or demo is None or demo.name != args.demo:
            page = next(entry.key for entry in PAGES if entry.demo_name == args.demo)
            parser.error(f"--demo {args.demo} needs --screenshot FILE on the {page} page")
    if args.session is not None:
        # Checked before any window opens: a bad file is one clear line, with or without
        # a display.
        from engine.session_file import SessionFileError, read_session

        try:
            read_session(args.session)
        except SessionFileError as error:
            print(f"splinescope: {error}", file=sys.stderr)
            return 1
    if not has_display(os.environ):
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    page_name = args.page if args.preset is None else args.preset.page
    return _run_window(
        screenshot=args.screenshot,
        page_name=page_name,
        demo=demo,
        preset=args.preset,
        theme=args.theme,
        session=args.session,
    )


def _run_window(
    *,
    screenshot: Path | None,
    page_name: str,
    demo: ScreenshotDemo | None = None,
    preset: object | None = None,
    theme: str | None = None,
    session: Path | None = None,
) -> int:
    from PySide6.QtWidgets import QApplication

    from app.shell.import_scan import skip_source_scan_of_qt_free_packages

    skip_source_scan_of_qt_free_packages()  # before the window imports the pages' code

    from app.shell.error_reporting import install_exception_hooks
    from app.shell.main_window import MainWindow
    from app.shell.theme import apply_theme, restore_appearance
    from engine.session_file import SessionFileError

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Splinescope")
    app.setApplicationDisplayName("Splinescope")
    if theme is None:
        restore_appearance()
    else:
        apply_theme(theme)
    # Only the page shown starts computing: another would compete with it for the cores
    # (a preset starts its page as it always has, after it is applied). The window shows
    # before the page is built: its code is imported in the background meanwhile.
    window = MainWindow(first_page=page_name if preset is None else None)
    window.resize(*SCREENSHOT_SIZE)
    if preset is not None:
        from app.presets.files import apply_preset

        apply_preset(window, preset)  # switches to the preset's page
    install_exception_hooks()
    if session is not None:
        try:
            window.sessions.load_path(session)
        except SessionFileError as error:
            print(f"splinescope: {error}", file=sys.stderr)
            window.close()
            return 1
    exit_code = [0]
    from app.shell.first_show import first_show_file, install_first_show_probe

    probe_file = first_show_file(os.environ)
    if probe_file is not None:  # benchmarks/first_show.py: like a screenshot run, no save
        install_first_show_probe(window, page_name, probe_file)
    elif screenshot is None:  # a screenshot run leaves no marker, autosave or geometry
        window.sessions.begin(offer_recovery=session is None)
    else:
        _save_screenshot_when_ready(window, screenshot, page_name, demo, exit_code)
    window.show()
    code = app.exec()
    return exit_code[0] or code


def _save_screenshot_when_ready(
    window, screenshot: Path, page_name: str, demo: ScreenshotDemo | None, exit_code: list[int]
) -> None:
    """Save the window to ``screenshot`` once its page shows real results (after staging
    ``demo``), then quit with ``exit_code[0]`` set; or quit with 1 on failure or time-out."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.export.catalogue import page_readiness
    from app.export.formats import ImageSize
    from app.export.raster import render_widget, write_png
    from app.export.ready import when_ready

    page = window.page(page_name)
    staged = demo is None

    def finish(code: int, message: str) -> None:
        exit_code[0] = code
        print(message, file=sys.stderr if code else sys.stdout)
        window.close()
        QApplication.instance().exit(code)

    def save() -> None:
        try:  # the export's renderer: pyqtgraph drawn by QPainter, VTK read back
            write_png(render_widget(window, ImageSize(1.0)), screenshot)
        except OSError as error:
            finish(1, f"splinescope: could not write {screenshot}: {error}")
        else:
            finish(0, f"Saved {screenshot}")

    def failed(message: str) -> None:
        finish(1, f"splinescope: {message}")

    def on_ready() -> None:
        nonlocal staged
        if staged:
            save()
            return
        staged = True
        demo.stage(page)
        if demo.wait_again:  # the scene computes (training): wait for it, then save
            when_ready(page_readiness(page, page_name), on_ready, failed, window)
        else:
            QTimer.singleShot(200, save)

    when_ready(page_readiness(page, page_name), on_ready, failed, window)
    QTimer.singleShot(
        SCREENSHOT_TIMEOUT_MS,
        lambda: finish(
            1,
            f"splinescope: timed out after {SCREENSHOT_TIMEOUT_MS // 1000} s waiting for the "
            f"{page_name} page to show its first result",
        ),
    )
