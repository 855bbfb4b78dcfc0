"""The Hulls page's experiments at a reduced size, for the runs that export every view.

Those runs check exports (files written, SVG/PDF portable, axes fitting at every size),
not the experiments: the experiments' numbers are checked by tests/engine and
tests/hulls. Each experiment here is the page's own generator with fewer dimensions,
sizes, samples or epochs, so its plot is a real result drawn the same way, in seconds
rather than the three minutes the full runs take.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from app.hulls.experiments import ExperimentSpec
from engine.enclosure_experiments import latent_experiment, pixel_experiment
from engine.encoding_experiments import (
    generalisation_split_experiment,
    noise_dimensions_experiment,
    watch_face_experiment,
)
from engine.experiments import sample_probability_experiment

#: Per experiment key, the reduced run (same generator as the page's).
QUICK_STARTS = {
    "gaussian": partial(
        sample_probability_experiment, "gaussian", (2, 3, 4, 16), (10, 50, 200), trials=2
    ),
    "curve": partial(sample_probability_experiment, "curve", (2, 4), (10, 50, 200), trials=2),
    "subspace": partial(
        sample_probability_experiment, "subspace", (4, 16), (10, 50, 200), trials=2
    ),
    "pixels": partial(pixel_experiment, pixel_counts=(1, 8, 64), sides=(2, 8)),
    "latent": partial(latent_experiment, embedding_sizes=(2, 8), epochs=3),
    "noise": partial(noise_dimensions_experiment, noise_dimensions=(0, 8, 64), n_samples=160),
    "watch": partial(watch_face_experiment, n_train=96, n_test=48, epochs=20),
    "split": partial(generalisation_split_experiment, widths=((8,),), epochs=3),
}


def quick_experiments(experiments: tuple[ExperimentSpec, ...]) -> tuple[ExperimentSpec, ...]:
    """``experiments`` with each run replaced by its reduced one (keys, titles and
    descriptions unchanged); a key with no reduced run is an error, so a new experiment
    cannot slip into the export runs at full size unnoticed."""
    return tuple(replace(spec, start=QUICK_STARTS[spec.key]) for spec in experiments)
