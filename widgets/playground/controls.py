"""The Playground's controls: data, features, network, training, and Play/Pause/Step/Reset.

The widget holds no setting of its own and never trains or draws anything: the page
connects each editor to the setting it edits and writes the settings back into the
editors without echoing. Every range comes in as a :class:`ControlRanges`. The widget
itself only fills the view menu for a transform, checks the typed hidden widths and
offers the transport actions.
"""

from __future__ import annotations

from dataclasses import dataclass

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

from engine.datasets import DATASETS
from engine.features import FEATURE_PLANE, FEATURE_TRANSFORMS, INPUT_PLANE, feature_transform
from engine.networks import ACTIVATIONS
from widgets.common.fonts import give_own_font
from widgets.common.widths import ACTIVATION_TITLES, parse_widths

#: The Points spin box steps by this many points.
SAMPLES_STEP = 20
#: The Epochs spin box steps by this many epochs.
EPOCHS_STEP = 50
_ERROR_STYLE = "QLineEdit { border: 2px solid #c0392b; border-radius: 3px; }"


@dataclass(frozen=True)
class ControlRanges:
    """The range of every editor, from the page's settings (inclusive ``(low, high)``).

    ``seeds`` is the range of both seeds; ``learning_rates`` and ``l2_penalties`` are the
    menus' entries (a value shown that is not among them is added).
    """

    samples: tuple[int, int]
    classes: tuple[int, int]
    noise: tuple[float, float]
    seeds: tuple[int, int]
    batch_size: tuple[int, int]
    epochs: tuple[int, int]
    max_width: int
    max_hidden_layers: int
    learning_rates: tuple[float, ...]
    l2_penalties: tuple[float, ...]


def _format_rate(value: float) -> str:
    return f"{value:g}"


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setContentsMargins(0, 8, 0, 0)  # a gap above every group
    font = QFont(label.font())
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * 1.1)
    give_own_font(label, font)
    return label


def _spin(low: int, high: int, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)  # valueChanged on Enter, focus out and arrows
    return spin


