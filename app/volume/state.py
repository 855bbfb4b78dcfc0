"""The Volume page's settings: one frozen object, checked in one place.

The controller owns the current :class:`VolumeState`; the page's controls take their
ranges from the limits here and write every change through the controller; sessions and
presets read and write the state, never the controls.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.state.fields import choice, number, store_checked, whole

#: Largest dimension of the fraction plot and its slider.
D_MAX = 30
#: The dimensions whose distances can be sampled (the page's buttons).
DISTANCE_DIMENSIONS = (2, 3, 10, 100, 1000)
#: Monte-Carlo sample counts per dimension (the page's menu).
MONTE_CARLO_SAMPLES = (100_000, 1_000_000, 10_000_000)


@dataclass(frozen=True)
class VolumeState:
    """What the Volume page shows.

    Attributes
    ----------
    dimension : the d chosen on the fraction plot, 1 to :data:`D_MAX`.
    distance_dimension : the d whose distance histogram is shown, one of
        :data:`DISTANCE_DIMENSIONS`.
    scan_position : where the line and the plane cut the square and the cube, 0 to 1.
    monte_carlo_samples : samples per dimension of a Monte-Carlo run, one of
        :data:`MONTE_CARLO_SAMPLES`.
    """

    dimension: int = 10
    distance_dimension: int = 10
    scan_position: float = 0.3
    monte_carlo_samples: int = 1_000_000

    def __post_init__(self) -> None:
        store_checked(
            self,
            dimension=whole(self.dimension, "dimension", 1, D_MAX),
            distance_dimension=choice(
                self.distance_dimension, "distance_dimension", DISTANCE_DIMENSIONS
            ),
            scan_position=number(self.scan_position, "scan_position", 0.0, 1.0),
            monte_carlo_samples=choice(
                self.monte_carlo_samples, "monte_carlo_samples", MONTE_CARLO_SAMPLES
            ),
        )
