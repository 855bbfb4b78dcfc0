"""Benchmark of the exact 2-D partition (engine.partition2d.partition_2d).

Random He-initialised MLPs with 2 inputs on [-1, 1]^2, float64, bias_std 0.1, seed 0.
Prints, for every network: the number of cells, the median time of a few runs, cells
per second, issue 19's target (at least 25x the peer, and a time), and the time of the
public edge-subdivision peer (benchmarks/reference_partition.py) measured in the same
process, with the speed ratio: by default on the small networks only (the peer takes
tens of seconds on 8x64), with ``--reference-all`` on every one. ``--one-thread`` also
times every network with the cells cut and the maps made on one thread, the reference
for the split over threads. It asserts nothing about time.

The partition's kernels are compiled by numba on their first call and cached on disk.
The table is timed with them loaded; the first call of a fresh process is timed apart,
once with an empty cache (compiling the kernels) and once loading them from it.

Usage (from the repository root)::

    python benchmarks/partition2d.py           # the full table
    python benchmarks/partition2d.py --quick   # a smaller, faster run
    python benchmarks/partition2d.py --reference-all --one-thread --repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks.previous_tree import PreviousPartitions, interleaved_medians  # noqa: E402
from benchmarks.reference_partition import reference_partition_2d  # noqa: E402
from benchmarks.timing import format_seconds, median_time  # noqa: E402
from engine import cell_cutting, layerwise  # noqa: E402
from engine.networks import random_mlp  # noqa: E402
from engine.partition2d import partition_2d  # noqa: E402

BOUNDS = (-1.0, 1.0, -1.0, 1.0)

#: widths -> (issue's expected cell count, target seconds); None when the issue sets none.
TARGETS: dict[tuple[int, ...], tuple[int, float] | None] = {
    (16, 16, 16): None,
    (32, 32): None,
    (32, 32, 32): (3_500, 0.010),
    (64, 64, 64, 64): (31_000, 0.050),
    (128, 128, 128): (66_000, 0.220),
    (64,) * 8: (130_000, 0.900),
}
#: Speed-up over the peer issue 19 asks for at every size.
TARGET_RATIO = 25.0
#: Networks small enough to time the pure-Python reference on as well.
WITH_REFERENCE = {(16, 16, 16), (32, 32), (32, 32, 32)}


def first_call_seconds(call: str) -> tuple[float, float]:
    """Seconds of ``call`` (Python, with ``random_mlp`` imported) as the first partition of
    a fresh process: with an empty numba cache (the kernels are compiled), then in a
    second process loading the kernels from that cache. Imports are not timed."""
    code = (
        f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); "
        "from engine.networks import random_mlp; "
        "from engine.partition2d import partition_2d; from engine.partition3d import partition_3d; "
        f"start = time.perf_counter(); {call}; print(time.perf_counter() - start)"
    )
    with tempfile.TemporaryDirectory(prefix="splinescope-numba-") as cache:
        environment = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold, cached = (
            float(
                subprocess.run(
                    [sys.executable, "-c", code],
                    env=environment,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for _ in range(2)
        )
    return cold, cached


def _print_against(previous, dim: int, widths: tuple[int, ...], here, repeats: int) -> None:
    """One line: this tree and ``previous`` on the same network, runs alternated."""
    (mine, mine_cpu), (theirs, theirs_cpu), cells = interleaved_medians(
        here, previous, dim, widths, repeats
    )
    print(
        f"{_name(widths):>8} alternated with {previous.commit}: {format_seconds(mine)} here, "
        f"{format_seconds(theirs)} there ({cells:,} cells there): {theirs / mine:.2f}x; "
        f"CPU {mine_cpu * 1e3:.0f} ms here, {theirs_cpu * 1e3:.0f} ms there: "
        f"{theirs_cpu / mine_cpu:.2f}x"
    )


def _name(widths: tuple[int, ...]) -> str:
    return f"{len(widths)}x{widths[0]}" if len(set(widths)) == 1 else "-".join(map(str, widths))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller networks, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="runs per network (median)")
    parser.add_argument("--reference-all", action="store_true", help="the peer on every network")
    parser.add_argument(
        "--one-thread", action="store_true", help="also time every network on one thread"
    )
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also time the partitions of git revision REV, alternating runs with this tree's",
    )
    parser.add_argument(
        "--only", nargs="+", default=None, metavar="NET", help="only these networks, e.g. 4x64"
    )
    args = parser.parse_args(argv)
    previous = PreviousPartitions(args.against) if args.against else None

    if args.quick:
        networks = [(16, 16, 16), (32, 32), (32, 32, 32), (64, 64, 64, 64)]
        repeats = args.repeats or 3
        ref_repeats = 1
    else:
        networks = list(TARGETS)
        repeats = args.repeats or 7
        ref_repeats = 3

    print(
        f"partition_2d on {BOUNDS}, He-initialised MLPs, float64, bias_std 0.1, seed 0 "
        f"(python {platform.python_version()}, torch {torch.__version__}, "
        f"numpy {np.__version__}, {torch.get_num_threads()} torch threads)"
    )
    cold, cached = first_call_seconds(f"partition_2d(random_mlp([8, 8], seed=0), {BOUNDS})")
    print(
        f"first call in a fresh process: {cold:.2f} s compiling the kernels, "
        f"{cached:.2f} s loading them from the cache"
    )
    header = (
        f"{'network':>8} {'cells':>8} {'time':>11} {'cells/s':>10} "
        f"{'target':>28} {'reference':>11} {'speed-up':>9}"
        + (f" {'1 thread':>11} {'threads gain':>12}" if args.one_thread else "")
    )
    print(header)
    print("-" * len(header))

    # Warm up (kernels, first-call allocations) outside the timings.
    partition_2d(random_mlp([8, 8], seed=0), BOUNDS)

    for widths in networks:
        if args.only and _name(widths) not in args.only:
            continue
        model = random_mlp(list(widths), seed=0, bias_std=0.1, dtype=torch.float64)
        if previous is not None:
            _print_against(previous, 2, widths, lambda m=model: partition_2d(m, BOUNDS), repeats)
        seconds, part = median_time(lambda m=model: partition_2d(m, BOUNDS), repeats, budget=5.0)
        n_cells = part.n_regions
        target = TARGETS.get(widths)
        if target is None:
            target_text = "-"
        else:
            expected, limit = target
            verdict = "met" if seconds < limit else "MISSED"
            target_text = f"~{expected:,} in <{limit * 1e3:g} ms {verdict}"
        ref_text, ratio_text = "-", "-"
        if args.reference_all or widths in WITH_REFERENCE:
            ref_seconds, ref_cells = median_time(
                lambda m=model: reference_partition_2d(m, BOUNDS), ref_repeats, budget=20.0
            )
            ref_text = format_seconds(ref_seconds)
            ratio = ref_seconds / seconds
            ratio_text = f"{ratio:8.1f}x" + (" " if ratio >= TARGET_RATIO else "!")
            if len(ref_cells) != n_cells:
                ratio_text += f" (reference: {len(ref_cells)} cells!)"
        line = (
            f"{_name(widths):>8} {n_cells:>8,} {format_seconds(seconds):>11} "
            f"{n_cells / seconds:>10,.0f} {target_text:>28} {ref_text:>11} {ratio_text:>9}"
        )
        if args.one_thread:
            with one_thread():
                single, _ = median_time(lambda m=model: partition_2d(m, BOUNDS), repeats, 5.0)
            line += f" {format_seconds(single):>11} {single / seconds:11.2f}x"
        print(line)
    print(f"('!' after a speed-up: below the issue's {TARGET_RATIO:g}x)")


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """The partition's cells cut and maps made on one thread inside the block."""
    saved = cell_cutting.CUT_THREADS, layerwise.THREADS
    cell_cutting.CUT_THREADS = layerwise.THREADS = 1
    try:
        yield
    finally:
        cell_cutting.CUT_THREADS, layerwise.THREADS = saved


if __name__ == "__main__":
    main()
