"""The Import model… dialog: choose a TorchScript, ONNX or state_dict file, load it in a
worker, and hand back the :class:`engine.model_files.ImportedModel`.

Import reads and converts the file in a worker (:class:`ModelLoader`) while a progress
bar with Cancel shows; the dialog stays responsive. A file that does not state its input
shape (TorchScript, an ONNX graph with open sizes) shows the Input shape field with the
sentence that asks for it. Every problem (an unreadable or hostile file, an operator that
is not piecewise linear, an input shape like ``1,,x``) is one red sentence, and nothing
is handed back; on success :attr:`ImportModelDialog.model_imported` carries the model,
:attr:`ImportModelDialog.imported` keeps it, and the dialog closes as accepted.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.model_import.loader import Loader, ModelLoader
from engine.model_files import (
    ImportedModel,
    InputShapeRequired,
    ModelFileError,
    check_input_shape,
    load_model,
)
from widgets.common.job_progress import JobProgress

MODEL_FILTER = (
    "Models (*.onnx *.pt *.pth *.safetensors);;ONNX (*.onnx);;TorchScript (*.pt *.pth);;"
    "state_dict of an MLP (*.safetensors *.pt *.pth)"
)
_SIZE = re.compile(r"^[0-9]{1,9}$")


def parse_input_shape(text: str) -> tuple[int, ...]:
    """The per-sample shape typed as ``1, 28, 28`` (commas, spaces or ``x`` between sizes).

    Raises
    ------
    ModelFileError
        One sentence: sizes that are not whole numbers, not 1 to 4 of them, a size of
        zero, or more than 2**20 entries.
    """
    parts = [p for p in re.split(r"[\s,x×]+", text.strip()) if p] if text.strip() else []
    if not parts or any(_SIZE.match(p) is None for p in parts) or re.search(r",\s*,", text):
        raise ModelFileError(
            f"The input shape {text.strip()!r} must be whole numbers separated by commas, "
            "for example 1, 28, 28."
        )
    return check_input_shape(tuple(int(p) for p in parts))


class ImportModelDialog(QDialog):
    """Choose a model file and import it; ``imported`` holds the model once accepted.

    Signals
    -------
    model_imported(object) : the :class:`ImportedModel`, emitted once, before the dialog
        is accepted.
    """

    model_imported = Signal(object)

    def __init__(
        self, parent: QWidget | None = None, directory: str = "", load: Loader = load_model
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importModelDialog")
        self.setWindowTitle("Import model")
        self.imported: ImportedModel | None = None
        self._directory = directory
        self.loader = ModelLoader(self, load)
        self.loader.progressed.connect(self._on_progressed)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)

        form = self._build_form()
        note = QLabel(
            "TorchScript (.pt, .pth), ONNX (.onnx), or the state_dict of an MLP "
            "(.safetensors, .pt; ReLU between its layers). The model is rebuilt from "
            "standard layers; only piecewise-linear ones are accepted.",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        self.progress = JobProgress("the import", parent=self)
        self.progress.setObjectName("modelImportProgress")
        self.progress.cancel_requested.connect(self._cancel_load)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("modelImportErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b03020;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.import_button.setObjectName("importModelButton")
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.progress)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self.path_edit.textChanged.connect(self._on_path_changed)
        self._on_path_changed()

    def _build_form(self) -> QFormLayout:
        """The model file, and the input shape (shown when the file does not state it)."""
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("modelPathEdit")
        self.path_edit.setPlaceholderText("a .onnx, .pt, .pth or .safetensors file")
        browse = QPushButton("Browse…", self)
        browse.setObjectName("browseModelButton")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        self.shape_edit = QLineEdit(self)
        self.shape_edit.setObjectName("modelShapeEdit")
        self.shape_edit.setPlaceholderText("one sample, without the batch: e.g. 1, 28, 28")
        self.shape_edit.setToolTip(
            "The shape of one input sample (1 to 4 sizes, at most 1,048,576 entries); "
            "TorchScript files do not store it."
        )
        self.shape_label = QLabel("Input shape", self)
        form = QFormLayout()
        form.addRow("Model file", path_row)
        form.addRow(self.shape_label, self.shape_edit)
        self._show_shape(False)
        return form

    @property
    def shape_needed(self) -> bool:
        """Whether the Input shape field is shown."""
        return not self.shape_edit.isHidden()

    def set_path(self, path: str | Path) -> None:
        """Choose the file at ``path`` (nothing is read until Import)."""
        self.path_edit.setText(str(path))

    def start_import(self) -> None:
        """Check the form and load the file in a worker; the outcome comes back later."""
        path = self.path_edit.text().strip()
        if not path:
            self._show_problem("Choose a model file.")
            return
        shape = None
        if self.shape_needed:
            try:
                shape = parse_input_shape(self.shape_edit.text())
            except ModelFileError as error:
                self._show_problem(str(error))
                return
        self.error_label.setText("")
        self._set_busy(True)
        self.progress.start()
        self.loader.start(path, shape)

    def reject(self) -> None:
        """Close; a load still running is stopped and hands nothing back."""
        self.loader.cancel()
        self.progress.finish()
        super().reject()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import model", self._directory, MODEL_FILTER)
        if path:
            self.set_path(path)

    def _on_path_changed(self) -> None:
        self.import_button.setEnabled(bool(self.path_edit.text().strip()))
        self.error_label.setText("")

    def _cancel_load(self) -> None:
        self.loader.cancel()
        self._set_busy(False)
        self.progress.finish()
        self.error_label.setText("Import cancelled: nothing was changed.")

    def _on_progressed(self, percent: int) -> None:
        self.progress.set_progress(percent, 100, f"Importing… {percent}%")

    def _on_loaded(self, model: ImportedModel) -> None:
        self._set_busy(False)
        self.progress.finish()
        self.imported = model
        self.model_imported.emit(model)
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.progress.finish()
        if isinstance(error, InputShapeRequired):
            self._show_shape(True)
            self.shape_edit.setFocus()
        if isinstance(error, ModelFileError):
            self._show_problem(str(error))
        else:
            name = Path(self.path_edit.text().strip()).name
            self._show_problem(f"{name} could not be imported ({type(error).__name__}: {error}).")

    def _show_shape(self, shown: bool) -> None:
        self.shape_label.setVisible(shown)
        self.shape_edit.setVisible(shown)

    def _set_busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy and bool(self.path_edit.text().strip()))
        self.path_edit.setReadOnly(busy)
        self.shape_edit.setReadOnly(busy)

    def _show_problem(self, message: str) -> None:
        self.error_label.setText(message)
