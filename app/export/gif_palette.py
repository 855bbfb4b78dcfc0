"""A GIF frame's 256 colours, chosen so that small coloured text keeps its colour.

Pillow's own conversion (median cut) spends its colours where the pixels are: the large
pale cell fills and gradients. A label's few pixels then take the nearest of those, often
a much darker or greyer one (a 3-D figure's red axis name came out 96 levels off on
average, some pixels over 300). :func:`palette_frame` takes half the palette from median
cut (the large areas) and half from maximum coverage (which spans the colour cube, so
the saturated and dark colours of text and lines get an entry), then gives every pixel
its nearest palette colour, with no dithering (text stays crisp).
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy.spatial import cKDTree

#: Palette entries taken by median cut; the rest by maximum coverage.
AREA_COLOURS = 128


def _palette(image: Image.Image, n: int, method: Image.Quantize) -> np.ndarray:
    quantised = image.quantize(n, method=method, dither=Image.Dither.NONE)
    used = len(quantised.getcolors(256) or ())
    return np.asarray(quantised.getpalette()[: 3 * max(used, 1)], np.uint8).reshape(-1, 3)


def palette_frame(pixels: np.ndarray) -> Image.Image:
    """The (H, W, 3) uint8 RGB ``pixels`` as a 'P' image of at most 256 colours: exact
    when the frame has no more, else each pixel's nearest colour of the palette above."""
    pixels = np.ascontiguousarray(pixels, np.uint8)
    height, width, _ = pixels.shape
    flat = pixels.reshape(-1, 3)
    keys = (flat[:, 0].astype(np.uint32) << 16) | (flat[:, 1].astype(np.uint32) << 8) | flat[:, 2]
    colours, index = np.unique(keys, return_inverse=True)
    rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], 1)
    if len(colours) <= 256:
        palette = rgb.astype(np.uint8)
        chosen = index
    else:
        image = Image.fromarray(pixels, "RGB")
        palette = np.unique(
            np.vstack(
                [
                    _palette(image, AREA_COLOURS, Image.Quantize.MEDIANCUT),
                    _palette(image, 256 - AREA_COLOURS, Image.Quantize.MAXCOVERAGE),
                ]
            ),
            axis=0,
        )[:256]
        _, nearest = cKDTree(palette.astype(np.float64)).query(rgb.astype(np.float64))
        chosen = nearest[index]
    frame = Image.fromarray(chosen.astype(np.uint8).reshape(height, width), "P")
    frame.putpalette(palette.reshape(-1).tolist())
    return frame
