"""Export formats and image sizes: plain values shared by the dialog and the command line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: Still images: a raster format and two vector formats.
STILL_FORMATS = ("png", "svg", "pdf")
#: Animations.
ANIMATION_FORMATS = ("gif", "mp4")
#: The numbers behind a view, as tab-separated text (views with a table only).
TABLE_FORMATS = ("tsv",)
FORMATS = STILL_FORMATS + ANIMATION_FORMATS + TABLE_FORMATS
#: The scale factors the dialog offers.
SCALES = (1.0, 2.0, 4.0)
#: Frames per second of exported animations: the default, and the range offered.
ANIMATION_FPS = 10
MIN_FPS, MAX_FPS = 10, 30
DEFAULT_FRAMES = 30
#: The most frames an animation may have (200 s at 10 frames per second).
MAX_FRAMES = 2000
#: Pixels are not allowed beyond this side length (a 16k figure is already huge).
MAX_SIDE = 16384


def format_of(path: str | Path) -> str:
    """The export format named by ``path``'s suffix (``png``, ``svg``, ``pdf``, ``gif``,
    ``mp4``, ``tsv``).

    Raises ValueError listing the formats for any other suffix.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        shown = f".{suffix}" if suffix else "no suffix"
        raise ValueError(
            f"cannot export to {shown}: the file name must end in "
            + ", ".join(f".{f}" for f in FORMATS)
        )
    return suffix


@dataclass(frozen=True)
class ImageSize:
    """How large a raster export is: ``scale`` times the view on screen, or ``pixels``.

    With ``pixels = (width, height)`` the image has exactly that many pixels. The view is
    laid out at a logical size of the same aspect ratio and the same area as on screen, and
    drawn ``ratio`` times finer: fonts and lines grow with the image, like a screen with a
    higher device pixel ratio.
    """

    scale: float = 1.0
    pixels: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.pixels is None:
            if not 0.1 <= self.scale <= 16:
                raise ValueError(f"the scale must be between 0.1 and 16, not {self.scale:g}")
        elif not all(1 <= side <= MAX_SIDE for side in self.pixels):
            raise ValueError(f"each side must be between 1 and {MAX_SIDE} pixels")

    def resolve(self, width: int, height: int) -> tuple[tuple[int, int], tuple[int, int], float]:
        """For a view of ``width x height`` on screen: (pixels, logical size, device ratio)."""
        width, height = max(int(width), 1), max(int(height), 1)
        if self.pixels is None:
            pixels = (max(round(width * self.scale), 1), max(round(height * self.scale), 1))
            return pixels, (width, height), float(self.scale)
        pw, ph = self.pixels
        ratio = ((pw * ph) / (width * height)) ** 0.5
        logical = (max(round(pw / ratio), 1), max(round(ph / ratio), 1))
        return (pw, ph), logical, ratio

    def describe(self) -> str:
        if self.pixels is not None:
            return f"{self.pixels[0]}×{self.pixels[1]} px"
        return f"{self.scale:g}×"


def check_fps(fps: object) -> int:
    """``fps`` if it is a whole number of frames per second an animation may have, else
    ValueError in one sentence."""
    if isinstance(fps, bool) or not isinstance(fps, int) or not MIN_FPS <= fps <= MAX_FPS:
        raise ValueError(f"{fps} frames per second is out of range: give {MIN_FPS} to {MAX_FPS}.")
    return fps


def parse_size(text: str) -> tuple[int, int]:
    """``"1920x1080"`` -> ``(1920, 1080)``; raises ValueError for anything else."""
    match = re.fullmatch(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*", text)
    if match is None:
        raise ValueError(f"a size is WIDTHxHEIGHT in pixels, like 1920x1080, not {text!r}")
    size = int(match.group(1)), int(match.group(2))
    if not all(1 <= side <= MAX_SIDE for side in size):
        raise ValueError(f"each side must be between 1 and {MAX_SIDE} pixels")
    return size


@dataclass(frozen=True)
class ExportOptions:
    """Where and how to export: the file (its suffix names the format) and the raster size.

    ``transparent`` leaves the background out (PNG and SVG); ``frames`` is the number of
    frames of an animation and ``fps`` its frames per second (:data:`MIN_FPS` to
    :data:`MAX_FPS`).
    """

    path: Path
    size: ImageSize = ImageSize()
    transparent: bool = False
    frames: int = DEFAULT_FRAMES
    fps: int = ANIMATION_FPS

    def __post_init__(self) -> None:
        check_fps(self.fps)

    @property
    def format(self) -> str:
        return format_of(self.path)

    @property
    def is_animation(self) -> bool:
        return self.format in ANIMATION_FORMATS
