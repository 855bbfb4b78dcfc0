"""A slider that chooses how many hidden layers of a network to partition with."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QLabel, QSlider, QVBoxLayout, QWidget


class LayerSlider(QWidget):
    """``Layers: k / L`` over a slider from 0 to L; emits ``layers_changed(k)``.

    ``object_name`` names the slider (its label adds ``Label``), so that tests and style
    sheets can tell the pages' sliders apart.
    """

    layers_changed = Signal(int)

    def __init__(
        self, n_layers: int = 0, parent: QWidget | None = None, object_name: str = "layerSlider"
    ) -> None:
        super().__init__(parent)
        self._label = QLabel(self)
        self._label.setObjectName(f"{object_name}Label")
        self._slider = QSlider(Qt.Orientation.Horizontal, self)
        self._slider.setObjectName(object_name)
        self._slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self._slider.setTickInterval(1)
        self._slider.setSingleStep(1)
        self._slider.setPageStep(1)
        self._slider.setToolTip(
            "Partition with the first k hidden layers only: each layer subdivides the "
            "cells made by the layers before it.\nKeys: ←/→ one layer, Home/End none/all."
        )
        self._label.setBuddy(self._slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._label)
        layout.addWidget(self._slider)
        self._slider.valueChanged.connect(self._on_value_changed)
        self.set_layers(n_layers, n_layers)

    @property
    def slider(self) -> QSlider:
        """The underlying QSlider (for keyboard focus and tests)."""
        return self._slider

    @property
    def value(self) -> int:
        """The chosen number of layers k."""
        return self._slider.value()

    @property
    def maximum(self) -> int:
        """The network's number of hidden layers L."""
        return self._slider.maximum()

    def set_layers(self, value: int, maximum: int) -> None:
        """Show ``value`` of ``maximum`` layers without emitting ``layers_changed``."""
        with QSignalBlocker(self._slider):
            self._slider.setRange(0, maximum)
            self._slider.setValue(value)
        self._update_label()

    def _on_value_changed(self, value: int) -> None:
        self._update_label()
        self.layers_changed.emit(value)

    def _update_label(self) -> None:
        self._label.setText(f"&Layers: {self._slider.value()} / {self._slider.maximum()}")
