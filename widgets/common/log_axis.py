"""Powers of ten as people write them: ``10⁻⁶``, ``0.249%`` and a log axis labelled so."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: int) -> str:
    """``10⁻⁵`` for -5, ``1`` for 0."""
    return "1" if exponent == 0 else "10" + str(exponent).translate(_SUPERSCRIPT)


def percent_text(fraction: float) -> str:
    """A fraction as a percentage with 3 significant digits: ``78.5%``, ``0.249%``."""
    percent = 100.0 * fraction
    if percent >= 99.95:
        return "100%"
    if percent >= 1e-3:
        return f"{percent:#.3g}".rstrip(".") + "%"
    mantissa, exponent = f"{percent:.2e}".split("e")
    return f"{mantissa} × {power_of_ten(int(exponent))}%"


class PowerOfTenAxis(pg.AxisItem):
    """A left axis for log10 values: ticks at whole decades, labelled ``10⁻⁴``."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        low, high = math.ceil(minVal), math.floor(maxVal)
        decades = list(range(low, high + 1))
        span = max(high - low, 1)
        step = next(s for s in (1, 2, 4, 5, 10, 20, 50, 100) if span / s <= 8)
        return [(step, [v for v in decades if v % step == 0]), (1, decades)]

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [power_of_ten(round(v)) for v in values]
