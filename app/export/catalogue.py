"""Every page's export views and readiness, looked up through the page registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.registry import page_spec

if TYPE_CHECKING:  # the page's spec imports these with the page
    from app.export.ready import Readiness
    from app.export.targets import ExportAnimation, ExportView


def export_targets(page: QWidget, key: str) -> list[ExportView | ExportAnimation]:
    """The views and animations of ``page`` (the page named ``key``), main view first."""
    return list(page_spec(key).export_targets(page))


def page_readiness(page: QWidget, key: str, *, layers: int | None = None) -> Readiness:
    """How to know that ``page`` (named ``key``) shows real results (of ``layers`` layers)."""
    return page_spec(key).readiness(page, layers)
