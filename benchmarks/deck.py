"""Time of ``main.py export --deck`` with a cold result cache, then a warm one.

Three fresh processes, each writing a deck into its own temporary folder with no display:

- reference: ``--no-cache`` (everything computed, nothing stored);
- cold: an empty cache folder (everything computed and stored);
- warm: the same cache folder again (trained networks and experiment runs read back);
- warm, one process: the same with ``--processes 1`` (the deck as one process wrote it).

Each prints its wall-clock time and the processor time of its processes (user + system,
every thread and child), and the ratios against the reference; the warm run's files, the
reference's and the one-process run's are compared with the cold run's byte for byte,
``index.html`` included (neither a cache nor the processes may change a figure).
Wall-clock times are noisy on a shared machine: the processor times say what the work
costs.
Run: ``python benchmarks/deck.py [--keep DIR] [NAME ...]`` (preset names; none: the whole
deck). ``--keep DIR`` writes the four decks and the cache into DIR and leaves them there.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_deck(folder: Path, cache: Path, extra: list[str]) -> tuple[float, float]:
    """Wall-clock and processor seconds of one deck run into ``folder``."""
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XAUTHORITY")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env["SPLINESCOPE_CACHE_DIR"] = str(cache)
    args = [sys.executable, str(ROOT / "main.py"), "export", "--deck", str(folder)]
    args += ["--theme", "talk", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"the deck failed ({result.returncode}):\n{result.stderr}")
    processor = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, processor


def main(argv: list[str]) -> None:
    keep = None
    if argv[:1] == ["--keep"] and len(argv) > 1:
        keep, argv = Path(argv[1]), argv[2:]
    extra = []
    for name in argv:
        extra += ["--preset", name]
    with tempfile.TemporaryDirectory() as temporary:
        base = keep or Path(temporary)
        cache = base / "cache"
        runs = {
            "reference (--no-cache)": run_deck(base / "reference", cache, [*extra, "--no-cache"]),
            "cold cache": run_deck(base / "cold", cache, extra),
            "warm cache": run_deck(base / "warm", cache, extra),
            "warm, one process": run_deck(base / "single", cache, [*extra, "--processes", "1"]),
        }
        cold = sorted((base / "cold").iterdir())
        differ = {
            run: [p.name for p in cold if (base / run / p.name).read_bytes() != p.read_bytes()]
            for run in ("reference", "warm", "single")
        }
        reference_wall, reference_cpu = runs["reference (--no-cache)"]
        print(f"deck of {', '.join(argv) or 'every preset and page'} ({len(cold)} files)")
        for name, (wall, processor) in runs.items():
            print(
                f"{name:24s} {wall:7.1f} s wall ({wall / reference_wall:5.2f}x)"
                f" {processor:7.1f} s CPU ({processor / reference_cpu:5.2f}x)"
            )
        for run, names in differ.items():
            print(f"{run} files that differ from the cold run's: {', '.join(names) or 'none'}")
        print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main(sys.argv[1:])
