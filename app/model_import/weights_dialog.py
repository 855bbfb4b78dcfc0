"""A dialog to import the ``state_dict`` of an MLP trained elsewhere, with its widths.

Choose a ``.pt``/``.pth``/``.safetensors`` file: the widths its weights imply fill the
form, and the user confirms or corrects them (input dimension, hidden widths such as
``16,16``, outputs, activation). Every problem (an unreadable file, a pickled model, a
convolution, widths that disagree with the weights, NaN weights) shows as a red line in
the dialog, which stays open; OK is only enabled for a network that was built. The file
is read in a worker (:class:`app.jobs.background_read.BackgroundRead`); the form fills
when it is read.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from torch import nn

from app.jobs.background_read import BackgroundRead
from engine.networks import ACTIVATIONS
from engine.weights_import import (
    MlpShape,
    WeightsImportError,
    infer_mlp_shape,
    load_state_dict_file,
    mlp_from_state_dict,
)
from widgets.common.widths import ACTIVATION_TITLES, parse_widths

WEIGHTS_FILTER = "Network weights (*.pt *.pth *.safetensors)"
#: Widths an imported network may have (wider than the Playground's own networks).
MAX_IMPORT_WIDTH = 4096
MAX_IMPORT_LAYERS = 32
MAX_INPUTS = 1 << 16


class ImportWeightsDialog(QDialog):
    """Pick a weights file and its architecture; ``model`` is the network on accept."""

    def __init__(self, parent: QWidget | None = None, directory: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("importWeightsDialog")
        self.setWindowTitle("Import network weights")
        self.model: nn.Sequential | None = None
        self._state: dict | None = None
        self._directory = directory
        self.reading = BackgroundRead(self)
        self.reading.returned.connect(self._on_read)

        form = self._build_form()

        self.error_label = QLabel(self)
        self.error_label.setObjectName("importErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b03020;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note = QLabel(
            "A network with more than 2 inputs is shown on the plane through the origin "
            "spanned by its first two input axes.",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        self.path_edit.editingFinished.connect(self._on_path_edited)
        for signal in (
            self.inputs_spin.valueChanged,
            self.outputs_spin.valueChanged,
            self.widths_edit.textChanged,
            self.activation_combo.currentIndexChanged,
        ):
            signal.connect(self._validate)
        self._validate()

    def _build_form(self) -> QFormLayout:
        """The weights file and the network's shape: inputs, hidden widths, outputs,
        activation."""
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("weightsPathEdit")
        self.path_edit.setPlaceholderText("a .pt, .pth or .safetensors state_dict")
        self.path_edit.setToolTip(
            "The state_dict of an nn.Sequential of Linear layers and activations, saved "
            "with torch.save(model.state_dict(), ...) or safetensors. Nothing in the file "
            "is executed."
        )
        browse = QPushButton("Browse…", self)
        browse.setObjectName("browseWeightsButton")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        self.inputs_spin = QSpinBox(self)
        self.inputs_spin.setObjectName("inputsSpin")
        self.inputs_spin.setRange(1, MAX_INPUTS)
        self.inputs_spin.setValue(2)
        self.inputs_spin.setToolTip("Input dimension (2 for the plane; more is sliced)")
        self.widths_edit = QLineEdit("16,16", self)
        self.widths_edit.setObjectName("importWidthsEdit")
        self.widths_edit.setToolTip("Hidden layer widths separated by commas, e.g. 16,16")
        self.outputs_spin = QSpinBox(self)
        self.outputs_spin.setObjectName("outputsSpin")
        self.outputs_spin.setRange(1, MAX_INPUTS)
        self.outputs_spin.setValue(2)
        self.activation_combo = QComboBox(self)
        self.activation_combo.setObjectName("importActivationCombo")
        for name in ACTIVATIONS:
            self.activation_combo.addItem(ACTIVATION_TITLES[name], name)
        self.activation_combo.setToolTip(
            "The activation between the layers (a state_dict does not record it). Only "
            "piecewise-linear activations have exact cells."
        )

        form = QFormLayout()
        form.addRow("Weights file", path_row)
        form.addRow("Inputs", self.inputs_spin)
        form.addRow("Hidden widths", self.widths_edit)
        form.addRow("Outputs", self.outputs_spin)
        form.addRow("Activation", self.activation_combo)
        return form

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import network weights", self._directory, WEIGHTS_FILTER
        )
        if path:
            self.set_path(path)

    def set_path(self, path: str | Path) -> None:
        """Read the weights at ``path`` and fill the widths they imply."""
        self.path_edit.setText(str(path))
        self._on_path_edited()

    def _on_path_edited(self) -> None:
        self._state = None
        self.reading.cancel()
        text = self.path_edit.text().strip()
        if not text:
            self._validate()
            return
        self._show_problem(f"Reading {Path(text).name}…")
        self.reading.start(lambda _progress: _read_weights(text))

    def _on_read(self, outcome: object) -> None:
        if isinstance(outcome, WeightsImportError):
            self._show_problem(str(outcome))
            return
        if isinstance(outcome, Exception):
            raise outcome  # unexpected: the error reporter logs and shows it
        self._state, shape = outcome
        self.inputs_spin.setValue(shape.n_inputs)
        self.widths_edit.setText(",".join(map(str, shape.widths)))
        self.outputs_spin.setValue(shape.n_outputs)
        self._validate()

    def shape(self) -> MlpShape:
        """The architecture in the form; raises ValueError for unreadable widths."""
        widths = parse_widths(
            self.widths_edit.text(), max_width=MAX_IMPORT_WIDTH, max_layers=MAX_IMPORT_LAYERS
        )
        return MlpShape(
            self.inputs_spin.value(),
            widths,
            self.outputs_spin.value(),
            self.activation_combo.currentData(),
        )

    def _validate(self) -> None:
        self.model = None
        if self._state is None:
            if self.path_edit.text().strip():
                return  # the file's own problem is on show
            self._show_problem("Choose a weights file.")
            return
        try:
            self.model = mlp_from_state_dict(self._state, self.shape())
        except ValueError as error:
            self._show_problem(str(error))
            return
        self.error_label.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _show_problem(self, message: str) -> None:
        self.error_label.setText(message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)


def _read_weights(path: str) -> tuple[dict, MlpShape]:
    """The state_dict at ``path`` and the MLP shape it implies (in a worker)."""
    state = load_state_dict_file(path)
    return state, infer_mlp_shape(state)
