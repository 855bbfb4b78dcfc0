"""``splinescope stats`` options: every number checked (finite, typed, in range) by argparse,
so a bad one exits with status 2 and one sentence before any work starts."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

MAX_SLICES = 100_000
MAX_PROBES = 10_000
MAX_WORKERS = 64
MAX_CELLS = 2_000_000


def _integer(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def _number(low: float, *, open_low: bool, high: float = math.inf):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        too_low = value <= low if open_low else value < low
        if not math.isfinite(value) or too_low or value > high:
            bound = f"greater than {low}" if open_low else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{text} must be a finite number {bound}")
        return value

    return parse


def _input_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shape like 1,28,28 (positive whole numbers and commas)"
        ) from None
    if not 1 <= len(shape) <= 4 or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 to 4 positive sizes, like 1,28,28")
    return shape


def _output(text: str) -> Path:
    path = Path(text)
    if text != "-" and path.suffix.lower() not in (".tsv", ".parquet"):
        raise argparse.ArgumentTypeError(
            f"{text} must end in .tsv or .parquet (or be - for stdout)"
        )
    return path


def _figure(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".png", ".svg"):
        raise argparse.ArgumentTypeError(f"{text} must end in .png or .svg")
    return path


def build_stats_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="splinescope stats",
        description="Exact cell statistics over many random 2-D slices of a network, or "
        "over the same slices of many checkpoints: cell counts, cell areas, cells crossed "
        "by random segments, cells within a disc around random points (local complexity). "
        "One row per slice; progress on stderr; Ctrl-C stops cleanly.",
        epilog="Example: splinescope stats --preset cells-layer-by-layer --slices 64 "
        "--workers 2 --out cells.tsv --figure cells.svg",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--preset",
        metavar="NAME",
        help="a preset that describes a network (resources/presets, e.g. cells-layer-by-layer)",
    )
    source.add_argument(
        "--model", metavar="FILE", type=Path, help="a model file (.safetensors, .pt, .pth, .onnx)"
    )
    source.add_argument(
        "--checkpoints",
        metavar="FOLDER",
        type=Path,
        help="a folder of model files: the same slices of each, in name order",
    )
    parser.add_argument(
        "--input-shape",
        metavar="SHAPE",
        type=_input_shape,
        help="per-sample input shape for files that do not state it, e.g. 1,28,28",
    )
    parser.add_argument(
        "--slices",
        type=_integer(1, MAX_SLICES),
        default=16,
        help="random planes per network (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=_integer(0, 2**32 - 1),
        default=0,
        help="seed of the planes, segments and disc centres (default: %(default)s)",
    )
    parser.add_argument(
        "--half-width",
        type=_number(0.0, open_low=True, high=1e6),
        default=1.0,
        help="each slice is the square [-h, h]^2 of its plane (default: %(default)s)",
    )
    parser.add_argument(
        "--origin-scale",
        type=_number(0.0, open_low=False, high=1e6),
        default=0.5,
        help="plane origins are this times a standard normal vector (default: %(default)s)",
    )
    parser.add_argument(
        "--segments",
        type=_integer(0, MAX_PROBES),
        default=16,
        help="random segments per slice (default: %(default)s)",
    )
    parser.add_argument(
        "--discs",
        type=_integer(0, MAX_PROBES),
        default=16,
        help="random disc centres per slice (default: %(default)s)",
    )
    parser.add_argument(
        "--radius",
        type=_number(0.0, open_low=True, high=1e6),
        default=0.1,
        help="disc radius, below the half width (default: %(default)s)",
    )
    parser.add_argument(
        "--max-cells",
        type=_integer(1, MAX_CELLS),
        default=200_000,
        help="stop a slice with more cells than this (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=_integer(1, MAX_WORKERS),
        default=1,
        help="processes on this machine (default: %(default)s)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster instead, e.g. tcp://10.0.0.5:8786",
    )
    parser.add_argument(
        "--out",
        type=_output,
        default=Path("-"),
        help="the table: .tsv, .parquet (needs pyarrow) or - for stdout (default)",
    )
    parser.add_argument(
        "--figure", type=_figure, help="histograms of cell areas and cells per slice: .svg or .png"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser
