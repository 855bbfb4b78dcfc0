"""Cell statistics of one 2-D slice: areas, cells crossed by segments, cells near samples.

A slice is a square ``[-h, h]^2`` of a random plane ``x = origin + s u + t v`` of the
network's input space (``u, v`` orthonormal), drawn from a seeded generator so the same
``(seed, index)`` gives the same plane, segments and disc centres on any machine and in
any process. :func:`slice_statistics` reduces the exact partition of that square
(:func:`engine.partition2d.partition_2d`) to a few numbers:

- the number of cells and their area distribution;
- how many cells each random segment passes through (a cell counts when the segment
  meets its interior over a positive length);
- how many cells meet a disc of radius ``r`` around each random centre: the local
  complexity of Humayun, Balestriero & Baraniuk (2024, "Deep networks always grok"),
  counted exactly on the slice instead of estimated from a sampled neighbourhood.

Everything is float64 numpy on the cells' counter-clockwise convex rings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.cells2d import Partition2D

#: Edges x queries handled at once by the vectorised tests (bounds the memory to ~100 MB).
_CHUNK_ENTRIES = 2_000_000
#: Cell area histogram: log10 of the area as a fraction of the square's area.
AREA_LOG_EDGES = np.linspace(-10.0, 0.0, 41)
#: A segment crosses a cell when it runs inside it over more than this fraction of its length.
_MIN_CROSSING = 1e-12


@dataclass(frozen=True)
class SliceSample:
    """One seeded slice and the random probes drawn on it.

    Attributes
    ----------
    origin, u, v : (d,) float64 the plane ``origin + s u + t v``; ``u, v`` orthonormal.
    bounds : (4,) float64 ``(-h, h, -h, h)`` in plane coordinates.
    segments : (K, 2, 2) float64 end points of random segments, uniform in the square.
    centres : (M, 2) float64 disc centres, uniform in the square shrunk by the radius
        (every disc lies inside the square).
    radius : float, the disc radius.
    """

    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    bounds: np.ndarray
    segments: np.ndarray
    centres: np.ndarray
    radius: float


@dataclass(frozen=True)
class SliceStatistics:
    """What one slice's partition holds.

    Attributes
    ----------
    n_cells : number of cells in the square.
    areas : (5,) float64 cell area min, 10 % quantile, median, 90 % quantile, max.
    area_mean : float, the square's area over ``n_cells``.
    crossed : (K,) int64 cells each segment passes through.
    disc_cells : (M,) int64 cells meeting each disc.
    area_histogram : (len(AREA_LOG_EDGES) - 1,) int64 cells per bin of log10(area /
        square area); cells below the first edge are counted in the first bin.
    """

    n_cells: int
    areas: np.ndarray
    area_mean: float
    crossed: np.ndarray
    disc_cells: np.ndarray
    area_histogram: np.ndarray


def slice_sample(
    dimension: int,
    seed: int,
    index: int,
    *,
    half_width: float = 1.0,
    origin_scale: float = 0.5,
    n_segments: int = 16,
    n_centres: int = 16,
    radius: float = 0.1,
) -> SliceSample:
    """Slice ``index`` of the sequence seeded by ``seed`` in a ``dimension``-D input space.

    ``origin`` is ``origin_scale`` times a standard normal (d,) vector; ``u, v`` span a
    uniformly random plane (QR of a Gaussian (d, 2) matrix). The same arguments give the
    same sample everywhere.
    """
    if dimension < 2:
        raise ValueError(f"a slice needs an input space of dimension 2 or more, got {dimension}")
    if not (np.isfinite(half_width) and half_width > 0):
        raise ValueError(f"the half width must be a positive number, got {half_width}")
    if not (np.isfinite(radius) and 0 < radius < half_width):
        raise ValueError(f"the disc radius must be between 0 and {half_width}, got {radius}")
    rng = np.random.default_rng([int(seed), int(index)])
    origin = origin_scale * rng.standard_normal(dimension)
    q, r = np.linalg.qr(rng.standard_normal((dimension, 2)))
    q = q * np.sign(np.diag(r))  # the unique QR with a positive diagonal: a uniform frame
    h = float(half_width)
    segments = rng.uniform(-h, h, size=(n_segments, 2, 2))
    centres = rng.uniform(-h + radius, h - radius, size=(n_centres, 2))
    bounds = np.array([-h, h, -h, h])
    return SliceSample(origin, q[:, 0].copy(), q[:, 1].copy(), bounds, segments, centres, radius)


def _edges(ring_xy: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E, 2) start and (E, 2) end of every ring edge, cell after cell."""
    n = np.arange(len(ring_xy))
    cell = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    following = n + 1
    last = following == offsets[cell + 1]
    following[last] = offsets[cell[last]]
    return ring_xy, ring_xy[following]


