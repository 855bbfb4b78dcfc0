"""What the Cells 3D page keeps in a session: its network, the data it was trained on,
layers, display options, probe and slicing plane, and how they come back.

:func:`save_cells3d_state` returns a :class:`engine.session_file.PageState`;
:func:`restore_cells3d_state` checks the whole state (weights, shapes, NaN, ranges, names)
and raises :class:`engine.session_file.SessionFileError` before it touches the page. The
data set is stored by name and seed and drawn again (the generators are seeded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.cells3d.controller import page_dataset
from engine.datasets import DATASETS_3D, Dataset
from engine.network_spec import NetworkSpecError, build_network, network_spec, network_tensors
from engine.networks import network_layers
from engine.session_file import PageState, SessionFileError, whole_number

if TYPE_CHECKING:
    from app.cells3d.page import Cells3DPage

_PREFIX = "network."
_FLAGS = ("show_cells", "show_decision", "show_points")
_COLOUR_BY = ("pattern", "class")


@dataclass(frozen=True)
class Cells3DSession:
    """A checked Cells 3D state, ready to show.

    Attributes
    ----------
    model : the network (3 inputs). dataset : what it was trained on, or None.
    layers : hidden layers partitioned. probe : (3,) probe position or None.
    flags : show_cells, show_decision, show_points. colour_by : "pattern" or "class".
    opacity, explode : slider positions (percent). layer, neuron : the chosen face layer
    and neuron (1-based) and whether each is shown. slice : whether the slicing plane is
    shown, its (3,) origin and (3,) normal; None (sessions saved before it was kept): the
    plane stays as it is.
    """

    model: object
    dataset: Dataset | None
    layers: int
    probe: tuple[float, float, float] | None
    flags: dict[str, bool]
    colour_by: str
    opacity: int
    explode: int
    layer: tuple[bool, int]
    neuron: tuple[bool, int]
    slice: tuple[bool, tuple[float, ...], tuple[float, ...]] | None = None


def save_cells3d_state(page: Cells3DPage) -> PageState:
    c = page.controller
    dataset = c.dataset
    probe = page.probe.position
    options = page.view.scene.options
    origin, normal = page.view.slice_plane()
    settings = {
        "network": network_spec(c.model),
        "dataset": None if dataset is None else {"name": dataset.name, "seed": dataset.seed},
        "layers": c.layers,
        "probe": None if probe is None else [float(v) for v in probe],
        "show_cells": options.show_cells,
        "show_decision": options.show_decision,
        "show_points": options.show_points,
        "colour_by": options.colour_by,
        "opacity": page.opacity_slider.value(),
        "explode": page.explode_slider.value(),
        # The spin boxes read 0 until the first partition sets their ranges.
        "layer": [page.layer_check.isChecked(), max(page.layer_spin.value(), 1)],
        "neuron": [page.neuron_check.isChecked(), max(page.neuron_spin.value(), 1)],
        "slice": {
            "shown": page.slice_check.isChecked(),
            "origin": [float(v) for v in origin],
            "normal": [float(v) for v in normal],
        },
    }
    tensors = {_PREFIX + k: v for k, v in network_tensors(c.model).items()}
    return PageState(settings, tensors)


def _three(value: object, what: str) -> tuple[float, float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
    ):
        raise SessionFileError(f"{what} must be three finite numbers, got {value!r}.")
    return tuple(float(v) for v in value)


def _slice(value: object) -> tuple[bool, tuple[float, ...], tuple[float, ...]] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("shown"), bool):
        raise SessionFileError(f"the slicing plane must say whether it is shown, got {value!r}.")
    origin = _three(value.get("origin"), "The slicing plane's origin")
    normal = _three(value.get("normal"), "The slicing plane's normal")
    if not any(normal):
        raise SessionFileError("the slicing plane's normal is zero.")
    return value["shown"], origin, normal


def _choice(value: object, what: str, high: int) -> tuple[bool, int]:
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], bool):
        raise SessionFileError(f"{what} must be [shown, number], got {value!r}.")
    return value[0], whole_number(value[1], what, 1, high)


def parse_cells3d_state(state: PageState) -> Cells3DSession:
    """Check ``state`` and build what it describes; raises SessionFileError."""
    settings, tensors = state.settings, state.tensors
    weights = {k[len(_PREFIX) :]: v for k, v in tensors.items() if k.startswith(_PREFIX)}
    try:
        model = build_network(settings.get("network"), weights)
    except NetworkSpecError as error:
        raise SessionFileError(str(error)) from error
    layers_of = network_layers(model)
    if layers_of.n_inputs != 3:
        raise SessionFileError(f"the Cells 3D network needs 3 inputs, not {layers_of.n_inputs}.")
    dataset = None
    saved = settings.get("dataset")
    if saved is not None:
        if not isinstance(saved, dict) or saved.get("name") not in DATASETS_3D:
            raise SessionFileError(
                f"the data set must be one of {', '.join(DATASETS_3D)}, got {saved!r}."
            )
        seed = whole_number(saved.get("seed"), "The data set's seed", 0, 2**31 - 1)
        dataset = page_dataset(saved["name"], seed)
    probe = settings.get("probe")
    if probe is not None:
        probe = _three(probe, "The probe")
    flags = {}
    for key in _FLAGS:
        if not isinstance(settings.get(key), bool):
            raise SessionFileError(f"{key} must be true or false, got {settings.get(key)!r}.")
        flags[key] = settings[key]
    if settings.get("colour_by") not in _COLOUR_BY:
        raise SessionFileError(f"colour_by must be one of {', '.join(_COLOUR_BY)}.")
    n_hidden = len(layers_of.hidden)
    return Cells3DSession(
        model=model,
        dataset=dataset,
        layers=whole_number(settings.get("layers"), "layers", 0, n_hidden),
        probe=probe,
        flags=flags,
        colour_by=settings["colour_by"],
        opacity=whole_number(settings.get("opacity"), "opacity", 0, 100),
        explode=whole_number(settings.get("explode"), "explode", 0, 100),
        layer=_choice(settings.get("layer"), "The face layer", max(n_hidden, 1)),
        neuron=_choice(settings.get("neuron"), "The neuron", max(layers_of.n_neurons, 1)),
        slice=_slice(settings.get("slice")),
    )


def restore_cells3d_state(page: Cells3DPage, state: PageState) -> None:
    session = parse_cells3d_state(state)  # nothing changes if this raises
    page.show_session(session)


__all__ = [
    "Cells3DSession",
    "parse_cells3d_state",
    "restore_cells3d_state",
    "save_cells3d_state",
]
