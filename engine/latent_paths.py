"""Straight paths through a decoder's latent space, and through a classifier's input space.

A ReLU decoder is affine inside each cell of its latent space, so the images decoded
along a straight latent segment ``z(t) = z_a + t (z_b - z_a)`` are a piecewise-linear
"fade": exactly the linear interpolation of the images decoded at the kinks, where the
segment crosses from one cell into the next. This module walks such a segment exactly
(:func:`engine.segment_walk.segment_crossings`), samples it at the kinks and between them for a
strip of images, compares it with the pixel-space fade of the two end images, measures
how far the decoded path strays from the training set, and counts the cells crossed by
many random pairs. For a latent dimension above 2 the cells are shown in the 2-D slice of
latent space that contains the path (:func:`latent_plane`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.cells2d import Partition2D
from engine.partition2d import partition_2d
from engine.segment_walk import SegmentCrossings, segment_crossings

if TYPE_CHECKING:
    from torch import nn

#: Margin added around the training codes (as a share of their extent) for the 2-D view.
VIEW_MARGIN = 0.08
#: Rows of the training set compared at once when looking for nearest images.
_NEAREST_CHUNK = 2048


def nearest_images(train: np.ndarray, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nearest training image of every image (Euclidean distance in pixel space).

    Parameters
    ----------
    train : (N, p) training images, flattened.
    images : (M, p) images, flattened.

    Returns
    -------
    index : (M,) int64 row of ``train`` nearest to each image.
    distance : (M,) float64 its distance.
    """
    train = np.asarray(train, dtype=np.float64)
    images = np.asarray(images, dtype=np.float64).reshape(-1, train.shape[1])
    best = np.full(len(images), np.inf)
    index = np.zeros(len(images), dtype=np.int64)
    image_norms = np.einsum("mp,mp->m", images, images)
    for start in range(0, len(train), _NEAREST_CHUNK):
        block = train[start : start + _NEAREST_CHUNK]
        squared = (
            image_norms[:, None] - 2.0 * images @ block.T + np.einsum("np,np->n", block, block)
        )
        column = np.argmin(squared, axis=1)
        value = squared[np.arange(len(images)), column]
        better = value < best
        best[better] = value[better]
        index[better] = start + column[better]
    # The expansion loses digits for near neighbours: recompute the winners directly.
    distance = np.linalg.norm(images - train[index], axis=1)
    return index, distance


def reconstruction_keeps_class(
    autoencoder,
    train: np.ndarray,
    train_labels: np.ndarray,
    images: np.ndarray,
    labels: np.ndarray,
) -> np.ndarray:
    """(M,) bool: whether each image's reconstruction ``decode(encode(image))`` has a
    nearest training image (Euclidean, pixel space) of the image's own label.

    ``autoencoder`` has ``encode``/``decode`` as :class:`engine.digit_models.Autoencoder`;
    ``train`` (N, p) and ``train_labels`` (N,); ``images`` (M, p) and ``labels`` (M,).
    """
    images = np.asarray(images, dtype=np.float64).reshape(len(labels), -1)
    decoded = autoencoder.decode(autoencoder.encode(images))
    nearest, _ = nearest_images(train, decoded)
    return np.asarray(train_labels)[nearest] == np.asarray(labels)


