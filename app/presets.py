"""Named scenarios for talks: a page and its settings, kept as JSON in resources/presets.

A preset file looks like this::

    {
      "format_version": 1,
      "title": "XOR with 4 neurons",
      "description": "One hidden layer of four ReLUs learns XOR ...",
      "page": "playground",
      "settings": {"dataset": {"name": "xor"}, "architecture": {"widths": [4]}, ...}
    }

Its key is the file name without ``.json``. :func:`load_preset` reads and checks one;
:func:`apply_preset` switches the main window to the preset's page and applies the
settings through that page's public API (the same calls its controls make).

Settings by page:

- ``cells``: ``network`` (``widths``, ``seed``, ``activation``, ``n_outputs``: a seeded
  random MLP with 2 inputs, :func:`engine.networks.random_mlp`), ``bounds``
  ``[xmin, xmax, ymin, ymax]``, ``layers`` (how many hidden layers to partition with).
- ``playground``: ``dataset`` (fields of :class:`engine.datasets.DatasetSpec`),
  ``features`` (``transform``, ``view``), ``architecture`` (``widths``, ``activation``),
  ``training`` (fields of :class:`engine.training.TrainingConfig`), ``colour_by``
  (``class`` or ``pattern``), ``play`` (start training at once).
- ``volume``: ``dimension`` (1 to 30), ``distance_dimension`` (one of the page's
  buttons), ``scan_position`` (0 to 1), ``play_scan``.
- ``paths``: ``latent_dim`` (one of the page's latent dimensions), ``classes``
  ``[a, b]``: the path runs from the first held-out image of class a to the first of
  class b (the second, when a == b).
- ``cells3d``: ``dataset`` (a 3-D data set to train the page's network on), ``seed``,
  ``colour_by`` (``pattern`` or ``class``).
- ``hulls``: ``seed`` (the planar training set), ``test_point`` ``[x, y]``,
  ``experiment`` (the key of the experiment tab to show), ``run`` (start it at once).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QTabWidget, QWidget

from app.cells_page import DEFAULT_BOUNDS
from app.hulls_controller import EXPERIMENTS
from app.paths_controller import LATENT_DIMS
from app.volume_controller import D_MAX, DISTANCE_DIMENSIONS
from engine.datasets import DATASETS, DATASETS_3D, DatasetSpec
from engine.features import FEATURE_TRANSFORMS
from engine.networks import ACTIVATIONS, random_mlp
from engine.training import Architecture, TrainingConfig

PRESETS_DIR = Path(__file__).resolve().parent.parent / "resources" / "presets"
FORMAT_VERSION = 1
#: The main window's tab keys a preset may name (tab titles, lower case, no spaces).
PAGE_KEYS = ("cells", "volume", "playground", "cells3d", "paths", "hulls")


@dataclass(frozen=True)
class Preset:
    """One named scenario.

    Attributes
    ----------
    key : the file name without ``.json``, e.g. ``"xor-4"``.
    title, description : what the dialog shows.
    page : the tab key of the page it opens (one of :data:`PAGE_KEYS`).
    settings : the page's settings (plain JSON values).
    """

    key: str
    title: str
    description: str
    page: str
    settings: Mapping[str, Any] = field(default_factory=dict)


def preset_names() -> list[str]:
    """The keys of the presets shipped in :data:`PRESETS_DIR`, sorted."""
    return sorted(path.stem for path in PRESETS_DIR.glob("*.json"))


def load_preset(name: str) -> Preset:
    """Read and check preset ``name`` (a key of :func:`preset_names`, or a .json path).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or a malformed file (the
        message names the file and what is wrong).
    """
    path = Path(name)
    if path.suffix != ".json" or not path.is_file():
        path = PRESETS_DIR / f"{name}.json"
        if not path.is_file():
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(preset_names())}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"preset file {path.name} is not readable JSON: {error}") from None
    try:
        return _parse(path.stem, data)
    except (KeyError, TypeError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) else error
        raise ValueError(f"preset file {path.name} is malformed: {message}") from None


def _parse(key: str, data: object) -> Preset:
    if not isinstance(data, dict):
        raise ValueError("the top level must be an object")
    missing = [k for k in ("format_version", "title", "page", "settings") if k not in data]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")
    if data["format_version"] != FORMAT_VERSION:
        raise ValueError(
            f"format_version {data['format_version']!r}; this Splinescope reads {FORMAT_VERSION}"
        )
    unknown = set(data) - {"format_version", "title", "description", "page", "settings"}
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
    page = data["page"]
    if page not in PAGE_KEYS:
        raise ValueError(f"unknown page {page!r}; choose one of {', '.join(PAGE_KEYS)}")
    settings = data["settings"]
    if not isinstance(settings, dict):
        raise ValueError("settings must be an object")
    checker = _CHECKERS.get(page)
    if checker is not None:
        checker(settings)
    return Preset(
        key=key,
        title=str(data["title"]),
        description=str(data.get("description", "")),
        page=page,
        settings=settings,
    )


# -- the window ------------------------------------------------------------------------------


def page_key(title: str) -> str:
    """The key of a tab title: ``"Cells 3D"`` -> ``"cells3d"``."""
    return title.replace("&", "").replace(" ", "").replace("-", "").lower()


def page_index(tabs: QTabWidget, key: str) -> int:
    """The index of the tab whose key is ``key``; raises ValueError naming the tabs."""
    keys = [page_key(tabs.tabText(i)) for i in range(tabs.count())]
    if key not in keys:
        raise ValueError(f"this window has no {key!r} page; its pages are {', '.join(keys)}")
    return keys.index(key)


def apply_preset(window: QWidget, preset: Preset) -> QWidget:
    """Show ``preset``'s page in ``window`` (the main window) with its settings applied.

    Returns the page. Raises ValueError when the window has no such page or a setting
    cannot be applied (the page keeps its earlier state as far as it got).
    """
    index = page_index(window.pages, preset.page)
    page = window.pages.widget(index)
    window.pages.setCurrentIndex(index)
    applier = _APPLIERS.get(preset.page)
    if applier is None:
        raise ValueError(f"presets cannot set up the {preset.page!r} page yet")
    applier(page, preset.settings)
    return page


# -- cells -----------------------------------------------------------------------------------


def cells_network(settings: Mapping[str, Any]) -> object:
    """The network a ``cells`` preset describes (a seeded random MLP with 2 inputs)."""
    network = settings["network"]
    return random_mlp(
        [int(w) for w in network["widths"]],
        n_inputs=2,
        n_outputs=int(network.get("n_outputs", 2)),
        seed=int(network.get("seed", 0)),
        activation=str(network.get("activation", "relu")),
    )


def _check_cells(settings: Mapping[str, Any]) -> None:
    _only(settings, {"network", "bounds", "layers"}, "cells settings")
    network = settings["network"]
    _only(network, {"widths", "seed", "activation", "n_outputs"}, "network")
    widths = network["widths"]
    if (
        not isinstance(widths, list)
        or not widths
        or any(not isinstance(w, int) or w < 1 for w in widths)
    ):
        raise ValueError(f"network widths must be a list of positive integers, got {widths!r}")
    if network.get("activation", "relu") not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}")
    bounds = _bounds(settings)
    if not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(f"bounds must be [xmin, xmax, ymin, ymax] with min < max, got {bounds}")
    layers = settings.get("layers", len(widths))
    if not isinstance(layers, int) or not 0 <= layers <= len(widths):
        raise ValueError(f"layers must be an integer from 0 to {len(widths)}, got {layers!r}")


def _bounds(settings: Mapping[str, Any]) -> tuple[float, float, float, float]:
    bounds = settings.get("bounds", list(DEFAULT_BOUNDS))
    if not isinstance(bounds, list) or len(bounds) != 4:
        raise ValueError(f"bounds must be [xmin, xmax, ymin, ymax], got {bounds!r}")
    return tuple(float(v) for v in bounds)


def _apply_cells(page: QWidget, settings: Mapping[str, Any]) -> None:
    page.set_network(cells_network(settings), _bounds(settings))
    if "layers" in settings:
        page.controller.set_layers(int(settings["layers"]))


# -- playground ------------------------------------------------------------------------------


def playground_settings(
    settings: Mapping[str, Any],
) -> tuple[DatasetSpec, str, str, Architecture, TrainingConfig]:
    """The data set, transform, view, architecture and training of a playground preset."""
    spec = DatasetSpec(**settings.get("dataset", {}))
    features = settings.get("features", {})
    transform = str(features.get("transform", "raw"))
    view = str(features.get("view", "feature"))
    network = settings.get("architecture", {})
    architecture = Architecture(
        tuple(int(w) for w in network.get("widths", (8, 8))),
        activation=str(network.get("activation", "relu")),
    )
    config = TrainingConfig(**settings.get("training", {}))
    return spec, transform, view, architecture, config


def _check_playground(settings: Mapping[str, Any]) -> None:
    _only(
        settings,
        {"dataset", "features", "architecture", "training", "colour_by", "play"},
        "playground settings",
    )
    spec, transform, view, _architecture, _config = playground_settings(settings)
    if spec.name not in DATASETS:
        raise ValueError(f"unknown data set {spec.name!r}; choose one of {', '.join(DATASETS)}")
    if transform not in FEATURE_TRANSFORMS:
        raise ValueError(
            f"unknown transform {transform!r}; choose one of {', '.join(FEATURE_TRANSFORMS)}"
        )
    if view not in ("feature", "input"):
        raise ValueError(f"view must be 'feature' or 'input', got {view!r}")
    _only(settings.get("architecture", {}), {"widths", "activation"}, "architecture")
    _only(settings.get("features", {}), {"transform", "view"}, "features")
    if settings.get("colour_by", "class") not in ("class", "pattern"):
        raise ValueError("colour_by must be 'class' or 'pattern'")
    if not isinstance(settings.get("play", False), bool):
        raise ValueError("play must be true or false")


def _apply_playground(page: QWidget, settings: Mapping[str, Any]) -> None:
    spec, transform, view, architecture, config = playground_settings(settings)
    controller = page.controller
    controller.pause()
    controller.set_dataset(spec)
    controller.set_features(transform, view)
    controller.set_architecture(architecture)
    controller.set_config(config)
    page.controls.show_session(
        controller.dataset_spec,
        controller.transform.name,
        controller.view,
        controller.architecture,
        controller.config,
    )
    page.controls.set_colour_by(str(settings.get("colour_by", "class")))
    if settings.get("play", False):
        controller.play()


# -- volume ----------------------------------------------------------------------------------


def _check_volume(settings: Mapping[str, Any]) -> None:
    _only(
        settings,
        {"dimension", "distance_dimension", "scan_position", "play_scan"},
        "volume settings",
    )
    d = settings.get("dimension", 10)
    if not isinstance(d, int) or not 1 <= d <= D_MAX:
        raise ValueError(f"dimension must be an integer from 1 to {D_MAX}, got {d!r}")
    distance = settings.get("distance_dimension", 10)
    if distance not in DISTANCE_DIMENSIONS:
        raise ValueError(
            f"distance_dimension must be one of {', '.join(map(str, DISTANCE_DIMENSIONS))}"
        )
    s = settings.get("scan_position", 0.3)
    if not isinstance(s, (int, float)) or not 0.0 <= s <= 1.0:
        raise ValueError(f"scan_position must be a number from 0 to 1, got {s!r}")
    if not isinstance(settings.get("play_scan", False), bool):
        raise ValueError("play_scan must be true or false")


def _apply_volume(page: QWidget, settings: Mapping[str, Any]) -> None:
    controller = page.controller
    controller.set_dimension(int(settings.get("dimension", 10)))
    distance = int(settings.get("distance_dimension", 10))
    button = page.distance_buttons.button(distance)
    with QSignalBlocker(page.distance_buttons):
        button.setChecked(True)
    controller.set_distance_dimension(distance)
    controller.set_scan_position(float(settings.get("scan_position", 0.3)))
    controller.set_playing(bool(settings.get("play_scan", False)))


# -- paths -----------------------------------------------------------------------------------


def _check_paths(settings: Mapping[str, Any]) -> None:
    _only(settings, {"latent_dim", "classes"}, "paths settings")
    latent = settings.get("latent_dim", LATENT_DIMS[0])
    if latent not in LATENT_DIMS:
        raise ValueError(f"latent_dim must be one of {', '.join(map(str, LATENT_DIMS))}")
    classes = settings.get("classes", [4, 7])
    if (
        not isinstance(classes, list)
        or len(classes) != 2
        or any(not isinstance(c, int) or not 0 <= c <= 9 for c in classes)
    ):
        raise ValueError(f"classes must be two digits [a, b] from 0 to 9, got {classes!r}")


def paths_pair(labels: Any, classes: list[int]) -> tuple[int, int]:
    """Test-image indices of a paths preset's ends: the first of each class (or the first
    two, for one class twice), given the (N,) test labels."""
    first = np.flatnonzero(np.asarray(labels) == classes[0])
    second = np.flatnonzero(np.asarray(labels) == classes[1])
    if len(first) == 0 or len(second) < (2 if classes[0] == classes[1] else 1):
        raise ValueError(f"the test images hold too few of classes {classes}")
    a = int(first[0])
    b = int(second[1] if classes[0] == classes[1] else second[0])
    return a, b


def _apply_paths(page: QWidget, settings: Mapping[str, Any]) -> None:
    controller = page.controller
    if controller.source is None:
        page.start()  # loads the digits (the page does so on first show)
    latent = int(settings.get("latent_dim", LATENT_DIMS[0]))
    page.latent_combo.setCurrentIndex(page.latent_combo.findData(latent))  # trains if needed
    classes = [int(c) for c in settings.get("classes", [4, 7])]
    for combo, label in zip(page.class_combos, classes, strict=True):
        combo.setCurrentIndex(combo.findData(label))
    a, b = paths_pair(controller.source.test.labels, classes)
    page.pick(a, "A")
    page.pick(b, "B")


# -- cells3d ---------------------------------------------------------------------------------


def _check_cells3d(settings: Mapping[str, Any]) -> None:
    _only(settings, {"dataset", "seed", "colour_by"}, "cells3d settings")
    if settings.get("dataset", "xor_3d") not in DATASETS_3D:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS_3D)}")
    if not isinstance(settings.get("seed", 0), int):
        raise ValueError("seed must be an integer")
    if settings.get("colour_by", "pattern") not in ("pattern", "class"):
        raise ValueError("colour_by must be 'pattern' or 'class'")


def _apply_cells3d(page: QWidget, settings: Mapping[str, Any]) -> None:
    page.start()  # idempotent; else the first show would train the default data set
    dataset = str(settings.get("dataset", "xor_3d"))
    with QSignalBlocker(page.dataset_combo):
        page.dataset_combo.setCurrentIndex(page.dataset_combo.findData(dataset))
    page.colour_combo.setCurrentIndex(
        page.colour_combo.findData(str(settings.get("colour_by", "pattern")))
    )
    page.controller.train(dataset, seed=int(settings.get("seed", 0)))


# -- hulls -----------------------------------------------------------------------------------


def _check_hulls(settings: Mapping[str, Any]) -> None:
    _only(settings, {"seed", "test_point", "experiment", "run"}, "hulls settings")
    keys = [spec.key for spec in EXPERIMENTS]
    if settings.get("experiment", keys[0]) not in keys:
        raise ValueError(f"experiment must be one of {', '.join(keys)}")
    point = settings.get("test_point", [0.35, 0.2])
    if (
        not isinstance(point, list)
        or len(point) != 2
        or not all(isinstance(v, (int, float)) for v in point)
    ):
        raise ValueError(f"test_point must be [x, y], got {point!r}")
    if not isinstance(settings.get("seed", 0), int):
        raise ValueError("seed must be an integer")
    if not isinstance(settings.get("run", False), bool):
        raise ValueError("run must be true or false")


def _apply_hulls(page: QWidget, settings: Mapping[str, Any]) -> None:
    page.start()  # the first scene, when the page has not been shown yet (idempotent)
    page.controller.new_scene(seed=int(settings.get("seed", 0)))
    page.canvas.move_test_point(*(float(v) for v in settings.get("test_point", [0.35, 0.2])))
    keys = [spec.key for spec in EXPERIMENTS]
    key = settings.get("experiment", keys[0])
    page.experiments.setCurrentIndex(keys.index(key))
    if settings.get("run", False) and not page.controller.is_running(key):
        page.controller.run_experiment(key)


# -- shared ----------------------------------------------------------------------------------


def _only(mapping: object, allowed: set[str], what: str) -> None:
    if not isinstance(mapping, dict):
        raise ValueError(f"{what} must be an object")
    unknown = set(mapping) - allowed
    if unknown:
        raise ValueError(
            f"unknown {what} field(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


_CHECKERS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "cells": _check_cells,
    "playground": _check_playground,
    "volume": _check_volume,
    "paths": _check_paths,
    "hulls": _check_hulls,
    "cells3d": _check_cells3d,
}
_APPLIERS: dict[str, Callable[[QWidget, Mapping[str, Any]], None]] = {
    "cells": _apply_cells,
    "playground": _apply_playground,
    "volume": _apply_volume,
    "paths": _apply_paths,
    "hulls": _apply_hulls,
    "cells3d": _apply_cells3d,
}
