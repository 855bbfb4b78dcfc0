"""File > Open preset…: a dialog listing the shipped presets, titles and descriptions."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.presets.files import Preset, apply_preset, load_preset, preset_names
from app.registry import page_spec
from widgets.common.fonts import give_own_font, scaled_font


class PresetDialog(QDialog):
    """Choose a preset: its title and page in a list, its description below.

    ``chosen_key`` is the key of the selected preset once the dialog is accepted.
    Presets that fail to load are listed, greyed out, with the reason as a tooltip.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presetDialog")
        self.setWindowTitle("Open preset")
        self.resize(620, 440)
        self.list = QListWidget(self)
        self.list.setObjectName("presetList")
        give_own_font(self.list, scaled_font(self.font(), 1.1))
        self.description = QLabel(self)
        self.description.setObjectName("presetDescription")
        self.description.setWordWrap(True)
        self.description.setMinimumHeight(5 * self.description.fontMetrics().lineSpacing())
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Scenarios for talks: each opens a page with its settings.", self))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.buttons)
        self.presets: dict[str, Preset] = {}
        for key in preset_names():
            try:
                preset = load_preset(key)
            except ValueError as error:
                item = QListWidgetItem(f"{key} (cannot be read)")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setToolTip(str(error))
                self.list.addItem(item)
                continue
            self.presets[key] = preset
            page = page_spec(preset.page).title
            item = QListWidgetItem(f"{preset.title}   ·   {page}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(preset.description)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._show_description)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        for row in range(self.list.count()):
            if self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(row)
                break

    @property
    def chosen_key(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def select(self, key: str) -> None:
        """Select the preset ``key`` in the list."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.list.setCurrentRow(row)
                return
        raise ValueError(f"no preset {key!r} in the list")

    def _show_description(self, item: QListWidgetItem | None) -> None:
        key = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        preset = self.presets.get(key)
        self.description.setText("" if preset is None else preset.description)
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(preset is not None)


class PresetOpener(QObject):
    """The File > Open preset… action of a main window, and what it does.

    Signals
    -------
    preset_applied(object) : a Preset has been applied to the window.
    """

    preset_applied = Signal(object)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.action = QAction("Open &preset…", window)
        self.action.setObjectName("openPresetAction")
        self.action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.action.setToolTip("Open a named scenario for a talk (Ctrl+Shift+O)")
        self.action.triggered.connect(self.open_dialog)
        self.dialog: PresetDialog | None = None

    def open_dialog(self) -> PresetDialog:
        """Show the dialog (window-modal, returns at once); Open applies the choice."""
        dialog = PresetDialog(self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_accepted(dialog.chosen_key))
        self.dialog = dialog
        dialog.open()
        return dialog

    def apply(self, key: str) -> QWidget | None:
        """Apply preset ``key`` to the window; a failure is shown in a message box."""
        try:
            preset = load_preset(key)
            page = apply_preset(self._window, preset)
        except ValueError as error:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Splinescope",
                f"The preset could not be opened: {error}",
                QMessageBox.StandardButton.Ok,
                self._window,
            )
            box.setObjectName("presetErrorBox")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return None
        self.preset_applied.emit(preset)
        return page

    def _on_accepted(self, key: str | None) -> None:
        if key is not None:
            self.apply(key)
