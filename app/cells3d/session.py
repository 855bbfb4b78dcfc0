"""What the Cells 3D page keeps in a session: its network, the data it was trained on,
its settings (a :class:`app.cells3d.state.Cells3DState`) and its probe.

:func:`save_cells3d_state` returns a :class:`engine.session_file.PageState`;
:func:`restore_cells3d_state` checks the whole section (weights, shapes, NaN, ranges,
names) and raises ``ValueError`` before it touches the page. The data set is stored by
name and seed and drawn again (the generators are seeded). The JSON keys are the ones
sessions have always had: ``layer`` and ``neuron`` are ``[shown, number]``, ``slice`` is
``{shown, origin, normal}`` (missing in older files: the plane stays as it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from app.cells3d.page import Cells3DPage
from app.cells3d.state import MAX_SEED, Cells3DState, vector3
from app.cells3d.training import page_dataset
from app.state.fields import SettingError, whole
from engine.datasets import DATASETS_3D, Dataset
from engine.networks import network_layers
from engine.session_file import PageState, SessionFileError

if TYPE_CHECKING:
    from torch import nn

_PREFIX = "network."
#: Settings saved under the state's own field names.
_SAME_NAMES = (
    "layers",
    "show_cells",
    "show_decision",
    "show_points",
    "colour_by",
    "opacity",
    "explode",
)


@dataclass(frozen=True)
class SavedCells3D:
    """A checked Cells 3D section of a session, ready to show.

    Attributes
    ----------
    model : the network (3 inputs). dataset : what it was trained on, or None.
    state : the page's settings, of ``model``'s shape.
    probe : (3,) probe position, or None.
    """

    model: nn.Sequential
    dataset: Dataset | None
    state: Cells3DState
    probe: np.ndarray | None


def save_cells3d_state(page: Cells3DPage) -> PageState:
    from engine.network_spec import network_spec, network_tensors  # imports torch

    c = page.controller
    model = c.torch_model()
    state = c.state
    dataset = c.dataset
    probe = page.probe.position
    settings = {
        "network": network_spec(model),
        "dataset": None if dataset is None else {"name": dataset.name, "seed": dataset.seed},
        "probe": None if probe is None else [float(v) for v in probe],
        **{name: getattr(state, name) for name in _SAME_NAMES},
        "layer": [state.show_layer_faces, state.face_layer],
        "neuron": [state.show_neuron, state.neuron],
        "slice": {
            "shown": state.slice_shown,
            "origin": list(state.slice_origin),
            "normal": list(state.slice_normal),
        },
    }
    tensors = {_PREFIX + k: v for k, v in network_tensors(model).items()}
    return PageState(settings, tensors)


def _shown_number(value: object, what: str) -> tuple[object, object]:
    if not isinstance(value, list) or len(value) != 2:
        raise SettingError(f"{what} must be [shown, number], got {value!r}.")
    return value[0], value[1]


def _dataset(saved: object) -> Dataset | None:
    if saved is None:
        return None
    if not isinstance(saved, dict) or saved.get("name") not in DATASETS_3D:
        raise SettingError(f"the data set must be one of {', '.join(DATASETS_3D)}, got {saved!r}.")
    seed = whole(saved.get("seed"), "The data set's seed", 0, MAX_SEED)
    return page_dataset(saved["name"], seed)


def _settings_state(
    settings: Mapping[str, Any], model: nn.Sequential, dataset: Dataset | None, now: Cells3DState
) -> Cells3DState:
    """The state ``settings`` describe for ``model``; what they do not say (the data set
    of a random network, the plane of an older file) stays as ``now`` has it."""
    layers_of = network_layers(model)
    changes = {name: settings.get(name) for name in _SAME_NAMES}
    show_layer_faces, face_layer = _shown_number(settings.get("layer"), "The face layer")
    show_neuron, neuron = _shown_number(settings.get("neuron"), "The neuron")
    changes |= {"show_layer_faces": show_layer_faces, "face_layer": face_layer}
    changes |= {"show_neuron": show_neuron, "neuron": neuron}
    if dataset is not None:
        changes |= {"dataset": dataset.name, "seed": dataset.seed}
    plane = settings.get("slice")
    if plane is not None:
        if not isinstance(plane, dict):
            raise SettingError(f"the slicing plane must be an object, got {plane!r}.")
        changes |= {"slice_shown": plane.get("shown"), "slice_origin": plane.get("origin")}
        changes["slice_normal"] = plane.get("normal")
    return replace(now, n_layers=len(layers_of.hidden), n_neurons=layers_of.n_neurons, **changes)


def parse_cells3d_state(state: PageState, now: Cells3DState | None = None) -> SavedCells3D:
    """Check ``state`` and build what it describes; raises ValueError. Settings it does
    not give keep their values in ``now`` (default: the page's defaults)."""
    from engine.network_spec import NetworkSpecError, build_network  # imports torch

    settings, tensors = state.settings, state.tensors
    weights = {k[len(_PREFIX) :]: v for k, v in tensors.items() if k.startswith(_PREFIX)}
    try:
        model = build_network(settings.get("network"), weights)
    except NetworkSpecError as error:
        raise SessionFileError(str(error)) from error
    n_inputs = network_layers(model).n_inputs
    if n_inputs != 3:
        raise SessionFileError(f"the Cells 3D network needs 3 inputs, not {n_inputs}.")
    dataset = _dataset(settings.get("dataset"))
    probe = settings.get("probe")
    probe = None if probe is None else np.array(vector3(probe, "The probe"))
    checked = _settings_state(settings, model, dataset, now or Cells3DState())
    return SavedCells3D(model, dataset, checked, probe)


def restore_cells3d_state(page: Cells3DPage, state: PageState) -> None:
    saved = parse_cells3d_state(state, page.controller.state)  # nothing changes if this raises
    page.show_saved(saved.model, saved.dataset, saved.state, saved.probe)


__all__ = [
    "SavedCells3D",
    "parse_cells3d_state",
    "restore_cells3d_state",
    "save_cells3d_state",
]
