"""Axis ticks for figures drawn from geometry: round values whose labels never collide."""

from __future__ import annotations

import math

import numpy as np


def nice_ticks(low: float, high: float, target: int = 5) -> np.ndarray:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering [low, high]."""
    span = max(high - low, 1e-300)
    raw = span / max(target, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 5, 10) if m * power >= raw), default=10 * power)
    first = math.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-9, step)
    return np.round(ticks / step) * step


#: A DejaVu Sans digit's advance against the font size (labels are digits, '.', '−').
DIGIT_ADVANCE = 0.64


def fitting_ticks(low: float, high: float, length: float, label_size: float, font: float):
    """The most round ticks (up to 8) on an axis ``length`` pixels long whose labels
    keep a gap of half a font size: ``label_size(text)`` is a label's extent along the
    axis. At least the two ends' ticks are kept."""
    span = max(high - low, 1e-300)
    for target in range(8, 0, -1):
        ticks = nice_ticks(low, high, target)
        if len(ticks) < 2:
            continue
        spacing = length * float(ticks[1] - ticks[0]) / span
        widest = max(label_size(tick_text(v)) for v in ticks)
        if spacing >= widest + 0.5 * font:
            return ticks
    return nice_ticks(low, high, 1)


def tick_text(value: float) -> str:
    text = f"{value:.6g}"
    return "0" if text in ("-0", "0") else text.replace("-", "−")
