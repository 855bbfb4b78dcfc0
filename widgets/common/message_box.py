"""The app's warning box: window-modal, never blocking the event loop, one at a time."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def show_warning(parent: QWidget, message: str, name: str) -> QMessageBox:
    """Show ``message`` in a warning box called ``name`` over ``parent`` and return it.

    If that box is still open, its text is replaced instead of stacking another (a job
    that fails again and again while the user reads shows one box). The box opens
    without a nested event loop and deletes itself when closed.
    """
    box = parent.findChild(QMessageBox, name)
    if box is not None and box.isVisible():
        box.setText(message)
        return box
    box = QMessageBox(
        QMessageBox.Icon.Warning, "Splinescope", message, QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName(name)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
