"""The partitions of an earlier commit, timed in the same run as this tree's.

``PreviousPartitions(revision)`` extracts ``engine/`` of that commit (``git archive``) into
a temporary directory and starts a Python process that imports it; ``time(...)`` asks that
process for one partition of the benchmark's network and returns its seconds and cell
count. A benchmark alternates one run here with one run there, so both see the same load
on a shared machine. The other process compiles its kernels into its own numba cache on
first use (outside the timings).
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SERVER = r"""
import sys, time
import torch
from engine.networks import random_mlp
from engine.partition2d import partition_2d
from engine.partition3d import partition_3d
for line in sys.stdin:
    dim, *widths = (int(word) for word in line.split())
    if dim == 2:
        model = random_mlp(widths, seed=0, bias_std=0.1, dtype=torch.float64)
        run = lambda: partition_2d(model, (-1.0, 1.0) * 2)
    else:
        model = random_mlp(widths, n_inputs=3, seed=0, bias_std=0.1, dtype=torch.float64)
        run = lambda: partition_3d(model, (-1.0, 1.0) * 3)
    start, cpu = time.perf_counter(), time.process_time()
    cells = run().n_regions
    print(time.perf_counter() - start, time.process_time() - cpu, cells, flush=True)
"""


class PreviousPartitions:
    """A process running the partitions of ``revision`` (any name git accepts): by
    default of the benchmarks' MLPs; ``server`` is other Python code reading one request
    per line of its input and printing seconds, CPU seconds and cells on one line."""

    def __init__(self, revision: str, server: str = _SERVER) -> None:
        self.commit = subprocess.run(
            ["git", "rev-parse", "--short", revision],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        archive = subprocess.run(
            ["git", "archive", "--format=tar", self.commit, "engine"],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout  # fmt: skip
        self._directory = tempfile.TemporaryDirectory(prefix=f"splinescope-{self.commit}-")
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(self._directory.name, filter="data")
        self._process = subprocess.Popen(
            [sys.executable, "-c", server],
            cwd=self._directory.name,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def time(self, dim: int, widths: tuple[int, ...]) -> tuple[float, float, int]:
        """Seconds, CPU seconds (all threads) and cells of one ``dim``-D partition of the
        benchmark's network."""
        return self.ask(" ".join(map(str, (dim, *widths))))

    def ask(self, request: str) -> tuple[float, float, int]:
        """Seconds, CPU seconds (all threads) and cells of the server's partition for
        one line ``request``."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(request + "\n")
        self._process.stdin.flush()
        seconds, cpu, cells = self._process.stdout.readline().split()
        return float(seconds), float(cpu), int(cells)

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=60)
        self._directory.cleanup()


def interleaved_medians(
    here, previous: PreviousPartitions, dim: int, widths: tuple[int, ...], repeats: int
) -> tuple[tuple[float, float], tuple[float, float], int]:
    """Median (seconds, CPU seconds of all threads) of ``here()`` (a partition of this
    tree) and of the previous tree's same partition, run alternately ``repeats`` times
    each (after one untimed run each); and the previous tree's cell count. On a loaded
    machine the CPU seconds are the steadier figure."""
    import statistics
    import time

    here()
    previous.time(dim, widths)
    mine, theirs = [], []
    cells = 0
    for _ in range(max(1, repeats)):
        start, cpu = time.perf_counter(), time.process_time()
        here()
        mine.append((time.perf_counter() - start, time.process_time() - cpu))
        seconds, cpu_seconds, cells = previous.time(dim, widths)
        theirs.append((seconds, cpu_seconds))

    def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

    return medians(mine), medians(theirs), cells
