"""What ``splinescope export`` is asked to write: its arguments, checked, as a list of jobs."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from app.export.formats import (
    ANIMATION_FPS,
    DEFAULT_FRAMES,
    MAX_FPS,
    MAX_FRAMES,
    MIN_FPS,
    ImageSize,
    check_fps,
    format_of,
    parse_size,
)
from app.presets.files import load_preset, preset_names
from engine.safe_files import OutputPathError, check_output_path

WINDOW_SIZE = (1400, 900)
DECK_SIZE = (1920, 1080)
JOB_TIMEOUT_MS = 240_000
#: The most processes a deck is written by (each holds a window and its pages, ~2 GB).
MAX_PROCESSES = 8
EXAMPLES = """examples:
  splinescope export --view cells --out cells.svg
  splinescope export --preset xor-4 --view playground --out xor.pdf --theme talk
  splinescope export --view volume-cube --out cube.png --scale 4
  splinescope export --view cells-layers --out layers.gif --frames 24 --size 800x600
  splinescope export --view cells3d-probe --out sweep.mp4 --fps 24 --size 1280x720
  splinescope export --deck talk-figures/ --theme talk
"""


def build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="splinescope export",
        description="Write a view or an animation of the app to a file, with no display. "
        "The file's suffix is the format: .png, .svg, .pdf (views), .gif, .mp4 "
        "(animations), .tsv (the table behind a Hulls experiment's plot). Cell views are "
        "written to SVG/PDF as exact polygons.",
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
    parser.add_argument(
        "--fps",
        metavar="N",
        type=int,
        default=ANIMATION_FPS,
        help=f"frames per second of an animation, {MIN_FPS} to {MAX_FPS} "
        f"(default {ANIMATION_FPS}); GIF and MP4 alike",
    )
    parser.add_argument("--transparent", action="store_true", help="no background (PNG, SVG)")
    parser.add_argument(
        "--deck",
        metavar="DIR",
        type=Path,
        help="write the standard talk figures (each preset's main view, and each page "
        f"no preset shows, at {DECK_SIZE[0]}x{DECK_SIZE[1]} unless --size) and index.html",
    )
    parser.add_argument(
        "--processes",
        metavar="N",
        type=int,
        help=f"with --deck: write the figures in N processes at once, 1 to {MAX_PROCESSES} "
        "(default: 2, or 1 on one core); the files are the same",
    )
    # A child process of a deck written by several (app.export.deck_parts): the run's
    # folder and the child's number.
    parser.add_argument("--deck-part", nargs=2, metavar=("FOLDER", "INDEX"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="compute everything again: neither read nor write the result cache of trained "
        "networks and experiment runs ($SPLINESCOPE_CACHE_DIR, else "
        "$XDG_CACHE_HOME/splinescope, else ~/.cache/splinescope)",
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
    fps: int = ANIMATION_FPS


def _size(args: argparse.Namespace, default: ImageSize) -> ImageSize:
    if args.size is not None:
        try:
            return ImageSize(pixels=parse_size(args.size))
        except ValueError as error:
            raise ValueError(f"--size {args.size}: {error}.") from None
    if args.scale is not None:
        try:
            return ImageSize(args.scale)
        except ValueError:
            raise ValueError(
                f"--scale {args.scale:g} is out of range: give a scale from 0.1 to 16 "
                "(2 doubles the view's size)."
            ) from None
    return default


def check_counts(args: argparse.Namespace) -> None:
    """Refuse a frame count or a layer count that no page can honour (ValueError)."""
    if args.frames is not None and not 1 <= args.frames <= MAX_FRAMES:
        raise ValueError(
            f"--frames {args.frames} is out of range: an animation has 1 to {MAX_FRAMES} frames."
        )
    try:
        check_fps(args.fps)
    except ValueError:
        raise ValueError(
            f"--fps {args.fps} is out of range: an animation plays {MIN_FPS} to {MAX_FPS} "
            "frames per second."
        ) from None
    if args.processes is not None and not 1 <= args.processes <= MAX_PROCESSES:
        raise ValueError(
            f"--processes {args.processes} is out of range: a deck is written by 1 to "
            f"{MAX_PROCESSES} processes."
        )
    if args.layers is not None and args.layers < 0:
        raise ValueError(
            f"--layers {args.layers} is out of range: give 0 or more layers (at most the "
            "network's hidden layers)."
        )


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
    presets = args.preset or []
    check_counts(args)
    for name in presets:
        load_preset(name)  # a bad name raises, listing the valid ones
    if args.deck is not None:
        if args.out is not None or args.view is not None:
            raise ValueError("--deck writes its own files; leave out --out and --view")
        writable_path(args.deck / "index.html")
        size = _size(args, ImageSize(pixels=DECK_SIZE))
        names = presets or preset_names()
        jobs = [
            Job(None, None, name, size, args.frames, args.layers, args.transparent, args.fps)
            for name in names
        ]
        return jobs
    if args.processes is not None:
        raise ValueError("--processes is for --deck; leave it out for one file")
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
            args.fps,
        )
    ]
