"""Checks for every setting that enters from a file, a dialog or the command line.

Each returns the value in its proper type or raises :class:`SettingError` (a
``ValueError``) with one sentence naming the setting, what it must be and what it got.
The pages' state objects call these in their constructors, so a session, a preset and
a control are held to the same limits.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")
S = TypeVar("S")


class SettingError(ValueError):
    """A setting out of its range or of the wrong type; ``str(error)`` is for the user."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(value: object, name: str, low: float, high: float) -> float:
    """``value`` as a float if it is a finite number in ``low..high``."""
    if not _is_number(value):
        raise SettingError(f"{name} must be a number, got {value!r}.")
    if not (math.isfinite(value) and low <= value <= high):
        raise SettingError(f"{name} = {value!r} is outside {low:g}…{high:g}.")
    return float(value)


def _limit(bound: float) -> str:
    """A whole number's limit as written: ``2147483647``, or ``inf`` when unbounded."""
    return str(int(bound)) if math.isfinite(bound) else f"{bound:g}"


def whole(value: object, name: str, low: int, high: int) -> int:
    """``value`` as an int if it is a whole number in ``low..high`` (``3.0`` is 3); the
    message writes the value and the limits as integers (a seed limit is 2147483647,
    not 2.14748e+09)."""
    if not _is_number(value):
        raise SettingError(f"{name} must be a number, got {value!r}.")
    if not math.isfinite(value) or value != int(value):
        raise SettingError(f"{name} must be a whole number, got {value!r}.")
    if not low <= value <= high:
        raise SettingError(f"{name} = {int(value)} is outside {_limit(low)}…{_limit(high)}.")
    return int(value)


def choice(value: T, name: str, options: Collection[T]) -> T:
    """``value`` if it is one of ``options``."""
    if isinstance(value, bool) or value not in options:
        raise SettingError(f"{name} must be one of {', '.join(map(str, options))}, got {value!r}.")
    return value


def flag(value: object, name: str) -> bool:
    """``value`` if it is true or false."""
    if not isinstance(value, bool):
        raise SettingError(f"{name} must be true or false, got {value!r}.")
    return value


def point(value: object, name: str, bound: float = math.inf) -> tuple[float, float]:
    """Two finite numbers ``[x, y]`` with ``|x|, |y| <= bound``, as a tuple."""
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(_is_number(v) and math.isfinite(v) for v in value)
    ):
        raise SettingError(f"{name} must be two finite numbers, got {value!r}.")
    if max(abs(v) for v in value) > bound:
        raise SettingError(f"{name} {list(value)!r} is outside ±{bound:g}.")
    return float(value[0]), float(value[1])


def only_fields(mapping: object, allowed: Collection[str], what: str) -> Mapping:
    """``mapping`` if it is an object whose keys are all in ``allowed``."""
    if not isinstance(mapping, dict):
        raise SettingError(f"{what} must be an object")
    unknown = set(mapping) - set(allowed)
    if unknown:
        raise SettingError(
            f"unknown {what} field(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    return mapping


def store_checked(state: object, **checked: Any) -> None:
    """Set fields of a frozen dataclass from its ``__post_init__`` (checked values)."""
    for name, value in checked.items():
        object.__setattr__(state, name, value)


def from_settings(state_type: type[S], settings: object, what: str, **overrides: Any) -> S:
    """A ``state_type`` from plain JSON ``settings`` (a session section or a preset).

    Fields it does not know are ignored (a newer version's), missing ones keep their
    defaults, ``overrides`` replace fields; the state's own checks raise
    :class:`SettingError` (a ``ValueError``) for anything out of range.
    """
    if not isinstance(settings, Mapping):
        raise SettingError(f"the {what} settings must be an object, got {settings!r}.")
    known = {f.name for f in fields(state_type)}
    values = {k: v for k, v in settings.items() if k in known}
    return state_type(**{**values, **overrides})