def _chunk(n_edges: int) -> int:
    """Queries per vectorised block against ``n_edges`` edges."""
    return max(1, _CHUNK_ENTRIES // max(n_edges, 1))


def segment_cells_crossed(ring_xy: np.ndarray, offsets: np.ndarray, segments) -> np.ndarray:
    """How many cells each segment passes through.

    Parameters
    ----------
    ring_xy : (E, 2) float64 counter-clockwise convex rings, cell after cell.
    offsets : (R+1,) int64 ring ``r`` is ``ring_xy[offsets[r]:offsets[r+1]]``.
    segments : (K, 2, 2) float64 end points ``a = segments[k, 0]``, ``b = segments[k, 1]``.

    Returns
    -------
    (K,) int64 number of cells whose interior the segment meets over a positive length
    (Cyrus–Beck clipping of the segment by every cell).
    """
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 2, 2)
    start, end = _edges(ring_xy, offsets)
    edge = end - start  # (E, 2); inside is to the left
    starts = offsets[:-1]
    counts = np.zeros(len(segments), dtype=np.int64)
    step = _chunk(len(edge))
    for lo in range(0, len(segments), step):
        a, b = segments[lo : lo + step, 0], segments[lo : lo + step, 1]
        direction = b - a  # (k, 2)
        # inside(t) = cross(edge, a + t d - start) >= 0  <=>  f0 + t f1 >= 0
        rel = a[None, :, :] - start[:, None, :]  # (E, k, 2)
        f0 = edge[:, None, 0] * rel[..., 1] - edge[:, None, 1] * rel[..., 0]
        f1 = edge[:, 0, None] * direction[None, :, 1] - edge[:, 1, None] * direction[None, :, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            root = -f0 / f1
        lower = np.where(f1 > 0, root, -np.inf)
        upper = np.where(f1 < 0, root, np.inf)
        upper = np.where((f1 == 0) & (f0 < 0), -np.inf, upper)
        t_in = np.maximum(np.maximum.reduceat(lower, starts, axis=0), 0.0)
        t_out = np.minimum(np.minimum.reduceat(upper, starts, axis=0), 1.0)
        counts[lo : lo + len(a)] = np.count_nonzero(t_out - t_in > _MIN_CROSSING, axis=0)
    return counts


def disc_cell_counts(
    ring_xy: np.ndarray, offsets: np.ndarray, centres, radius: float
) -> np.ndarray:
    """How many cells meet the open disc of ``radius`` around each centre.

    Parameters
    ----------
    ring_xy : (E, 2) float64 counter-clockwise convex rings, cell after cell.
    offsets : (R+1,) int64 ring offsets.
    centres : (M, 2) float64 disc centres.
    radius : positive float.

    Returns
    -------
    (M,) int64 number of cells at distance less than ``radius`` from each centre (a cell
    containing the centre is at distance 0).
    """
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    start, end = _edges(ring_xy, offsets)
    edge = end - start
    length2 = np.maximum(np.einsum("ek,ek->e", edge, edge), 1e-300)
    starts = offsets[:-1]
    counts = np.zeros(len(centres), dtype=np.int64)
    step = _chunk(len(edge))
    for lo in range(0, len(centres), step):
        c = centres[lo : lo + step]
        rel = c[None, :, :] - start[:, None, :]  # (E, m, 2)
        side = edge[:, None, 0] * rel[..., 1] - edge[:, None, 1] * rel[..., 0]
        inside = np.minimum.reduceat(side, starts, axis=0) >= 0  # (R, m)
        t = np.clip(np.einsum("ek,emk->em", edge, rel) / length2[:, None], 0.0, 1.0)
        gap = rel - t[..., None] * edge[:, None, :]
        distance2 = np.minimum.reduceat(np.einsum("emk,emk->em", gap, gap), starts, axis=0)
        near = inside | (distance2 < radius * radius)
        counts[lo : lo + len(c)] = np.count_nonzero(near, axis=0)
    return counts


def area_summary(areas: np.ndarray, square_area: float) -> tuple[np.ndarray, np.ndarray]:
    """(5,) min, 10 %, median, 90 %, max of ``areas (R,)`` and their (40,) log histogram
    (log10 of the area as a fraction of ``square_area``, binned on :data:`AREA_LOG_EDGES`)."""
    quantiles = np.quantile(areas, [0.0, 0.1, 0.5, 0.9, 1.0])
    logs = np.log10(np.maximum(areas / square_area, 1e-300))
    logs = np.clip(logs, AREA_LOG_EDGES[0], AREA_LOG_EDGES[-1])
    histogram, _ = np.histogram(logs, bins=AREA_LOG_EDGES)
    return quantiles, histogram.astype(np.int64)


def slice_statistics(partition: Partition2D, sample: SliceSample) -> SliceStatistics:
    """Reduce the partition of ``sample``'s square to :class:`SliceStatistics`.

    Parameters
    ----------
    partition : the exact cells of the square ``sample.bounds`` of ``sample``'s plane.
    sample : the slice, its segments (K, 2, 2) and disc centres (M, 2).
    """
    ring_xy, offsets = partition.ring_xy, partition.offsets
    areas = partition.areas
    xmin, xmax, ymin, ymax = sample.bounds
    square = float((xmax - xmin) * (ymax - ymin))
    quantiles, histogram = area_summary(areas, square)
    return SliceStatistics(
        n_cells=partition.n_regions,
        areas=quantiles,
        area_mean=square / partition.n_regions,
        crossed=segment_cells_crossed(ring_xy, offsets, sample.segments),
        disc_cells=disc_cell_counts(ring_xy, offsets, sample.centres, sample.radius),
        area_histogram=histogram,
    )
