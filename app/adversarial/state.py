"""The Adversarial page's settings: one frozen object, checked in one place.

The controller owns the current :class:`AdversarialState`; the gallery and the norm
buttons write every change through it; sessions and presets read and write the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.state.fields import choice, point, store_checked, whole

#: The test digits a user can pick (20% of scikit-learn's 1,797 digits).
N_TEST_DIGITS = 359
#: The norms, as the engine names them, with what the page calls them.
NORMS = {"l2": "L2", "linf": "L∞"}
#: Budget of cells of one search: the page's choices.
CELL_BUDGETS = (2_000, 20_000, 100_000)
#: The 2-D point may lie this far from the origin in either coordinate.
PLANE_BOUND = 10.0


@dataclass(frozen=True)
class AdversarialState:
    """What the Adversarial page computes.

    Attributes
    ----------
    digit : the index of the test digit, 0 to ``N_TEST_DIGITS - 1``.
    norm : ``"l2"`` or ``"linf"``.
    max_cells : the search's cell budget, one of :data:`CELL_BUDGETS`.
    plane_point : the input of the 2-D network, ``|x|, |y| <=`` :data:`PLANE_BOUND`.
    """

    digit: int = 0
    norm: str = "l2"
    max_cells: int = 20_000
    plane_point: tuple[float, float] = (0.0, 0.5)

    def __post_init__(self) -> None:
        store_checked(
            self,
            digit=whole(self.digit, "digit", 0, N_TEST_DIGITS - 1),
            norm=choice(self.norm, "norm", tuple(NORMS)),
            max_cells=choice(self.max_cells, "max_cells", CELL_BUDGETS),
            plane_point=point(self.plane_point, "plane_point", PLANE_BOUND),
        )
