"""The Networks page's settings: one frozen object, checked in one place.

The controller owns the current :class:`NetworksState`; the page's controls take their
ranges from the limits here and write every change through the controller; sessions and
presets read and write the state, never the controls.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.state.fields import SettingError, choice, number, store_checked, whole

#: Test images of the shipped split (``engine.digits_cnn.digits_split``): anchors index them.
N_TEST_IMAGES = 359
#: The first test 0, 3 and 8: three classes the slice runs between.
DEFAULT_ANCHORS = (3, 2, 4)
COLOUR_MODES = ("class", "pattern")
DOMAINS = ("triangle", "rectangle")
MAX_MARGIN = 1.0
#: Most cutting steps (ReLU-like, clamp, max-pooling) a shown network may have.
MAX_LAYERS = 64
#: Cutting steps of the shipped digits CNN (ReLU, pool, ReLU, pool, ReLU).
SHIPPED_LAYERS = 5


@dataclass(frozen=True)
class NetworksState:
    """What the Networks page shows.

    Attributes
    ----------
    anchors : indices (A, B, C) of three different test images the slice goes through,
        each 0 to :data:`N_TEST_IMAGES` - 1.
    colour_mode : cells coloured by predicted ``"class"`` or by activation ``"pattern"``.
    margin : the room around the anchors, a fraction of their extent, 0 to :data:`MAX_MARGIN`.
    domain : ``"triangle"`` (the anchors' triangle grown by the margin) or ``"rectangle"``.
    n_layers : the network's cutting steps L (it comes with the network).
    layers : how many of them cut the slice, 0 to ``n_layers``.
    """

    anchors: tuple[int, int, int] = DEFAULT_ANCHORS
    colour_mode: str = "class"
    margin: float = 0.1
    domain: str = "triangle"
    n_layers: int = SHIPPED_LAYERS
    layers: int = SHIPPED_LAYERS

    def __post_init__(self) -> None:
        anchors = self.anchors
        if not isinstance(anchors, tuple | list) or len(anchors) != 3:
            raise SettingError(f"anchors must be three image indices, got {anchors!r}.")
        checked = tuple(
            whole(index, f"anchor {name}", 0, N_TEST_IMAGES - 1)
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
            n_layers=n_layers,
            layers=whole(self.layers, "layers", 0, n_layers),
        )
