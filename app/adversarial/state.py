"""The Adversarial page's settings: one frozen object, checked in one place.

The controller owns the current :class:`AdversarialState`; the gallery and the norm
buttons write every change through it; sessions and presets read and write the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.state.fields import choice, store_checked, whole

#: The test digits a user can pick (20% of scikit-learn's 1,797 digits).
N_TEST_DIGITS = 359
#: The norms, as the engine names them, with what the page calls them.
NORMS = {"l2": "L2", "linf": "L∞"}
#: Budget of cells of one search: the page's choices.
CELL_BUDGETS = (2_000, 20_000, 100_000)


@dataclass(frozen=True)
class AdversarialState:
    """What the Adversarial page computes.

    Attributes
    ----------
    digit : the index of the test digit, 0 to ``N_TEST_DIGITS - 1``.
    norm : ``"l2"`` or ``"linf"``.
    max_cells : the search's cell budget, one of :data:`CELL_BUDGETS`.
    """

    digit: int = 0
    norm: str = "l2"
    max_cells: int = 20_000

    def __post_init__(self) -> None:
        store_checked(
            self,
            digit=whole(self.digit, "digit", 0, N_TEST_DIGITS - 1),
            norm=choice(self.norm, "norm", tuple(NORMS)),
            max_cells=choice(self.max_cells, "max_cells", CELL_BUDGETS),
        )
