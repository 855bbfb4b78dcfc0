"""The Paths page's side panel: its settings, bound to the controller's state both ways.

Every control writes its change through :meth:`PathsController.update` (or a thin method
of the controller); :meth:`PathsControls.show_state` writes every control from the state,
under ``QSignalBlocker``. The panel keeps no setting of its own: the gallery's marks, the
class boxes and the latent-dimension box show the state, and nothing else.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.paths.controller import PathsController
from app.paths.state import CLASSES, LATENT_DIMS, MAX_SEED, PathsState
from app.paths.training import SKLEARN_NAME, DigitSource, PathsModels, TrainingStage
from engine.digit_networks import hidden_widths
from widgets.common.digit_gallery import MARK_RGB, DigitGallery
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.plot_style import hex_rgb

#: Rows of the gallery (examples of each class).
GALLERY_ROWS = 5


class PathsControls(QFrame):
    """Data, latent dimension, training, the gallery to pick A, B and C from, Random pair."""

    def __init__(self, controller: PathsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pathsControls")
        self.setFixedWidth(330)
        self.controller = controller
        #: Which end a plain click in the gallery picks next (how clicks alternate).
        self._next_slot = "A"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        for group in (
            self._build_heading(),
            self._build_data_group(),
            self._build_latent_group(),
            self._build_training_group(),
            self._build_gallery_group(),
            self._build_random_group(),
        ):
            layout.addLayout(group)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("pathsSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        give_own_font(self.summary_label, scaled_font(self.font(), 1.05))
        layout.addWidget(self.summary_label)
        layout.addStretch(1)

        controller.state_changed.connect(self.show_state)
        controller.source_requested.connect(self._on_source_requested)
        controller.source_changed.connect(self._on_source_changed)
        self.show_state(controller.state)

    # -- building, one group at a time ---------------------------------------------------

    def _build_heading(self) -> QLayout:
        group = QVBoxLayout()
        heading = QLabel("Latent paths", self)
        give_own_font(heading, scaled_font(self.font(), 1.4, bold=True))
        group.addWidget(heading)
        intro = QLabel(
            "A ReLU decoder is affine inside each of its cells, so a straight latent path is "
            "a fade glued from linear pieces, one per cell it crosses.",
            self,
        )
        intro.setWordWrap(True)
        group.addWidget(intro)
        return group

    def _build_data_group(self) -> QLayout:
        self.source_label = QLabel(SKLEARN_NAME, self)
        self.source_label.setObjectName("pathsSourceLabel")
        self.source_label.setWordWrap(True)
        self.mnist_button = QPushButton("MNIST files…", self)
        self.mnist_button.setObjectName("pathsMnistButton")
        self.mnist_button.setToolTip(
            "Load MNIST images and labels from IDX files you have (raw *-ubyte or .gz) (Ctrl+M)"
        )
        self.mnist_button.clicked.connect(self.choose_mnist_files)
        self.digits_button = QPushButton("8x8 digits", self)
        self.digits_button.setToolTip("Go back to scikit-learn's 8x8 digits")
        self.digits_button.clicked.connect(self.controller.use_digits)
        data_row = QHBoxLayout()
        data_row.addWidget(QLabel("Data:", self))
        data_row.addWidget(self.source_label, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.digits_button)
        buttons.addWidget(self.mnist_button)
        group = QVBoxLayout()
        group.addLayout(data_row)
        group.addLayout(buttons)
        return group

    def _build_latent_group(self) -> QLayout:
        self.latent_combo = QComboBox(self)
        self.latent_combo.setObjectName("pathsLatentCombo")
        for dim in LATENT_DIMS:
            text = f"{dim}: the latent plane" if dim == 2 else f"{dim}: a 2-D slice"
            self.latent_combo.addItem(text, dim)
        self.latent_combo.setToolTip(
            "2: the decoder's cells over its whole latent plane.\n"
            "Larger: the cells in the plane through the two codes and a third point."
        )
        self.latent_combo.currentIndexChanged.connect(
            lambda: self.controller.update(latent_dim=self.latent_combo.currentData())
        )
        group = QHBoxLayout()
        group.addWidget(QLabel("Latent dimension:", self))
        group.addWidget(self.latent_combo, 1)
        return group

    def _build_training_group(self) -> QLayout:
        self.progress = QProgressBar(self)
        self.progress.setObjectName("pathsProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.stage_label = QLabel("Models train when the page is first shown.", self)
        self.stage_label.setObjectName("pathsStageLabel")
        self.stage_label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("pathsCancelButton")
        self.cancel_button.setToolTip("Stop training after the current epoch (Esc)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.controller.cancel_training)
        self.retrain_button = QPushButton("Train", self)
        self.retrain_button.setObjectName("pathsTrainButton")
        self.retrain_button.setToolTip(
            "Train the models of this data and latent dimension here, from their seed "
            "(replacing the shipped ones)"
        )
        self.retrain_button.clicked.connect(self.controller.retrain)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        progress_row.addWidget(self.retrain_button)
        group = QVBoxLayout()
        group.addLayout(progress_row)
        group.addWidget(self.stage_label)
        return group

    def _build_gallery_group(self) -> QLayout:
        pick = QLabel(
            "<b>Pick two held-out digits</b>: click A, then B. "
            "Ctrl+click picks the slice's third point C.",
            self,
        )
        pick.setWordWrap(True)
        self.gallery = DigitGallery(rows=GALLERY_ROWS, parent=self)
        self.gallery.image_clicked.connect(self._on_image_clicked)
        self.gallery.setToolTip("Click: the next end of the path (A, then B). Ctrl+click: C.")
        group = QVBoxLayout()
        group.addWidget(pick)
        group.addWidget(self.gallery)
        return group

    def _build_random_group(self) -> QLayout:
        random_row = QHBoxLayout()
        self.class_combos: list[QComboBox] = []
        for name in ("A", "B"):
            combo = QComboBox(self)
            combo.setObjectName(f"pathsClass{name}Combo")
            combo.addItem("any", None)
            for label in CLASSES:
                combo.addItem(str(label), label)
            combo.setToolTip(f"The class of the random image {name}")
            combo.currentIndexChanged.connect(self._on_class_chosen)
            self.class_combos.append(combo)
            tag = QLabel(f"<b style='color:{hex_rgb(MARK_RGB[name])}'>{name}</b>", self)
            random_row.addWidget(tag)
            random_row.addWidget(combo)
        self.random_button = QPushButton("Random pair", self)
        self.random_button.setObjectName("pathsRandomButton")
        self.random_button.setToolTip("A random held-out image of each chosen class (R)")
        self.random_button.clicked.connect(self.random_pair)
        random_row.addWidget(self.random_button, 1)
        shuffle = QPushButton("Other examples", self)
        shuffle.setObjectName("pathsShuffleButton")
        shuffle.setToolTip("Show other held-out images in the gallery")
        shuffle.clicked.connect(self._shuffle_gallery)
        origin = QPushButton("Slice through the origin", self)
        origin.setObjectName("pathsOriginButton")
        origin.setToolTip("The slice's third point: the origin of latent space (not image C)")
        origin.clicked.connect(lambda: self.controller.set_third(None))
        misc = QHBoxLayout()
        misc.addWidget(shuffle)
        misc.addWidget(origin)
        group = QVBoxLayout()
        group.addLayout(random_row)
        group.addLayout(misc)
        return group

    # -- the state, shown -------------------------------------------------------------------

    def show_state(self, state: PathsState) -> None:
        """Set every control to ``state`` (without echoing the change back)."""
        with QSignalBlocker(self.latent_combo):
            self.latent_combo.setCurrentIndex(self.latent_combo.findData(state.latent_dim))
        for combo, label in zip(self.class_combos, state.random_classes, strict=True):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(0 if label is None else CLASSES.index(label) + 1)
        source = self.controller.source
        if source is not None and self.gallery.seed != state.gallery_seed:
            self._show_gallery(source, state.gallery_seed)
        marks = self.gallery.marks()
        if (marks.get("A"), marks.get("B")) != (state.image_a, state.image_b):
            self._next_slot = "A"  # a new pair from elsewhere: the next click picks A
        for slot, index in zip("ABC", (state.image_a, state.image_b, state.image_c), strict=True):
            self.gallery.set_mark(slot, index)

    def _show_gallery(self, source: DigitSource, seed: int) -> None:
        self.gallery.set_images(source.test.images, source.test.labels, seed=seed)

    def _on_source_requested(self, files: tuple[str, str] | None) -> None:
        what = "scikit-learn's digits" if files is None else "the MNIST files"
        self.stage_label.setText(f"Reading {what}…")

    def _on_source_changed(self, source: DigitSource) -> None:
        self.source_label.setText(source.name)
        self._show_gallery(source, self.controller.state.gallery_seed)
        self._next_slot = "A"

    # -- gestures -----------------------------------------------------------------------

    def pick(self, index: int, slot: str) -> None:
        """Make test image ``index`` end ``slot`` ("A", "B") or the third point ("C").
        Picking one end on the other end's image leaves that other end to pick again."""
        if slot == "C":
            self.controller.set_third(int(index))
            return
        other = "B" if slot == "A" else "A"
        changes = {f"image_{slot.lower()}": int(index)}
        if getattr(self.controller.state, f"image_{other.lower()}") == index:
            changes[f"image_{other.lower()}"] = None
        self.controller.update(**changes)
        self._next_slot = other

    def _on_image_clicked(self, index: int, ctrl: bool) -> None:
        self.pick(index, "C" if ctrl else self._next_slot)

    def _on_class_chosen(self) -> None:
        classes = tuple(combo.currentData() for combo in self.class_combos)
        self.controller.update(random_classes=classes)

    def random_pair(self) -> None:
        """Pick a random held-out image of each chosen class and walk between them."""
        self.controller.random_pair()
        self._next_slot = "A"

    def _shuffle_gallery(self) -> None:
        seed = self.controller.state.gallery_seed
        self.controller.update(gallery_seed=(seed + 1) % (MAX_SEED + 1))

    def choose_mnist_files(self) -> None:
        """Ask for an MNIST image file and its label file, and load them."""
        images, _ = QFileDialog.getOpenFileName(
            self, "MNIST images (IDX)", "", "IDX images (*idx3-ubyte *idx3-ubyte.gz);;All files (*)"
        )
        if not images:
            return
        labels, _ = QFileDialog.getOpenFileName(
            self, "MNIST labels (IDX)", "", "IDX labels (*idx1-ubyte *idx1-ubyte.gz);;All files (*)"
        )
        if labels:
            self.controller.load_mnist(images, labels)

    # -- training, shown ------------------------------------------------------------------

    def show_training_started(self, latent_dim: int) -> None:
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.retrain_button.setEnabled(False)
        self.retrain_button.setText("Train")
        if self.controller.has_networks:
            self.stage_label.setText(
                f"Rebuilding the saved models' cells (latent dimension {latent_dim})…"
            )
        else:
            self.stage_label.setText(f"Training the models (latent dimension {latent_dim})…")

    def show_training_progress(self, stage: TrainingStage) -> None:
        self.progress.setValue(round(1000 * stage.fraction))
        self.stage_label.setText(f"{stage.stage}: {stage.detail}" if stage.detail else stage.stage)

    def show_training_finished(self, status: str) -> None:
        self.cancel_button.setEnabled(False)
        self.retrain_button.setEnabled(status != "done")
        if status == "cancelled":
            self.stage_label.setText("Training cancelled. Press Train to start again.")
        elif status == "failed":
            self.stage_label.setText("Training failed.")

    def show_models(self, models: PathsModels, n_train: int) -> None:
        self.progress.setValue(1000)
        self.cancel_button.setEnabled(False)
        # Shipped models can be trained here instead (the same recipe, on this machine).
        self.retrain_button.setEnabled(models.shipped)
        self.retrain_button.setText("Retrain" if models.shipped else "Train")
        ae = models.autoencoder
        widths = "-".join(str(w) for w in (*hidden_widths(ae.encoder), ae.latent_dim))
        how = "shipped with Splinescope, trained" if models.shipped else "trained"
        self.stage_label.setText(
            f"Autoencoder {ae.n_pixels}-{widths}-… {how} on {n_train:,} images; "
            f"classifier test accuracy {models.classifier_accuracy:.1%}."
        )