def _combo(entries: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    # Long titles are elided in the closed box (the list shows them whole): keeps the
    # dock narrow, and the cells wide.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    for title, data in entries:
        combo.addItem(title, data)
    return combo


def show_choice(combo: QComboBox, value: object) -> None:
    """Select ``value`` in ``combo`` without emitting; a number the menu lacks is added
    (a session's learning rate, say)."""
    with QSignalBlocker(combo):
        if combo.findData(value) < 0 and isinstance(value, float):
            combo.addItem(_format_rate(value), value)
        combo.setCurrentIndex(combo.findData(value))


class PlaygroundControls(QWidget):
    """Editors of the Playground's settings, and its transport buttons.

    Signals
    -------
    features_edited(str, str) : a feature transform name and a view (a new transform
        picks its exact feature plane when it has one).
    widths_edited(object) : hidden widths typed and committed, a tuple of ints (only
        valid ones: a mistake is explained under the field instead).
    play_requested(), pause_requested(), step_requested(), reset_requested()
    """

    features_edited = Signal(str, str)
    widths_edited = Signal(object)
    play_requested = Signal()
    pause_requested = Signal()
    step_requested = Signal()
    reset_requested = Signal()

    def __init__(self, ranges: ControlRanges, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundControls")
        self.ranges = ranges
        self._shown_widths: tuple[int, ...] | None = None  # the last widths written in
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
            ("Data", self._build_data),
            ("Features", self._build_features),
            ("Network", self._build_network),
            ("Training", self._build_training),
            ("Display", self._build_display),
        ):
            form.addRow(_heading(heading, self))
            build(form)
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
        give_own_font(self.progress_label, font)
        grid.addWidget(self.progress_label, 1, 0, 1, 4)
        return grid

    def _build_data(self, form: QFormLayout) -> None:
        ranges = self.ranges
        self.dataset_combo = _combo([(k.title, name) for name, k in DATASETS.items()])
        self.dataset_combo.setObjectName("datasetCombo")
        self.classes_spin = _spin(*ranges.classes)
        self.classes_spin.setToolTip("Number of Gaussian blobs (k classes data set only)")
        self.samples_spin = _spin(*ranges.samples, SAMPLES_STEP)
        self.samples_spin.setToolTip("Points in total; 30% are held out as the test set")
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(*ranges.noise)
        self.noise_spin.setSingleStep(0.01)
        self.noise_spin.setDecimals(2)
        self.noise_spin.setKeyboardTracking(False)
        self.noise_spin.setToolTip("Standard deviation of the Gaussian jitter of every point")
        self.data_seed_spin = _spin(*ranges.seeds)
        form.addRow("Data set", self.dataset_combo)
        form.addRow("Classes", self.classes_spin)
        form.addRow("Points", self.samples_spin)
        form.addRow("Noise", self.noise_spin)
        form.addRow("Data seed", self.data_seed_spin)
        self.dataset_combo.currentIndexChanged.connect(self.update_classes_enabled)

    def _build_features(self, form: QFormLayout) -> None:
        self.transform_combo = _combo([(t.title, name) for name, t in FEATURE_TRANSFORMS.items()])
        self.transform_combo.setObjectName("transformCombo")
        self.transform_combo.setToolTip(
            "Features computed from (x₁, x₂) before the network. With a non-linear "
            "transform the cells are polygons of feature space, not of the input plane."
        )
        self.view_combo = _combo([])
        self.view_combo.setObjectName("viewCombo")
        self.view_combo.setToolTip(
            "Where the cells are drawn: exactly in a 2-D feature plane, or sampled on a "
            "grid of the input plane when no exact polygon exists there."
        )
        form.addRow("Transform", self.transform_combo)
        form.addRow("Cells in", self.view_combo)
        self.transform_combo.currentIndexChanged.connect(self._on_transform_edited)
        self.view_combo.currentIndexChanged.connect(self._on_features_edited)

    def _build_network(self, form: QFormLayout) -> None:
        self.widths_edit = QLineEdit()
        self.widths_edit.setObjectName("widthsEdit")
        self.widths_edit.setToolTip(
            f"Hidden layer widths separated by commas, e.g. 8,8 or 16,16,16 (at most "
            f"{self.ranges.max_hidden_layers} layers of {self.ranges.max_width}). "
            "Press Enter to apply."
        )
        self.widths_error = QLabel(self)
        self.widths_error.setObjectName("widthsError")
        self.widths_error.setWordWrap(True)
        self.widths_error.setStyleSheet("color: #b03020;")
        self.widths_error.setVisible(False)
        self.activation_combo = _combo([(ACTIVATION_TITLES[a], a) for a in ACTIVATIONS])
        self.activation_combo.setObjectName("activationCombo")
        form.addRow("Hidden widths", self.widths_edit)
        form.addRow(self.widths_error)
        form.addRow("Activation", self.activation_combo)
        self.widths_edit.textEdited.connect(self._check_widths)
        self.widths_edit.editingFinished.connect(self._on_widths_edited)

    def _build_training(self, form: QFormLayout) -> None:
        ranges = self.ranges
        self.seed_spin = _spin(*ranges.seeds)
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setToolTip("Seeds the initial weights and the order of the batches")
        self.optimiser_combo = _combo([("Adam", "adam"), ("SGD, momentum 0.9", "sgd")])
        self.rate_combo = _combo([(_format_rate(r), r) for r in ranges.learning_rates])
        self.l2_combo = _combo([(_format_rate(p), p) for p in ranges.l2_penalties])
        self.batch_spin = _spin(*ranges.batch_size)
        self.epochs_spin = _spin(*ranges.epochs, EPOCHS_STEP)
        self.epochs_spin.setObjectName("epochsSpin")
        self.epochs_spin.setToolTip("Play trains until this epoch")
        form.addRow("Seed", self.seed_spin)
        form.addRow("Optimiser", self.optimiser_combo)
        form.addRow("Learning rate", self.rate_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("L2 penalty", self.l2_combo)
        form.addRow("Epochs", self.epochs_spin)

    def _build_display(self, form: QFormLayout) -> None:
        self.colour_combo = _combo(
            [("predicted class", "class"), ("activation pattern", "pattern")]
        )
        self.colour_combo.setObjectName("colourCombo")
        self.colour_combo.setToolTip(
            "Cells coloured by the class they predict, a cell the decision boundary "
            "crosses piece by piece (paler = less confident), or one colour per "
            "activation pattern"
        )
        self.test_check = QCheckBox("show test points (hollow)")
        form.addRow("Colour cells by", self.colour_combo)
        form.addRow(self.test_check)

    # -- updates from the page ---------------------------------------------------------

    def set_training(self, running: bool, can_play: bool) -> None:
        """Enable the buttons that make sense: Play or Pause, Step while paused."""
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

    def show_views(self, transform: str, view: str) -> None:
        """Offer the views of ``transform`` and select ``view`` (the first one when the
        transform has no such view), without emitting."""
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

    def show_widths(self, widths: tuple[int, ...]) -> None:
        """Show hidden widths (and no error) without emitting. Text being corrected after
        a mistake stays while the widths it would replace are still those shown."""
        if widths == self._shown_widths and self._parsed_widths() != widths:
            return
        self._shown_widths = widths
        with QSignalBlocker(self.widths_edit):
            self.widths_edit.setText(",".join(str(w) for w in widths))
        self._check_widths()

    def update_classes_enabled(self) -> None:
        """Enable Classes for the data set whose number of classes is a parameter."""
        kind = DATASETS.get(self.dataset_combo.currentData())
        self.classes_spin.setEnabled(kind is not None and kind.classes is None)

    # -- edits -------------------------------------------------------------------------

    def _toggle(self) -> None:
        if self.pause_action.isEnabled():
            self.pause_action.trigger()
        elif self.play_action.isEnabled():
            self.play_action.trigger()

    def _on_transform_edited(self) -> None:
        self.show_views(self.transform_combo.currentData(), FEATURE_PLANE)
        self._on_features_edited()

    def _on_features_edited(self) -> None:
        self.features_edited.emit(self.transform_combo.currentData(), self.view_combo.currentData())

    def _parsed_widths(self) -> tuple[int, ...] | None:
        try:
            return self._parse_widths()
        except ValueError:
            return None

    def _parse_widths(self) -> tuple[int, ...]:
        return parse_widths(
            self.widths_edit.text(),
            max_width=self.ranges.max_width,
            max_layers=self.ranges.max_hidden_layers,
        )

    def _check_widths(self) -> tuple[int, ...] | None:
        try:
            widths = self._parse_widths()
        except ValueError as error:
            self.widths_error.setText(str(error))
            self.widths_error.setVisible(True)
            self.widths_edit.setStyleSheet(_ERROR_STYLE)
            return None
        self.widths_error.setVisible(False)
        self.widths_edit.setStyleSheet("")
        return widths

    def _on_widths_edited(self) -> None:
        widths = self._check_widths()
        if widths is not None:
            self.widths_edited.emit(widths)
