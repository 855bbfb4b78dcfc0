"""The Networks page's settings: one frozen object, checked in one place.

The controller owns the current :class:`NetworksState`; the page's controls take their
ranges from the limits here and write every change through the controller; sessions and
presets read and write the state, never the controls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.state.fields import SettingError, choice, number, store_checked, whole

#: Test images of the shipped split (``engine.digits_cnn.digits_split``): anchors index them.
N_TEST_IMAGES = 359
#: Most test images a data set may bring (MNIST's held-out part is capped lower).
MAX_TEST_IMAGES = 100_000
#: The first test 0, 3 and 8: three classes the slice runs between.
DEFAULT_ANCHORS = (3, 2, 4)
COLOUR_MODES = ("class", "pattern")
DOMAINS = ("triangle", "rectangle")
MAX_MARGIN = 1.0
#: Smallest share of the domain cut around the anchors' centre.
MIN_EXTENT = 0.005
#: Most cutting steps (ReLU-like, clamp, max-pooling) a shown network may have.
MAX_LAYERS = 64
#: Cutting steps of the shipped digits CNN (ReLU, pool, ReLU, pool, ReLU).
SHIPPED_LAYERS = 5
#: The extent a 28x28 MNIST CNN is first cut with: its whole triangle through three
#: images holds hundreds of thousands of cells (about 530,000 after its first layer);
#: 3% of it about the centre holds a few thousand.
MNIST_EXTENT = 0.03
#: The classes of the default anchors (the first test image of each).
DEFAULT_CLASSES = (0, 3, 8)


@dataclass(frozen=True)
class NetworksState:
    """What the Networks page shows.

    Attributes
    ----------
    anchors : indices (A, B, C) of three different test images the slice goes through,
        each 0 to ``n_images`` - 1.
    colour_mode : cells coloured by predicted ``"class"`` or by activation ``"pattern"``.
    margin : the room around the anchors, a fraction of their extent, 0 to :data:`MAX_MARGIN`.
    domain : ``"triangle"`` (the anchors' triangle grown by the margin) or ``"rectangle"``.
    extent : the share of the domain cut, about the anchors' centre, :data:`MIN_EXTENT`
        to 1 (a 28x28 CNN's whole triangle holds far too many cells to cut).
    n_images : the test images the anchors index (they come with the data).
    n_layers : the network's cutting steps L (it comes with the network).
    layers : how many of them cut the slice, 0 to ``n_layers``.
    """

    anchors: tuple[int, int, int] = DEFAULT_ANCHORS
    colour_mode: str = "class"
    margin: float = 0.1
    domain: str = "triangle"
    extent: float = 1.0
    n_images: int = N_TEST_IMAGES
    n_layers: int = SHIPPED_LAYERS
    layers: int = SHIPPED_LAYERS

    def __post_init__(self) -> None:
        anchors = self.anchors
        if not isinstance(anchors, tuple | list) or len(anchors) != 3:
            raise SettingError(f"anchors must be three image indices, got {anchors!r}.")
        n_images = whole(self.n_images, "n_images", 3, MAX_TEST_IMAGES)
        checked = tuple(
            whole(index, f"anchor {name}", 0, n_images - 1)
            for index, name in zip(anchors, "ABC", strict=True)
        )
        if len(set(checked)) != 3:
            raise SettingError(f"the anchors must be three different images, got {checked}.")
        n_layers = whole(self.n_layers, "n_layers", 0, MAX_LAYERS)
        store_checked(
            self,
            anchors=checked,
            colour_mode=choice(self.colour_mode, "colour_mode", COLOUR_MODES),
            margin=number(self.margin, "margin", 0.0, MAX_MARGIN),
            domain=choice(self.domain, "domain", DOMAINS),
            extent=number(self.extent, "extent", MIN_EXTENT, 1.0),
            n_images=n_images,
            n_layers=n_layers,
            layers=whole(self.layers, "layers", 0, n_layers),
        )


def default_anchors(labels: Sequence[int]) -> tuple[int, int, int]:
    """The first test image of each of :data:`DEFAULT_CLASSES` (of the first classes
    present when some are missing), for data that comes with its own test images."""
    labels = list(labels)
    present = sorted(set(labels), key=lambda k: (k not in DEFAULT_CLASSES, k))
    if len(present) >= 3:
        return tuple(labels.index(k) for k in present[:3])
    return (0, 1, 2)
