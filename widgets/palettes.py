"""Colours of the cell views: light fills per activation pattern, dark edges per layer.

Colours are designed in OKLCH (perceptual lightness, chroma, hue) so that fills of the
same tone look equally light and edge colours step evenly in lightness.
"""

from __future__ import annotations

import numpy as np

N_CELL_COLOURS = 48
DOMAIN_EDGE_RGB = (150, 150, 150)
DECISION_RGB = (20, 20, 24)
DECISION_HALO_RGB = (255, 255, 255)


def oklch_to_srgb(lightness: np.ndarray, chroma: np.ndarray, hue_deg: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 sRGB of OKLCH colours (lightness in [0, 1], hue in degrees), clipped."""
    lightness, chroma, hue = np.broadcast_arrays(
        np.asarray(lightness, float), np.asarray(chroma, float), np.radians(hue_deg)
    )
    a, b = chroma * np.cos(hue), chroma * np.sin(hue)
    l_ = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3
    m_ = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3
    s_ = (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3
    linear = np.stack(
        [
            4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
            -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
            -0.0041960863 * l_ - 0.7034186147 * m_ + 1.7076147010 * s_,
        ],
        axis=-1,
    ).clip(0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.round(encoded.reshape(-1, 3) * 255).astype(np.uint8)


def _cell_palette() -> np.ndarray:
    # Three tones of 16 hues each; each tone is rotated by a third of a hue step so
    # that the 48 colours have 48 distinct hues.
    tones = ((0.92, 0.055), (0.86, 0.065), (0.955, 0.042))
    lightness, chroma, hue = [], [], []
    for tone, (tone_l, tone_c) in enumerate(tones):
        for step in range(N_CELL_COLOURS // len(tones)):
            lightness.append(tone_l)
            chroma.append(tone_c)
            hue.append(step * 22.5 + tone * 7.5)
    return oklch_to_srgb(np.array(lightness), np.array(chroma), np.array(hue))


#: (48, 3) uint8: the fixed palette of light, distinguishable cell fills.
CELL_PALETTE = _cell_palette()


def cell_colour_index(keys: np.ndarray) -> np.ndarray:
    """(R,) palette index of every cell from its stable pattern key (uint64)."""
    return (np.asarray(keys, dtype=np.uint64) % np.uint64(N_CELL_COLOURS)).astype(np.intp)


def layer_edge_colours(n_layers: int) -> np.ndarray:
    """(n_layers, 3) uint8: a sequential palette, layer 0 darkest and most saturated."""
    if n_layers <= 0:
        return np.zeros((0, 3), np.uint8)
    t = np.linspace(0.0, 1.0, n_layers) if n_layers > 1 else np.zeros(1)
    return oklch_to_srgb(0.27 + 0.30 * t, 0.14 - 0.04 * t, 285.0 - 75.0 * t)


def layer_edge_widths(n_layers: int) -> np.ndarray:
    """(n_layers,) pen widths in pixels: the first layers' long lines slightly bolder."""
    if n_layers <= 0:
        return np.zeros(0)
    t = np.linspace(0.0, 1.0, n_layers) if n_layers > 1 else np.zeros(1)
    return 1.7 - 0.5 * t
