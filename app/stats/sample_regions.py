"""``splinescope regions``: exact cells around test digits, trained against untrained.

For the first N test digits of the shipped split, the exact cells of the shipped digits
CNN and of the same network untrained (its seeded initial weights) that meet a disc of
``--radius`` about each digit, in the plane through it and two seeded random directions
(:func:`engine.region_stats_samples.cells_near_samples`); written as TSV (``--out``, or
stdout) and as two histograms side by side (``--figure x.svg|x.png``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app.stats.figure import paired_counts_svg, write_svg

MAX_IMAGES = 359


def _images(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_IMAGES:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_IMAGES}, got {value}")
    return value


def _radius(text: str) -> float:
    value = float(text)
    if not (0.0 < value <= 2.0):
        raise argparse.ArgumentTypeError(f"must be a number in (0, 2], got {text}")
    return value


def build_regions_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="splinescope regions", description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=_images, default=20, help="test digits (default 20)")
    parser.add_argument("--radius", type=_radius, default=0.1, help="disc radius (default 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random directions")
    parser.add_argument("--out", type=Path, default=None, help="TSV file (default: stdout)")
    parser.add_argument("--figure", type=Path, default=None, help="histograms, .svg or .png")
    return parser


def run_regions(argv: Sequence[str]) -> int:
    """``splinescope regions ...``; returns 0, 1 (could not write) or 2 (a bad argument)."""
    args = build_regions_parser().parse_args(list(argv))
    from engine.digits_cnn import digits_cnn, digits_split, load_digits_cnn
    from engine.region_stats_samples import cells_near_samples

    test = digits_split()[1]
    networks = {
        "trained": load_digits_cnn().double().eval(),
        "untrained": digits_cnn(0).double().eval(),
    }
    n = args.images
    result = cells_near_samples(
        networks,
        test.images[:n, None],
        test.labels[:n],
        radius=args.radius,
        seed=args.seed,
        progress=lambda done, total: print(f"\r{done}/{total} slices", end="", file=sys.stderr),
    )
    print(file=sys.stderr)
    try:
        if args.out is None:
            sys.stdout.write(result.tsv())
        else:
            args.out.write_text(result.tsv(), encoding="utf-8")
        if args.figure is not None:
            counts = dict(zip(result.names, result.counts.tolist(), strict=True))
            title = (
                f"Digits CNN: exact cells within r = {args.radius:g} of {n} test digits "
                "(random planes through each)"
            )
            write_svg(paired_counts_svg(counts, title, "cells meeting the disc"), args.figure)
    except OSError as error:
        print(f"splinescope regions: could not write the output: {error}", file=sys.stderr)
        return 1
    return 0
