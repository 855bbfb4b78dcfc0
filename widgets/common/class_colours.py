"""Colours of the Playground: classes shaded by confidence, data points, regression values.

A class has one hue. A cell the network is unsure about (softmax near ``1/k``) is a pale
tint of it; a confident cell is the full, still light, tone, so edges and the decision
boundary stay readable on top. Data points use a darker, more saturated tone of the same
hue with a dark outline.
"""

from __future__ import annotations

import numpy as np

from widgets.common.palettes import oklch_to_srgb
from widgets.common.theme import current_theme

#: Hues (OKLCH degrees) of classes 0, 1, ...: orange and blue first, as in most plots.
CLASS_HUES = np.array([55.0, 250.0, 145.0, 330.0, 95.0, 200.0, 15.0, 290.0])
_PALE = (0.975, 0.012)  # lightness, chroma of an unsure cell
_FULL = (0.855, 0.085)  # of a confident cell
_POINT = (0.58, 0.165)  # of a data point
#: Lightness and chroma ramp of regression values, low to high, at one hue.
_VALUE_HUE = 300.0
#: With a palette of class colours (colour-blind-safe): how much of the colour a cell's
#: fill takes over white, unsure and confident.
_PALE_MIX, _FULL_MIX = 0.06, 0.42


def _class_hues(n_classes: int) -> np.ndarray:
    return CLASS_HUES[np.arange(n_classes) % len(CLASS_HUES)]


def class_point_colours(n_classes: int) -> np.ndarray:
    """(n_classes, 3) uint8 colours of the data points of each class."""
    class_rgb = current_theme().palette.class_rgb
    if class_rgb is not None:
        return class_rgb[np.arange(n_classes) % len(class_rgb)]
    hues = _class_hues(n_classes)
    return oklch_to_srgb(np.full(n_classes, _POINT[0]), np.full(n_classes, _POINT[1]), hues)


def class_fill_colours(predicted: np.ndarray, confidence: np.ndarray, n_classes: int) -> np.ndarray:
    """(R, 3) uint8 fill of cells predicting ``predicted`` (R,) with ``confidence`` (R,)
    in [1/n_classes, 1]: pale when unsure, full when sure."""
    floor = 1.0 / max(n_classes, 2)
    t = np.clip((np.asarray(confidence, float) - floor) / (1.0 - floor), 0.0, 1.0) ** 0.75
    class_rgb = current_theme().palette.class_rgb
    if class_rgb is not None:
        colour = class_rgb[np.asarray(predicted) % len(class_rgb)].astype(float)
        mix = (_PALE_MIX + (_FULL_MIX - _PALE_MIX) * t)[:, None]
        return np.round(255.0 - mix * (255.0 - colour)).astype(np.uint8)
    lightness = _PALE[0] + (_FULL[0] - _PALE[0]) * t
    chroma = _PALE[1] + (_FULL[1] - _PALE[1]) * t
    return oklch_to_srgb(lightness, chroma, _class_hues(n_classes)[np.asarray(predicted)])


def value_colours(values: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """(R, 3) uint8 colours of regression values: light (``low``) to deep (``high``)."""
    t = np.clip((np.asarray(values, float) - low) / (high - low), 0.0, 1.0)
    return oklch_to_srgb(0.97 - 0.45 * t, 0.01 + 0.15 * t, np.full(len(t), _VALUE_HUE))


def value_point_colours(values: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """(M, 3) uint8 colours of regression data points (a little darker than the cells)."""
    t = np.clip((np.asarray(values, float) - low) / (high - low), 0.0, 1.0)
    return oklch_to_srgb(0.90 - 0.50 * t, 0.04 + 0.14 * t, np.full(len(t), _VALUE_HUE))
