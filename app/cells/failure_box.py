"""The Cells page's warnings: a failed partition (with its remedies when it passed the cell
limit) and a cell limit the memory budget refuses."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.cells.controller import CellsController


def _warning_box(parent: QWidget, message: str, name: str) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Warning, "Splinescope", message, QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName(name)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def partition_error_box(
    parent: QWidget,
    message: str,
    controller: CellsController,
    raise_limit: Callable[[int], None],
    zoom_in: Callable[[], None],
) -> QMessageBox:
    """Open a warning for a failed partition; past the cell limit, with buttons that raise
    it (``raise_limit(limit)``), use one layer fewer or zoom in (``zoom_in()``)."""
    box = _warning_box(parent, message, "partitionErrorBox")
    if controller.limit_error is not None:
        _offer_remedies(box, controller, raise_limit, zoom_in)
    box.open()
    return box


def _offer_remedies(
    box: QMessageBox,
    controller: CellsController,
    raise_limit: Callable[[int], None],
    zoom_in: Callable[[], None],
) -> None:
    c = controller
    role = QMessageBox.ButtonRole.AcceptRole
    raised = c.raised_limit()
    if raised is not None:
        button = box.addButton(f"Raise limit to {raised:,}", role)
        button.setObjectName("raiseLimitButton")
        button.setToolTip("Compute again with a higher cell limit (within the memory budget)")
        button.clicked.connect(lambda: raise_limit(raised))
    if c.layers > 0:
        button = box.addButton(f"Use {c.layers - 1} layers", role)
        button.setObjectName("fewerLayersButton")
        button.clicked.connect(lambda: c.set_layers(c.layers - 1))
    button = box.addButton("Zoom in", role)
    button.setObjectName("zoomInButton")
    button.setToolTip("Compute the cells of the middle half of the region")
    button.clicked.connect(zoom_in)


def memory_budget_box(parent: QWidget, message: str) -> QMessageBox:
    """Open a warning that a cell limit does not fit in the memory budget."""
    box = _warning_box(parent, message, "memoryBudgetBox")
    box.open()
    return box
