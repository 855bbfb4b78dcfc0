"""The Cells page: the exact linear regions of a 2-D network, layer by layer, and a probe.

The page is a QMainWindow inside the main window's tabs so that its panels are docks:
the network and probe panels on the right, the path plot, the transition log and (for
sliced image inputs) the matched-filter images below the canvas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from app.cells.controller import Bounds, CellsController, CellsResult, Plane
from app.cells.failure_box import memory_budget_box, partition_error_box
from app.cells.state import DEFAULT_BOUNDS, PANELS, CellsState
from app.jobs.partition_runner import follow_partitions, partition_progress_bar
from app.probe.controller import PathState, ProbeController, ProbeState
from app.probe.distance_disc import disc_norm_box, distance_disc_action, probe_disc
from engine.memory_budget import MemoryBudgetError
from engine.networks import NetworkLayers, describe_network, random_mlp_layers
from widgets.canvas.cell_canvas import CellCanvas
from widgets.canvas.distance_disc import DistanceDisc, disc_text
from widgets.cells.network_panel import NetworkPanel
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.notation import output_names
from widgets.probe.matched_filter import MatchedFilterView, image_shape
from widgets.probe.panel import ProbePanel
from widgets.probe.path_plot import PathPlot
from widgets.probe.transition_log import TransitionLog

if TYPE_CHECKING:
    from torch import nn


def default_model() -> NetworkLayers:
    """The network shown at start-up: a fixed random 2 → 16 → 16 → 16 → 2 ReLU MLP, the
    layers of ``random_mlp([16, 16, 16], seed=3)`` bit for bit, drawn without torch."""
    return random_mlp_layers([16, 16, 16], n_inputs=2, n_outputs=2, seed=3)


def status_text(result: CellsResult) -> str:
    """The status-bar line for a result: count, layers and time."""
    count = result.partition.n_regions
    noun = "cell" if count == 1 else "cells"
    milliseconds = result.seconds * 1000.0
    return (
        f"{count} {noun} · layers {result.layers}/{result.n_layers} · "
        f"computed in {milliseconds:.0f} ms"
    )


class CellsPage(QMainWindow):
    """The canvas in the middle; the network, probe, path and transition panels as docks.

    Its controls show ``controller.state`` and change it through the controller; the page
    keeps no setting of its own.

    Signals
    -------
    status_changed(str) : a line for the window's status bar.
    partition_shown(object) : a CellsResult has just been drawn.
    probe_shown(object) : a ProbeState has just been shown.
    path_shown(object) : a PathState (or None, path cleared) has just been shown.
    """

    status_changed = Signal(str)
    partition_shown = Signal(object)
    probe_shown = Signal(object)
    path_shown = Signal(object)

    def __init__(
        self,
        controller: CellsController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # A page in the main window's tabs, not a window of its own.
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setObjectName("cellsPage")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.controller = controller or CellsController(default_model(), DEFAULT_BOUNDS)
        self.controller.setParent(self)
        self.probe = ProbeController(self.controller.network, self)
        self._pending_probe: tuple | None = None  # (probe, path) to restore, see sessions

        self.canvas = CellCanvas(self)
        self.canvas.set_path_drawing_enabled(True)
        self.disc = DistanceDisc(self.canvas.getPlotItem())
        self.disc.clear()
        self.disc_result = None  # the BoundaryDistance drawn, or None
        self.setCentralWidget(self.canvas)
        self._build_docks()
        self._build_toolbar()

        c = self.controller
        self.layer_slider.layers_changed.connect(c.set_layers)
        self.path_tool_action.toggled.connect(lambda on: c.update(path_tool=on))
        self.matched_filter_action.toggled.connect(self._on_matched_filter_action)
        self.disc_action.toggled.connect(lambda on: c.update(distance_disc=on))
        self.disc_norm_box.currentIndexChanged.connect(
            lambda: c.update(disc_norm=self.disc_norm_box.currentData())
        )
        for dock in self._panel_docks.values():
            dock.visibilityChanged.connect(self._on_panel_toggled)
        c.state_changed.connect(self._show_state)
        c.network_changed.connect(self._on_network_changed)
        c.partition_ready.connect(self._on_partition_ready)
        c.partition_failed.connect(self._show_error)
        c.network_restored.connect(self._on_network_restored)
        c.model_built.connect(self.probe.adopt_model)
        follow_partitions(
            self.controller,
            self.progress,
            self.layer_slider,
            self.status_changed.emit,
            lambda: self.canvas.partition.n_regions if self.canvas.partition else None,
        )
        self.canvas.probe_moved.connect(self.probe.move_probe)
        self.canvas.path_changed.connect(self.probe.set_path)
        self.probe.probe_changed.connect(self._on_probe_changed)
        self.probe.path_changed.connect(self._on_path_changed)
        self._describe_network()
        self._show_state(c.state)

    # Building -------------------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        return dock

    def _build_docks(self) -> None:
        panel_font = scaled_font(self.font(), 1.1)
        self.network_dock = self._dock("Network", "networkDock", self._build_side_panel())
        self.probe_panel = ProbePanel()
        give_own_font(self.probe_panel, panel_font)
        self.probe_dock = self._dock("Probe", "probeDock", self.probe_panel)
        self.path_plot = PathPlot()
        self.path_dock = self._dock("Path", "pathDock", self.path_plot)
        self.transition_log = TransitionLog()
        self.transition_dock = self._dock("Transitions", "transitionDock", self.transition_log)
        self.matched_filter_view = MatchedFilterView()
        self.matched_filter_dock = self._dock(
            "Matched filters", "matchedFilterDock", self.matched_filter_view
        )
        right, bottom = (
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.addDockWidget(right, self.network_dock)
        self.addDockWidget(right, self.probe_dock)
        self.splitDockWidget(self.network_dock, self.probe_dock, Qt.Orientation.Vertical)
        self.addDockWidget(bottom, self.path_dock)
        self.addDockWidget(bottom, self.transition_dock)
        self.splitDockWidget(self.path_dock, self.transition_dock, Qt.Orientation.Horizontal)
        self.addDockWidget(bottom, self.matched_filter_dock)
        self.splitDockWidget(
            self.transition_dock, self.matched_filter_dock, Qt.Orientation.Horizontal
        )
        self.matched_filter_dock.hide()
        self.matched_filter_dock.toggleViewAction().setEnabled(False)
        # The panels a user shows or hides (the matched-filter images follow the probe).
        self._panel_docks = dict(
            zip(
                PANELS,
                (self.network_dock, self.probe_dock, self.path_dock, self.transition_dock),
                strict=True,
            )
        )
        self._matched_filter_dock_placed = False
        self._docks_sized = False

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            # Dock sizes only stick once the page has been laid out at its real size.
            QTimer.singleShot(0, self._size_docks)

    def _size_docks(self) -> None:
        """Give the probe panel the room the network panel does not need, the canvas most."""
        width = max(self.width() - self.network_dock.width(), 400)
        self.resizeDocks([self.path_dock], [220], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.path_dock, self.transition_dock],
            [int(width * 0.58), int(width * 0.42)],
            Qt.Orientation.Horizontal,
        )
        network_height = self.network_dock.widget().natural_height() + 24
        self.resizeDocks(
            [self.network_dock, self.probe_dock],
            [network_height, max(self.height() - network_height, 200)],
            Qt.Orientation.Vertical,
        )

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Probe tools", self)
        toolbar.setObjectName("probeToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

        self.path_tool_action = QAction("Path tool", self)
        self.path_tool_action.setObjectName("pathToolAction")
        self.path_tool_action.setCheckable(True)
        self.path_tool_action.setShortcut(QKeySequence("P"))
        self.path_tool_action.setToolTip(
            "Drag on the cells to draw a straight path (P).\n"
            "Without the tool, Shift-drag draws one; plain drag pans."
        )
        self.clear_path_action = QAction("Clear path", self)
        self.clear_path_action.setObjectName("clearPathAction")
        self.clear_path_action.setToolTip("Remove the path (Esc)")
        self.clear_path_action.setEnabled(False)
        self.clear_path_action.triggered.connect(self.probe.clear_path)
        # Esc stops a long partition while its progress shows, else clears the path (one
        # action: two with the same key would cancel each other out).
        self.escape_action = QAction("Cancel the partition or clear the path", self)
        self.escape_action.setObjectName("escapeAction")
        self.escape_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.escape_action.triggered.connect(self._on_escape)
        self.addAction(self.escape_action)
        self.matched_filter_action = QAction("Matched filters", self)
        self.matched_filter_action.setObjectName("matchedFilterAction")
        self.matched_filter_action.setCheckable(True)
        self.matched_filter_action.setShortcut(QKeySequence("M"))
        self.matched_filter_action.setToolTip(
            "Draw the rows of the probe cell's A, the templates each output matches the "
            "input against, as arrows from the probe (M).\nDirections and relative lengths "
            "are exact; the longest arrow is drawn at a fixed length."
        )
        self.disc_action = distance_disc_action(self)
        self.disc_norm_box = disc_norm_box(toolbar)
        for action in (self.path_tool_action, self.clear_path_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.matched_filter_action)
        toolbar.addSeparator()
        toolbar.addAction(self.disc_action)
        toolbar.addWidget(self.disc_norm_box)
        toolbar.addSeparator()
        hint = QLabel(
            "  Drag the red probe · arrow keys nudge it (Shift ×10) · Shift-drag draws a path",
            toolbar,
        )
        hint.setStyleSheet("color: #555;")
        toolbar.addWidget(hint)

    def view_actions(self) -> list[QAction]:
        """Actions that show or hide the page's panels, for a View menu."""
        docks = (
            self.network_dock,
            self.probe_dock,
            self.path_dock,
            self.transition_dock,
            self.matched_filter_dock,
        )
        return [dock.toggleViewAction() for dock in docks]

    def _build_side_panel(self) -> NetworkPanel:
        self.progress = partition_progress_bar("the cells", "partitionProgress", self)
        self.network_panel = NetworkPanel(self.progress, self)
        self.layer_slider = self.network_panel.layer_slider
        return self.network_panel

    # State ----------------------------------------------------------------------------------

    def _show_state(self, state: CellsState) -> None:
        """Set every control to ``state`` (without echoing the change back)."""
        self.layer_slider.set_layers(state.layers, state.n_layers)
        self.network_panel.domain_label.setText(self._domain_text(state.bounds))
        with QSignalBlocker(self.path_tool_action):
            self.path_tool_action.setChecked(state.path_tool)
        self.canvas.set_path_tool(state.path_tool)
        if self.matched_filter_action.isChecked() != state.matched_filters:
            with QSignalBlocker(self.matched_filter_action):
                self.matched_filter_action.setChecked(state.matched_filters)
            self._apply_matched_filters(state.matched_filters)
        for name, dock in self._panel_docks.items():
            shown = name in state.panels
            if dock.isHidden() == shown:
                with QSignalBlocker(dock):
                    dock.setVisible(shown)
        with QSignalBlocker(self.disc_action), QSignalBlocker(self.disc_norm_box):
            self.disc_action.setChecked(state.distance_disc)
            self.disc_norm_box.setCurrentIndex(self.disc_norm_box.findData(state.disc_norm))
        self._show_disc()

    def _on_panel_toggled(self) -> None:
        # Panels also become invisible when the page's tab is hidden: only a panel hidden
        # on purpose (its close button, the View menu) counts as not shown.
        shown = tuple(name for name, dock in self._panel_docks.items() if not dock.isHidden())
        self.controller.update(panels=shown)

    def _domain_text(self, bounds: Bounds) -> str:
        xmin, xmax, ymin, ymax = bounds
        text = f"on [{xmin:g}, {xmax:g}] × [{ymin:g}, {ymax:g}]"
        if self.controller.plane is not None:
            text += f" of a plane through its {len(self.controller.plane[0])}-D input space"
        return text

    def _describe_network(self) -> None:
        """The network and domain labels."""
        self.network_panel.network_label.setText(describe_network(self.controller.network))
        self.network_panel.domain_label.setText(self._domain_text(self.controller.bounds))

    def set_network(
        self,
        model: nn.Sequential | NetworkLayers,
        bounds: Bounds = DEFAULT_BOUNDS,
        *,
        plane: Plane | None = None,
    ) -> None:
        """Show the cells of ``model`` on ``bounds`` (of ``plane`` for more than 2 inputs).

        The probe, path and transition log start afresh. Raises ValueError, leaving the
        page as it was, for a network the engine cannot partition or a wrong plane.
        """
        self.controller.set_network(model, bounds, plane=plane)

    def _on_network_changed(self, model: nn.Sequential | NetworkLayers) -> None:
        """Another network: its labels, and a fresh probe and transition log."""
        self.probe.set_model(model)
        self.transition_log.clear()
        self._describe_network()

    def _on_network_restored(self, model: nn.Sequential | NetworkLayers) -> None:
        """A cancel went back to the network on screen: its labels and its probe."""
        self._on_network_changed(model)
        shown = self.controller.result
        if shown is not None:
            self.probe.set_partition(shown.partition, shown.boundary)

    def place_probe_when_shown(
        self, probe: tuple[float, float] | None, path: tuple[tuple[float, float], ...] | None
    ) -> None:
        """Put the probe at ``probe`` and draw ``path`` ((a, b)) once the next partition
        is shown (a restored session's probe needs its partition first)."""
        self._pending_probe = (probe, path)

    def start(self) -> None:
        """Compute the first partition."""
        self.controller.request_partition()

    def shutdown(self) -> None:
        """Stop background work; call before the page goes away."""
        self.controller.shutdown()

    def _on_escape(self) -> None:
        if not self.progress.isHidden():
            self.progress.cancel_button.click()
        elif self.clear_path_action.isEnabled():
            self.clear_path_action.trigger()

    def _on_partition_ready(self, result: CellsResult) -> None:
        self.canvas.set_partition(result.partition, result.boundary)
        self.layer_slider.set_layers(result.layers, result.n_layers)
        self.network_panel.show_count(result.partition.n_regions)
        self.probe.set_partition(result.partition, result.boundary)
        if self._pending_probe is not None:
            (probe, path), self._pending_probe = self._pending_probe, None
            if probe is not None:
                self.probe.place_probe(*probe)
            if path is not None:
                self.probe.set_path(*path[0], *path[1])
        self.status_changed.emit(status_text(result))
        self.partition_shown.emit(result)

    # Probe ----------------------------------------------------------------------------------

    def _on_probe_changed(self, state: ProbeState) -> None:
        readout = state.readout
        self.canvas.set_probe(readout.point)
        self.canvas.set_highlighted_cell(readout.cell)
        partition = self.probe.partition
        variables = ("x₁", "x₂") if self.controller.plane is None else ("s", "t")
        self.probe_panel.set_readout(
            readout,
            state.last_flipped,
            variables,
            n_layers_total=partition.n_layers_total,
        )
        self.transition_log.add_transitions(state.transitions)
        self._show_matched_filters(state)
        self._show_disc()
        self.probe_shown.emit(state)

    def _show_disc(self) -> None:
        """The distance disc around the probe, when the option is on (else nothing)."""
        state = self.controller.state
        result, reason = None, ""
        if state.distance_disc and self.probe.state is not None:
            point = self.probe.state.readout.point
            result, reason = probe_disc(
                self.probe.partition, self.probe.boundary, point, state.disc_norm
            )
        self.disc_result = result
        self.disc.show_result(result)
        if not state.distance_disc:
            self.probe_panel.set_disc_text(None)
        elif result is None:
            self.probe_panel.set_disc_text(reason or None)
        else:
            one_output = self.probe.partition.c.shape[1] == 1
            self.probe_panel.set_disc_text(disc_text(result, 0 if one_output else 1))

    def _show_matched_filters(self, state: ProbeState) -> None:
        readout = state.readout
        shown = self.controller.state.matched_filters
        if shown and readout.is_output:
            names = output_names(len(readout.A))
            self.canvas.set_matched_filters(readout.point, readout.A, ["∇" + n for n in names])
        else:
            self.canvas.clear_matched_filters()
        shape = None
        if state.local_map is not None:
            shape = image_shape(state.local_map.jacobian.shape[1])
        # The images panel only exists for sliced image inputs (d = h * w).
        self.matched_filter_dock.toggleViewAction().setEnabled(shape is not None)
        if shape is None:
            self.matched_filter_dock.hide()
            return
        if shown and not self._matched_filter_dock_placed:
            self._matched_filter_dock_placed = True
            self.matched_filter_dock.show()
            width = self.path_dock.width() + self.transition_dock.width()
            self.resizeDocks(
                [self.path_dock, self.transition_dock, self.matched_filter_dock],
                [int(width * 0.36), int(width * 0.26), int(width * 0.38)],
                Qt.Orientation.Horizontal,
            )
        self.matched_filter_view.set_templates(state.local_map.jacobian, shape)

    def _on_matched_filter_action(self, checked: bool) -> None:
        self.controller.update(matched_filters=checked)
        self._apply_matched_filters(checked)

    def _apply_matched_filters(self, checked: bool) -> None:
        """The M key's setting: arrows and (for image inputs) the template images."""
        applicable = self.matched_filter_dock.toggleViewAction().isEnabled()
        if self._matched_filter_dock_placed and applicable:
            self.matched_filter_dock.setVisible(checked)
        if self.probe.state is not None:
            self._show_matched_filters(self.probe.state)

    def _on_path_changed(self, path: PathState | None) -> None:
        self.clear_path_action.setEnabled(path is not None)
        if path is None:
            self.canvas.clear_path()
            self.path_plot.clear()
        else:
            self.canvas.set_path(path.a, path.b, path.points)
            walk = path.crossings
            self.path_plot.set_walk(walk.breakpoints, walk.outputs, walk.t, path.n_cells)
        self.path_shown.emit(path)

    def _show_error(self, message: str) -> QMessageBox:
        self.progress.finish()
        self.status_changed.emit("The partition failed.")
        return partition_error_box(
            self, message, self.controller, self.raise_cell_limit, self.zoom_in
        )

    def raise_cell_limit(self, max_regions: int) -> None:
        """Partition again with a new cell limit; a limit past the memory budget is refused
        with a message and nothing is computed."""
        try:
            self.controller.set_max_regions(max_regions)
        except MemoryBudgetError as error:
            self.status_changed.emit("The cell limit was not raised.")
            memory_budget_box(self, str(error))

    def zoom_in(self) -> None:
        """Partition the middle half of the current rectangle."""
        xmin, xmax, ymin, ymax = self.controller.bounds
        dx, dy = (xmax - xmin) / 4, (ymax - ymin) / 4
        self.controller.set_bounds((xmin + dx, xmax - dx, ymin + dy, ymax - dy))