def latent_plane(
    z_a: np.ndarray, z_b: np.ndarray, z_c: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 2-D slice of latent space through ``z_a``, ``z_b`` and ``z_c`` (or the origin).

    Returns ``(origin, u, v)`` with ``origin = z_a``, ``u`` the unit vector towards
    ``z_b`` and ``v`` a unit vector orthogonal to it, in the plane of the third point (the
    origin when ``z_c`` is None; any orthogonal direction if that point is on the line).
    The path then runs from ``(0, 0)`` to ``(|z_b - z_a|, 0)`` in slice coordinates, and
    slice coordinates are latent distances.
    """
    z_a = np.asarray(z_a, dtype=np.float64).reshape(-1)
    z_b = np.asarray(z_b, dtype=np.float64).reshape(-1)
    length = float(np.linalg.norm(z_b - z_a))
    if not length > 0:
        raise ValueError("the two latent codes coincide: there is no path between them")
    u = (z_b - z_a) / length
    third = np.zeros_like(z_a) if z_c is None else np.asarray(z_c, dtype=np.float64).reshape(-1)
    w = third - z_a
    w = w - (w @ u) * u
    if np.linalg.norm(w) <= 1e-9 * max(1.0, length):
        # The third point is on the line: take the coordinate axis least aligned with u.
        w = np.eye(len(u))[int(np.argmin(np.abs(u)))]
        w = w - (w @ u) * u
    return z_a, u, w / np.linalg.norm(w)


def to_plane(points: np.ndarray, plane: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """(M, 2) slice coordinates of the orthogonal projections of (M, k) points."""
    origin, u, v = plane
    offset = np.asarray(points, dtype=np.float64).reshape(-1, len(origin)) - origin
    return np.column_stack([offset @ u, offset @ v])


@dataclass(frozen=True)
class LatentView:
    """The decoder's exact cells over a 2-D view of latent space, with the codes on it.

    Attributes
    ----------
    partition : the decoder's cells; over the latent plane itself when ``plane`` is None,
        else over the slice ``origin + s u + t v``.
    codes : (N, 2) the training codes in view coordinates (orthogonal projections onto
        the slice when it is one: such codes generally lie off the slice).
    labels : (N,) int64 their classes.
    code_cell : (N,) int64 the cell of every code, -1 outside the view; only meaningful
        without a slice.
    reached : (R,) bool whether a training code lies in each cell (all True for a slice,
        where codes are not in the plane and "unreached" would mean nothing).
    """

    partition: Partition2D
    codes: np.ndarray
    labels: np.ndarray
    code_cell: np.ndarray
    reached: np.ndarray

    @property
    def is_slice(self) -> bool:
        return self.partition.plane is not None

    @property
    def n_unreached(self) -> int:
        """Cells no training code lies in: the decoder's "impossible regions"."""
        return int(np.count_nonzero(~self.reached))


def _padded_bounds(points: np.ndarray, margin: float) -> tuple[float, float, float, float]:
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-6)
    return (
        float(low[0] - pad[0]),
        float(high[0] + pad[0]),
        float(low[1] - pad[1]),
        float(high[1] + pad[1]),
    )


def latent_view(
    decoder: nn.Module,
    codes: np.ndarray,
    labels: np.ndarray,
    *,
    plane: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    path: tuple[np.ndarray, np.ndarray] | None = None,
    max_regions: int = 400_000,
) -> LatentView:
    """The decoder's cells around the training codes (2-D latent) or around a path (slice).

    Parameters
    ----------
    decoder : Linear/ReLU ``nn.Sequential`` from latent codes to images.
    codes : (N, k) latent codes of the training images; labels : (N,) their classes.
    plane : None for ``k == 2``; else ``(origin, u, v)`` from :func:`latent_plane`.
    path : with a plane, the (k,) ends of the path; the view is then a square around the
        path and the third point, not around all the codes.
    max_regions : passed to :func:`engine.partition2d.partition_2d`.
    """
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if plane is None:
        if codes.shape[1] != 2:
            raise ValueError(f"latent codes of dimension {codes.shape[1]} need a plane")
        bounds = _padded_bounds(codes, VIEW_MARGIN)
        partition = partition_2d(decoder, bounds, max_regions=max_regions)
        cell = partition.locate(codes)
        reached = np.zeros(partition.n_regions, dtype=bool)
        reached[cell[cell >= 0]] = True
        return LatentView(partition, codes, labels, cell, reached)
    projected = to_plane(codes, plane)
    if path is None:
        bounds = _padded_bounds(projected, VIEW_MARGIN)
    else:
        ends = to_plane(np.stack(path), plane)
        length = float(np.linalg.norm(ends[1] - ends[0]))
        centre = ends.mean(axis=0)
        half = 0.85 * length
        bounds = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
    partition = partition_2d(decoder, bounds, plane=plane, max_regions=max_regions)
    cell = np.full(len(codes), -1, dtype=np.int64)
    return LatentView(partition, projected, labels, cell, np.ones(partition.n_regions, bool))


