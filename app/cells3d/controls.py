"""The Cells 3D page's control panel: network and training, layers, what is shown, slice.

:class:`Cells3DControls` builds one group of controls at a time, takes every range and
choice from :mod:`app.cells3d.state`, writes each control's change to the controller
(:meth:`Cells3DControls.bind`) and shows a state without echoing it back
(:meth:`Cells3DControls.show_state`). It keeps no setting of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.cells3d.controller import Cells3DController
from app.cells3d.state import COLOUR_BY, DATASETS, EXPLODE, OPACITY, Cells3DState
from app.cells3d.training import TRAINING, random_model
from app.jobs.partition_runner import partition_progress_bar
from engine.datasets import DATASETS_3D
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.layer_slider import LayerSlider

#: What the colour menu says for each of :data:`app.cells3d.state.COLOUR_BY`.
COLOUR_LABELS = {"pattern": "activation pattern", "class": "predicted class"}

#: Adds a key that works anywhere on the page: ``shortcut(key, slot)``.
Shortcut = Callable[[str, Callable[[], object]], object]


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    give_own_font(label, scaled_font(parent.font(), 1.1, bold=True))
    return label


def _grey(label: QLabel) -> QLabel:
    label.setStyleSheet("color: #555;")
    label.setWordWrap(True)
    return label


class Cells3DControls(QWidget):
    """The network, training, layer, display and slice controls of the Cells 3D page.

    ``shortcut(key, slot)`` registers the page-wide keys of its buttons and check boxes
    (the page owns them, so that they work wherever the focus is on the page).
    """

    def __init__(self, shortcut: Shortcut, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cells3dControls")
        give_own_font(self, scaled_font(self.font(), 1.05))
        self._shortcut = shortcut
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        self._build_network_group(layout)
        layout.addSpacing(8)
        self._build_layers_group(layout)
        layout.addSpacing(8)
        self._build_show_group(layout)
        layout.addSpacing(8)
        self._build_slice_group(layout)
        layout.addStretch(1)
        self.show_state(Cells3DState())

    # Building -------------------------------------------------------------------------------

    def _build_network_group(self, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("Network", self))
        self.network_label = QLabel(self)
        self.network_label.setObjectName("cells3dNetworkLabel")
        self.network_label.setWordWrap(True)
        layout.addWidget(self.network_label)
        self.dataset_combo = QComboBox(self)
        self.dataset_combo.setObjectName("cells3dDatasetCombo")
        for name in DATASETS:
            self.dataset_combo.addItem(DATASETS_3D[name].title, name)
        self.dataset_combo.setToolTip("A 3-D data set to train a 3 → 12 → 12 → 2 ReLU network on")
        self.train_button = QPushButton("Train", self)
        self.train_button.setObjectName("cells3dTrainButton")
        self.train_button.setToolTip(
            f"Train a fresh network on the data set for {TRAINING.epochs} epochs (Ctrl+T)"
        )
        self._shortcut("Ctrl+T", self.train_button.click)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cells3dCancelButton")
        self.cancel_button.setToolTip(
            "Stop training (Esc); the network keeps the weights it reached"
        )
        self.cancel_button.setEnabled(False)
        self.random_button = QPushButton("Random", self)
        self.random_button.setObjectName("cells3dRandomButton")
        self.random_button.setToolTip("Show a fixed random (untrained) network")
        row = QHBoxLayout()
        row.addWidget(self.dataset_combo, 1)
        row.addWidget(self.train_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.training_bar = QProgressBar(self)
        self.training_bar.setObjectName("cells3dTrainingProgress")
        self.training_bar.setRange(0, TRAINING.epochs)
        self.training_bar.setTextVisible(False)
        self.training_bar.setMaximumHeight(8)
        self.training_label = _grey(QLabel("", self))
        self.training_label.setObjectName("cells3dTrainingLabel")
        row = QHBoxLayout()
        row.addWidget(self.training_label, 1)
        row.addWidget(self.random_button)
        layout.addWidget(self.training_bar)
        layout.addLayout(row)

    def _build_layers_group(self, layout: QVBoxLayout) -> None:
        self.layer_slider = LayerSlider(parent=self)
        # Names of its own: the Cells page's slider is found by its names in the window.
        self.layer_slider.slider.setObjectName("cells3dLayerSlider")
        self.layer_slider.findChild(QLabel, "layerSliderLabel").setObjectName(
            "cells3dLayerSliderLabel"
        )
        layout.addWidget(self.layer_slider)
        count_row = QHBoxLayout()
        self.count_label = QLabel("–", self)
        self.count_label.setObjectName("cells3dCountLabel")
        give_own_font(self.count_label, scaled_font(self.font(), 2.2, bold=True))
        self.count_caption = QLabel("cells", self)
        self.count_caption.setObjectName("cells3dCountCaption")
        count_row.addWidget(self.count_label)
        count_row.addWidget(self.count_caption, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(count_row)
        self.status_label = _grey(QLabel("", self))
        self.status_label.setObjectName("cells3dStatusLabel")
        layout.addWidget(self.status_label)
        self.partition_progress = partition_progress_bar(
            "the 3-D cells", "cells3dPartitionProgress", self
        )
        layout.addWidget(self.partition_progress)

    def _build_show_group(self, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("Show", self))
        self.cells_check = self._check("All cells", "C", "Every cell, translucent, with edges")
        self.decision_check = self._check(
            "Decision surface", "D", "The exact decision surface: one polygon per cell"
        )
        self.points_check = self._check("Data points", "P", "The training points")
        self.layer_check = self._check(
            "Faces of layer", "L", "Only the boundary faces made by the chosen layer"
        )
        self.layer_spin = QSpinBox(self)
        self.layer_spin.setObjectName("cells3dLayerSpin")
        self.layer_spin.setToolTip("The layer whose faces are shown")
        self.neuron_check = self._check(
            "Neuron", "N", "One neuron's bent hyperplane: the faces it made"
        )
        self.neuron_spin = QSpinBox(self)
        self.neuron_spin.setObjectName("cells3dNeuronSpin")
        self.neuron_spin.setToolTip("The neuron (numbered across all layers, from 1)")
        self.neuron_caption = QLabel("", self)
        self.neuron_caption.setStyleSheet("color: #555;")
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(3)
        grid.addWidget(self.cells_check, 0, 0)
        grid.addWidget(self.decision_check, 0, 1)
        grid.addWidget(self.points_check, 1, 0)
        grid.addWidget(self.layer_check, 2, 0)
        grid.addWidget(self.layer_spin, 2, 1)
        grid.addWidget(self.neuron_check, 3, 0)
        grid.addWidget(self.neuron_spin, 3, 1)
        grid.addWidget(self.neuron_caption, 4, 0, 1, 2)
        layout.addLayout(grid)
        self.colour_combo = QComboBox(self)
        self.colour_combo.setObjectName("cells3dColourCombo")
        for key in COLOUR_BY:
            self.colour_combo.addItem(COLOUR_LABELS[key], key)
        self.colour_combo.setToolTip("Colour every cell by its activation pattern or its class")
        self.opacity_slider = self._slider("cells3dOpacitySlider", OPACITY, "Cell opacity (%)")
        self.explode_slider = self._slider(
            "cells3dExplodeSlider", EXPLODE, "Exploded view: push cells out from the centre"
        )
        form = QGridLayout()
        form.addWidget(QLabel("Colour by", self), 0, 0)
        form.addWidget(self.colour_combo, 0, 1)
        form.addWidget(QLabel("Opacity", self), 1, 0)
        form.addWidget(self.opacity_slider, 1, 1)
        form.addWidget(QLabel("Explode", self), 2, 0)
        form.addWidget(self.explode_slider, 2, 1)
        layout.addLayout(form)

    def _build_slice_group(self, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("Slice", self))
        self.slice_check = self._check(
            "Slicing plane", "S", "A plane you can move (drag its centre) and tilt (its arrow)"
        )
        self.slice_button = QPushButton("Show slice on the Cells page", self)
        self.slice_button.setObjectName("cells3dSliceButton")
        self.slice_button.setToolTip(
            "The exact 2-D cells of the network on the slicing plane (Ctrl+L)"
        )
        self._shortcut("Ctrl+L", self.slice_button.click)
        self.slice_button.setEnabled(False)
        layout.addWidget(self.slice_check)
        layout.addWidget(self.slice_button)
        explanation = _grey(
            QLabel(
                "Inside each polyhedron the network is one affine map. Drag the red sphere "
                "to probe: its cell lights up and every boundary it crosses is logged. Drag "
                "to turn, scroll to zoom.",
                self,
            )
        )
        layout.addSpacing(6)
        layout.addWidget(explanation)

    def _check(self, text: str, key: str, tip: str) -> QCheckBox:
        check = QCheckBox(text, self)
        check.setObjectName("cells3d" + text.title().replace(" ", "") + "Check")
        check.setToolTip(f"{tip} ({key})")
        self._shortcut(key, check.toggle)
        return check

    def _slider(self, name: str, limits: tuple[int, int], tip: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal, self)
        slider.setObjectName(name)
        slider.setRange(*limits)
        slider.setToolTip(tip)
        return slider

    # The state, both ways -------------------------------------------------------------------

    def bind(self, controller: Cells3DController) -> None:
        """Write every control's change to ``controller``; buttons call its actions."""
        update = controller.update
        self.dataset_combo.currentIndexChanged.connect(
            lambda: update(dataset=self.dataset_combo.currentData())
        )
        self.train_button.clicked.connect(controller.train_chosen)
        self.cancel_button.clicked.connect(controller.cancel_training)
        self.random_button.clicked.connect(lambda: controller.set_network(random_model()))
        self.layer_slider.layers_changed.connect(controller.set_layers)
        for check, field in (
            (self.cells_check, "show_cells"),
            (self.decision_check, "show_decision"),
            (self.points_check, "show_points"),
            (self.layer_check, "show_layer_faces"),
            (self.neuron_check, "show_neuron"),
            (self.slice_check, "slice_shown"),
        ):
            check.toggled.connect(lambda on, field=field: update(**{field: on}))
        self.layer_spin.valueChanged.connect(lambda value: update(face_layer=value))
        self.neuron_spin.valueChanged.connect(lambda value: update(neuron=value))
        self.colour_combo.currentIndexChanged.connect(
            lambda: update(colour_by=self.colour_combo.currentData())
        )
        self.opacity_slider.valueChanged.connect(lambda value: update(opacity=value))
        self.explode_slider.valueChanged.connect(lambda value: update(explode=value))

    def show_state(self, state: Cells3DState) -> None:
        """Set every control to ``state`` (without echoing the change back)."""
        with QSignalBlocker(self.dataset_combo):
            self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(state.dataset))
        self.layer_slider.set_layers(state.layers, state.n_layers)
        for check, on in (
            (self.cells_check, state.show_cells),
            (self.decision_check, state.show_decision),
            (self.points_check, state.show_points),
            (self.layer_check, state.show_layer_faces),
            (self.neuron_check, state.show_neuron),
            (self.slice_check, state.slice_shown),
        ):
            with QSignalBlocker(check):
                check.setChecked(on)
        for spin, limits, value in (
            (self.layer_spin, state.face_layer_range, state.face_layer),
            (self.neuron_spin, state.neuron_range, state.neuron),
        ):
            with QSignalBlocker(spin):
                spin.setRange(*limits)
                spin.setValue(value)
        with QSignalBlocker(self.colour_combo):
            self.colour_combo.setCurrentIndex(self.colour_combo.findData(state.colour_by))
        for slider, value in (
            (self.opacity_slider, state.opacity),
            (self.explode_slider, state.explode),
        ):
            with QSignalBlocker(slider):
                slider.setValue(value)
        self.slice_button.setEnabled(state.slice_shown)
