"""The Jigsaw page: the input plane's exact cells beside their images in a hidden layer.

Left, the cells of a small trained network over the data's square, with the training
points; right, each cell mapped affinely into a 2-D projection of the chosen hidden layer
(the first two principal axes of the training points' activations, or two units), in the
same colours. Hovering a cell in either view outlines it in both. The pieces fit together
like a jigsaw, and fold over each other where the map mirrors one piece but not its
neighbour: not the smooth cloud a UMAP picture suggests. In 3-D (three principal axes or
three units) every piece is a flat polygon in space, drawn with VTK; its view is made the
first time it is needed.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.jigsaw.controller import JigsawController
from app.jigsaw.readout import hover_text, scene_text
from app.jigsaw.scene import JigsawScene, TrainingProgress
from app.jigsaw.state import (
    DATASET_NAMES,
    DEPTH_MAX,
    EPOCHS_MAX,
    EPOCHS_MIN,
    SEED_MAX,
    WIDTH_MAX,
    WIDTH_MIN,
    JigsawState,
)
from app.shell.window_close import WindowCloseWatcher
from engine.datasets import DATASETS
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.job_progress import JobProgress
from widgets.common.message_box import show_warning
from widgets.jigsaw.input_view import InputCellView
from widgets.jigsaw.latent3d_view import LatentJigsaw3DView
from widgets.jigsaw.latent_view import LatentJigsawView

ACTIVATION_TITLES = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "abs": "|x|"}
PROJECTION_TITLES = {"pca": "PCA of the training activations", "units": "units"}
DIMENSION_TITLES = {2: "2-D", 3: "3-D"}


def _spin(parent: QWidget, name: str, low: int, high: int, tip: str, step: int = 1) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)
    spin.setToolTip(tip)
    return spin


def _titled(title: str, view: QWidget, parent: QWidget) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(2)
    heading = QLabel(title, parent)
    give_own_font(heading, scaled_font(parent.font(), 1.2, bold=True))
    column.addWidget(heading)
    column.addWidget(view, 1)
    return column


class JigsawPage(QWidget):
    """The latent jigsaw page. Call :meth:`shutdown` (or close its window) before it goes.

    Signals
    -------
    results_shown() : a jigsaw is on screen (after every new scene).
    """

    results_shown = Signal()

    def __init__(
        self, controller: JigsawController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("jigsawPage")
        self.controller = controller or JigsawController()
        self.controller.setParent(self)
        WindowCloseWatcher(self, self.shutdown)
        self._started = False
        self._shut_down = False
        self._scene: JigsawScene | None = None
        self.latent3d_view: LatentJigsaw3DView | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(self._build_network_row())
        self.views = QWidget(self)
        self.views.setObjectName("jigsawViews")
        self.input_view = InputCellView(self.views)
        self.latent_view = LatentJigsawView(self.views)
        self.latent_stack = QStackedWidget(self.views)
        self.latent_stack.setObjectName("jigsawLatentStack")
        self.latent_stack.addWidget(self.latent_view)
        row = QHBoxLayout(self.views)
        row.setContentsMargins(0, 0, 0, 0)
        row.addLayout(_titled("Input plane: the exact cells", self.input_view, self.views), 1)
        row.addLayout(
            _titled("Hidden layer: the same cells, mapped", self.latent_stack, self.views), 1
        )
        layout.addLayout(self._build_view_row())
        layout.addWidget(self.views, 1)
        self.readout = QLabel("Training…", self)
        self.readout.setObjectName("jigsawReadout")
        self.readout.setWordWrap(True)
        self.hover_readout = QLabel("Hover a cell in either view: it lights in both.", self)
        self.hover_readout.setObjectName("jigsawHoverReadout")
        for label in (self.readout, self.hover_readout):
            give_own_font(label, scaled_font(self.font(), 1.1))
            layout.addWidget(label)

        c = self.controller
        self.dataset_box.currentIndexChanged.connect(
            lambda: c.update(dataset=self.dataset_box.currentData())
        )
        self.depth_spin.valueChanged.connect(c.set_depth)
        self.width_spin.valueChanged.connect(c.set_width)
        self.activation_box.currentIndexChanged.connect(
            lambda: c.update(activation=self.activation_box.currentData())
        )
        self.epochs_spin.valueChanged.connect(lambda n: c.update(epochs=n))
        self.seed_spin.valueChanged.connect(lambda n: c.update(seed=n))
        self.layer_spin.valueChanged.connect(lambda k: c.update(layer=k))
        self.projection_box.currentIndexChanged.connect(
            lambda: c.set_projection(self.projection_box.currentData())
        )
        self.dimensions_box.currentIndexChanged.connect(
            lambda: c.set_dimensions(self.dimensions_box.currentData())
        )
        self.unit_x_spin.valueChanged.connect(lambda u: c.set_unit(0, u))
        self.unit_y_spin.valueChanged.connect(lambda u: c.set_unit(1, u))
        self.unit_z_spin.valueChanged.connect(lambda u: c.set_unit(2, u))
        toggle = QShortcut(QKeySequence("V"), self)
        toggle.activated.connect(lambda: c.set_dimensions(5 - c.state.dimensions))
        self.folds_check.toggled.connect(lambda shown: c.update(show_folds=shown))
        self.progress.cancel_requested.connect(c.cancel_training)
        self.input_view.cell_hovered.connect(self.set_hovered_cell)
        self.latent_view.cell_hovered.connect(self.set_hovered_cell)
        c.state_changed.connect(self._show_state)
        c.training_started.connect(self._on_training_started)
        c.training_progress.connect(self._on_training_progress)
        c.training_finished.connect(self._on_training_finished)
        c.scene_ready.connect(self._on_scene_ready)
        c.failed.connect(self._show_error)
        self._show_state(c.state)

    # --- construction ---------------------------------------------------------------------

    def _build_network_row(self) -> QHBoxLayout:
        self.dataset_box = QComboBox(self)
        self.dataset_box.setObjectName("jigsawDataset")
        self.dataset_box.setToolTip("The 2-D data set the network learns")
        for name in DATASET_NAMES:
            self.dataset_box.addItem(DATASETS[name].title, name)
        self.depth_spin = _spin(self, "jigsawDepth", 1, DEPTH_MAX, "Hidden layers of the network")
        self.width_spin = _spin(self, "jigsawWidth", WIDTH_MIN, WIDTH_MAX, "Units per hidden layer")
        self.activation_box = QComboBox(self)
        self.activation_box.setObjectName("jigsawActivation")
        self.activation_box.setToolTip("The piecewise-linear activation of every hidden unit")
        for key, title in ACTIVATION_TITLES.items():
            self.activation_box.addItem(title, key)
        self.epochs_spin = _spin(
            self, "jigsawEpochs", EPOCHS_MIN, EPOCHS_MAX, "Training epochs (Adam)", step=50
        )
        self.seed_spin = _spin(
            self, "jigsawSeed", 0, SEED_MAX, "Seeds the points, the initial weights and the batches"
        )
        self.progress = JobProgress("the training", parent=self)
        self.progress.setObjectName("jigsawProgress")
        row = QHBoxLayout()
        for text, widget in (
            ("Data", self.dataset_box),
            ("Hidden layers", self.depth_spin),
            ("Width", self.width_spin),
            ("Activation", self.activation_box),
            ("Epochs", self.epochs_spin),
            ("Seed", self.seed_spin),
        ):
            row.addWidget(QLabel(text, self))
            row.addWidget(widget)
            row.addSpacing(8)
        row.addStretch(1)
        return row

    def _build_view_row(self) -> QHBoxLayout:
        self.layer_spin = _spin(
            self, "jigsawLayer", 1, DEPTH_MAX, "The hidden layer drawn on the right"
        )
        self.projection_box = QComboBox(self)
        self.projection_box.setObjectName("jigsawProjection")
        self.projection_box.setToolTip("How the layer's activations are flattened to a plane")
        for key, title in PROJECTION_TITLES.items():
            self.projection_box.addItem(title, key)
        self.unit_x_spin = _spin(
            self, "jigsawUnitX", 1, WIDTH_MAX, "The unit on the horizontal axis"
        )
        self.unit_y_spin = _spin(self, "jigsawUnitY", 1, WIDTH_MAX, "The unit on the vertical axis")
        self.unit_z_spin = _spin(
            self, "jigsawUnitZ", 1, WIDTH_MAX, "The unit on the third axis (3-D view)"
        )
        self.dimensions_box = QComboBox(self)
        self.dimensions_box.setObjectName("jigsawDimensions")
        self.dimensions_box.setToolTip(
            "Project the layer to a plane (2-D) or to a space you turn with the mouse (3-D: "
            "three principal axes or three units; every piece is a flat polygon) (V)"
        )
        for key, title in DIMENSION_TITLES.items():
            self.dimensions_box.addItem(title, key)
        self.folds_check = QCheckBox("Folds", self)
        self.folds_check.setObjectName("jigsawFolds")
        self.folds_check.setShortcut("F")
        self.folds_check.setToolTip(
            "Draw in orange the edges along which the jigsaw folds: the pieces on their two "
            "sides are mapped with opposite orientations and overlap (F)"
        )
        row = QHBoxLayout()
        row.addWidget(self.progress, 2)
        row.addStretch(1)
        for text, widget in (
            ("Layer", self.layer_spin),
            ("View", self.dimensions_box),
            ("Projection", self.projection_box),
            ("Units", self.unit_x_spin),
            ("", self.unit_y_spin),
            ("", self.unit_z_spin),
        ):
            if text:
                row.addWidget(QLabel(text, self))
            row.addWidget(widget)
        row.addSpacing(8)
        row.addWidget(self.folds_check)
        return row

    # --- linked hover ---------------------------------------------------------------------

    @property
    def hovered_cell(self) -> int | None:
        """The cell outlined in both views, or None."""
        return self.input_view.highlighted_cell

    def set_hovered_cell(self, cell: int | None) -> None:
        """Outline cell ``cell`` in both views (None or -1: none) and describe it."""
        scene = self._scene
        if scene is None or cell is None or cell < 0:
            cell = None
        self.input_view.set_highlighted_cell(cell)
        self.latent_view.set_highlighted_cell(cell)
        if self.latent3d_view is not None:
            self.latent3d_view.set_highlighted_cell(cell)
        if cell is None:
            self.hover_readout.setText("Hover a cell in either view: it lights in both.")
        else:
            self.hover_readout.setText(hover_text(scene, cell))

    # --- life cycle -----------------------------------------------------------------------

    @property
    def first_results_shown(self) -> bool:
        """Whether a jigsaw is on screen."""
        return self._scene is not None

    @property
    def scene(self) -> JigsawScene | None:
        """The jigsaw on screen, or None before the first."""
        return self._scene

    def start(self) -> None:
        """Train the first network (done on first show otherwise)."""
        if self._started or self._shut_down:
            return
        self._started = True
        self.controller.train()

    def shutdown(self) -> None:
        """Stop the workers. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self.controller.shutdown()
        if self.latent3d_view is not None:
            self.latent3d_view.finalize()

    def _latent3d(self) -> LatentJigsaw3DView:
        """The 3-D view, made on first use (VTK opens a window for it)."""
        if self.latent3d_view is None:
            self.latent3d_view = LatentJigsaw3DView(self.latent_stack)
            self.latent_stack.addWidget(self.latent3d_view)
            self.latent3d_view.cell_hovered.connect(self.set_hovered_cell)
        return self.latent3d_view

    @property
    def latent_shown(self) -> QWidget:
        """The latent view on screen: the 2-D plot or the 3-D scene."""
        return self.latent_stack.currentWidget()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    # --- slots ----------------------------------------------------------------------------

    def _show_state(self, state: JigsawState) -> None:
        """Set every control to ``state`` (without echoing the change back)."""
        for box, value in (
            (self.dataset_box, state.dataset),
            (self.activation_box, state.activation),
            (self.projection_box, state.projection),
        ):
            with QSignalBlocker(box):
                box.setCurrentIndex(box.findData(value))
        for spin, value, high in (
            (self.depth_spin, state.depth, DEPTH_MAX),
            (self.width_spin, state.width, WIDTH_MAX),
            (self.epochs_spin, state.epochs, EPOCHS_MAX),
            (self.seed_spin, state.seed, SEED_MAX),
            (self.layer_spin, state.layer, state.depth),
            (self.unit_x_spin, state.unit_x, state.width),
            (self.unit_y_spin, state.unit_y, state.width),
            (self.unit_z_spin, state.unit_z, state.width),
        ):
            with QSignalBlocker(spin):
                spin.setMaximum(high)
                spin.setValue(value)
        with QSignalBlocker(self.dimensions_box):
            self.dimensions_box.setCurrentIndex(self.dimensions_box.findData(state.dimensions))
        with QSignalBlocker(self.folds_check):
            self.folds_check.setChecked(state.show_folds)
        self.latent_view.show_folds(state.show_folds)
        self.folds_check.setEnabled(state.dimensions == 2)
        units = state.projection == "units"
        self.unit_x_spin.setEnabled(units)
        self.unit_y_spin.setEnabled(units)
        self.unit_z_spin.setEnabled(state.uses_three_units)
        self.unit_z_spin.setVisible(state.dimensions == 3)

    def _on_training_started(self) -> None:
        self.progress.start()
        self.readout.setText("Training…")

    def _on_training_progress(self, progress: TrainingProgress) -> None:
        if progress.stage == "cells":
            text = "cutting the exact cells…"
        else:
            text = f"epoch {progress.epoch} of {progress.epochs}"
        self.progress.set_progress(progress.epoch, progress.epochs, text)

    def _on_training_finished(self, status: str) -> None:
        self.progress.finish()
        if status == "done":
            return
        if self._scene is not None:
            self.readout.setText(scene_text(self._scene) + f" · newest training {status}")
        else:
            self.readout.setText(f"Training {status}: change a setting to train again.")

    def _on_scene_ready(self, scene: JigsawScene) -> None:
        network = scene.network
        dataset = network.dataset
        first = self._scene is None or self._scene.network is not network
        self._scene = scene
        if first:
            self.input_view.set_partition(network.partition)
            self.input_view.set_points(dataset.x_train, dataset.y_train, dataset.n_classes)
        keys = network.partition.colour_keys
        latent = self._latent3d() if scene.dimensions == 3 else self.latent_view
        latent.set_jigsaw(scene.jigsaw, keys, _axis_titles(scene))
        latent.set_points(scene.latent_points, dataset.y_train, dataset.n_classes)
        self.latent_stack.setCurrentWidget(latent)
        self.readout.setText(scene_text(scene))
        self.set_hovered_cell(None)
        self.results_shown.emit()

    def _show_error(self, message: str) -> None:
        show_warning(self, message, "jigsawErrorBox")


def _axis_titles(scene: JigsawScene) -> tuple[str, str]:
    projection = scene.projection
    names = projection.axis_names
    if projection.explained is None:
        return names
    return tuple(
        f"{name} ({100 * share:.0f}% of the variance)"
        for name, share in zip(names, projection.explained, strict=True)
    )
