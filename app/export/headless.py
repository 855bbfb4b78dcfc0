"""``splinescope export``: figures and animations from the command line, with no display.

With no display the window is made on Qt's ``offscreen`` platform and VTK draws into
OSMesa's memory buffer (``libosmesa6`` on Debian), so pyqtgraph and VTK views render
exactly as in the window. The window is never shown on a screen.
"""

from __future__ import annotations

import argparse
import ctypes.util
import html
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.export.formats import DEFAULT_FRAMES, ImageSize, format_of, parse_size
from engine.safe_files import OutputPathError, check_output_path

WINDOW_SIZE = (1400, 900)
DECK_SIZE = (1920, 1080)
JOB_TIMEOUT_MS = 240_000
EXAMPLES = """examples:
  splinescope export --view cells --out cells.svg
  splinescope export --preset xor-4 --view playground --out xor.pdf --theme talk
  splinescope export --view volume-cube --out cube.png --scale 4
  splinescope export --view cells-layers --out layers.gif --frames 24 --size 800x600
  splinescope export --deck talk-figures/ --theme talk
"""


def build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="splinescope export",
        description="Write a view or an animation of the app to a file, with no display. "
        "The file's suffix is the format: .png, .svg, .pdf (views), .gif, .mp4 "
        "(animations). Cell views are written to SVG/PDF as exact polygons.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        action="append",
        help="a named scenario from resources/presets, applied first (with --deck: "
        "repeat it to make a deck of only those presets)",
    )
    parser.add_argument(
        "--view",
        metavar="VIEW",
        help="what to export, e.g. cells, cells-page, cells-layers, volume-cube, playground, "
        "playground-training; a bad name lists them all; default: the preset's main view",
    )
    parser.add_argument("--out", metavar="FILE", type=Path, help="the file to write")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--size", metavar="WxH", help="exact pixels of the image, e.g. 1920x1080")
    size.add_argument(
        "--scale", metavar="S", type=float, help="times the view's size in the window (default 2)"
    )
    parser.add_argument(
        "--theme",
        choices=("default", "talk"),
        default="default",
        help="the look; 'talk' is for projectors (large type, thick lines)",
    )
    parser.add_argument(
        "--colour-blind-safe",
        action="store_true",
        help="use the colour-blind-safe palette",
    )
    parser.add_argument(
        "--layers", metavar="K", type=int, help="partition the first K layers (cell pages)"
    )
    parser.add_argument(
        "--frames",
        metavar="N",
        type=int,
        help=f"frames of an animation (default {DEFAULT_FRAMES}, or the animation's own)",
    )
    parser.add_argument("--transparent", action="store_true", help="no background (PNG, SVG)")
    parser.add_argument(
        "--deck",
        metavar="DIR",
        type=Path,
        help="write the standard talk figures (each preset's main view, and each page "
        f"no preset shows, at {DECK_SIZE[0]}x{DECK_SIZE[1]} unless --size) and index.html",
    )
    return parser


@dataclass(frozen=True)
class Job:
    """One file to write: ``view`` after ``preset`` (or on the page's defaults)."""

    view: str | None
    out: Path | None
    preset: str | None = None
    size: ImageSize = field(default_factory=lambda: ImageSize(2.0))
    frames: int | None = None
    layers: int | None = None
    transparent: bool = False


def configure_headless(environ: dict[str, str] = os.environ) -> str | None:
    """Choose off-screen Qt and VTK when there is no display; returns a warning or None."""
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


def _size(args: argparse.Namespace, default: ImageSize) -> ImageSize:
    if args.size:
        return ImageSize(pixels=parse_size(args.size))
    if args.scale:
        return ImageSize(args.scale)
    return default


def writable_path(path: Path) -> Path:
    """``path``, its folder made if missing; raises ValueError saying why it cannot be
    written (checked before any figure is rendered)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return check_output_path(path)
    except OutputPathError as error:
        raise ValueError(str(error)) from None
    except OSError as error:
        raise ValueError(
            f"cannot make the folder {path.parent} ({error.strerror}): choose another place."
        ) from None


def plan_jobs(args: argparse.Namespace) -> list[Job]:
    """The files to write; raises ValueError for arguments that do not fit together."""
    from app.presets import load_preset, preset_names

    presets = args.preset or []
    for name in presets:
        load_preset(name)  # a bad name raises, listing the valid ones
    if args.deck is not None:
        if args.out is not None or args.view is not None:
            raise ValueError("--deck writes its own files; leave out --out and --view")
        writable_path(args.deck / "index.html")
        size = _size(args, ImageSize(pixels=DECK_SIZE))
        names = presets or preset_names()
        jobs = [
            Job(None, None, name, size, args.frames, args.layers, args.transparent)
            for name in names
        ]
        return jobs
    if args.out is None:
        raise ValueError("give --out FILE (or --deck DIR)")
    if len(presets) > 1:
        raise ValueError("give one --preset for one file (several only with --deck)")
    format_of(args.out)
    writable_path(args.out)
    if args.view is None and not presets:
        raise ValueError("give --view VIEW or --preset NAME")
    return [
        Job(
            args.view,
            args.out,
            presets[0] if presets else None,
            _size(args, ImageSize(2.0)),
            args.frames,
            args.layers,
            args.transparent,
        )
    ]


def run_export(argv: Sequence[str]) -> int:
    """``splinescope export ...``; returns the exit code."""
    parser = build_export_parser()
    args = parser.parse_args(list(argv))
    try:
        jobs = plan_jobs(args)
    except ValueError as error:
        print(f"splinescope export: {error}", file=sys.stderr)
        return 2
    warning = configure_headless()
    if warning:
        print(warning, file=sys.stderr)

    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from app.export.session import ExportSession
    from app.theme import apply_theme

    qInstallMessageHandler(quiet_offscreen_messages)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Splinescope")
    apply_theme(args.theme, colour_blind_safe=args.colour_blind_safe)
    session = ExportSession(jobs, deck=args.deck, theme=args.theme)
    return session.run(app)


def write_deck_index(folder: Path, rows: list[dict[str, str]], theme: str) -> Path:
    """``index.html`` listing every figure of a deck: file, preset, view and size."""
    lines = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Splinescope talk figures</title>',
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;"
        "text-align:left;vertical-align:top}img{max-width:480px;border:1px solid #ccc}</style>",
        "</head><body>",
        f"<h1>Splinescope talk figures</h1><p>Theme: {html.escape(theme)}. Made by "
        "<code>splinescope export --deck</code>.</p>",
        "<table><tr><th>figure</th><th>preset</th><th>page</th><th>view</th><th>size</th>"
        "<th>files</th></tr>",
    ]
    for row in rows:
        files = " ".join(
            f'<a href="{html.escape(name)}">{html.escape(name)}</a>' for name in row["files"]
        )
        lines.append(
            f'<tr><td><img src="{html.escape(row["files"][0])}" alt="{html.escape(row["title"])}">'
            f"<br>{html.escape(row['title'])}</td><td>{html.escape(row['preset'])}</td>"
            f"<td>{html.escape(row['page'])}</td><td>{html.escape(row['view'])}</td>"
            f"<td>{html.escape(row['size'])}</td><td>{files}</td></tr>"
        )
    lines += ["</table></body></html>", ""]
    path = folder / "index.html"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
