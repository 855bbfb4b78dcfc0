"""What the Paths page computes for a pair, in a worker: the exact walk of the decoder and
the classifier between two held-out images, and the default pair of a fresh start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.paths.state import PairRequest
from app.paths.training import DigitSource, PathsModels
from engine.latent_paths import (
    ClassifierWalk,
    LatentPath,
    LatentView,
    latent_plane,
    latent_view,
    reconstruction_keeps_class,
    to_plane,
    walk_classifier,
    walk_latent_path,
)

#: Classes of the pair shown first (the first gallery image of each).
DEFAULT_PAIR_CLASSES = (4, 7)


@dataclass(frozen=True)
class PairAnalysis:
    """Everything the page shows for one pair.

    Attributes
    ----------
    request : the pair.
    path : the exact decoded walk and its strip.
    view : the decoder's cells on screen (the latent plane, or the slice of this path).
    ends : (2, 2) the path's ends in view coordinates.
    crossing_points : (K, 2) its crossings in view coordinates.
    classifier_walk : the classifier along the pixel-space segment between the two images.
    third_point : (2,) the slice's third point in view coordinates, or None.
    """

    request: PairRequest
    path: LatentPath
    view: LatentView
    ends: np.ndarray
    crossing_points: np.ndarray
    classifier_walk: ClassifierWalk
    third_point: np.ndarray | None


def analyse_pair(
    source: DigitSource, models: PathsModels, request: PairRequest, strip_samples: int
) -> PairAnalysis:
    """The exact walk of one pair through the decoder and the classifier (a worker job)."""
    test = source.test
    x_a, x_b = test.flat[request.index_a], test.flat[request.index_b]
    z_a, z_b = models.autoencoder.encode(np.stack([x_a, x_b]))
    path = walk_latent_path(
        models.autoencoder.decoder,
        z_a,
        z_b,
        x_a,
        x_b,
        source.train.flat,
        max_samples=strip_samples,
    )
    points = path.crossings.points()
    third = None
    if models.view is not None:
        view = models.view
        ends = np.stack([z_a, z_b])
    else:
        z_c = None
        if request.index_c is not None:
            z_c = models.autoencoder.encode(test.flat[request.index_c : request.index_c + 1])[0]
        plane = latent_plane(z_a, z_b, z_c)
        view = latent_view(
            models.autoencoder.decoder,
            models.codes,
            source.train.labels,
            plane=plane,
            path=(z_a, z_b),
        )
        ends = to_plane(np.stack([z_a, z_b]), plane)
        points = to_plane(points, plane)
        third = to_plane(np.zeros(len(z_a)) if z_c is None else z_c, plane)[0]
    walk = walk_classifier(models.classifier, x_a, x_b)
    return PairAnalysis(request, path, view, ends, points, walk, third)


def analyse_job(argument: tuple[DigitSource, PathsModels, PairRequest, int]) -> PairAnalysis:
    """:func:`analyse_pair` of one argument, for a :class:`NewestOnlyRunner`."""
    return analyse_pair(*argument)


def default_pair(
    source: DigitSource, models: PathsModels, candidates: Sequence[np.ndarray]
) -> tuple[int, int]:
    """A and B of a fresh start: for each of :data:`DEFAULT_PAIR_CLASSES`, the first of its
    ``candidates`` (test-image rows, in the gallery's order) whose reconstruction is nearest
    to a training image of its class (a 2-D code loses some digits), else the first.

    An autoencoder pass and a nearest-neighbour search over the training images: a worker's
    job, never the GUI thread's.
    """
    test, train = source.test, source.train
    picks = []
    for column in candidates:
        kept = reconstruction_keeps_class(
            models.autoencoder, train.flat, train.labels, test.flat[column], test.labels[column]
        )
        picks.append(int(column[np.argmax(kept)]))
    a, b = picks
    return a, b


def default_pair_job(
    argument: tuple[DigitSource, PathsModels, Sequence[np.ndarray]],
) -> tuple[PathsModels, tuple[int, int]]:
    """:func:`default_pair` of one argument; the result names the models it is for."""
    source, models, candidates = argument
    return models, default_pair(source, models, candidates)
