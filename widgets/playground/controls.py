"""The Playground's controls: data, features, network, training, and Play/Pause/Step/Reset.

Every group emits one engine value when the user commits an edit (a DatasetSpec, a
feature transform and view, an Architecture, a TrainingConfig); the widget never trains
or draws anything itself. ``set_*`` methods update it from the session without echoing.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.datasets import DATASETS, MAX_CLASSES, DatasetSpec
from engine.features import FEATURE_PLANE, FEATURE_TRANSFORMS, INPUT_PLANE, feature_transform
from engine.networks import ACTIVATIONS
from engine.training import Architecture, TrainingConfig
from widgets.common.widths import ACTIVATION_TITLES, parse_widths

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
L2_PENALTIES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1)
MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 256
_ERROR_STYLE = "QLineEdit { border: 2px solid #c0392b; border-radius: 3px; }"


def _format_rate(value: float) -> str:
    return f"{value:g}"


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setContentsMargins(0, 8, 0, 0)  # a gap above every group
    font = QFont(label.font())
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label


def _spin(low: int, high: int, value: int, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setKeyboardTracking(False)  # valueChanged on Enter, focus out and arrows
    return spin


def _combo(entries: list[tuple[str, object]], current: object) -> QComboBox:
    combo = QComboBox()
    # Long titles are elided in the closed box (the list shows them whole): keeps the
    # dock narrow, and the cells wide.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    for title, data in entries:
        combo.addItem(title, data)
    index = combo.findData(current)
    combo.setCurrentIndex(max(index, 0))
    return combo


class PlaygroundControls(QWidget):
    """Controls of one training session.

    Signals
    -------
    dataset_edited(object) : a DatasetSpec.
    features_edited(str, str) : a feature transform name and a view.
    network_edited(object) : an Architecture (widths and activation).
    training_edited(object) : a TrainingConfig.
    play_requested(), pause_requested(), step_requested(), reset_requested()
    colour_by_changed(str) : ``"class"`` or ``"pattern"``.
    test_points_toggled(bool)
    """

    dataset_edited = Signal(object)
    features_edited = Signal(str, str)
    network_edited = Signal(object)
    training_edited = Signal(object)
    play_requested = Signal()
    pause_requested = Signal()
    step_requested = Signal()
    reset_requested = Signal()
    colour_by_changed = Signal(str)
    test_points_toggled = Signal(bool)

    def __init__(
        self,
        dataset: DatasetSpec,
        transform: str,
        view: str,
        architecture: Architecture,
        config: TrainingConfig,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundControls")
        self._spec = dataset
        self._config = config
        self._architecture = architecture
        self._running = False
        self._build_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(self._build_transport())
        layout.addSpacing(2)
        # One form for all groups: one column of labels, aligned in any type size.
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        for heading, build in (
            ("Data", lambda: self._build_data(form, dataset)),
            ("Features", lambda: self._build_features(form, transform, view)),
            ("Network", lambda: self._build_network(form, architecture)),
            ("Training", lambda: self._build_training(form, config)),
            ("Display", lambda: self._build_display(form)),
        ):
            form.addRow(_heading(heading, self))
            build()
        layout.addLayout(form)
        layout.addStretch(1)

    # -- building ----------------------------------------------------------------------

    def _action(self, text: str, icon: QStyle.StandardPixmap, shortcut: str, tip: str) -> QAction:
        action = QAction(self.style().standardIcon(icon), text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            tip = (
                f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
            )
        action.setToolTip(tip)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        pixmap = QStyle.StandardPixmap
        self.play_action = self._action(
            "Play", pixmap.SP_MediaPlay, "", "Train until the epoch budget (Space: play/pause)"
        )
        self.pause_action = self._action(
            "Pause", pixmap.SP_MediaPause, "", "Stop after this epoch (Space: play/pause)"
        )
        self.step_action = self._action(
            "Step", pixmap.SP_MediaSkipForward, "Ctrl+Right", "Train one more epoch"
        )
        self.reset_action = self._action(
            "Reset", pixmap.SP_BrowserReload, "Ctrl+R", "Back to the initial weights, epoch 0"
        )
        self.toggle_action = self._action("Play/Pause", pixmap.SP_MediaPlay, "Space", "")
        self.play_action.triggered.connect(self.play_requested)
        self.pause_action.triggered.connect(self.pause_requested)
        self.step_action.triggered.connect(self.step_requested)
        self.reset_action.triggered.connect(self.reset_requested)
        self.toggle_action.triggered.connect(self._toggle)
        self.pause_action.setEnabled(False)

    def _build_transport(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for column, (name, action) in enumerate(
            (
                ("play", self.play_action),
                ("pause", self.pause_action),
                ("step", self.step_action),
                ("reset", self.reset_action),
            )
        ):
            button = QToolButton(self)
            button.setObjectName(f"{name}Button")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setMinimumWidth(58)
            grid.addWidget(button, 0, column)
            self.buttons[name] = button
        self.progress_label = QLabel("epoch 0", self)
        self.progress_label.setObjectName("epochLabel")
        font = QFont(self.progress_label.font())
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.25)
        self.progress_label.setFont(font)
        grid.addWidget(self.progress_label, 1, 0, 1, 4)
        return grid

    def _build_data(self, form: QFormLayout, spec: DatasetSpec) -> None:
        self.dataset_combo = _combo([(k.title, name) for name, k in DATASETS.items()], spec.name)
        self.dataset_combo.setObjectName("datasetCombo")
        self.classes_spin = _spin(2, MAX_CLASSES, spec.n_classes)
        self.classes_spin.setToolTip("Number of Gaussian blobs (k classes data set only)")
        self.samples_spin = _spin(20, 4000, spec.n_samples, 20)
        self.samples_spin.setToolTip("Points in total; 30% are held out as the test set")
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(0.0, 0.5)
        self.noise_spin.setSingleStep(0.01)
        self.noise_spin.setDecimals(2)
        self.noise_spin.setValue(spec.noise)
        self.noise_spin.setKeyboardTracking(False)
        self.noise_spin.setToolTip("Standard deviation of the Gaussian jitter of every point")
        self.data_seed_spin = _spin(0, 9999, spec.seed)
        form.addRow("Data set", self.dataset_combo)
        form.addRow("Classes", self.classes_spin)
        form.addRow("Points", self.samples_spin)
        form.addRow("Noise", self.noise_spin)
        form.addRow("Data seed", self.data_seed_spin)
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_edited)
        for spin in (self.classes_spin, self.samples_spin, self.noise_spin, self.data_seed_spin):
            spin.valueChanged.connect(self._on_dataset_edited)
        self._update_classes_enabled()

    def _build_features(self, form: QFormLayout, transform: str, view: str) -> None:
        self.transform_combo = _combo(
            [(t.title, name) for name, t in FEATURE_TRANSFORMS.items()], transform
        )
        self.transform_combo.setObjectName("transformCombo")
        self.transform_combo.setToolTip(
            "Features computed from (x₁, x₂) before the network. With a non-linear "
            "transform the cells are polygons of feature space, not of the input plane."
        )
        self.view_combo = _combo([], None)
        self.view_combo.setObjectName("viewCombo")
        self.view_combo.setToolTip(
            "Where the cells are drawn: exactly in a 2-D feature plane, or sampled on a "
            "grid of the input plane when no exact polygon exists there."
        )
        form.addRow("Transform", self.transform_combo)
        form.addRow("Cells in", self.view_combo)
        self._fill_views(transform, view)
        self.transform_combo.currentIndexChanged.connect(self._on_transform_edited)
        self.view_combo.currentIndexChanged.connect(self._on_features_edited)

    def _build_network(self, form: QFormLayout, architecture: Architecture) -> None:
        self.widths_edit = QLineEdit(",".join(str(w) for w in architecture.widths))
        self.widths_edit.setObjectName("widthsEdit")
        self.widths_edit.setToolTip(
            f"Hidden layer widths separated by commas, e.g. 8,8 or 16,16,16 "
            f"(at most {MAX_HIDDEN_LAYERS} layers of {MAX_WIDTH}). Press Enter to apply."
        )
        self.widths_error = QLabel(self)
        self.widths_error.setObjectName("widthsError")
        self.widths_error.setWordWrap(True)
        self.widths_error.setStyleSheet("color: #b03020;")
        self.widths_error.setVisible(False)
        self.activation_combo = _combo(
            [(ACTIVATION_TITLES[a], a) for a in ACTIVATIONS], architecture.activation
        )
        self.activation_combo.setObjectName("activationCombo")
        form.addRow("Hidden widths", self.widths_edit)
        form.addRow(self.widths_error)
        form.addRow("Activation", self.activation_combo)
        self.widths_edit.textEdited.connect(self._check_widths)
        self.widths_edit.editingFinished.connect(self._on_network_edited)
        self.activation_combo.currentIndexChanged.connect(self._on_network_edited)

    def _build_training(self, form: QFormLayout, config: TrainingConfig) -> None:
        self.seed_spin = _spin(0, 9999, config.seed)
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setToolTip("Seeds the initial weights and the order of the batches")
        self.optimiser_combo = _combo(
            [("Adam", "adam"), ("SGD, momentum 0.9", "sgd")], config.optimiser
        )
        rates = sorted(set(LEARNING_RATES) | {config.learning_rate})
        self.rate_combo = _combo([(_format_rate(r), r) for r in rates], config.learning_rate)
        penalties = sorted(set(L2_PENALTIES) | {config.l2})
        self.l2_combo = _combo([(_format_rate(p), p) for p in penalties], config.l2)
        self.batch_spin = _spin(1, 1024, config.batch_size)
        self.epochs_spin = _spin(1, 100_000, config.epochs, 50)
        self.epochs_spin.setObjectName("epochsSpin")
        self.epochs_spin.setToolTip("Play trains until this epoch")
        form.addRow("Seed", self.seed_spin)
        form.addRow("Optimiser", self.optimiser_combo)
        form.addRow("Learning rate", self.rate_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("L2 penalty", self.l2_combo)
        form.addRow("Epochs", self.epochs_spin)
        for combo in (self.optimiser_combo, self.rate_combo, self.l2_combo):
            combo.currentIndexChanged.connect(self._on_training_edited)
        for spin in (self.seed_spin, self.batch_spin, self.epochs_spin):
            spin.valueChanged.connect(self._on_training_edited)

    def _build_display(self, form: QFormLayout) -> None:
        self.colour_combo = _combo(
            [("predicted class", "class"), ("activation pattern", "pattern")], "class"
        )
        self.colour_combo.setObjectName("colourCombo")
        self.colour_combo.setToolTip(
            "Cells coloured by the class predicted at their centre (paler = less "
            "confident), or one colour per activation pattern"
        )
        self.test_check = QCheckBox("show test points (hollow)")
        self.test_check.setChecked(True)
        form.addRow("Colour cells by", self.colour_combo)
        form.addRow(self.test_check)
        self.colour_combo.currentIndexChanged.connect(
            lambda: self.colour_by_changed.emit(self.colour_combo.currentData())
        )
        self.test_check.toggled.connect(self.test_points_toggled)

    # -- updates from the session ------------------------------------------------------

    def set_training(self, running: bool, can_play: bool) -> None:
        """Enable the buttons that make sense: Play or Pause, Step while paused."""
        self._running = running
        self.play_action.setEnabled(not running and can_play)
        self.pause_action.setEnabled(running)
        self.step_action.setEnabled(not running)

    def set_progress(
        self, epoch: int, epochs: int, train_score: float, test_score: float, *, regression: bool
    ) -> None:
        if regression:
            scores = f"R² train {train_score:.3f} · test {test_score:.3f}"
        else:
            scores = f"train {train_score:.1%} · test {test_score:.1%}"
        self.progress_label.setText(f"epoch {epoch} / {epochs}\n{scores}")

    def show_session(
        self,
        dataset: DatasetSpec,
        transform: str,
        view: str,
        architecture: Architecture,
        config: TrainingConfig,
    ) -> None:
        """Show settings chosen elsewhere (a preset, a saved session) without emitting."""
        self._spec, self._architecture, self._config = dataset, architecture, config
        editors = (
            self.dataset_combo,
            self.classes_spin,
            self.samples_spin,
            self.noise_spin,
            self.data_seed_spin,
            self.transform_combo,
            self.widths_edit,
            self.activation_combo,
            self.seed_spin,
            self.optimiser_combo,
            self.rate_combo,
            self.l2_combo,
            self.batch_spin,
            self.epochs_spin,
        )
        blockers = [QSignalBlocker(editor) for editor in editors]
        self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(dataset.name))
        self.classes_spin.setValue(dataset.n_classes)
        self.samples_spin.setValue(dataset.n_samples)
        self.noise_spin.setValue(dataset.noise)
        self.data_seed_spin.setValue(dataset.seed)
        self.transform_combo.setCurrentIndex(self.transform_combo.findData(transform))
        self._fill_views(transform, view)
        self.widths_edit.setText(",".join(str(w) for w in architecture.widths))
        self.activation_combo.setCurrentIndex(
            self.activation_combo.findData(architecture.activation)
        )
        self.seed_spin.setValue(config.seed)
        self.optimiser_combo.setCurrentIndex(self.optimiser_combo.findData(config.optimiser))
        for combo, value in ((self.rate_combo, config.learning_rate), (self.l2_combo, config.l2)):
            if combo.findData(value) < 0:
                combo.addItem(_format_rate(value), value)
            combo.setCurrentIndex(combo.findData(value))
        self.batch_spin.setValue(config.batch_size)
        self.epochs_spin.setValue(config.epochs)
        del blockers
        self._update_classes_enabled()
        self._check_widths()

    def set_colour_by(self, mode: str) -> None:
        """Choose how cells are coloured (``"class"`` or ``"pattern"``); emits
        ``colour_by_changed`` when it changes."""
        index = self.colour_combo.findData(mode)
        if index < 0:
            raise ValueError(f"unknown colouring {mode!r}; choose class or pattern")
        self.colour_combo.setCurrentIndex(index)

    # -- edits -------------------------------------------------------------------------

    def _toggle(self) -> None:
        if self.pause_action.isEnabled():
            self.pause_action.trigger()
        elif self.play_action.isEnabled():
            self.play_action.trigger()

    def _update_classes_enabled(self) -> None:
        kind = DATASETS[self.dataset_combo.currentData()]
        self.classes_spin.setEnabled(kind.classes is None)

    def _on_dataset_edited(self) -> None:
        self._update_classes_enabled()
        spec = replace(
            self._spec,
            name=self.dataset_combo.currentData(),
            n_samples=self.samples_spin.value(),
            noise=round(self.noise_spin.value(), 4),
            seed=self.data_seed_spin.value(),
            n_classes=self.classes_spin.value(),
        )
        if spec != self._spec:
            self._spec = spec
            self.dataset_edited.emit(spec)

    def _fill_views(self, transform: str, view: str) -> None:
        chosen = feature_transform(transform)
        with QSignalBlocker(self.view_combo):
            self.view_combo.clear()
            if chosen.is_identity:
                self.view_combo.addItem("input plane (exact)", INPUT_PLANE)
            elif chosen.has_exact_feature_plane:
                names = ", ".join(chosen.feature_names)
                self.view_combo.addItem(f"feature plane ({names}), exact", FEATURE_PLANE)
                self.view_combo.addItem("input plane, sampled", INPUT_PLANE)
            else:
                self.view_combo.addItem("input plane, sampled", INPUT_PLANE)
            self.view_combo.setCurrentIndex(max(0, self.view_combo.findData(view)))
        self.view_combo.setEnabled(self.view_combo.count() > 1)

    def _on_transform_edited(self) -> None:
        self._fill_views(self.transform_combo.currentData(), FEATURE_PLANE)
        self._on_features_edited()

    def _on_features_edited(self) -> None:
        self.features_edited.emit(self.transform_combo.currentData(), self.view_combo.currentData())

    def _check_widths(self) -> tuple[int, ...] | None:
        try:
            widths = parse_widths(
                self.widths_edit.text(), max_width=MAX_WIDTH, max_layers=MAX_HIDDEN_LAYERS
            )
        except ValueError as error:
            self.widths_error.setText(str(error))
            self.widths_error.setVisible(True)
            self.widths_edit.setStyleSheet(_ERROR_STYLE)
            return None
        self.widths_error.setVisible(False)
        self.widths_edit.setStyleSheet("")
        return widths

    def _on_network_edited(self) -> None:
        widths = self._check_widths()
        if widths is None:
            return
        architecture = replace(
            self._architecture, widths=widths, activation=self.activation_combo.currentData()
        )
        if architecture != self._architecture:
            self._architecture = architecture
            self.network_edited.emit(architecture)

    def _on_training_edited(self) -> None:
        config = replace(
            self._config,
            seed=self.seed_spin.value(),
            optimiser=self.optimiser_combo.currentData(),
            learning_rate=float(self.rate_combo.currentData()),
            batch_size=self.batch_spin.value(),
            l2=float(self.l2_combo.currentData()),
            epochs=self.epochs_spin.value(),
        )
        if config != self._config:
            self._config = config
            self.training_edited.emit(config)