@dataclass(frozen=True)
class LatentPath:
    """A straight latent path, decoded exactly and sampled for a strip of images.

    Attributes
    ----------
    crossings : the decoder's walk from ``z_a`` to ``z_b`` (kinks ``crossings.t``; the
        decoded image along the path is the linear interpolation of
        ``crossings.outputs`` at ``crossings.breakpoints``).
    sample_t : (S,) sorted parameters of the strip: both ends, the kinks and the
        midpoints between them (thinned evenly to at most ``max_samples``).
    sample_is_kink : (S,) bool whether a sample sits on a kink.
    sample_piece : (S,) int64 the piece of the path (0..n_cells-1, i.e. the cell crossed)
        each sample lies in; a kink counts in the cell it enters.
    decoded : (S, p) decoded images at the samples.
    faded : (S, p) the pixel-space fade ``(1 - t) x_a + t x_b`` at the samples.
    nearest : (S,) int64 row of the training set nearest to each decoded image.
    nearest_distance : (S,) float64 its distance.
    curve_t : (M,) sorted parameters (a fine grid plus every kink) of the distance curves.
    decoded_distance : (M,) distance of the decoded path to the training set.
    faded_distance : (M,) distance of the pixel fade to the training set.
    """

    crossings: SegmentCrossings
    sample_t: np.ndarray
    sample_is_kink: np.ndarray
    sample_piece: np.ndarray
    decoded: np.ndarray
    faded: np.ndarray
    nearest: np.ndarray
    nearest_distance: np.ndarray
    curve_t: np.ndarray
    decoded_distance: np.ndarray
    faded_distance: np.ndarray

    @property
    def n_cells(self) -> int:
        return self.crossings.n_cells

    @property
    def length(self) -> float:
        """Euclidean length of the path in latent space."""
        return float(np.linalg.norm(self.crossings.b - self.crossings.a))


