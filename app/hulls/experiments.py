"""The experiments the Hulls page offers, one tab each: Balestriero, Pesenti & LeCun's
(2021) convex-hull experiments, as engine generators.

The digits and encoding experiments' modules train torch networks: they are imported when
an experiment starts (in its worker), not with the page, whose first result (the test
point's verdict) needs no torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial

from engine.experiments import ExperimentProgress, sample_probability_experiment


@dataclass(frozen=True)
class ExperimentSpec:
    """An experiment the page offers: its key, tab title, description and generator."""

    key: str
    title: str
    description: str
    start: Callable[[], Generator[ExperimentProgress, None, object]]


def start_engine_experiment(module: str, name: str) -> Generator[ExperimentProgress, None, object]:
    """Start the generator function ``name`` of engine module ``module``, imported now."""
    return getattr(importlib.import_module(module), name)()


def engine_experiment(
    module: str, name: str
) -> Callable[[], Generator[ExperimentProgress, None, object]]:
    """A start for the generator function ``name`` of engine module ``module``, importing
    the module when the experiment starts (a partial: the result cache names it by its
    module and function)."""
    return partial(start_engine_experiment, module, name)


EXPERIMENTS = (
    ExperimentSpec(
        "gaussian",
        "Gaussian (Figure 1)",
        "A new standard Gaussian sample against the hull of N of them, d = 2…7, 10 and 16 "
        "(4 trials × 50 queries per point). Dashed: the exact probability of Kabluchko & "
        "Zaporozhets (2020). Dotted: the Bárány–Füredi threshold 2^(d/2)/d, a statement "
        "about points uniform in a ball.",
        partial(
            sample_probability_experiment,
            "gaussian",
            (2, 3, 4, 5, 6, 7, 10, 16),
            (10, 20, 50, 100, 200, 500, 1000, 2000),
        ),
    ),
    ExperimentSpec(
        "curve",
        "1-D manifold",
        "Samples of one random smooth closed curve (intrinsic dimension 1) in d dimensions. "
        "Low intrinsic dimension does not keep new samples inside the hull.",
        partial(sample_probability_experiment, "curve", (2, 3, 4, 6, 8), (10, 50, 200, 1000, 2000)),
    ),
    ExperimentSpec(
        "subspace",
        "4-D subspace",
        "Gaussian data on a 4-D affine subspace of R^d: every d follows the exact 4-D "
        "curve (dashed). What matters is the dimension of the data's affine span.",
        partial(
            sample_probability_experiment,
            "subspace",
            (4, 8, 16, 32),
            (10, 20, 50, 100, 200, 500, 1000, 2000),
        ),
    ),
    ExperimentSpec(
        "pixels",
        "Pixel space",
        "Test digits inside the hull of the training digits (8x8, 1,438 / 359), keeping "
        "the k central pixels or smoothing and subsampling to a side × side grid; beside "
        "the hull, the softer enclosures.",
        engine_experiment("engine.enclosure_experiments", "pixel_experiment"),
    ),
    ExperimentSpec(
        "latent",
        "Latent space",
        "Classifiers 64 → 128 → k → 10 trained for k = 2…64: test embeddings (last hidden "
        "layer) inside the hull of the training embeddings, as in the paper's Table 1.",
        engine_experiment("engine.enclosure_experiments", "latent_experiment"),
    ),
    ExperimentSpec(
        "noise",
        "Noise dimensions",
        "Two moons (350 training / 150 test points) with k pure-noise coordinates added "
        "(k = 0…240, the data's own spread): the task is unchanged, yet the share of test "
        "points inside the training hull falls to none by k = 16.",
        engine_experiment("engine.encoding_experiments", "noise_dimensions_experiment"),
    ),
    ExperimentSpec(
        "watch",
        "Watch faces",
        "The same clock readings encoded three ways: the hand's angle (1-D), its tip (x, y) "
        "and the 16×16 face's pixels. Inside the hull: nearly all on the angle line, none "
        "on the tip circle (strictly convex), none in pixels; a classifier of the hour does "
        "well on every encoding.",
        engine_experiment("engine.encoding_experiments", "watch_face_experiment"),
    ),
    ExperimentSpec(
        "split",
        "Accuracy split",
        "Digits classifiers' test accuracy split by where each test digit lies: inside or "
        "outside the training hull and ellipsoid (pixel space), and in a cell that holds a "
        "training digit or not (equal activation patterns, exact in all 64 dimensions; and "
        "in the 2-D slice through the test digit and its two nearest training digits).",
        engine_experiment("engine.encoding_experiments", "generalisation_split_experiment"),
    ),
)
