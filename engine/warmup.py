"""Compile every numba kernel of the engine once, ahead of its first use in the window.

The partition kernels are compiled by numba with ``cache=True``: the first process to
call them compiles them (seconds) and writes the machine code next to the sources; every
later process loads it (tens of milliseconds). ``python -m engine.warmup`` does that
first call at install time (the Makefile runs it once after ``pip install``), by running
small real partitions that reach every kernel with the argument types the app uses, so
that no page compiles anything while a user waits.

Usage::

    python -m engine.warmup      # prints each step's time; exit status 1 if a kernel
                                 # was left uncompiled
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import ModuleType

import torch
from numba.core.registry import CPUDispatcher
from torch import nn

from engine import (
    argmax_kernels,
    disc_kernels,
    graph_kernels,
    map_kernels,
    polygon_kernels,
    polyhedron_kernels,
)

#: The kernels the engine calls from Python, by module; the others are compiled into them
#: (numba's cache keeps them inside their callers' machine code).
ENTRY_KERNELS: dict[ModuleType, tuple[str, ...]] = {
    argmax_kernels: ("cut_by_argmax", "cut_by_argmax_at"),
    disc_kernels: ("count_cells_near",),
    graph_kernels: (
        "join_packed_bits",
        "packed_slots",
        "pooled_rows",
        "row_magnitudes",
        "scaled_rows",
    ),
    map_kernels: (
        "gather_packed_rows",
        "gather_rows",
        "masked_maps",
        "narrow_piece_maps",
        "piece_maps",
    ),
    polygon_kernels: ("cut_cells",),
    polyhedron_kernels: ("cut_cells",),
}


def kernels() -> dict[str, CPUDispatcher]:
    """Every numba-compiled function of the modules of :data:`ENTRY_KERNELS`, by
    qualified name."""
    found = {}
    for module in ENTRY_KERNELS:
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def uncompiled() -> list[str]:
    """Qualified names of the entry kernels with no compiled (or cache-loaded) machine
    code in this process yet."""
    return sorted(
        f"{module.__name__}.{name}"
        for module, names in ENTRY_KERNELS.items()
        for name in names
        if not getattr(module, name).signatures
    )


def _partitions_2d() -> None:
    from engine.class_pieces import class_pieces
    from engine.decision import decision_boundary
    from engine.local_complexity import local_complexity
    from engine.networks import random_mlp
    from engine.partition2d import partition_2d

    bounds = (-1.0, 1.0, -1.0, 1.0)
    for activation in ("relu", "leaky_relu"):
        model = random_mlp([12, 12], n_outputs=3, seed=0, activation=activation)
        partition = partition_2d(model, bounds)
        decision_boundary(partition)
        class_pieces(partition)
        local_complexity(partition, partition.centroids, 0.1)
        partition_2d(model, bounds, layers=1)


def _partition_3d() -> None:
    from engine.decision3d import decision_surface
    from engine.networks import random_mlp
    from engine.partition3d import partition_3d

    model = random_mlp([8, 8], n_inputs=3, n_outputs=3, seed=0)
    decision_surface(partition_3d(model, (-1.0, 1.0) * 3))
    partition_3d(model, (-1.0, 1.0) * 3, layers=1)


def _traced_partitions() -> None:
    import numpy as np

    from engine.partition2d import partition_2d
    from engine.slices import plane_through

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8, 4),
        nn.ReLU(),  # a ReLU no pooling reads: its pieces' values are made
        nn.Linear(4, 3),
    ).double()
    anchors = np.random.default_rng(0).normal(size=(3, 1, 4, 4))
    for domain in ("rectangle", "triangle"):
        partition_2d(model, None, plane=plane_through(*anchors, domain=domain))


#: The warm-up's steps: a name and the small real computation it runs.
STEPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("2-D partitions, decision boundaries, class pieces, local complexity", _partitions_2d),
    ("3-D partition and decision surface", _partition_3d),
    ("traced-graph 2-D partitions", _traced_partitions),
)


def warm_up(report: Callable[[str], None] | None = None) -> list[tuple[str, float]]:
    """Run every step of :data:`STEPS`; returns ``(step, seconds)`` for each and calls
    ``report`` with a line per step."""
    timings = []
    for name, step in STEPS:
        started = time.perf_counter()
        step()
        seconds = time.perf_counter() - started
        timings.append((name, seconds))
        if report is not None:
            report(f"{name}: {seconds:.2f} s")
    return timings


def main(argv: list[str] | None = None) -> int:
    """Warm up; 0 when every kernel is compiled, else 1 (with their names on stderr)."""
    del argv
    started = time.perf_counter()
    warm_up(report=lambda line: print(f"engine.warmup: {line}"))
    missing = uncompiled()
    if missing:
        print(f"engine.warmup: not compiled: {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"engine.warmup: {len(kernels())} kernels ready in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
