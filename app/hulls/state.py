"""The Hulls page's settings: one frozen object, checked in one place.

The controller owns the current :class:`HullsState`; the page's test point, "New points"
button and experiment tabs write it through the controller, and sessions and presets
read and write it, never the controls.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.hulls.experiments import EXPERIMENTS
from app.state.fields import choice, point, store_checked, whole

#: Seeds of the planar training set (numpy's seed range).
MAX_SEED = 2**31 - 1
#: How far from the plot the test point may be put (the scene spans about ±1.5).
MAX_COORDINATE = 1e6
#: The experiments' keys, in tab order.
EXPERIMENT_KEYS = tuple(spec.key for spec in EXPERIMENTS)


@dataclass(frozen=True)
class HullsState:
    """What the Hulls page shows.

    Attributes
    ----------
    seed : the planar training set's seed, 0 to :data:`MAX_SEED`.
    test_point : ``(x, y)`` of the test point, within ±:data:`MAX_COORDINATE`.
    experiment : the key of the experiment tab shown, one of :data:`EXPERIMENT_KEYS`.
    """

    seed: int = 0
    test_point: tuple[float, float] = (0.35, 0.2)
    experiment: str = EXPERIMENT_KEYS[0]

    def __post_init__(self) -> None:
        store_checked(
            self,
            seed=whole(self.seed, "seed", 0, MAX_SEED),
            test_point=point(self.test_point, "test_point", MAX_COORDINATE),
            experiment=choice(self.experiment, "experiment", EXPERIMENT_KEYS),
        )
