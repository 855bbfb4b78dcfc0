"""Speed-up of ``splinescope stats --workers 2`` over one process, on the same job.

Three runs of the same slices of one network, in one process run:

- reference: every slice in this process, one after the other (no start-up at all);
- a pool of 1 worker process (what the pool itself costs: start-up, pickling);
- a pool of 2 worker processes.

and the pool's start-up alone (a pool of 2 running a single tiny slice). Every run
checks it produced the same table. It also prints how much of a core the reference
got: with the kernel's autogroup scheduling on, all processes of one terminal session
share that session's slice of the CPU, so when other sessions keep the cores busy a
second worker process cannot add CPU time, only divide it.
Run: ``python benchmarks/stats_parallel.py [slices]``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from app.stats.runner import run_on_processes, run_tasks
from app.stats.table import tsv_text
from app.stats.tasks import NetworkSource, SliceSettings, SliceTask

NETWORK = NetworkSource(label="mlp 2-48-48-48-2", input_shape=(2,), widths=(48, 48, 48), seed=0)
SETTINGS = SliceSettings(seed=0, half_width=3.0, n_segments=32, n_centres=32, radius=0.2)


def _timed(tasks, workers: int) -> tuple[float, str]:
    start = time.perf_counter()
    rows = run_tasks(tasks, workers=workers)
    return time.perf_counter() - start, tsv_text(rows)


def main() -> None:
    n_slices = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    load_before = os.getloadavg()[0]
    tasks = [SliceTask(0, NETWORK, i, SETTINGS) for i in range(n_slices)]
    _timed(tasks[:1], 1)  # compile or load the kernels once, for every run alike
    startup, _ = _timed(tasks[:1], 2)
    cpu = time.process_time()
    serial, table = _timed(tasks, 1)
    share = (time.process_time() - cpu) / serial
    start = time.perf_counter()
    rows = run_on_processes(tasks, 1, lambda done, total: None)
    one_worker = time.perf_counter() - start
    table_one = tsv_text(sorted(rows, key=lambda r: r.slice_index))
    two, table_two = _timed(tasks, 2)
    load_after = os.getloadavg()[0]
    assert table == table_one == table_two, "the runs disagree"
    cells = sum(int(line.split("\t")[2]) for line in table.splitlines()[1:])
    print(f"load average before: {load_before:.1f}, after: {load_after:.1f}")
    print(f"job: {n_slices} slices of {NETWORK.label}, {cells:,} cells in all, "
          f"{os.cpu_count()} cores (shared)")  # fmt: skip
    autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled")
    grouped = autogroup.is_file() and autogroup.read_text().strip() == "1"
    print(f"CPU this process got during the reference: {share:.2f} of a core; "
          f"scheduler autogroups: {'on' if grouped else 'off'}")  # fmt: skip
    print(f"pool start-up (2 workers, 1 slice): {startup:7.2f} s")
    print(f"reference, this process:            {serial:7.2f} s  ({cells / serial:,.0f} cells/s)")
    print(f"1 worker process:                   {one_worker:7.2f} s  ({serial / one_worker:.2f}x)")
    print(f"2 worker processes:                 {two:7.2f} s  ({serial / two:.2f}x the reference, "
          f"{one_worker / two:.2f}x one worker)")  # fmt: skip


if __name__ == "__main__":
    main()
