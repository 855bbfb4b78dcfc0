"""The Cells 3D page: the exact convex polyhedra of a 3-input network, in VTK.

The scene in the middle; the network, training and display controls and the Probe panel
on the right; the Transition log below. The probe is a sphere you drag through space; the
slicing plane can be moved and tilted, and its exact 2-D cells shown on the Cells page.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.cells3d.controller import (
    DEFAULT_DATASET,
    TRAINING,
    Cells3DController,
    Cells3DResult,
    random_model,
)
from app.cells3d.probe import Probe3DController
from app.cells3d.session import (
    Cells3DSession,
)
from app.jobs.partition_runner import follow_partitions, partition_progress_bar
from app.probe.controller import ProbeState
from app.shell.window_close import WindowCloseWatcher
from engine.box_slice import box_slice
from engine.datasets import DATASETS_3D
from engine.networks import describe_network
from engine.training import TrainingSnapshot
from widgets.cells3d.scene import VIEWS, SceneOptions
from widgets.cells3d.view import Cells3DView
from widgets.common.fonts import scaled_font
from widgets.common.layer_slider import LayerSlider
from widgets.common.message_box import show_warning
from widgets.common.theme import Theme, current_theme, follow_theme
from widgets.probe.panel import ProbePanel
from widgets.probe.transition_log import TransitionLog

VARIABLES = ("x₁", "x₂", "x₃")
#: Keys of the standard views.
VIEW_KEYS = {"+x": "X", "+y": "Y", "+z": "Z", "iso": "I"}
EXPLODE_MAX = 1.0
#: Widths of the probe and control panels in the default type, in pixels.
PROBE_WIDTH = 385
CONTROLS_WIDTH = 370


def status_text_3d(result: Cells3DResult) -> str:
    """``1,234 cells · layers 2/2 · computed in 312 ms``."""
    count = result.partition.n_regions
    noun = "cell" if count == 1 else "cells"
    return (
        f"{count:,} {noun} · layers {result.layers}/{result.n_layers} · "
        f"computed in {result.seconds * 1000:.0f} ms"
    )


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setFont(scaled_font(parent.font(), 1.1, bold=True))
    return label


class Cells3DPage(QMainWindow):
    """Cells of a 3-input network as translucent polyhedra, a 3-D probe, a slicing plane.

    Signals
    -------
    partition_shown(object) : a Cells3DResult has just been drawn.
    probe_shown(object) : a ProbeState has just been shown.
    slice_requested(object, object, object) : show ``(model, bounds, plane)`` on the
        Cells page: ``plane = (origin, u, v)`` and ``bounds`` a square of it covering the
        slicing plane's cross-section of the box.
    """

    partition_shown = Signal(object)
    probe_shown = Signal(object)
    slice_requested = Signal(object, object, object)

    def __init__(
        self, controller: Cells3DController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setObjectName("cells3dPage")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.controller = controller or Cells3DController()
        self.controller.setParent(self)
        self.probe = Probe3DController(self.controller.model, self)
        self.view = Cells3DView(self)
        self.setCentralWidget(self.view)
        self._result: Cells3DResult | None = None
        self._pending_session: Cells3DSession | None = None
        self._started = False
        self._shut_down = False
        WindowCloseWatcher(self, self.shutdown)
        self._build_docks()
        self._build_toolbar()

        c = self.controller
        self.layer_slider.layers_changed.connect(c.set_layers)
        c.partition_ready.connect(self._on_partition_ready)
        c.partition_failed.connect(self._show_error)
        follow_partitions(
            c,
            self.partition_progress,
            self.layer_slider,
            self.status_label.setText,
            lambda: self._result.partition.n_regions if self._result else None,
        )
        c.network_changed.connect(self._on_network_changed)
        c.training_started.connect(self._on_training_started)
        c.training_progress.connect(self._on_training_progress)
        c.training_finished.connect(self._on_training_finished)
        self.view.probe_dragged.connect(self.probe.move_probe)
        self.probe.probe_changed.connect(self._on_probe_changed)
        self._on_network_changed(c.model)

    # Building -------------------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        return dock

    def _build_docks(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._build_controls())
        # Fixed widths (scaled with the theme's type): the view keeps its size whatever
        # the panels say.
        self._controls_scroll = scroll
        self.controls_dock = self._dock("Network and view", "cells3dControlsDock", scroll)
        self.probe_panel = ProbePanel()
        self._set_panel_widths(current_theme())
        follow_theme(self, lambda theme, _previous: self._set_panel_widths(theme))
        self.probe_dock = self._dock("Probe", "cells3dProbeDock", self.probe_panel)
        self.transition_log = TransitionLog()
        self.transition_dock = self._dock(
            "Transitions", "cells3dTransitionDock", self.transition_log
        )
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.controls_dock)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.probe_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.transition_dock)
        self._docks_sized = False

    def _build_controls(self) -> QWidget:
        panel = QWidget(self)
        panel.setObjectName("cells3dControls")
        panel.setFont(scaled_font(self.font(), 1.05))
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)

        layout.addWidget(_heading("Network", panel))
        self.network_label = QLabel(panel)
        self.network_label.setObjectName("cells3dNetworkLabel")
        self.network_label.setWordWrap(True)
        layout.addWidget(self.network_label)
        self.dataset_combo = QComboBox(panel)
        self.dataset_combo.setObjectName("cells3dDatasetCombo")
        for name, kind in DATASETS_3D.items():
            self.dataset_combo.addItem(kind.title, name)
        self.dataset_combo.setCurrentIndex(list(DATASETS_3D).index(DEFAULT_DATASET))
        self.dataset_combo.setToolTip("A 3-D data set to train a 3 → 12 → 12 → 2 ReLU network on")
        self.train_button = QPushButton("Train", panel)
        self.train_button.setObjectName("cells3dTrainButton")
        self.train_button.setToolTip(
            f"Train a fresh network on the data set for {TRAINING.epochs} epochs (Ctrl+T)"
        )
        self._shortcut("Ctrl+T", self.train_button.click)
        self.train_button.clicked.connect(self._on_train_clicked)
        self.cancel_button = QPushButton("Cancel", panel)
        self.cancel_button.setObjectName("cells3dCancelButton")
        self.cancel_button.setToolTip(
            "Stop training (Esc); the network keeps the weights it reached"
        )
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.controller.cancel_training)
        self.random_button = QPushButton("Random", panel)
        self.random_button.setObjectName("cells3dRandomButton")
        self.random_button.setToolTip("Show a fixed random (untrained) network")
        self.random_button.clicked.connect(lambda: self.controller.set_network(random_model()))
        row = QHBoxLayout()
        row.addWidget(self.dataset_combo, 1)
        row.addWidget(self.train_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.training_bar = QProgressBar(panel)
        self.training_bar.setObjectName("cells3dTrainingProgress")
        self.training_bar.setRange(0, TRAINING.epochs)
        self.training_bar.setTextVisible(False)
        self.training_bar.setMaximumHeight(8)
        self.training_label = QLabel("", panel)
        self.training_label.setObjectName("cells3dTrainingLabel")
        self.training_label.setStyleSheet("color: #555;")
        self.training_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.training_label, 1)
        row.addWidget(self.random_button)
        layout.addWidget(self.training_bar)
        layout.addLayout(row)

        layout.addSpacing(8)
        self.layer_slider = LayerSlider(parent=panel)
        # Names of its own: the Cells page's slider is found by its names in the window.
        self.layer_slider.slider.setObjectName("cells3dLayerSlider")
        self.layer_slider.findChild(QLabel, "layerSliderLabel").setObjectName(
            "cells3dLayerSliderLabel"
        )
        layout.addWidget(self.layer_slider)
        count_row = QHBoxLayout()
        self.count_label = QLabel("–", panel)
        self.count_label.setObjectName("cells3dCountLabel")
        self.count_label.setFont(scaled_font(panel.font(), 2.2, bold=True))
        self.count_caption = QLabel("cells", panel)
        self.count_caption.setObjectName("cells3dCountCaption")
        count_row.addWidget(self.count_label)
        count_row.addWidget(self.count_caption, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(count_row)
        self.status_label = QLabel("", panel)
        self.status_label.setObjectName("cells3dStatusLabel")
        self.status_label.setStyleSheet("color: #555;")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.partition_progress = partition_progress_bar(
            "the 3-D cells", "cells3dPartitionProgress", panel
        )
        layout.addWidget(self.partition_progress)
        self._shortcut("Esc", self._on_escape)

        layout.addSpacing(8)
        layout.addWidget(_heading("Show", panel))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(3)
        self.cells_check = self._check(
            "All cells", "C", "Every cell, translucent, with edges", True
        )
        self.decision_check = self._check(
            "Decision surface", "D", "The exact decision surface: one polygon per cell", True
        )
        self.points_check = self._check("Data points", "P", "The training points", True)
        self.layer_check = self._check(
            "Faces of layer", "L", "Only the boundary faces made by the chosen layer", False
        )
        self.layer_spin = QSpinBox(panel)
        self.layer_spin.setObjectName("cells3dLayerSpin")
        self.layer_spin.setToolTip("The layer whose faces are shown")
        self.neuron_check = self._check(
            "Neuron", "N", "One neuron's bent hyperplane: the faces it made", False
        )
        self.neuron_spin = QSpinBox(panel)
        self.neuron_spin.setObjectName("cells3dNeuronSpin")
        self.neuron_spin.setToolTip("The neuron (numbered across all layers, from 1)")
        self.neuron_caption = QLabel("", panel)
        self.neuron_caption.setStyleSheet("color: #555;")
        grid.addWidget(self.cells_check, 0, 0)
        grid.addWidget(self.decision_check, 0, 1)
        grid.addWidget(self.points_check, 1, 0)
        grid.addWidget(self.layer_check, 2, 0)
        grid.addWidget(self.layer_spin, 2, 1)
        grid.addWidget(self.neuron_check, 3, 0)
        grid.addWidget(self.neuron_spin, 3, 1)
        grid.addWidget(self.neuron_caption, 4, 0, 1, 2)
        layout.addLayout(grid)
        self.colour_combo = QComboBox(panel)
        self.colour_combo.setObjectName("cells3dColourCombo")
        self.colour_combo.addItem("activation pattern", "pattern")
        self.colour_combo.addItem("predicted class", "class")
        self.colour_combo.setToolTip("Colour every cell by its activation pattern or its class")
        self.opacity_slider = self._slider("cells3dOpacitySlider", 3, 60, 16, "Cell opacity (%)")
        self.explode_slider = self._slider(
            "cells3dExplodeSlider", 0, 100, 0, "Exploded view: push cells out from the centre"
        )
        form = QGridLayout()
        form.addWidget(QLabel("Colour by", panel), 0, 0)
        form.addWidget(self.colour_combo, 0, 1)
        form.addWidget(QLabel("Opacity", panel), 1, 0)
        form.addWidget(self.opacity_slider, 1, 1)
        form.addWidget(QLabel("Explode", panel), 2, 0)
        form.addWidget(self.explode_slider, 2, 1)
        layout.addLayout(form)

        layout.addSpacing(8)
        layout.addWidget(_heading("Slice", panel))
        self.slice_check = self._check(
            "Slicing plane",
            "S",
            "A plane you can move (drag its centre) and tilt (its arrow)",
            False,
        )
        self.slice_button = QPushButton("Show slice on the Cells page", panel)
        self.slice_button.setObjectName("cells3dSliceButton")
        self.slice_button.setToolTip(
            "The exact 2-D cells of the network on the slicing plane (Ctrl+Shift+S)"
        )
        self._shortcut("Ctrl+Shift+S", self.slice_button.click)
        self.slice_button.setEnabled(False)
        self.slice_button.clicked.connect(self.request_slice)
        layout.addWidget(self.slice_check)
        layout.addWidget(self.slice_button)
        explanation = QLabel(
            "Inside each polyhedron the network is one affine map. Drag the red sphere to "
            "probe: its cell lights up and every boundary it crosses is logged. Drag to "
            "turn, scroll to zoom.",
            panel,
        )
        explanation.setWordWrap(True)
        explanation.setStyleSheet("color: #555;")
        layout.addSpacing(6)
        layout.addWidget(explanation)
        layout.addStretch(1)

        for check in (
            self.cells_check,
            self.decision_check,
            self.points_check,
            self.layer_check,
            self.neuron_check,
        ):
            check.toggled.connect(self._apply_options)
        for control in (self.layer_spin, self.neuron_spin):
            control.valueChanged.connect(self._apply_options)
        self.colour_combo.currentIndexChanged.connect(self._apply_options)
        self.opacity_slider.valueChanged.connect(self._apply_options)
        self.explode_slider.valueChanged.connect(self._apply_options)
        self.slice_check.toggled.connect(self._on_slice_toggled)
        return panel

    def _check(self, text: str, key: str, tip: str, checked: bool) -> QCheckBox:
        check = QCheckBox(text, self)
        check.setObjectName("cells3d" + text.title().replace(" ", "") + "Check")
        check.setChecked(checked)
        check.setToolTip(f"{tip} ({key})")
        self._shortcut(key, check.toggle)
        return check

    def _shortcut(self, key: str, slot) -> QAction:
        """A key that works anywhere on this page (and only there: other pages have
        their own single-letter keys)."""
        action = QAction(self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _slider(self, name: str, low: int, high: int, value: int, tip: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal, self)
        slider.setObjectName(name)
        slider.setRange(low, high)
        slider.setValue(value)
        slider.setToolTip(tip)
        return slider

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Views", self)
        toolbar.setObjectName("cells3dToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.view_actions: dict[str, QAction] = {}
        for view in VIEWS:
            action = QAction(f"View {view}", self)
            action.setObjectName(f"cells3dView{view.strip('+').title()}Action")
            action.setShortcut(QKeySequence(VIEW_KEYS[view]))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"Look from {view} ({VIEW_KEYS[view]})")
            action.triggered.connect(lambda _=False, v=view: self.view.show_view(v))
            toolbar.addAction(action)
            self.addAction(action)
            self.view_actions[view] = action
        self.reset_camera_action = QAction("Reset camera", self)
        self.reset_camera_action.setObjectName("cells3dResetCameraAction")
        self.reset_camera_action.setShortcut(QKeySequence(Qt.Key.Key_Home))
        self.reset_camera_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reset_camera_action.setToolTip("Back to the starting view (Home)")
        self.reset_camera_action.triggered.connect(lambda: self.view.show_view("iso"))
        toolbar.addSeparator()
        toolbar.addAction(self.reset_camera_action)
        self.addAction(self.reset_camera_action)
        toolbar.addSeparator()
        hint = QLabel(
            "  Drag the red sphere to probe · C cells · D decision surface · L layer faces · "
            "N neuron · S slicing plane",
            toolbar,
        )
        hint.setStyleSheet("color: #555;")
        toolbar.addWidget(hint)

    def view_toggle_actions(self) -> list[QAction]:
        """Actions that show or hide the page's panels, for a View menu."""
        return [
            dock.toggleViewAction()
            for dock in (self.controls_dock, self.probe_dock, self.transition_dock)
        ]

    # Sessions -------------------------------------------------------------------------------

    def show_session(self, session: Cells3DSession) -> None:
        """Show a network, data, layers, options and probe restored from a session (no
        training: the saved weights are the point)."""
        self._started = True  # the first show must not train over it
        self.controller.abandon_training()
        self.training_label.setText("restored from a session")
        if session.dataset is not None:
            self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(session.dataset.name))
        checks = (self.cells_check, self.decision_check, self.points_check)
        for check, key in zip(checks, ("show_cells", "show_decision", "show_points"), strict=True):
            check.setChecked(session.flags[key])
        self.colour_combo.setCurrentIndex(self.colour_combo.findData(session.colour_by))
        self.opacity_slider.setValue(session.opacity)
        self.explode_slider.setValue(session.explode)
        self._pending_session = session  # its face choices and probe, once the cells show
        self.controller.set_network(session.model, session.dataset)
        self.controller.set_layers(session.layers)

    def _apply_pending_choices(self, session: Cells3DSession) -> None:
        """A restored session's face layer and neuron (the spin boxes' ranges follow the
        partition, so they are set once it is shown)."""
        for check, spin, (shown, number) in (
            (self.layer_check, self.layer_spin, session.layer),
            (self.neuron_check, self.neuron_spin, session.neuron),
        ):
            with QSignalBlocker(spin), QSignalBlocker(check):
                spin.setValue(number)
                check.setChecked(shown)

    # Life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Train the default preset and show its cells (done on first show otherwise)."""
        if self._started or self._shut_down:
            return
        self._started = True
        self.controller.train(DEFAULT_DATASET)

    def shutdown(self) -> None:
        """Stop training and partitions, and release VTK's window. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self.controller.shutdown()
        self.view.finalize()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            QTimer.singleShot(0, self._size_docks)
        self.start()

    def _set_panel_widths(self, theme: Theme) -> None:
        probe, controls = (round(w * theme.ui_font_scale) for w in (PROBE_WIDTH, CONTROLS_WIDTH))
        self.probe_panel.setFixedWidth(probe)
        self._controls_scroll.setFixedWidth(controls)

    def _size_docks(self) -> None:
        theme = current_theme()
        self.resizeDocks(
            [self.probe_dock, self.controls_dock],
            [round(w * theme.ui_font_scale) for w in (PROBE_WIDTH, CONTROLS_WIDTH)],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.transition_dock], [170], Qt.Orientation.Vertical)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # Network and partitions -----------------------------------------------------------------

    def _on_network_changed(self, model) -> None:
        self.network_label.setText(describe_network(model) + "  on [−1.25, 1.25]³")
        self.probe.set_model(model)
        self.transition_log.clear()

    def _on_train_clicked(self) -> None:
        self.controller.train(self.dataset_combo.currentData())

    def _on_training_started(self, title: str) -> None:
        self.train_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.training_bar.setValue(0)
        self.training_label.setText(f"Training on {title}…")

    def _on_training_progress(self, snapshot: TrainingSnapshot) -> None:
        self.training_bar.setValue(snapshot.epoch)
        accuracy = snapshot.history.test_score[-1]
        self.training_label.setText(
            f"epoch {snapshot.epoch}/{TRAINING.epochs} · test accuracy {accuracy:.0%}"
        )

    def _on_training_finished(self, status: str) -> None:
        self.train_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if status == "cancelled":
            self.training_label.setText(self.training_label.text() + " · cancelled")

    def _on_escape(self) -> None:
        """Esc stops a long partition while its progress shows, else the training."""
        if not self.partition_progress.isHidden():
            self.partition_progress.cancel_button.click()
        elif self.controller.is_training:
            self.controller.cancel_training()

    def _on_partition_ready(self, result: Cells3DResult) -> None:
        if self._shut_down:
            return
        self._result = result
        partition = result.partition
        self.layer_slider.set_layers(result.layers, result.n_layers)
        self.count_label.setText(f"{partition.n_regions:,}")
        self.count_caption.setText("cell" if partition.n_regions == 1 else "cells")
        self.status_label.setText(status_text_3d(result))
        with QSignalBlocker(self.layer_spin), QSignalBlocker(self.neuron_spin):
            self.layer_spin.setRange(1, max(result.n_layers, 1))
            self.neuron_spin.setRange(1, max(partition.layer_of_neuron.size, 1))
        session, self._pending_session = self._pending_session, None
        if session is not None:
            self._apply_pending_choices(session)
        dataset = self.controller.dataset
        scene = self.view.scene
        if dataset is not None:
            x = np.concatenate([dataset.x_train, dataset.x_test])
            y = np.concatenate([dataset.y_train, dataset.y_test])
            scene.set_points(x, y, dataset.n_classes)
        else:
            scene.set_points(None)
        scene.options = self._options()
        scene.set_partition(partition, result.surface)
        self.view.set_bounds(partition.bounds)
        self.view.set_probe_enabled(True)
        self._update_caption()
        self.probe.set_partition(partition, result.surface)
        if session is not None and session.probe is not None:
            self.probe.place_probe(np.array(session.probe))
        if session is not None and session.slice is not None:
            shown, origin, normal = session.slice  # after set_bounds, which resets the plane
            self.view.set_slice_plane(origin, normal)
            self.slice_check.setChecked(shown)
        self.view.render()
        self.partition_shown.emit(result)

    def _options(self) -> SceneOptions:
        neuron = self.neuron_spin.value() - 1 if self.neuron_check.isChecked() else None
        layer = self.layer_spin.value() - 1 if self.layer_check.isChecked() else None
        return SceneOptions(
            show_cells=self.cells_check.isChecked(),
            layer=layer,
            neuron=neuron,
            show_decision=self.decision_check.isChecked(),
            show_points=self.points_check.isChecked(),
            colour_by=self.colour_combo.currentData(),
            opacity=self.opacity_slider.value() / 100.0,
            explode=EXPLODE_MAX * self.explode_slider.value() / 100.0,
        )

    def _apply_options(self) -> None:
        if self._result is None or self._shut_down:
            return
        self.view.scene.set_options(self._options())
        self._update_caption()
        self.view.render()

    def _update_caption(self) -> None:
        result = self._result
        # VTK's font has no arrows.
        network = describe_network(result.model).replace(" → ", "-")
        lines = [f"{result.partition.n_regions:,} exact cells · {network}"]
        dataset = self.controller.dataset
        if dataset is not None:
            # A line of its own: in talk type one line of all three overflows the view.
            lines.append(f"trained on {DATASETS_3D[dataset.name].title.lower()}")
        shown = []
        options = self.view.scene.options
        if options.show_decision and result.surface is not None:
            shown.append("slate: decision surface")
        if options.layer is not None:
            shown.append(f"layer {options.layer + 1}'s faces")
        if options.neuron is not None and options.neuron < result.partition.layer_of_neuron.size:
            layer_of = result.partition.layer_of_neuron
            layer = int(layer_of[options.neuron])
            unit = options.neuron - int(np.searchsorted(layer_of, layer))
            shown.append(f"orange: layer {layer + 1}, neuron {unit + 1}'s bent plane")
            self.neuron_caption.setText(f"layer {layer + 1}, neuron {unit + 1}")
        shown.append("red: the probe's cell")
        lines.extend(shown)  # one legend entry a line: they stay inside the view
        self.view.set_caption("\n".join(lines))

    # Probe ----------------------------------------------------------------------------------

    def _on_probe_changed(self, state: ProbeState) -> None:
        readout = state.readout
        self.view.scene.set_highlighted_cell(readout.cell)
        self.view.set_probe_position(readout.point)
        partition = self.probe.partition
        self.probe_panel.set_readout(
            readout, state.last_flipped, VARIABLES, n_layers_total=partition.n_layers_total
        )
        self.transition_log.add_transitions(state.transitions)
        self.view.render()
        self.probe_shown.emit(state)

    # Slice ----------------------------------------------------------------------------------

    def _on_slice_toggled(self, checked: bool) -> None:
        self.view.set_slice_enabled(checked)
        self.slice_button.setEnabled(checked)

    def request_slice(self) -> None:
        """Ask for the slicing plane's exact 2-D cells on the Cells page."""
        origin, normal = self.view.slice_plane()
        section = box_slice(self.controller.bounds, origin, normal)
        self.slice_requested.emit(self.controller.model, section.bounds, section.plane)

    def _show_error(self, message: str) -> None:
        self.status_label.setText("The computation failed.")
        show_warning(self, message, "cells3dErrorBox")
