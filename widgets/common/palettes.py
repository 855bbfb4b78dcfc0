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


# Colour-blind-safe palette -------------------------------------------------------------
#
# Okabe & Ito's eight colours (Color Universal Design, 2008) are told apart with every
# common colour-vision deficiency. Lines and points take them; cell fills, which must
# be light, are spread over the two axes a deuteranope or protanope still sees:
# lightness and blue-yellow (OKLab ``L`` and ``b``), chosen so that they stay far apart
# as a dichromat sees them.

#: The Okabe–Ito colours, black excepted, in the order lines take them.
OKABE_ITO = (
    (0, 114, 178),  # blue
    (213, 94, 0),  # vermillion
    (0, 158, 115),  # bluish green
    (204, 121, 167),  # reddish purple
    (230, 159, 0),  # orange
    (86, 180, 233),  # sky blue
    (240, 228, 66),  # yellow
)
#: Classes: orange and blue first (the two a deuteranope separates best), then by lightness.
OKABE_ITO_CLASSES = (
    (230, 159, 0),
    (0, 114, 178),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (60, 60, 60),
)
#: Classes of the colour-blind-safe palette: the eight above, then two more for the ten
#: digits, each the sRGB colour of OKLab lightness 0.3 to 0.85 farthest from those before
#: it as seen with normal vision, deuteranopia and protanopia.
CVD_CLASS_RGB = (*OKABE_ITO_CLASSES, (0, 0, 165), (120, 225, 195))
CVD_DECISION_RGB = (0, 0, 0)
CVD_PROBE_RGB = (213, 94, 0)
CVD_PATH_RGB = (0, 114, 178)
#: Layer edges: bluish green, reddish purple, orange, sky blue.
CVD_LAYER_EDGE_RGB = (OKABE_ITO[2], OKABE_ITO[3], OKABE_ITO[4], OKABE_ITO[5])


def _cvd_cell_palette() -> np.ndarray:
    # Farthest-point sampling of light sRGB colours (OKLab lightness 0.80 to 0.965,
    # chroma at most 0.12): each next colour is the candidate farthest from those chosen,
    # distance being the least OKLab distance seen with normal vision, deuteranopia or
    # protanopia. Deterministic, and consecutive colours are far apart.
    levels = np.linspace(0, 255, 18)
    grid = np.array(np.meshgrid(levels, levels, levels, indexing="ij")).reshape(3, -1).T
    lab = srgb_to_oklab(grid / 255.0)
    light = (lab[:, 0] >= 0.80) & (lab[:, 0] <= 0.965) & (np.hypot(lab[:, 1], lab[:, 2]) <= 0.12)
    candidates = np.round(grid[light]).astype(np.uint8)
    views = [lab[light]] + [
        srgb_to_oklab(simulate_dichromacy(candidates, kind)) for kind in _DICHROMACY
    ]
    chroma = np.hypot(views[0][:, 1], views[0][:, 2])
    chosen = [int(np.argmin(np.abs(views[0][:, 0] - 0.965) + chroma))]
    nearest = np.full(len(candidates), np.inf)
    for _ in range(N_CELL_COLOURS - 1):
        last = chosen[-1]
        distance = np.min([np.linalg.norm(v - v[last], axis=1) for v in views], axis=0)
        nearest = np.minimum(nearest, distance)
        chosen.append(int(np.argmax(nearest)))
    return candidates[chosen]


def cvd_layer_edge_colours(n_layers: int) -> np.ndarray:
    """(n_layers, 3) uint8: layer edges in the Okabe–Ito colours, cycling, without the
    probe's and the path's (which must stand out from the edges) and yellow (too light
    to see on the cell fills)."""
    colours = np.array(CVD_LAYER_EDGE_RGB, np.uint8)
    return colours[np.arange(max(n_layers, 0)) % len(colours)].reshape(-1, 3)


# Machado, Oliveira & Fernandes (2009): full-severity dichromacy in linear sRGB.
_DICHROMACY = {
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
}


def simulate_dichromacy(rgb: np.ndarray, kind: str = "deuteranopia") -> np.ndarray:
    """(N, 3) float sRGB in [0, 1] of (N, 3) uint8 colours as a dichromat sees them."""
    encoded = np.asarray(rgb, float).reshape(-1, 3) / 255.0
    linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
    seen = (linear @ _DICHROMACY[kind].T).clip(0.0, 1.0)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


def srgb_to_oklab(rgb01: np.ndarray) -> np.ndarray:
    """(N, 3) OKLab of (N, 3) sRGB colours in [0, 1]."""
    encoded = np.asarray(rgb01, float).reshape(-1, 3)
    linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
    lms = (
        linear
        @ np.array(
            [
                [0.4122214708, 0.5363325363, 0.0514459929],
                [0.2119034982, 0.6806995451, 0.1073969566],
                [0.0883024619, 0.2817188376, 0.6299787005],
            ]
        ).T
    )
    root = np.cbrt(lms)
    return (
        root
        @ np.array(
            [
                [0.2104542553, 0.7936177850, -0.0040720468],
                [1.9779984951, -2.4285922050, 0.4505937099],
                [0.0259040371, 0.7827717662, -0.8086757660],
            ]
        ).T
    )


#: (48, 3) uint8: light cell fills that stay apart under deuteranopia and protanopia.
CVD_CELL_PALETTE = _cvd_cell_palette()
