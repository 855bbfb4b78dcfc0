"""The Jigsaw page's settings: one frozen object, checked in one place.

The controller owns the current :class:`JigsawState`; the page's controls take their
ranges from the limits here and write every change through the controller; sessions and
presets read and write the state, never the controls.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.state.fields import SettingError, choice, flag, store_checked, whole
from engine.datasets import DATASETS
from engine.networks import ACTIVATIONS

#: The classification data sets of the plane (the regression "bump" has no classes).
DATASET_NAMES = tuple(name for name, kind in DATASETS.items() if kind.classes != 0)
DEPTH_MAX = 4
WIDTH_MIN, WIDTH_MAX = 2, 32
EPOCHS_MIN, EPOCHS_MAX = 10, 1000
SEED_MAX = 999
#: How the chosen layer is flattened: its first principal axes over the training points'
#: activations, or some of its units (two in the 2-D view, three in the 3-D view).
PROJECTIONS = ("pca", "units")
#: The latent view's dimension: a plane (2) or a space turned with the mouse (3).
DIMENSIONS = (2, 3)


@dataclass(frozen=True)
class JigsawState:
    """What the Jigsaw page shows.

    Attributes
    ----------
    dataset : a key of :data:`DATASET_NAMES`.
    depth, width : the trained network's hidden layers and units per layer.
    activation : ``"relu"``, ``"leaky_relu"`` or ``"abs"``.
    epochs : training epochs (Adam, seeded).
    seed : seeds the data set's points, the initial weights and the batch order.
    layer : the hidden layer drawn on the right, 1 to ``depth``.
    projection : ``"pca"`` or ``"units"``.
    unit_x, unit_y : the two units (1-based, distinct, at most ``width``) of ``"units"``.
    unit_z : the third unit of ``"units"`` in 3-D: when shown, at most ``width`` and
        distinct from the other two (which needs a width of at least 3).
    show_folds : draw the edges along which the jigsaw folds (2-D view).
    dimensions : 2 (the layer's projection to a plane) or 3 (to a space).
    """

    dataset: str = "circle"
    depth: int = 3
    width: int = 8
    activation: str = "relu"
    epochs: int = 100
    seed: int = 0
    layer: int = 3
    projection: str = "pca"
    unit_x: int = 1
    unit_y: int = 2
    show_folds: bool = True
    unit_z: int = 3
    dimensions: int = 2

    def __post_init__(self) -> None:
        depth = whole(self.depth, "depth", 1, DEPTH_MAX)
        width = whole(self.width, "width", WIDTH_MIN, WIDTH_MAX)
        unit_x = whole(self.unit_x, "unit_x", 1, width)
        unit_y = whole(self.unit_y, "unit_y", 1, width)
        if unit_x == unit_y:
            raise SettingError(
                f"unit_x and unit_y must be two different units, got {unit_x} twice."
            )
        dimensions = whole(self.dimensions, "dimensions", min(DIMENSIONS), max(DIMENSIONS))
        projection = choice(self.projection, "projection", PROJECTIONS)
        shown = dimensions == 3 and projection == "units"
        # Off screen, the third unit only has to be a unit some width has.
        unit_z = whole(self.unit_z, "unit_z", 1, width if shown else WIDTH_MAX)
        if shown and unit_z in (unit_x, unit_y):
            if width < 3:
                raise SettingError(
                    f"three units need a width of at least 3, got width {width}; "
                    "use the PCA projection."
                )
            raise SettingError(
                f"unit_z must differ from unit_x and unit_y ({unit_x}, {unit_y}), got {unit_z}."
            )
        store_checked(
            self,
            dataset=choice(self.dataset, "dataset", DATASET_NAMES),
            depth=depth,
            width=width,
            activation=choice(self.activation, "activation", ACTIVATIONS),
            epochs=whole(self.epochs, "epochs", EPOCHS_MIN, EPOCHS_MAX),
            seed=whole(self.seed, "seed", 0, SEED_MAX),
            layer=whole(self.layer, "layer", 1, depth),
            projection=projection,
            unit_x=unit_x,
            unit_y=unit_y,
            show_folds=flag(self.show_folds, "show_folds"),
            unit_z=unit_z,
            dimensions=dimensions,
        )

    @property
    def uses_three_units(self) -> bool:
        """Whether the view shows three units (the 3-D view of the units projection)."""
        return self.dimensions == 3 and self.projection == "units"

    @property
    def units(self) -> tuple[int, ...]:
        """The units on the axes (1-based): two, or three in the 3-D view."""
        if self.dimensions == 3:
            return (self.unit_x, self.unit_y, self.unit_z)
        return (self.unit_x, self.unit_y)

    @property
    def network_key(self) -> tuple:
        """The settings that choose the trained network (a change means training again)."""
        return (self.dataset, self.depth, self.width, self.activation, self.epochs, self.seed)
