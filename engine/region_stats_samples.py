"""Cells around test samples (SplineCam's issue #5): how many exact cells of a network
meet a small disc around each sample, in the plane through it and two random directions.

For sample ``x_i`` the plane is ``x_i + s u_i + t v_i`` with ``u_i, v_i`` orthonormal,
drawn from ``(seed, i)``, so every network compared (trained and untrained, say) is cut
in the same planes. The square ``[-r, r]^2`` of that plane is partitioned exactly
(:func:`engine.partition2d.partition_2d`) and the cells meeting the disc of radius ``r``
about ``(0, 0)`` are counted exactly (:func:`engine.local_complexity.cells_meeting_discs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from torch import nn

from engine.local_complexity import cells_meeting_discs
from engine.partition2d import partition_2d


@dataclass(frozen=True)
class SampleRegionCounts:
    """Cells near each sample, for each network.

    Attributes
    ----------
    names : the networks' names, in the order of ``counts``' rows.
    counts : (K, N) int64 cells meeting the disc around sample n, for network k.
    labels : (N,) int64 the samples' classes.
    radius : the disc's radius.
    seed : the seed of the random directions.
    """

    names: tuple[str, ...]
    counts: np.ndarray
    labels: np.ndarray
    radius: float
    seed: int

    def tsv(self) -> str:
        """One row per sample: ``sample``, ``label`` and one count column per network."""
        lines = ["\t".join(("sample", "label", *self.names))]
        for n, label in enumerate(self.labels):
            lines.append("\t".join(map(str, (n, int(label), *self.counts[:, n].tolist()))))
        return "\n".join(lines) + "\n"


def sample_directions(n_inputs: int, seed: int, index: int) -> tuple[np.ndarray, np.ndarray]:
    """(d,), (d,) float64 orthonormal directions of sample ``index``'s plane."""
    rng = np.random.default_rng([seed, index])
    q, _ = np.linalg.qr(rng.standard_normal((n_inputs, 2)))
    return q[:, 0].copy(), q[:, 1].copy()


def cells_near_samples(
    networks: Mapping[str, nn.Module],
    samples: np.ndarray,
    labels: np.ndarray,
    *,
    radius: float = 0.1,
    seed: int = 0,
    max_regions: int = 500_000,
    progress: Callable[[int, int], None] | None = None,
) -> SampleRegionCounts:
    """Count the exact cells of each network meeting the disc around each sample.

    Parameters
    ----------
    networks : name -> piecewise-linear model taking ``samples.shape[1:]`` inputs.
    samples : (N, *input_shape) the samples (e.g. (N, 1, 8, 8) test digits).
    labels : (N,) their classes.
    radius : r > 0, the disc's radius in input units.
    seed : the seed of the planes' random directions.
    progress : ``progress(done, total)`` after each (network, sample) partition.

    Raises
    ------
    ValueError
        A radius that is not a finite positive number, samples that are not finite, or
        labels that do not match them; :class:`TooManyRegionsError` past ``max_regions``.
    """
    radius = float(radius)
    if not (np.isfinite(radius) and radius > 0.0):
        raise ValueError(f"the radius must be a finite number > 0, got {radius!r}")
    samples = np.asarray(samples, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if samples.ndim < 2 or len(samples) != len(labels) or not np.isfinite(samples).all():
        raise ValueError("need (N, *input_shape) finite samples and N labels")
    shape = samples.shape[1:]
    names = tuple(networks)
    counts = np.zeros((len(names), len(samples)), dtype=np.int64)
    total, done = len(names) * len(samples), 0
    square = (-radius, radius, -radius, radius)
    for n, sample in enumerate(samples):
        u, v = sample_directions(sample.size, seed, n)
        plane = (sample, u.reshape(shape), v.reshape(shape))
        for k, name in enumerate(names):
            cells = partition_2d(networks[name], square, plane=plane, max_regions=max_regions)
            counts[k, n] = cells_meeting_discs(cells, np.zeros((1, 2)), radius)[0]
            done += 1
            if progress is not None:
                progress(done, total)
    return SampleRegionCounts(names, counts, labels, radius, int(seed))
