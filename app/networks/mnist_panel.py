"""The Networks page's MNIST panel: pick a pair of IDX files, watch the CNN train on them.

The button (and the page's Ctrl+M) asks for an image file and its label file, then
:meth:`NetworksController.load_mnist` reads them and trains the LeNet-sized
:mod:`engine.mnist_cnn` in a worker; the bar shows its progress and stops it (Cancel,
or Esc on the page). The line below says what the network was trained on and how well
it does, or in one sentence why the files could not be used (then nothing changed).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from app.networks.controller import NetworksController
from engine.mnist_cnn import EPOCHS, TRAIN_LIMIT, TrainedMnistCnn
from widgets.common.job_progress import JobProgress

IMAGES_FILTER = "IDX images (*idx3-ubyte *idx3-ubyte.gz);;All files (*)"
LABELS_FILTER = "IDX labels (*idx1-ubyte *idx1-ubyte.gz);;All files (*)"
#: What the line says before any MNIST files are loaded.
INVITATION = (
    "MNIST is not shipped: load a pair of IDX files you have (28×28 images and their "
    f"labels) and a LeNet-sized CNN trains on up to {TRAIN_LIMIT:,} of them, "
    f"{EPOCHS} epochs, here."
)


class MnistPanel(QWidget):
    """The MNIST files button, the training's progress bar and its outcome line."""

    def __init__(self, controller: NetworksController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.button = QPushButton("MNIST files…", self)
        self.button.setObjectName("networksMnistButton")
        self.button.setToolTip(
            "Train a LeNet-sized CNN on MNIST images and labels from IDX files you have "
            "(raw *-ubyte or .gz) and slice it through three of its held-out images (Ctrl+M)"
        )
        self.button.clicked.connect(self.choose_mnist_files)
        self.progress = JobProgress("training the MNIST CNN", "Ctrl+Shift+.", self)
        self.progress.setObjectName("networksMnistProgress")
        self.progress.cancel_button.setToolTip(
            "Stop reading the MNIST files or training on them (Esc or Ctrl+Shift+.); the "
            "network shown stays"
        )
        self.progress.cancel_requested.connect(controller.cancel_mnist)
        self.line = QLabel(INVITATION, self)
        self.line.setObjectName("networksMnistLine")
        self.line.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.progress)
        layout.addWidget(self.line)

        controller.mnist_started.connect(self._on_started)
        controller.mnist_progress.connect(self._on_progress)
        controller.mnist_trained.connect(self._on_trained)
        controller.mnist_failed.connect(self._on_failed)
        controller.mnist_cancelled.connect(self._on_cancelled)

    def choose_mnist_files(self) -> None:
        """Ask for an MNIST image file and its label file, then train on them."""
        images, _ = QFileDialog.getOpenFileName(self, "MNIST images (IDX)", "", IMAGES_FILTER)
        if not images:
            return
        labels, _ = QFileDialog.getOpenFileName(self, "MNIST labels (IDX)", "", LABELS_FILTER)
        if labels:
            self.controller.load_mnist(images, labels)

    def _on_started(self) -> None:
        self.progress.start()
        self.button.setEnabled(False)
        self.line.setText("Reading the MNIST files…")

    def _on_progress(self, percent: int) -> None:
        text = f"training {percent}%"
        self.progress.set_progress(percent, 100, text)
        self.line.setText(f"Training the MNIST CNN: {percent}% done…")

    def _on_trained(self, trained: TrainedMnistCnn) -> None:
        self._finish(f"MNIST CNN {trained.summary}.")

    def _on_failed(self, message: str) -> None:
        self._finish(message)

    def _on_cancelled(self) -> None:
        self._finish("Training cancelled: the network shown stays.")

    def _finish(self, text: str) -> None:
        self.progress.finish()
        self.button.setEnabled(True)
        self.line.setText(text)