def strip_parameters(breakpoints: np.ndarray, max_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Parameters of a strip: ends, kinks and midpoints, evenly thinned to ``max_samples``.

    Returns ``(t, is_kink)``, both (S,), ``t`` sorted, the two ends always kept.
    """
    breakpoints = np.asarray(breakpoints, dtype=np.float64)
    middles = 0.5 * (breakpoints[:-1] + breakpoints[1:])
    t = np.concatenate([breakpoints, middles])
    is_kink = np.concatenate(
        [np.r_[False, np.ones(len(breakpoints) - 2, bool), False], np.zeros(len(middles), bool)]
    )
    order = np.argsort(t, kind="stable")
    t, is_kink = t[order], is_kink[order]
    if len(t) > max_samples >= 2:
        keep = np.unique(np.round(np.linspace(0, len(t) - 1, max_samples)).astype(np.int64))
        t, is_kink = t[keep], is_kink[keep]
    return t, is_kink


def walk_latent_path(
    decoder: nn.Module,
    z_a: np.ndarray,
    z_b: np.ndarray,
    x_a: np.ndarray,
    x_b: np.ndarray,
    train: np.ndarray,
    *,
    max_samples: int = 15,
    curve_points: int = 400,
) -> LatentPath:
    """Walk the latent segment from ``z_a`` to ``z_b`` through ``decoder``.

    Parameters
    ----------
    decoder : Linear/ReLU ``nn.Sequential`` from (k,) codes to (p,) images.
    z_a, z_b : (k,) the codes of the two end images.
    x_a, x_b : (p,) the two end images themselves, for the pixel-space fade.
    train : (N, p) the training images, for nearest images and distances.
    max_samples : most images in the strip.
    curve_points : size of the fine grid of the distance curves (kinks are added).
    """
    crossings = segment_crossings(decoder, z_a, z_b)
    x_a = np.asarray(x_a, dtype=np.float64).reshape(-1)
    x_b = np.asarray(x_b, dtype=np.float64).reshape(-1)
    t, is_kink = strip_parameters(crossings.breakpoints, max_samples)
    piece = np.clip(
        np.searchsorted(crossings.breakpoints, t, side="right") - 1, 0, crossings.n_cells - 1
    )
    decoded = crossings.output_at(t)
    faded = (1.0 - t)[:, None] * x_a + t[:, None] * x_b
    nearest, nearest_distance = nearest_images(train, decoded)
    curve_t = np.union1d(np.linspace(0.0, 1.0, curve_points), crossings.breakpoints)
    _, decoded_distance = nearest_images(train, crossings.output_at(curve_t))
    fade = (1.0 - curve_t)[:, None] * x_a + curve_t[:, None] * x_b
    _, faded_distance = nearest_images(train, fade)
    return LatentPath(
        crossings=crossings,
        sample_t=t,
        sample_is_kink=is_kink,
        sample_piece=piece.astype(np.int64),
        decoded=decoded,
        faded=faded,
        nearest=nearest,
        nearest_distance=nearest_distance,
        curve_t=curve_t,
        decoded_distance=decoded_distance,
        faded_distance=faded_distance,
    )


@dataclass(frozen=True)
class PathSurvey:
    """Cells crossed by straight paths between random pairs of points.

    Attributes
    ----------
    pairs : (P, 2) int64 row indices of the two ends of each path.
    lengths : (P,) float64 Euclidean length of each path.
    n_cells : (P,) int64 cells each path crosses.
    """

    pairs: np.ndarray
    lengths: np.ndarray
    n_cells: np.ndarray

    @property
    def slope(self) -> float:
        """Least-squares cells per unit length through the origin, ``sum(l n) / sum(l^2)``."""
        denominator = float(np.dot(self.lengths, self.lengths))
        return float(np.dot(self.lengths, self.n_cells) / denominator) if denominator else 0.0


def survey_paths(model: nn.Module, points: np.ndarray, n_pairs: int, seed: int = 0) -> PathSurvey:
    """Count the cells of ``model`` crossed by segments between random pairs of ``points``.

    The measurement of Gamba et al.: how many linear regions a straight path between two
    data points passes through, against its length. Pairs are drawn without repeating a
    point within a pair, seeded.

    Parameters
    ----------
    model : Linear/ReLU ``nn.Sequential`` taking (k,) points.
    points : (N, k) the points (latent codes, or images) to pair.
    n_pairs : number of pairs.
    """
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 2:
        raise ValueError("need at least two points to pair")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(points), size=n_pairs)
    second = (first + rng.integers(1, len(points), size=n_pairs)) % len(points)
    pairs = np.column_stack([first, second]).astype(np.int64)
    lengths = np.linalg.norm(points[second] - points[first], axis=1)
    counts = np.array(
        [segment_crossings(model, points[i], points[j]).n_cells for i, j in pairs], dtype=np.int64
    )
    return PathSurvey(pairs, lengths, counts)


@dataclass(frozen=True)
class ClassifierWalk:
    """A classifier walked along the straight pixel-space path between two images.

    Attributes
    ----------
    crossings : the exact walk (logits are ``crossings.outputs`` at the breakpoints).
    class_t : (C,) parameters where the predicted class changes, sorted.
    classes : (C+1,) the predicted class on each stretch between them.
    """

    crossings: SegmentCrossings
    class_t: np.ndarray
    classes: np.ndarray


def class_runs(breakpoints: np.ndarray, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the argmax of piecewise-linear outputs changes, exactly.

    Parameters
    ----------
    breakpoints : (K+2,) sorted parameters; outputs : (K+2, n) values there; between two
        breakpoints every output is linear.

    Returns
    -------
    change_t : (C,) parameters where the largest output changes; classes : (C+1,) the
        largest output on each stretch (ties resolved towards what comes next).
    """
    breakpoints = np.asarray(breakpoints, dtype=np.float64)
    outputs = np.asarray(outputs, dtype=np.float64)
    change_t: list[float] = []
    classes: list[int] = []
    for k in range(len(breakpoints) - 1):
        t0, t1 = breakpoints[k], breakpoints[k + 1]
        slope = (outputs[k + 1] - outputs[k]) / (t1 - t0)
        start = t0
        current = int(np.argmax(outputs[k] + 1e-12 * slope))
        if not classes:
            classes.append(current)
        elif current != classes[-1]:
            change_t.append(float(t0))
            classes.append(current)
        while True:
            # Lines overtaking the current one: o_j - o_c grows and reaches 0 inside (start, t1).
            gap = outputs[k] + slope * (start - t0)
            gain = slope - slope[current]
            with np.errstate(divide="ignore", invalid="ignore"):
                when = start + (gap[current] - gap) / gain
            when[(gain <= 0) | ~np.isfinite(when)] = np.inf
            when[current] = np.inf
            when[when <= start] = np.inf
            nxt = int(np.argmin(when))
            if not when[nxt] < t1:
                break
            start = float(when[nxt])
            current = nxt
            change_t.append(start)
            classes.append(current)
    return np.asarray(change_t, dtype=np.float64), np.asarray(classes, dtype=np.int64)


def walk_classifier(model: nn.Module, x_a: np.ndarray, x_b: np.ndarray) -> ClassifierWalk:
    """Walk ``model`` exactly along the pixel-space segment from ``x_a`` to ``x_b``."""
    crossings = segment_crossings(model, x_a, x_b)
    change_t, classes = class_runs(crossings.breakpoints, crossings.outputs)
    return ClassifierWalk(crossings, change_t, classes)
