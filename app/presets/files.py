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

Each page's preset settings are documented, checked and applied in its own
``app/<page>/preset.py`` (its :class:`app.page_spec.PageSpec` names them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from app.registry import page_keys, page_spec

PRESETS_DIR = Path(__file__).resolve().parents[2] / "resources" / "presets"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Preset:
    """One named scenario.

    Attributes
    ----------
    key : the file name without ``.json``, e.g. ``"xor-4"``.
    title, description : what the dialog shows.
    page : the tab key of the page it opens (a key of :data:`app.registry.PAGES`).
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
    if page not in page_keys():
        raise ValueError(f"unknown page {page!r}; choose one of {', '.join(page_keys())}")
    settings = data["settings"]
    if not isinstance(settings, dict):
        raise ValueError("settings must be an object")
    page_spec(page).check_preset(settings)
    return Preset(
        key=key,
        title=str(data["title"]),
        description=str(data.get("description", "")),
        page=page,
        settings=settings,
    )


def apply_preset(window: QWidget, preset: Preset) -> QWidget:
    """Show ``preset``'s page in ``window`` (the main window) with its settings applied.

    Returns the page. Raises ValueError when a setting cannot be applied (the page keeps
    its earlier state as far as it got).
    """
    page = window.show_page(preset.page)
    page_spec(preset.page).apply_preset(page, preset.settings)
    return page
