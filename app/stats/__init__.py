"""``splinescope stats``: exact cell statistics over many slices or checkpoints, in parallel.

:func:`run_stats` is the whole command: options (:mod:`app.stats.arguments`), tasks
(:mod:`app.stats.plan`), their execution here, on processes or on Dask
(:mod:`app.stats.runner`), the table (:mod:`app.stats.table`) and the figure
(:mod:`app.stats.figure`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["run_stats"]


def run_stats(argv: Sequence[str]) -> int:
    """``splinescope stats ...``; returns 0, 1 (the run failed), 2 (a bad argument) or 130
    (stopped by Ctrl-C)."""
    from app.stats.arguments import build_stats_parser
    from app.stats.plan import plan_tasks

    args = build_stats_parser().parse_args(list(argv))
    try:
        tasks = plan_tasks(args)
    except ValueError as error:
        print(f"splinescope stats: {error}", file=sys.stderr)
        return 2
    from app.stats.figure import write_figure
    from app.stats.runner import StatsCancelled, run_tasks, stderr_progress
    from app.stats.table import write_table
    from app.stats.tasks import SliceFailed

    try:
        rows = run_tasks(
            tasks,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=stderr_progress(args.quiet),
        )
    except StatsCancelled:
        print("\nsplinescope stats: stopped (Ctrl-C); nothing was written", file=sys.stderr)
        return 130
    except (SliceFailed, OSError) as error:
        print(f"splinescope stats: {error}", file=sys.stderr)
        return 1
    try:
        write_table(rows, args.out)
        if args.figure is not None:
            names = sorted({row.network for row in rows})
            title = names[0] if len(names) == 1 else f"{len(names)} checkpoints"
            write_figure(
                rows, args.figure, f"{title}: {len(rows):,} slices of side {2 * args.half_width:g}"
            )
    except OSError as error:
        print(f"splinescope stats: could not write the output: {error}", file=sys.stderr)
        return 1
    return 0
