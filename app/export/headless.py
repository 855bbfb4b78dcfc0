"""``splinescope export``: figures and animations from the command line, with no display.

With no display the window is made on Qt's ``offscreen`` platform and VTK draws into
OSMesa's memory buffer (``libosmesa6`` on Debian), so pyqtgraph and VTK views render
exactly as in the window. The window is never shown on a screen.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.export.deck_claims import DeckPart, attach_to_parent, read_page_costs
from app.export.deck_parts import default_processes, run_deck_in_parts
from app.export.plan import build_export_parser, plan_jobs
from engine.result_cache import default_cache_folder, use_result_cache

#: Qt draws glyphs up to this size (device pixels) from a glyph cache, larger ones as
#: outlines. Glyphs from the cache come out a little differently (up to 35 grey levels
#: at their edges) depending on what the process drew before and when, so the same
#: figure written twice in one run, or in two runs, differed. An export draws every
#: glyph as its outline: the same text gives the same pixels.
CACHED_GLYPH_SIZE = "1"


def configure_headless(environ: dict[str, str] = os.environ) -> str | None:
    """Choose off-screen Qt and VTK when there is no display, and text drawn as outlines
    (:data:`CACHED_GLYPH_SIZE`) in any case; returns a warning or None. Call it before
    Qt draws any text."""
    environ.setdefault("QT_MAX_CACHED_GLYPH_SIZE", CACHED_GLYPH_SIZE)
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # The offscreen platform warns about every window-manager call it cannot honour.
    environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    if ctypes.util.find_library("OSMesa"):
        environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkOSOpenGLRenderWindow")
        return None
    return (
        "splinescope: OSMesa was not found (Debian: apt-get install libosmesa6); 3-D views "
        "will come out blank."
    )


#: How Qt's platform windows (uncategorised) start the warning about each window-manager
#: call the offscreen platform cannot honour (``… lower()``, ``… propagateSizeHints()``,
#: ``… setParent!``): harmless when no window is ever on a screen.
OFFSCREEN_NOISE = "This plugin does not support "


def quiet_offscreen_messages(kind, context, message: str) -> None:
    """Qt message handler: every message on stderr as Qt would print it (with its
    category), but the offscreen platform's noise."""
    if message.startswith(OFFSCREEN_NOISE) and context.category in (None, "default"):
        return
    from PySide6.QtCore import qFormatLogMessage

    print(qFormatLogMessage(kind, context, message), file=sys.stderr)


def run_export(argv: Sequence[str]) -> int:
    """``splinescope export ...``; returns the exit code."""
    parser = build_export_parser()
    args = parser.parse_args(list(argv))
    try:
        jobs = plan_jobs(args)
    except ValueError as error:
        print(f"splinescope export: {error}", file=sys.stderr)
        return 2
    cache = None if args.no_cache else default_cache_folder()
    part = None
    if args.deck is not None and args.deck_part is None:
        processes = min(args.processes or default_processes(), len(jobs))
        if processes > 1:
            return run_deck_in_parts(argv, args.deck, args.theme, processes, cache)
    elif args.deck_part is not None:
        folder, index = Path(args.deck_part[0]), int(args.deck_part[1])
        problem = attach_to_parent(folder)
        if problem:
            print(f"splinescope export: {problem}; this deck process stops.", file=sys.stderr)
            return 1
        part = DeckPart(folder, index, read_page_costs(cache))
    warning = configure_headless()
    if warning:
        print(warning, file=sys.stderr)

    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from app.shell.import_scan import skip_source_scan_of_qt_free_packages

    skip_source_scan_of_qt_free_packages()  # before the runner imports the pages' code

    from app.export.runner import ExportRunner
    from app.shell.theme import apply_theme

    qInstallMessageHandler(quiet_offscreen_messages)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Splinescope")
    apply_theme(args.theme, colour_blind_safe=args.colour_blind_safe)
    # Trained networks and experiment runs come from the result cache when a run
    # before made them (engine.result_cache); the cache is the export's only.
    use_result_cache(cache)
    try:
        runner = ExportRunner(jobs, deck=args.deck, theme=args.theme, part=part)
        return runner.run(app)
    finally:
        use_result_cache(None)
