"""The Cells 3D page: the exact convex polyhedra of a 3-input network, in VTK.

The scene in the middle; the network, training and display controls
(:mod:`app.cells3d.controls`) and the Probe panel on the right; the Transition log below.
The probe is a sphere you drag through space; the slicing plane can be moved and tilted,
and its exact 2-D cells shown on the Cells page. Every setting lives in the controller's
:class:`app.cells3d.state.Cells3DState`: the controls write it, and :meth:`_show_state`
shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QToolBar,
    QWidget,
)

from app.cells3d.controller import Cells3DController, Cells3DResult
from app.cells3d.controls import Cells3DControls
from app.cells3d.probe import Probe3DController
from app.cells3d.state import BOX, Cells3DState
from app.cells3d.training import TRAINING
from app.jobs.partition_runner import follow_partitions
from app.probe.controller import ProbeState
from app.shell.window_close import WindowCloseWatcher
from engine.box_slice import box_slice
from engine.datasets import DATASETS_3D, Dataset
from engine.networks import describe_network
from widgets.cells3d.scene import VIEWS, SceneOptions
from widgets.cells3d.view import Cells3DView
from widgets.common.message_box import show_warning
from widgets.common.theme import Theme, current_theme, follow_theme
from widgets.probe.panel import ProbePanel
from widgets.probe.transition_log import TransitionLog

if TYPE_CHECKING:
    from app.cells3d.controller import Network
    from engine.training import TrainingSnapshot

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


def scene_options(state: Cells3DState) -> SceneOptions:
    """What the scene shows for ``state`` (0-based layer and neuron, fractions)."""
    return SceneOptions(
        show_cells=state.show_cells,
        layer=state.face_layer - 1 if state.show_layer_faces else None,
        neuron=state.neuron - 1 if state.show_neuron else None,
        show_decision=state.show_decision,
        show_points=state.show_points,
        colour_by=state.colour_by,
        opacity=state.opacity / 100.0,
        explode=EXPLODE_MAX * state.explode / 100.0,
    )


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
        self._started = False
        self._shut_down = False
        WindowCloseWatcher(self, self.shutdown)
        self.controls = Cells3DControls(self._shortcut, self)
        self._name_controls()
        self._build_docks()
        self._build_toolbar()
        self._shortcut("Esc", self._on_escape)

        c = self.controller
        self.controls.bind(c)
        c.state_changed.connect(self._show_state)
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
        self.slice_button.clicked.connect(self.request_slice)
        self.view.slice_moved.connect(self._on_slice_moved)
        self.view.probe_dragged.connect(self.probe.move_probe)
        self.probe.probe_changed.connect(self._on_probe_changed)
        self._on_network_changed(c.model)
        self.view.place_widgets(c.bounds)  # the slicing plane moves in the box from the start
        self._show_state(c.state)

    # Building -------------------------------------------------------------------------------

    def _name_controls(self) -> None:
        """The controls by their names on the page, as the page, sessions, presets and
        tests reach them (they live in :attr:`controls`)."""
        controls = self.controls
        self.network_label = controls.network_label
        self.dataset_combo = controls.dataset_combo
        self.train_button = controls.train_button
        self.cancel_button = controls.cancel_button
        self.random_button = controls.random_button
        self.training_bar = controls.training_bar
        self.training_label = controls.training_label
        self.layer_slider = controls.layer_slider
        self.count_label = controls.count_label
        self.count_caption = controls.count_caption
        self.status_label = controls.status_label
        self.partition_progress = controls.partition_progress
        self.cells_check = controls.cells_check
        self.decision_check = controls.decision_check
        self.points_check = controls.points_check
        self.layer_check = controls.layer_check
        self.layer_spin = controls.layer_spin
        self.neuron_check = controls.neuron_check
        self.neuron_spin = controls.neuron_spin
        self.neuron_caption = controls.neuron_caption
        self.colour_combo = controls.colour_combo
        self.opacity_slider = controls.opacity_slider
        self.explode_slider = controls.explode_slider
        self.slice_check = controls.slice_check
        self.slice_button = controls.slice_button

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
        scroll.setWidget(self.controls)
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

    def _shortcut(self, key: str, slot) -> QAction:
        """A key that works anywhere on this page (and only there: other pages have
        their own single-letter keys)."""
        action = QAction(self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

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

    def show_saved(
        self,
        model: Network,
        dataset: Dataset | None,
        state: Cells3DState,
        probe: np.ndarray | None = None,
    ) -> None:
        """Show a network, its data and settings restored from a session (no training:
        the saved weights are the point); the probe goes to ``probe`` once the cells show.
        ``state`` must be of ``model``'s shape (ValueError, changing nothing, otherwise)."""
        self._started = True  # the first show must not train over it
        self.controller.abandon_training()
        self.training_label.setText("restored from a session")
        self.controller.set_network(model, dataset, state)
        if probe is not None:
            self.probe.place_after_next_partition(probe)

    # Life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Train on the chosen data set and show its cells (done on first show otherwise)."""
        if self._started or self._shut_down:
            return
        self._started = True
        self.controller.train_chosen()

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

    # The state ------------------------------------------------------------------------------

    def _show_state(self, state: Cells3DState) -> None:
        """Show ``state``: every control (without echoing it back), the slicing plane and,
        once cells are drawn, what the scene shows."""
        self.controls.show_state(state)
        self._show_slice(state)
        if self._result is None or self._shut_down:
            return
        options = scene_options(state)
        if options != self.view.scene.options:
            self.view.scene.set_options(options)
            self._update_caption()
            self.view.render()

    def _show_slice(self, state: Cells3DState) -> None:
        """Put the view's slicing plane where ``state`` says (no echo)."""
        view = self.view
        if view.slice_enabled != state.slice_shown:
            view.set_slice_enabled(state.slice_shown)
        origin, normal = view.slice_plane()
        wanted = np.asarray(state.slice_normal) / np.linalg.norm(state.slice_normal)
        if not (
            np.allclose(origin, state.slice_origin, rtol=0.0, atol=1e-12)
            and np.allclose(normal, wanted, rtol=0.0, atol=1e-12)
        ):
            with QSignalBlocker(view):
                view.set_slice_plane(state.slice_origin, state.slice_normal)

    def _on_slice_moved(self, origin: np.ndarray, normal: np.ndarray) -> None:
        # The plane widget keeps its centre in the box; rounding must not push it out.
        inside = np.clip(origin, BOX[0::2], BOX[1::2])
        self.controller.update(
            slice_origin=tuple(float(v) for v in inside),
            slice_normal=tuple(float(v) for v in normal),
        )

    # Network and partitions -----------------------------------------------------------------

    def _on_network_changed(self, model) -> None:
        self.network_label.setText(describe_network(model) + "  on [−1.25, 1.25]³")
        self.probe.set_model(model)
        self.transition_log.clear()

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
        with self.view.one_render():  # each step below draws: the scene is drawn once
            self._show_partition(result)
        self.partition_shown.emit(result)

    def _show_partition(self, result: Cells3DResult) -> None:
        self._result = result
        partition = result.partition
        self.count_label.setText(f"{partition.n_regions:,}")
        self.count_caption.setText("cell" if partition.n_regions == 1 else "cells")
        self.status_label.setText(status_text_3d(result))
        dataset = self.controller.dataset
        scene = self.view.scene
        if dataset is not None:
            x = np.concatenate([dataset.x_train, dataset.x_test])
            y = np.concatenate([dataset.y_train, dataset.y_test])
            scene.set_points(x, y, dataset.n_classes)
        else:
            scene.set_points(None)
        scene.options = scene_options(self.controller.state)
        scene.set_partition(partition, result.surface)
        self.view.set_bounds(partition.bounds)
        self._show_slice(self.controller.state)  # set_bounds put the plane in the middle
        self.view.set_probe_enabled(True)
        self._update_caption()
        self.probe.set_partition(partition, result.surface)
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

    def request_slice(self) -> None:
        """Ask for the slicing plane's exact 2-D cells on the Cells page."""
        state = self.controller.state
        section = box_slice(self.controller.bounds, state.slice_origin, state.slice_normal)
        self.slice_requested.emit(self.controller.torch_model(), section.bounds, section.plane)

    def _show_error(self, message: str) -> None:
        self.status_label.setText("The computation failed.")
        show_warning(self, message, "cells3dErrorBox")
