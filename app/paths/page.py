"""The Paths page: a straight latent path between two digits, crossing the decoder's cells.

Left: the data, the latent dimension, training progress, and a gallery of held-out digits
to pick the two ends from. Right: the decoder's exact cells over the latent plane (or the
slice through the path) with the training codes and the path's crossings; the survey of
cells crossed against length; the classifier walked in pixel space; the strip of decoded
images beside the pixel fade and the nearest training images; and the distance of the
decoded path to the training set.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.paths.controller import (
    LATENT_DIMS,
    SKLEARN_NAME,
    DigitSource,
    PairAnalysis,
    PathsController,
    PathsModels,
    PathsSettings,
    TrainingStage,
    load_source,
)
from app.paths.session import PathsSession
from engine.digits import DigitImages
from engine.latent_paths import reconstruction_keeps_class
from engine.partition2d import pattern_colour_keys
from widgets.common.fonts import scaled_font
from widgets.common.message_box import show_warning
from widgets.common.theme import Theme, current_theme, follow_theme
from widgets.paths.digit_gallery import MARK_RGB, DigitGallery
from widgets.paths.digit_strip import DigitStrip, StripColumn
from widgets.paths.latent_canvas import UNREACHED_RGBA, LatentCanvas
from widgets.paths.plots import DECODED_RGB, FADED_RGB, DistancePlot, SurveyPlot
from widgets.probe.overlay import output_colour
from widgets.probe.path_plot import PathPlot

#: Classes of the pair shown first (the first gallery image of each).
DEFAULT_PAIR_CLASSES = (4, 7)


def _rgb_hex(rgb: tuple[int, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def cells_text(n_cells: int) -> str:
    """``The latent path crosses 7 cells of the decoder (6 kinks)``."""
    kinks = n_cells - 1
    return (
        f"The latent path crosses {n_cells} {'cell' if n_cells == 1 else 'cells'} of the "
        f"decoder ({kinks} {'kink' if kinks == 1 else 'kinks'})"
    )


def class_sequence_text(classes: np.ndarray, change_t: np.ndarray) -> str:
    """``3 → 5 (t = 0.41) → 8 (t = 0.62)``: the predicted class along the path."""
    parts = [str(int(classes[0]))]
    parts += [f"{int(c)} (t = {t:.2f})" for c, t in zip(classes[1:], change_t, strict=True)]
    return " → ".join(parts)


class _Card(QFrame):
    """A white card with a title line that the page rewrites."""

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("pathsCard")
        self.setStyleSheet(
            "#pathsCard { background: white; border: 1px solid #dcdce0; border-radius: 6px; }"
        )
        self.title = QLabel(title, self)
        self.title.setWordWrap(True)
        self.title.setFont(scaled_font(self.font(), 1.1))
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(10, 6, 10, 6)
        self.body.setSpacing(3)
        self.body.addWidget(self.title)


class PathsPage(QWidget):
    """Latent interpolation paths of a ReLU autoencoder, and a classifier's pixel path.

    Signals
    -------
    pair_shown(object) : a :class:`PairAnalysis` is on screen (strip, cells and plots).
    """

    pair_shown = Signal(object)

    def __init__(
        self,
        settings: PathsSettings | None = None,
        source: DigitSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pathsPage")
        self.controller = PathsController(settings, self)
        self._initial_source = source
        self._started = False
        self._rng = np.random.default_rng(0)
        self._next_slot = "A"
        self._marks: dict[str, int | None] = {"A": None, "B": None, "C": None}
        self._gallery_seed = 0

        self._build_controls()
        self._build_views()
        self._build_actions()
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.setSpacing(8)
        row.addWidget(self.controls)
        row.addLayout(self.views, 1)

        c = self.controller
        c.source_changed.connect(self._on_source_changed)
        c.training_started.connect(self._on_training_started)
        c.training_progress.connect(self._on_training_progress)
        c.training_finished.connect(self._on_training_finished)
        c.models_ready.connect(self._on_models_ready)
        c.pair_ready.connect(self._on_pair_ready)
        c.failed.connect(self._show_error)
        self._shown_pair: PairAnalysis | None = None
        follow_theme(self, self._on_theme_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- building ----------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.controls = QFrame(self)
        self.controls.setObjectName("pathsControls")
        self.controls.setFixedWidth(330)
        layout = QVBoxLayout(self.controls)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        heading = QLabel("Latent paths", self.controls)
        heading.setFont(scaled_font(self.font(), 1.4, bold=True))
        layout.addWidget(heading)
        intro = QLabel(
            "A ReLU decoder is affine inside each of its cells, so a straight latent path is "
            "a fade glued from linear pieces, one per cell it crosses.",
            self.controls,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        data_row = QHBoxLayout()
        self.source_label = QLabel(SKLEARN_NAME, self.controls)
        self.source_label.setObjectName("pathsSourceLabel")
        self.source_label.setWordWrap(True)
        self.mnist_button = QPushButton("MNIST files…", self.controls)
        self.mnist_button.setObjectName("pathsMnistButton")
        self.mnist_button.setToolTip(
            "Load MNIST images and labels from IDX files you have (raw *-ubyte or .gz) (Ctrl+O)"
        )
        self.mnist_button.clicked.connect(self.choose_mnist_files)
        self.digits_button = QPushButton("8x8 digits", self.controls)
        self.digits_button.setToolTip("Go back to scikit-learn's 8x8 digits")
        self.digits_button.clicked.connect(lambda: self.controller.set_source(load_source()))
        data_row.addWidget(QLabel("Data:", self.controls))
        data_row.addWidget(self.source_label, 1)
        layout.addLayout(data_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.digits_button)
        buttons.addWidget(self.mnist_button)
        layout.addLayout(buttons)

        latent_row = QHBoxLayout()
        latent_row.addWidget(QLabel("Latent dimension:", self.controls))
        self.latent_combo = QComboBox(self.controls)
        self.latent_combo.setObjectName("pathsLatentCombo")
        for dim in LATENT_DIMS:
            text = f"{dim}: the latent plane" if dim == 2 else f"{dim}: a 2-D slice"
            self.latent_combo.addItem(text, dim)
        self.latent_combo.setToolTip(
            "2: the decoder's cells over its whole latent plane.\n"
            "Larger: the cells in the plane through the two codes and a third point."
        )
        self.latent_combo.currentIndexChanged.connect(
            lambda: self.controller.set_latent_dim(int(self.latent_combo.currentData()))
        )
        latent_row.addWidget(self.latent_combo, 1)
        layout.addLayout(latent_row)

        self.progress = QProgressBar(self.controls)
        self.progress.setObjectName("pathsProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.stage_label = QLabel("Models train when the page is first shown.", self.controls)
        self.stage_label.setObjectName("pathsStageLabel")
        self.stage_label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel", self.controls)
        self.cancel_button.setObjectName("pathsCancelButton")
        self.cancel_button.setToolTip("Stop training after the current epoch (Esc)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.controller.cancel_training)
        self.retrain_button = QPushButton("Train", self.controls)
        self.retrain_button.setToolTip("Train the models of this data and latent dimension")
        self.retrain_button.clicked.connect(self.controller.prepare)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        progress_row.addWidget(self.retrain_button)
        layout.addLayout(progress_row)
        layout.addWidget(self.stage_label)

        pick = QLabel(
            "<b>Pick two held-out digits</b>: click A, then B. "
            "Ctrl+click picks the slice's third point C.",
            self.controls,
        )
        pick.setWordWrap(True)
        layout.addWidget(pick)
        self.gallery = DigitGallery(rows=5, parent=self.controls)
        self.gallery.image_clicked.connect(self._on_image_clicked)
        self.gallery.setToolTip("Click: the next end of the path (A, then B). Ctrl+click: C.")
        layout.addWidget(self.gallery)

        random_row = QHBoxLayout()
        self.class_combos = []
        for name in ("A", "B"):
            combo = QComboBox(self.controls)
            combo.setObjectName(f"pathsClass{name}Combo")
            combo.addItem("any", None)
            for label in range(10):
                combo.addItem(str(label), label)
            combo.setToolTip(f"The class of the random image {name}")
            self.class_combos.append(combo)
            tag = QLabel(f"<b style='color:{_rgb_hex(MARK_RGB[name])}'>{name}</b>", self.controls)
            random_row.addWidget(tag)
            random_row.addWidget(combo)
        self.random_button = QPushButton("Random pair", self.controls)
        self.random_button.setObjectName("pathsRandomButton")
        self.random_button.setToolTip("A random held-out image of each chosen class (R)")
        self.random_button.clicked.connect(self.random_pair)
        random_row.addWidget(self.random_button, 1)
        layout.addLayout(random_row)
        shuffle = QPushButton("Other examples", self.controls)
        shuffle.setToolTip("Show other held-out images in the gallery")
        shuffle.clicked.connect(self._shuffle_gallery)
        origin = QPushButton("Slice through the origin", self.controls)
        origin.setObjectName("pathsOriginButton")
        origin.setToolTip("The slice's third point: the origin of latent space (not image C)")
        origin.clicked.connect(lambda: self._set_third(None))
        misc = QHBoxLayout()
        misc.addWidget(shuffle)
        misc.addWidget(origin)
        layout.addLayout(misc)

        self.summary_label = QLabel(self.controls)
        self.summary_label.setObjectName("pathsSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setFont(scaled_font(self.font(), 1.05))
        layout.addWidget(self.summary_label)
        layout.addStretch(1)

    def _build_views(self) -> None:
        self.canvas = LatentCanvas(self)
        self.canvas.path_changed.connect(self._restore_path)
        self.canvas_card = _Card("Decoder cells over the latent plane", self)
        self.canvas_card.body.addWidget(self.canvas, 1)
        self.canvas_card.setMinimumWidth(420)
        self.cells_label = QLabel(self)
        self.cells_label.setObjectName("pathsCellCountLabel")
        self.cells_label.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.cells_label.setStyleSheet("color: rgb(188, 0, 150);")
        self.canvas_card.body.addWidget(self.cells_label)

        self.survey = SurveyPlot(self)
        self.survey_card = _Card("Cells crossed by random pairs of training codes", self)
        self.survey_card.body.addWidget(self.survey, 1)

        self.classifier_plot = PathPlot(self)
        self.classifier_card = _Card("The classifier, walked in pixel space from A to B", self)
        self.classifier_card.body.addWidget(self.classifier_plot, 1)
        self.class_label = QLabel(self)
        self.class_label.setObjectName("pathsClassLabel")
        self.class_label.setWordWrap(True)
        self.classifier_card.body.addWidget(self.class_label)

        self.strip = DigitStrip(self)
        self.strip_card = _Card("Along the path: decoded images, tagged with their cell", self)
        self.strip_card.body.addWidget(self.strip, 1)

        self.distance_plot = DistancePlot(self)
        self.distance_card = _Card(
            "Distance to the nearest training image: "
            f"<b style='color:{_rgb_hex(DECODED_RGB)}'>━ decoded path</b> "
            f"<b style='color:{_rgb_hex(FADED_RGB)}'>━ faded copy</b>",
            self,
        )
        self.distance_card.body.addWidget(self.distance_plot, 1)

        side = QVBoxLayout()
        side.setSpacing(8)
        side.addWidget(self.survey_card, 1)
        side.addWidget(self.classifier_card, 1)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.canvas_card, 11)
        top.addLayout(side, 8)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(self.strip_card, 12)
        bottom.addWidget(self.distance_card, 5)
        views = QVBoxLayout()
        views.setSpacing(8)
        views.addLayout(top, 17)
        views.addLayout(bottom, 8)
        self.views = views

    def _build_actions(self) -> None:
        for text, shortcut, slot in (
            ("Random pair", "R", self.random_pair),
            ("Load MNIST files", "Ctrl+O", self.choose_mnist_files),
            ("Cancel training", "Esc", self.controller.cancel_training),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Load the digits and train (or reuse) the models; done on first show."""
        self._started = True
        if self._initial_source is not None and self.controller.source is None:
            self.controller.set_source(self._initial_source)
        else:
            self.controller.prepare()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self.start()

    def shutdown(self) -> None:
        """Stop training and analysis; call before the page goes away."""
        self.controller.shutdown()

    # -- sessions (see app.sessions.page_states) -----------------------------------------------

    @property
    def gallery_seed(self) -> int:
        """Which held-out images the gallery shows ("Other examples" changes it)."""
        return self._gallery_seed

    @property
    def random_classes(self) -> tuple[int | None, int | None]:
        """The classes Random pair draws A and B from (None: any class)."""
        return tuple(combo.currentData() for combo in self.class_combos)

    def show_session(self, session: PathsSession) -> None:
        """Show a state restored from a session: its data, settings, latent dimension,
        trained networks (their cells are derived, not retrained) and pair. Before the
        first show, the models wait for it, as they do in a fresh start."""
        self._gallery_seed = session.gallery_seed
        for combo, label in zip(self.class_combos, session.random_classes, strict=True):
            combo.setCurrentIndex(0 if label is None else label + 1)
        with QSignalBlocker(self.latent_combo):
            self.latent_combo.setCurrentIndex(self.latent_combo.findData(session.latent_dim))
        self.controller.settings = session.settings
        self.controller.restore(
            session.source,
            session.latent_dim,
            session.networks,
            session.pair,
            prepare=self._started,
        )
        if session.pair is not None:  # source_changed cleared the marks
            for slot, index in zip(
                "ABC",
                (session.pair.index_a, session.pair.index_b, session.pair.index_c),
                strict=True,
            ):
                self._marks[slot] = index
                self.gallery.set_mark(slot, index)
        if not self._started:
            self.stage_label.setText(
                "Restored from a session: the saved models come back when the page is shown."
                if session.networks
                else "Restored from a session: the models train when the page is first shown."
            )

    # -- picking ------------------------------------------------------------------------

    def _test_images(self) -> DigitImages | None:
        source = self.controller.source
        return None if source is None else source.test

    def pick(self, index: int, slot: str) -> None:
        """Make test image ``index`` end ``slot`` ("A", "B") or the third point ("C")."""
        if slot == "C":
            self._set_third(index)
            return
        self._marks[slot] = int(index)
        self.gallery.set_mark(slot, index)
        self._next_slot = "B" if slot == "A" else "A"
        a, b = self._marks["A"], self._marks["B"]
        if a is not None and b is not None and a != b:
            self.controller.choose_pair(a, b, self._marks["C"])

    def _on_image_clicked(self, index: int, ctrl: bool) -> None:
        self.pick(index, "C" if ctrl else self._next_slot)

    def _set_third(self, index: int | None) -> None:
        self._marks["C"] = index
        self.gallery.set_mark("C", index)
        self.controller.set_third(index)

    def random_pair(self) -> None:
        """Pick a random held-out image of each chosen class and walk between them."""
        test = self._test_images()
        if test is None:
            return
        classes = [combo.currentData() for combo in self.class_combos]
        first = self._random_of(test, classes[0], exclude=None)
        second = self._random_of(test, classes[1], exclude=first)
        self._marks["A"] = None
        self.pick(first, "A")
        self.pick(second, "B")

    def _random_of(self, test: DigitImages, label: int | None, exclude: int | None) -> int:
        pool = np.arange(len(test)) if label is None else np.flatnonzero(test.labels == label)
        pool = pool[pool != exclude] if exclude is not None else pool
        return int(self._rng.choice(pool))

    def _shuffle_gallery(self) -> None:
        test = self._test_images()
        if test is not None:
            self._gallery_seed += 1
            self.gallery.set_images(test.images, test.labels, seed=self._gallery_seed)

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

    def _restore_path(self, *_coordinates: float) -> None:
        # The path's ends are the codes of A and B: a dragged end snaps back.
        analysis = self.controller.analysis
        if analysis is not None:
            self.canvas.set_path(analysis.ends[0], analysis.ends[1], analysis.crossing_points)

    # -- controller events --------------------------------------------------------------------

    def _on_source_changed(self, source: DigitSource) -> None:
        self.source_label.setText(source.name)
        self.gallery.set_images(source.test.images, source.test.labels, seed=self._gallery_seed)
        for name in self._marks:
            self._marks[name] = None
            self.gallery.set_mark(name, None)
        self._next_slot = "A"

    def _on_training_started(self, latent_dim: int) -> None:
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.retrain_button.setEnabled(False)
        if self.controller.has_networks:
            self.stage_label.setText(
                f"Rebuilding the saved models' cells (latent dimension {latent_dim})…"
            )
        else:
            self.stage_label.setText(f"Training the models (latent dimension {latent_dim})…")

    def _on_training_progress(self, stage: TrainingStage) -> None:
        self.progress.setValue(round(1000 * stage.fraction))
        self.stage_label.setText(f"{stage.stage}: {stage.detail}" if stage.detail else stage.stage)

    def _on_training_finished(self, status: str) -> None:
        self.cancel_button.setEnabled(False)
        self.retrain_button.setEnabled(status != "done")
        if status == "cancelled":
            self.stage_label.setText("Training cancelled. Press Train to start again.")
        elif status == "failed":
            self.stage_label.setText("Training failed.")

    def _on_models_ready(self, models: PathsModels) -> None:
        self.progress.setValue(1000)
        self.cancel_button.setEnabled(False)
        self.retrain_button.setEnabled(False)
        source = self.controller.source
        ae = models.autoencoder
        widths = "-".join(str(m.out_features) for m in ae.encoder if hasattr(m, "out_features"))
        self.stage_label.setText(
            f"Autoencoder {ae.n_pixels}-{widths}-… trained on {len(source.train):,} images; "
            f"classifier test accuracy {models.classifier_accuracy:.1%}."
        )
        survey = models.survey
        self.survey.set_survey(survey.lengths, survey.n_cells, survey.slope)
        self.survey_card.title.setText(
            f"Cells crossed by {len(survey.lengths)} random pairs of training codes"
            f"<span style='color:#6a6a72'> · about {survey.slope:.1f} per unit of latent"
            " length</span>"
        )
        if models.view is not None:
            view = models.view
            self.canvas.set_latent_view(view.partition, view.codes, view.labels, view.reached)
            self._title_plane(models)
        if self.controller.pair is None:
            self._pick_default_pair(source.test, models)

    def _pick_default_pair(self, test: DigitImages, models: PathsModels) -> None:
        """A and B: the first shown image of each default class whose reconstruction is
        nearest to a training image of its class (a 2-D code loses some digits), else
        the first."""
        shown = self.gallery.shown_indices
        picks = []
        for label in DEFAULT_PAIR_CLASSES:
            column = shown[:, label][shown[:, label] >= 0]
            if len(column) == 0:
                return
            train = self.controller.source.train
            kept = reconstruction_keeps_class(
                models.autoencoder, train.flat, train.labels, test.flat[column], test.labels[column]
            )
            picks.append(int(column[np.argmax(kept)]))
        a, b = picks
        if a >= 0 and b >= 0:
            self.pick(a, "A")
            self.pick(b, "B")

    def _title_plane(self, models: PathsModels, analysis: PairAnalysis | None = None) -> None:
        wash = _rgb_hex(UNREACHED_RGBA)
        if models.view is not None:
            view = models.view
            self.canvas_card.title.setText(
                f"Decoder cells over the latent plane, exact: {view.partition.n_regions:,} cells"
                f"<span style='color:#6a6a72'> · dots: training codes by class · "
                f"<span style='background:{wash}; color:white'>&nbsp;grey&nbsp;</span> "
                f"{view.n_unreached:,} cells that no training code reaches</span>"
            )
        elif analysis is not None:
            third = "image C" if analysis.request.index_c is not None else "the origin"
            self.canvas_card.title.setText(
                f"A 2-D slice of the {models.latent_dim}-D latent space through A, B and "
                f"{third}: {analysis.view.partition.n_regions:,} cells, exact"
                "<span style='color:#6a6a72'> · faint dots: training codes projected onto "
                "the slice</span>"
            )

    def _on_pair_ready(self, analysis: PairAnalysis) -> None:
        models = self.controller.models
        path = analysis.path
        crossings = path.crossings
        if models.view is None:
            view = analysis.view
            self.canvas.set_latent_view(
                view.partition,
                view.codes,
                view.labels,
                view.reached,
                third_point=analysis.third_point,
            )
        self._title_plane(models, analysis)
        self.canvas.set_path(analysis.ends[0], analysis.ends[1], analysis.crossing_points)
        self.cells_label.setText(cells_text(path.n_cells))
        self.survey.set_current(path.length, path.n_cells)
        self._show_strip(analysis)
        kinks = crossings.t
        self.distance_plot.set_distances(
            path.curve_t, path.decoded_distance, path.faded_distance, kinks
        )
        self._show_classifier(analysis)
        test = self.controller.source.test
        label_a = int(test.labels[analysis.request.index_a])
        label_b = int(test.labels[analysis.request.index_b])
        beyond = float(np.max(path.decoded_distance))
        self.summary_label.setText(
            f"<b style='color:{_rgb_hex(MARK_RGB['A'])}'>A</b> (a {label_a}) → "
            f"<b style='color:{_rgb_hex(MARK_RGB['B'])}'>B</b> (a {label_b}): "
            f"the latent path crosses <b>{path.n_cells}</b> cells; the decoded images are "
            f"up to {beyond:.2f} from the nearest training image. The classifier's pixel "
            f"path crosses <b>{analysis.classifier_walk.crossings.n_cells}</b> cells."
        )
        self.pair_shown.emit(analysis)

    def _on_theme_changed(self, theme: Theme, _previous: Theme) -> None:
        if self._shown_pair is not None:
            self._show_strip(self._shown_pair)  # its tags wear the cells' colours

    def _show_strip(self, analysis: PairAnalysis) -> None:
        self._shown_pair = analysis
        path = analysis.path
        shape = self.controller.source.test.shape
        train = self.controller.source.train
        keys = pattern_colour_keys(path.crossings.patterns)
        palette = current_theme().palette
        colours = palette.cell_fills[palette.cell_colour_index(keys)]
        columns = []
        for k, t in enumerate(path.sample_t):
            piece = int(path.sample_piece[k])
            if path.sample_is_kink[k]:
                tag = f"t={t:.2f}\nkink"
            else:
                tag = f"t={t:.2f}\ncell {piece + 1}"
            columns.append(
                StripColumn(
                    images=(
                        path.decoded[k].reshape(shape),
                        path.faded[k].reshape(shape),
                        train.images[path.nearest[k]],
                    ),
                    tag=tag,
                    colour=tuple(int(v) for v in colours[piece]),
                    is_kink=bool(path.sample_is_kink[k]),
                )
            )
        self.strip.set_columns(columns)
        shown = len(columns)
        all_samples = 2 * path.n_cells + 1
        note = "" if shown == all_samples else f" ({shown} of {all_samples} samples, evenly)"
        self.strip_card.title.setText(
            "Along the path: decoded images at the kinks and inside each cell"
            f"<span style='color:#6a6a72'>{note} · the tag's colour is the cell's</span>"
        )

    def _show_classifier(self, analysis: PairAnalysis) -> None:
        walk = analysis.classifier_walk
        crossings = walk.crossings
        test = self.controller.source.test
        ends = [
            int(test.labels[analysis.request.index_a]),
            int(test.labels[analysis.request.index_b]),
        ]
        shown = sorted(set(ends) | {int(c) for c in walk.classes})
        self.classifier_plot.set_walk(
            crossings.breakpoints,
            crossings.outputs[:, shown],
            crossings.t,
            crossings.n_cells,
            output_names=[f"logit {c}" for c in shown],
        )
        # The plot names its curves only when their number changes: name these ones here.
        self.classifier_plot.legend_label.setText(
            " ".join(
                f"<span style='color: rgb{output_colour(i)}; font-weight: 600;'>━ {c}</span>"
                for i, c in enumerate(shown)
            )
        )
        self.class_label.setText(
            "Predicted class along the path: " + class_sequence_text(walk.classes, walk.class_t)
        )

    def _show_error(self, message: str) -> None:
        self.stage_label.setText(message)
        show_warning(self, message, "pathsErrorBox")
