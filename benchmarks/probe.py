"""Benchmark of the probe's fast path (engine.probe): locating a probe and one drag step.

Random He-initialised MLPs with 2 inputs on [-1, 1]^2, float64, bias_std 0.1, seed 0.
For every network it prints the number of cells, then the median and 95th-percentile
time of

- ``locate``: ``probe_readout`` (Partition2D.locate of one point, then the cell's map,
  pattern and both exact distances);
- ``drag step``: ``probe_step`` (the readout at the new position plus the exact
  segment walk from the previous one), on a random walk of small mouse-sized steps;

- ``disc L2``, ``disc Linf``: ``boundary_distance`` (the exact distance disc to another
  class that the Cells page and the Playground draw around the probe);

beside a reference measured in the same run: for the first two, the same work with the
cell found by a brute-force, vectorised point-in-polygon test against every cell; for
the discs, the ``locate`` readout itself (the ratio is then the readout's time over the
disc's). The issue's target is
a median under 5 ms on a 20,000-cell partition. It asserts nothing about time.

Usage (from the repository root)::

    python benchmarks/probe.py           # ~3,500, ~16,000 and ~21,500 cells
    python benchmarks/probe.py --quick   # fewer probes
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine.boundary_distance import boundary_distance  # noqa: E402
from engine.decision import decision_boundary  # noqa: E402
from engine.networks import random_mlp  # noqa: E402
from engine.partition2d import Partition2D, partition_2d  # noqa: E402
from engine.probe import probe_readout, probe_step, step_transitions  # noqa: E402
from engine.segment_walk import segment_crossings  # noqa: E402

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
NETWORKS = ((32, 32, 32), (64, 64, 64), (72, 72, 72))
TARGET_SECONDS = 0.005
#: A drag step: about five pixels of a 600-pixel view of [-1, 1]^2.
STEP = 5 * 2.0 / 600


class BruteForceLocator:
    """Every cell's edges as inward half-planes, tested all at once (vectorised numpy)."""

    def __init__(self, partition: Partition2D) -> None:
        ring = partition.vertices[partition.indices]
        nxt = np.arange(1, len(ring) + 1)
        nxt[partition.offsets[1:] - 1] = partition.offsets[:-1]
        edge = ring[nxt] - ring
        self.normal = np.stack([-edge[:, 1], edge[:, 0]], axis=1)
        self.level = np.einsum("ij,ij->i", self.normal, ring)
        self.starts = partition.offsets[:-1]

    def locate(self, point: np.ndarray) -> int:
        inside = self.normal @ point - self.level
        return int(np.argmax(np.minimum.reduceat(inside, self.starts)))


def _percentiles(fn: Callable[[int], object], n: int) -> tuple[float, float]:
    """Median and 95th percentile of ``fn(i)`` for i in range(n), in seconds."""
    times = np.empty(n)
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        times[i] = time.perf_counter() - started
    return float(np.median(times)), float(np.percentile(times, 95))


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.3f} ms"


def bench_network(widths: tuple[int, ...], n_probes: int, rng: np.random.Generator) -> None:
    """Time the probe on one network and print its two rows."""
    model = random_mlp(list(widths), seed=0, bias_std=0.1, dtype=torch.float64)
    partition = partition_2d(model, BOUNDS)
    boundary = decision_boundary(partition)
    partition.locate(np.zeros((1, 2)))  # build the locator, as the app's worker does
    brute = BruteForceLocator(partition)
    points = rng.uniform(-0.99, 0.99, size=(n_probes, 2))
    angle = rng.uniform(0, 2 * np.pi, size=n_probes)
    moves = STEP * np.column_stack([np.cos(angle), np.sin(angle)])
    walk = np.clip(points[0] + np.cumsum(moves, axis=0), -0.99, 0.99)

    def locate(i: int) -> None:
        probe_readout(partition, points[i], boundary)

    def locate_reference(i: int) -> None:
        probe_readout(partition, points[i], boundary, cell=brute.locate(points[i]))

    def step(i: int) -> None:
        probe_step(model, partition, walk[max(i - 1, 0)], walk[i], boundary)

    def step_reference(i: int) -> None:
        a, b = walk[max(i - 1, 0)], walk[i]
        probe_readout(partition, b, boundary, cell=brute.locate(b))
        step_transitions(segment_crossings(model, a, b), a, b, partition.layer_of_neuron)

    for i in range(20):  # warm up
        locate(i)
        step(i)
    name = "x".join(map(str, widths))

    def disc_l2(i: int) -> None:
        boundary_distance(partition, boundary, points[i], "l2")

    def disc_linf(i: int) -> None:
        boundary_distance(partition, boundary, points[i], "linf")

    for what, fn, reference in (
        ("locate", locate, locate_reference),
        ("drag step", step, step_reference),
        ("disc L2", disc_l2, locate),
        ("disc Linf", disc_linf, locate),
    ):
        median, p95 = _percentiles(fn, n_probes)
        ref_median, ref_p95 = _percentiles(reference, n_probes)
        verdict = "met" if median < TARGET_SECONDS else "MISSED"
        print(
            f"{name:>8} {partition.n_regions:>7,} {what:>10} {_ms(median):>11} "
            f"{_ms(p95):>11} {_ms(ref_median):>12} {_ms(ref_p95):>11} "
            f"{ref_median / median:>6.1f}x  {verdict}"
        )
    # The two locators agree, except possibly for points exactly on an edge.
    agree = np.mean([partition.locate(p[None])[0] == brute.locate(p) for p in points])
    if agree < 1.0:
        print(f"{'':>8} the locators disagree on {100 * (1 - agree):.2f}% of the probes")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer probes per network")
    args = parser.parse_args(argv)
    n_probes = 200 if args.quick else 1000

    print(
        f"probe fast path on {BOUNDS}, He-initialised MLPs, float64, bias_std 0.1, seed 0, "
        f"{n_probes} probes (python {platform.python_version()}, torch {torch.__version__}, "
        f"numpy {np.__version__})"
    )
    header = (
        f"{'network':>8} {'cells':>7} {'what':>10} {'median':>11} {'p95':>11} "
        f"{'ref. median':>12} {'ref. p95':>11} {'ratio':>7}  target (median < 5 ms)"
    )
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for widths in NETWORKS:
        bench_network(widths, n_probes, rng)
    print(
        "ratio = reference median / median; reference = the same work with a brute-force "
        "point-in-polygon test over every cell instead of Partition2D.locate (for the discs: "
        "the locate readout)."
    )


if __name__ == "__main__":
    main()
