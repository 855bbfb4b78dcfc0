"""The Cells 3D page's settings: one frozen object, checked in one place.

The controller owns the current :class:`Cells3DState`; the page's controls take their
ranges and choices from the limits here (and from the state's network shape) and write
every change through the controller; sessions and presets read and write the state,
never the controls. The network's weights and the data arrays are data, kept by the
controller; the probe's position is interaction, kept by the probe controller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from app.state.fields import SettingError, choice, flag, store_checked, whole
from engine.datasets import DATA_BOUNDS_3D, DATASETS_3D

#: The data sets the page trains on, by name, in menu order.
DATASETS = tuple(DATASETS_3D)
#: The data set trained on when the page first opens.
DEFAULT_DATASET = "ball_in_shell"
#: Seeds of the data set and the training (numpy's seed range).
MAX_SEED = 2**31 - 1
#: How cells are coloured: by activation pattern or by the class the cell predicts.
COLOUR_BY = ("pattern", "class")
#: Cell opacity in percent: the opacity slider's range.
OPACITY = (3, 60)
#: How far cells are pushed out from the centre, in percent: the explode slider's range.
EXPLODE = (0, 100)
#: The box the page partitions, ``(xmin, xmax, ymin, ymax, zmin, zmax)``: the slicing
#: plane's origin stays inside it (the plane widget keeps it there).
BOX = DATA_BOUNDS_3D
#: Hidden layers and neurons of the network the page starts with (3 → 12 → 12 → 2).
DEFAULT_LAYERS = 2
DEFAULT_NEURONS = 24

Vector3 = tuple[float, float, float]


def vector3(value: object, name: str) -> Vector3:
    """``value`` as a tuple if it is three finite numbers (a point or a direction)."""
    if (
        not isinstance(value, list | tuple)
        or len(value) != 3
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
    ):
        raise SettingError(f"{name} must be three finite numbers, got {value!r}.")
    return float(value[0]), float(value[1]), float(value[2])


def _origin(value: object, name: str) -> Vector3:
    origin = vector3(value, name)
    if not all(BOX[2 * k] <= v <= BOX[2 * k + 1] for k, v in enumerate(origin)):
        raise SettingError(f"{name} {list(origin)!r} is outside the box {list(BOX)!r}.")
    return origin


def _normal(value: object, name: str) -> Vector3:
    normal = vector3(value, name)
    if math.hypot(*normal) < 1e-12:
        raise SettingError(f"{name} must not be zero, got {list(normal)!r}.")
    return normal


@dataclass(frozen=True)
class Cells3DState:
    """What the Cells 3D page shows.

    Attributes
    ----------
    dataset : the data set that "Train" trains on, one of :data:`DATASETS`.
    seed : its seed and the training's, 0 to :data:`MAX_SEED`.
    n_layers, n_neurons : the hidden layers and neurons of the network shown (they come
        with the network; the ranges of ``layers``, ``face_layer`` and ``neuron``).
    layers : hidden layers partitioned, 0 to ``n_layers``.
    show_cells, show_decision, show_points : every cell, the decision surface, the data.
    colour_by : one of :data:`COLOUR_BY`.
    opacity : the cells' opacity in percent, within :data:`OPACITY`.
    explode : the exploded view, in percent, within :data:`EXPLODE`.
    show_layer_faces, face_layer : whether the faces of one layer are shown, and which
        (1-based, 1 to ``n_layers``; 1 for a network with none).
    show_neuron, neuron : whether one neuron's bent hyperplane is shown, and which
        (1-based across all layers, 1 to ``n_neurons``; 1 for a network with none).
    slice_shown, slice_origin, slice_normal : the slicing plane: shown or not, its origin
        (inside :data:`BOX`) and its normal (not zero).
    """

    dataset: str = DEFAULT_DATASET
    seed: int = 0
    n_layers: int = DEFAULT_LAYERS
    n_neurons: int = DEFAULT_NEURONS
    layers: int = DEFAULT_LAYERS
    show_cells: bool = True
    show_decision: bool = True
    show_points: bool = True
    colour_by: str = "pattern"
    opacity: int = 16
    explode: int = 0
    show_layer_faces: bool = False
    face_layer: int = 1
    show_neuron: bool = False
    neuron: int = 1
    slice_shown: bool = False
    slice_origin: Vector3 = (0.0, 0.0, 0.0)
    slice_normal: Vector3 = (0.0, 1.0, 0.0)

    def __post_init__(self) -> None:
        store_checked(
            self,
            n_layers=whole(self.n_layers, "n_layers", 0, math.inf),
            n_neurons=whole(self.n_neurons, "n_neurons", 0, math.inf),
        )
        store_checked(
            self,
            dataset=choice(self.dataset, "dataset", DATASETS),
            seed=whole(self.seed, "seed", 0, MAX_SEED),
            layers=whole(self.layers, "layers", 0, self.n_layers),
            show_cells=flag(self.show_cells, "show_cells"),
            show_decision=flag(self.show_decision, "show_decision"),
            show_points=flag(self.show_points, "show_points"),
            colour_by=choice(self.colour_by, "colour_by", COLOUR_BY),
            opacity=whole(self.opacity, "opacity", *OPACITY),
            explode=whole(self.explode, "explode", *EXPLODE),
            show_layer_faces=flag(self.show_layer_faces, "show_layer_faces"),
            face_layer=whole(self.face_layer, "face_layer", *self.face_layer_range),
            show_neuron=flag(self.show_neuron, "show_neuron"),
            neuron=whole(self.neuron, "neuron", *self.neuron_range),
            slice_shown=flag(self.slice_shown, "slice_shown"),
            slice_origin=_origin(self.slice_origin, "slice_origin"),
            slice_normal=_normal(self.slice_normal, "slice_normal"),
        )

    @property
    def face_layer_range(self) -> tuple[int, int]:
        """The face layers one can choose (the layer spin box's range)."""
        return 1, max(self.n_layers, 1)

    @property
    def neuron_range(self) -> tuple[int, int]:
        """The neurons one can choose (the neuron spin box's range)."""
        return 1, max(self.n_neurons, 1)

    def for_network(self, n_layers: int, n_neurons: int) -> Cells3DState:
        """This state for a network of ``n_layers`` hidden layers and ``n_neurons`` neurons:
        every layer partitioned, the chosen face layer and neuron kept where they exist."""
        return replace(
            self,
            n_layers=n_layers,
            n_neurons=n_neurons,
            layers=n_layers,
            face_layer=min(self.face_layer, max(n_layers, 1)),
            neuron=min(self.neuron, max(n_neurons, 1)),
        )
