"""The Playground page's settings: one frozen object, checked in one place.

The controller owns the current :class:`PlaygroundState`; the page's controls take their
ranges from the limits here and write every change through the controller; sessions and
presets read and write the state, never the controls. The network's weights, its
training history and snapshots are data, not settings: the controller keeps them.

Where a control and the session loader used to disagree (noise, seeds, batch size, the
epoch budget), the one limit is the wider of the two, so every session that opened
before still opens and the controls reach every value a session may hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from app.state.fields import SettingError, choice, flag, number, store_checked, whole
from engine.datasets import DATASETS, MAX_CLASSES, DatasetSpec
from engine.features import FEATURE_PLANE, FEATURE_TRANSFORMS, INPUT_PLANE
from engine.networks import ACTIVATIONS
from engine.training_settings import OPTIMISERS, Architecture, TrainingConfig

#: Points in a data set (training and test together).
MIN_SAMPLES = 20
MAX_SAMPLES = 4000
MIN_CLASSES = 2
#: Standard deviation of the Gaussian jitter of the points.
MAX_NOISE = 1.0
#: Share of the points held out as the test set.
TEST_FRACTION_RANGE = (0.05, 0.95)
#: Seeds of the data set and of the network (numpy's and the spin boxes' range).
MAX_SEED = 2**31 - 1
MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 256
MAX_BATCH_SIZE = 1 << 20
#: The epoch budget of Play.
MAX_EPOCHS = 100_000
LEARNING_RATE_RANGE = (1e-8, 100.0)
MAX_L2 = 100.0
#: The rates and penalties the page's menus offer (a session's own value is added).
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
L2_PENALTIES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1)
VIEWS = (FEATURE_PLANE, INPUT_PLANE)
COLOUR_BY = ("class", "pattern")

#: The state's fields that make a :class:`DatasetSpec` (state field -> spec field).
DATASET_FIELDS = {
    "dataset": "name",
    "n_samples": "n_samples",
    "noise": "noise",
    "data_seed": "seed",
    "n_classes": "n_classes",
    "test_fraction": "test_fraction",
}
#: The state's fields that make a :class:`TrainingConfig` (same names).
CONFIG_FIELDS = tuple(f.name for f in fields(TrainingConfig))

_DEFAULT_DATA = DatasetSpec()
_DEFAULT_CONFIG = TrainingConfig()


def _named(value: object, name: str, options: dict, what: str) -> str:
    """``value`` if it is a key of ``options``; the message says what it is in words."""
    if not isinstance(value, str) or value not in options:
        raise SettingError(f"unknown {what} {value!r}: {name} must be one of {', '.join(options)}.")
    return value


def _widths(value: object) -> tuple[int, ...]:
    """1 to :data:`MAX_HIDDEN_LAYERS` whole numbers from 1 to :data:`MAX_WIDTH`."""
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= MAX_HIDDEN_LAYERS:
        raise SettingError(f"widths must be 1 to {MAX_HIDDEN_LAYERS} hidden widths, got {value!r}.")
    return tuple(whole(w, "widths", 1, MAX_WIDTH) for w in value)


@dataclass(frozen=True)
class PlaygroundState:
    """What the Playground page trains and shows.

    Attributes
    ----------
    dataset : the data set's name, a key of :data:`engine.datasets.DATASETS`.
    n_samples : its points, :data:`MIN_SAMPLES` to :data:`MAX_SAMPLES`.
    noise : the points' Gaussian jitter, 0 to :data:`MAX_NOISE`.
    data_seed : the data set's seed, 0 to :data:`MAX_SEED`.
    n_classes : blobs of the k-classes data set, 2 to ``MAX_CLASSES`` (the others
        ignore it).
    test_fraction : share of the points held out, within :data:`TEST_FRACTION_RANGE`.
    transform : the feature transform, a key of :data:`engine.features.FEATURE_TRANSFORMS`.
    view : where the cells are drawn, one of :data:`VIEWS`.
    widths : the hidden layers' widths, 1 to :data:`MAX_HIDDEN_LAYERS` of 1 to
        :data:`MAX_WIDTH`.
    activation : one of :data:`engine.networks.ACTIVATIONS`.
    optimiser, learning_rate, batch_size, l2, epochs, seed : the training settings
        (:class:`engine.training.TrainingConfig`); ``seed`` seeds the initial weights.
    colour_by : cells coloured by predicted class or activation pattern (:data:`COLOUR_BY`).
    test_points : whether the test points are shown.
    distance_disc : whether the exact distance disc to another class is drawn around a
        probe; disc_norm : its norm, ``"l2"`` or ``"linf"``.
    """

    dataset: str = _DEFAULT_DATA.name
    n_samples: int = _DEFAULT_DATA.n_samples
    noise: float = _DEFAULT_DATA.noise
    data_seed: int = _DEFAULT_DATA.seed
    n_classes: int = _DEFAULT_DATA.n_classes
    test_fraction: float = _DEFAULT_DATA.test_fraction
    transform: str = "raw"
    view: str = FEATURE_PLANE
    widths: tuple[int, ...] = (8, 8)
    activation: str = "relu"
    optimiser: str = _DEFAULT_CONFIG.optimiser
    learning_rate: float = _DEFAULT_CONFIG.learning_rate
    batch_size: int = _DEFAULT_CONFIG.batch_size
    l2: float = _DEFAULT_CONFIG.l2
    epochs: int = _DEFAULT_CONFIG.epochs
    seed: int = _DEFAULT_CONFIG.seed
    colour_by: str = "class"
    test_points: bool = True
    distance_disc: bool = False
    disc_norm: str = "l2"

    def __post_init__(self) -> None:
        store_checked(
            self,
            dataset=_named(self.dataset, "dataset", DATASETS, "data set"),
            n_samples=whole(self.n_samples, "n_samples", MIN_SAMPLES, MAX_SAMPLES),
            noise=number(self.noise, "noise", 0.0, MAX_NOISE),
            data_seed=whole(self.data_seed, "data_seed", 0, MAX_SEED),
            n_classes=whole(self.n_classes, "n_classes", MIN_CLASSES, MAX_CLASSES),
            test_fraction=number(self.test_fraction, "test_fraction", *TEST_FRACTION_RANGE),
            transform=_named(self.transform, "transform", FEATURE_TRANSFORMS, "feature transform"),
            view=choice(self.view, "view", VIEWS),
            widths=_widths(self.widths),
            activation=choice(self.activation, "activation", ACTIVATIONS),
            optimiser=choice(self.optimiser, "optimiser", OPTIMISERS),
            learning_rate=number(self.learning_rate, "learning_rate", *LEARNING_RATE_RANGE),
            batch_size=whole(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE),
            l2=number(self.l2, "l2", 0.0, MAX_L2),
            epochs=whole(self.epochs, "epochs", 0, MAX_EPOCHS),
            seed=whole(self.seed, "seed", 0, MAX_SEED),
            colour_by=choice(self.colour_by, "colour_by", COLOUR_BY),
            test_points=flag(self.test_points, "test_points"),
            distance_disc=flag(self.distance_disc, "distance_disc"),
            disc_norm=choice(self.disc_norm, "disc_norm", ("l2", "linf")),
        )

    # The engine's values, built from the fields -----------------------------------------

    @property
    def dataset_spec(self) -> DatasetSpec:
        """The data set to draw."""
        return DatasetSpec(**{spec: getattr(self, name) for name, spec in DATASET_FIELDS.items()})

    @property
    def architecture(self) -> Architecture:
        """The hidden widths and activation (the trainer fits inputs and outputs)."""
        return Architecture(self.widths, self.activation)

    @property
    def config(self) -> TrainingConfig:
        """The optimiser settings and the epoch budget."""
        return TrainingConfig(**{name: getattr(self, name) for name in CONFIG_FIELDS})


def dataset_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """State fields from :class:`DatasetSpec` fields (``asdict(spec)``, a session's or a
    preset's ``dataset`` object); fields it lacks are left out, others ignored."""
    return {name: values[spec] for name, spec in DATASET_FIELDS.items() if spec in values}


def config_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """State fields from :class:`TrainingConfig` fields (``asdict(config)``, a session's
    ``config`` or a preset's ``training`` object); fields it lacks are left out."""
    return {name: values[name] for name in CONFIG_FIELDS if name in values}
