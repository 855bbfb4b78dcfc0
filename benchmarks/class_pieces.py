"""Benchmark of the exact class pieces (engine.class_pieces.class_pieces) against the
partition they cut.

Random He-initialised MLPs with 2 inputs and 2 or 10 outputs on [-1, 1]^2, float64,
bias_std 0.1, seed 0. For every network: cells, pieces, cut cells, the median time of
the partition and of the pieces (both measured in this run, kernels loaded) and their
ratio. It asserts nothing about time.

Usage (from the repository root)::

    python benchmarks/class_pieces.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.timing import format_seconds, median_time  # noqa: E402
from engine.class_pieces import class_pieces  # noqa: E402
from engine.networks import random_mlp  # noqa: E402
from engine.partition2d import partition_2d  # noqa: E402

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
NETWORKS = [((32, 32, 32), 2), ((128, 128, 128), 2), ((64,) * 8, 2), ((64,) * 8, 10)]


def main() -> None:
    class_pieces(partition_2d(random_mlp((4,)), BOUNDS))  # load the compiled kernel
    header = (
        f"{'network':>14} {'outputs':>7} {'cells':>9} {'pieces':>9} {'cut':>7} "
        f"{'partition':>11} {'pieces':>11} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for widths, n_out in NETWORKS:
        model = random_mlp(widths, n_outputs=n_out, seed=0)
        partition_s, partition = median_time(lambda m=model: partition_2d(m, BOUNDS), 3, 20.0)
        pieces_s, pieces = median_time(lambda p=partition: class_pieces(p), 5, 10.0)
        cut = int(np.count_nonzero(pieces.pieces_per_cell(partition.n_regions) > 1))
        name = "-".join(map(str, widths)) if len(set(widths)) > 1 else f"{widths[0]}x{len(widths)}"
        print(
            f"{name:>14} {n_out:>7} {partition.n_regions:>9,} {pieces.n_pieces:>9,} {cut:>7,} "
            f"{format_seconds(partition_s):>11} {format_seconds(pieces_s):>11} "
            f"{pieces_s / partition_s:>6.1%}"
        )
    print("ratio: time of the pieces / time of the partition they cut.")


if __name__ == "__main__":
    main()
