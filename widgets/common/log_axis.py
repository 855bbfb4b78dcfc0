"""Powers of ten as people write them: ``10⁻⁶``, ``0.249%`` and a log axis labelled so."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

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
    """An axis for log10 values: ticks at whole decades, labelled ``10⁻⁴``."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        low, high = math.ceil(minVal), math.floor(maxVal)
        decades = list(range(low, high + 1))
        span = max(high - low, 1)
        # At most 8 labels, and (on a short axis) each a label and a third apart.
        metrics = QFontMetricsF(self.style["tickFont"] or QFont())
        if self.orientation in ("left", "right"):
            room = metrics.height()
        else:
            room = max(metrics.horizontalAdvance(power_of_ten(v)) for v in (low, high))
        fit = max(size / (1.33 * room), 1.0) if size > 0 else 8
        steps = (1, 2, 4, 5, 10, 20, 50, 100)
        step = next((s for s in steps if span / s <= min(8, fit)), steps[-1])
        major = [v for v in decades if v % step == 0]
        # The minor level holds the other decades only: pyqtgraph draws every level's labels.
        return [(step, major), (1, [v for v in decades if v % step != 0])]

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [power_of_ten(round(v)) for v in values]
