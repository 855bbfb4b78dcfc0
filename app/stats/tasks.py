"""One unit of work: the statistics of one slice of one network, in any process.

Tasks and rows are plain picklable values, so the same function runs in this process, in
a process pool and on a Dask worker. A worker builds (or reads) each network once and
keeps it for the slices that follow.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from engine.region_stats import AREA_LOG_EDGES, slice_sample, slice_statistics


@dataclass(frozen=True)
class NetworkSource:
    """Where a worker gets a network: a seeded random MLP (a preset's) or a model file.

    Attributes
    ----------
    label : how the table names it (the preset key or the file name).
    widths, seed, activation, n_outputs : the preset's MLP (2 inputs), when ``path`` is None.
    path : a model file :func:`engine.model_files.load_model` reads.
    input_shape : the per-sample input shape (the file's, or ``(2,)`` for a preset).
    """

    label: str
    input_shape: tuple[int, ...]
    widths: tuple[int, ...] = ()
    seed: int = 0
    activation: str = "relu"
    n_outputs: int = 2
    path: str | None = None


@dataclass(frozen=True)
class SliceSettings:
    """How every slice is drawn and measured (the same for every network)."""

    seed: int = 0
    half_width: float = 1.0
    origin_scale: float = 0.5
    n_segments: int = 16
    n_centres: int = 16
    radius: float = 0.1
    max_cells: int = 200_000


@dataclass(frozen=True)
class SliceTask:
    network_index: int
    source: NetworkSource
    slice_index: int
    settings: SliceSettings


@dataclass(frozen=True)
class SliceRow:
    """One line of the table: what slice ``slice_index`` of network ``network`` holds."""

    network_index: int
    network: str
    slice_index: int
    n_cells: int
    area_mean: float
    area_min: float
    area_q10: float
    area_median: float
    area_q90: float
    area_max: float
    crossed_mean: float
    crossed_max: int
    disc_mean: float
    disc_max: int
    area_histogram: tuple[int, ...]


class SliceFailed(RuntimeError):
    """A slice could not be measured; the message is one sentence for the user."""


_prepared = False


def prepare_process() -> None:
    """One torch thread per process: the workers already fill the cores, and torch's
    default of one thread per core made every worker fight the others for them."""
    global _prepared
    if not _prepared:
        import torch

        torch.set_num_threads(1)
        _prepared = True


@functools.lru_cache(maxsize=4)
def network_of(source: NetworkSource):
    """The float64 model of ``source`` (built or read once per process)."""
    if source.path is None:
        from engine.networks import random_mlp

        return random_mlp(
            source.widths,
            n_inputs=2,
            n_outputs=source.n_outputs,
            seed=source.seed,
            activation=source.activation,
        )
    from engine.model_files import load_model

    return load_model(source.path, input_shape=source.input_shape).module


def run_slice_task(task: SliceTask) -> SliceRow:
    """Partition slice ``task.slice_index`` of ``task.source`` exactly and measure it."""
    from engine.cell_cutting import TooManyRegionsError
    from engine.partition2d import partition_2d

    prepare_process()
    settings, shape = task.settings, task.source.input_shape
    sample = slice_sample(
        math.prod(shape),
        settings.seed,
        task.slice_index,
        half_width=settings.half_width,
        origin_scale=settings.origin_scale,
        n_segments=settings.n_segments,
        n_centres=settings.n_centres,
        radius=settings.radius,
    )
    plane = tuple(vector.reshape(shape) for vector in (sample.origin, sample.u, sample.v))
    try:
        partition = partition_2d(
            network_of(task.source), sample.bounds, plane=plane, max_regions=settings.max_cells
        )
    except TooManyRegionsError:
        raise SliceFailed(
            f"slice {task.slice_index} of {task.source.label} has more than "
            f"{settings.max_cells:,} cells; raise --max-cells or shrink --half-width"
        ) from None
    stats = slice_statistics(partition, sample)
    q = stats.areas
    return SliceRow(
        network_index=task.network_index,
        network=task.source.label,
        slice_index=task.slice_index,
        n_cells=stats.n_cells,
        area_mean=stats.area_mean,
        area_min=float(q[0]),
        area_q10=float(q[1]),
        area_median=float(q[2]),
        area_q90=float(q[3]),
        area_max=float(q[4]),
        crossed_mean=_mean(stats.crossed),
        crossed_max=int(stats.crossed.max(initial=0)),
        disc_mean=_mean(stats.disc_cells),
        disc_max=int(stats.disc_cells.max(initial=0)),
        area_histogram=tuple(int(n) for n in stats.area_histogram),
    )


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


#: Bin edges of :attr:`SliceRow.area_histogram` (log10 of area / square area).
HISTOGRAM_EDGES = tuple(float(x) for x in AREA_LOG_EDGES)
