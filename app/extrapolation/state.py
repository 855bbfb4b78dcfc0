"""The Extrapolation page's settings: one frozen object, checked in one place.

The controller owns the current :class:`ExtrapolationState`; the page's controls take
their ranges from the limits here; sessions and presets read and write the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.state.fields import SettingError, choice, number, store_checked, whole
from engine.fit_1d import TARGETS

#: What can be fitted: the target curves, or the points the user placed.
FUNCTIONS = (*TARGETS, "points")
FUNCTION_TITLES = {"square": "y = x²", "sine": "y = sin x", "abs": "y = |x|", "points": "my points"}
#: The x range the page shows; the training range lies inside it.
VIEW_X = (-6.0, 6.0)
#: Points the user places keep |y| within this.
MAX_ABS_Y = 40.0
#: The training range is at least this wide.
MIN_RANGE_WIDTH = 0.5
MAX_HIDDEN_LAYERS = 3
MAX_WIDTH = 64
MAX_DEGREE = 20
MAX_SEED = 2**31 - 1
MAX_EPOCHS = 20_000
MAX_POINTS = 200


def _function(value: object) -> str:
    return choice(value, "function", FUNCTIONS)


def _widths(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= MAX_HIDDEN_LAYERS:
        raise SettingError(f"widths must be 1 to {MAX_HIDDEN_LAYERS} hidden widths, got {value!r}.")
    return tuple(whole(w, "widths", 1, MAX_WIDTH) for w in value)


def _points(value: object) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_POINTS:
        raise SettingError(f"points must be a list of at most {MAX_POINTS} [x, y] pairs.")
    checked = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise SettingError(f"point {index} must be a pair [x, y], got {item!r}.")
        x = number(item[0], f"point {index}'s x", *VIEW_X)
        y = number(item[1], f"point {index}'s y", -MAX_ABS_Y, MAX_ABS_Y)
        checked.append((x, y))
    return tuple(checked)


@dataclass(frozen=True)
class ExtrapolationState:
    """What the Extrapolation page fits and shows.

    Attributes
    ----------
    function : one of :data:`FUNCTIONS`; ``"points"`` fits :attr:`points`.
    widths : the network's hidden widths, 1 to :data:`MAX_HIDDEN_LAYERS` of 1 to
        :data:`MAX_WIDTH`.
    degree : the polynomial's degree, 0 to :data:`MAX_DEGREE`.
    train_low, train_high : the training range, inside :data:`VIEW_X`, at least
        :data:`MIN_RANGE_WIDTH` wide.
    seed : seeds the network's initial weights, 0 to :data:`MAX_SEED`.
    epochs : full-batch Adam steps, 1 to :data:`MAX_EPOCHS`.
    points : the user's points ``(x, y)``, at most :data:`MAX_POINTS`, x inside
        :data:`VIEW_X`, ``|y| <=`` :data:`MAX_ABS_Y`; only those inside the training
        range are fitted.
    """

    function: str = "abs"
    widths: tuple[int, ...] = (16, 16)
    degree: int = 6
    train_low: float = -2.0
    train_high: float = 2.0
    seed: int = 0
    epochs: int = 1500
    points: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        low = number(self.train_low, "train_low", *VIEW_X)
        high = number(self.train_high, "train_high", *VIEW_X)
        if high - low < MIN_RANGE_WIDTH:
            raise SettingError(
                f"the training range {low:g}…{high:g} must be at least "
                f"{MIN_RANGE_WIDTH:g} wide (train_low below train_high)."
            )
        store_checked(
            self,
            function=_function(self.function),
            widths=_widths(self.widths),
            degree=whole(self.degree, "degree", 0, MAX_DEGREE),
            train_low=low,
            train_high=high,
            seed=whole(self.seed, "seed", 0, MAX_SEED),
            epochs=whole(self.epochs, "epochs", 1, MAX_EPOCHS),
            points=_points(self.points),
        )

    @property
    def training_range(self) -> tuple[float, float]:
        return self.train_low, self.train_high
