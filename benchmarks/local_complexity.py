"""Benchmark of the local complexity (engine.local_complexity.local_complexity) against
the partition it reads: the Playground computes both for every frame.

Random He-initialised MLPs with 2 inputs and 2 outputs on the Playground's square
[-1.25, 1.25]^2, float64, seed 0; 320 training points drawn uniformly (seed 0), discs of
radius 5% of the width. For every network: cells, the mean cells near a point, the
median time of the partition and of the local complexity (both in this run) and their
ratio. It asserts nothing about time.

Usage (from the repository root)::

    python benchmarks/local_complexity.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.timing import format_seconds, median_time  # noqa: E402
from engine.local_complexity import local_complexity  # noqa: E402
from engine.networks import random_mlp  # noqa: E402
from engine.partition2d import partition_2d  # noqa: E402

BOUNDS = (-1.25, 1.25, -1.25, 1.25)
RADIUS = 0.05 * (BOUNDS[1] - BOUNDS[0])
NETWORKS = [(8, 8), (16, 16, 16), (64, 64), (32, 32, 32)]


def main() -> None:
    points = np.random.default_rng(0).uniform(BOUNDS[0], BOUNDS[1], (320, 2))
    partition_2d(random_mlp((4,)), BOUNDS)  # load the compiled kernels
    header = (
        f"{'network':>12} {'cells':>8} {'near':>6} {'partition':>11} {'local':>11} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for widths in NETWORKS:
        model = random_mlp(widths, seed=0)
        partition_s, partition = median_time(lambda m=model: partition_2d(m, BOUNDS), 5, 20.0)
        local_s, near = median_time(
            lambda p=partition: local_complexity(p, points, RADIUS), 5, 20.0
        )
        name = "-".join(map(str, widths))
        print(
            f"{name:>12} {partition.n_regions:>8,} {near:>6.2f} {format_seconds(partition_s):>11}"
            f" {format_seconds(local_s):>11} {local_s / partition_s:>6.2f}"
        )
    print("ratio: time of the local complexity / time of the partition it reads.")


if __name__ == "__main__":
    main()
