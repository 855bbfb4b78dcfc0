"""The Cells page: the exact linear regions of a 2-D network, layer by layer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout, QWidget
from torch import nn

from app.cells_controller import Bounds, CellsController, CellsResult
from engine.networks import network_layers, random_mlp
from widgets.cell_canvas import CellCanvas
from widgets.layer_slider import LayerSlider

DEFAULT_BOUNDS: Bounds = (-1.0, 1.0, -1.0, 1.0)
_ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "abs": "absolute value"}


def default_model() -> nn.Sequential:
    """The network shown at start-up: a fixed random 2 → 16 → 16 → 16 → 2 ReLU MLP."""
    return random_mlp([16, 16, 16], n_inputs=2, n_outputs=2, seed=3)


def describe_network(model: nn.Sequential) -> str:
    """``2 → 16 → 16 → 2 · ReLU``: the widths and activation of ``model``."""
    layers = network_layers(model)
    widths = [layers.n_inputs, *layers.widths, layers.n_outputs]
    kinds = {_ACTIVATION_NAMES[layer.activation] for layer in layers.hidden}
    return " → ".join(str(w) for w in widths) + " · " + ", ".join(sorted(kinds))


def status_text(result: CellsResult) -> str:
    """The status-bar line for a result: count, layers and time."""
    count = result.partition.n_regions
    noun = "cell" if count == 1 else "cells"
    milliseconds = result.seconds * 1000.0
    return (
        f"{count} {noun} · layers {result.layers}/{result.n_layers} · "
        f"computed in {milliseconds:.0f} ms"
    )


def _scaled_font(base: QFont, factor: float, *, bold: bool = False) -> QFont:
    """``base`` enlarged by ``factor`` (whether it is sized in points or pixels)."""
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    else:
        font.setPixelSize(round(font.pixelSize() * factor))
    font.setBold(bold)
    return font


def _heading(text: str, base: QFont, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setFont(_scaled_font(base, 1.1, bold=True))
    return label


class CellsPage(QWidget):
    """Canvas on the left, a side panel with the network, layer slider and cell count.

    Signals
    -------
    status_changed(str) : a line for the window's status bar.
    partition_shown(object) : a CellsResult has just been drawn.
    """

    status_changed = Signal(str)
    partition_shown = Signal(object)

    def __init__(
        self,
        controller: CellsController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cellsPage")
        self.controller = controller or CellsController(default_model(), DEFAULT_BOUNDS)
        self.controller.setParent(self)

        self.canvas = CellCanvas(self)
        panel = self._build_side_panel()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(panel)

        self.layer_slider.layers_changed.connect(self.controller.set_layers)
        self.controller.partition_requested.connect(self._on_partition_requested)
        self.controller.partition_ready.connect(self._on_partition_ready)
        self.controller.partition_failed.connect(self._show_error)

    def _build_side_panel(self) -> QFrame:
        panel = QFrame(self)
        panel.setObjectName("cellsSidePanel")
        panel.setFixedWidth(310)
        panel.setFont(_scaled_font(self.font(), 1.15))
        base = panel.font()

        self.layer_slider = LayerSlider(parent=panel)
        self.layer_slider.set_layers(self.controller.layers, self.controller.n_layers)
        self._count_label = QLabel("–", panel)
        self._count_label.setObjectName("cellCountLabel")
        self._count_label.setFont(_scaled_font(base, 2.4, bold=True))
        self._count_caption = QLabel("cells", panel)
        self._count_caption.setObjectName("cellCountCaption")
        network = QLabel(describe_network(self.controller.model), panel)
        network.setObjectName("networkLabel")
        xmin, xmax, ymin, ymax = self.controller.bounds
        domain = QLabel(f"[{xmin:g}, {xmax:g}] × [{ymin:g}, {ymax:g}]", panel)
        explanation = QLabel(
            "Inside each cell the network is one affine map; each colour is one "
            "activation pattern. Edges are coloured by the layer of the neuron that "
            "made them. Move the slider to watch every layer subdivide the cells of "
            "the layers before it.\n\nScroll to zoom, drag to pan, Home resets the view.",
            panel,
        )
        explanation.setWordWrap(True)
        explanation.setStyleSheet("color: #555;")

        side = QVBoxLayout(panel)
        side.setContentsMargins(18, 18, 18, 18)
        side.setSpacing(6)
        side.addWidget(_heading("Network", base, panel))
        side.addWidget(network)
        side.addSpacing(12)
        side.addWidget(_heading("Domain", base, panel))
        side.addWidget(domain)
        side.addSpacing(12)
        side.addWidget(self.layer_slider)
        side.addSpacing(16)
        count_row = QHBoxLayout()
        count_row.setSpacing(8)
        count_row.addWidget(self._count_label)
        count_row.addWidget(self._count_caption, 1, Qt.AlignmentFlag.AlignBottom)
        side.addLayout(count_row)
        side.addSpacing(16)
        side.addWidget(explanation)
        side.addStretch(1)
        return panel

    def start(self) -> None:
        """Compute the first partition."""
        self.controller.request_partition()

    def shutdown(self) -> None:
        """Stop background work; call before the page goes away."""
        self.controller.shutdown()

    def _on_partition_requested(self, layers: int) -> None:
        plural = "layer" if layers == 1 else "layers"
        self.status_changed.emit(f"Computing the cells of the first {layers} {plural}…")

    def _on_partition_ready(self, result: CellsResult) -> None:
        self.canvas.set_partition(result.partition, result.boundary)
        self.layer_slider.set_layers(result.layers, result.n_layers)
        self._count_label.setText(str(result.partition.n_regions))
        self._count_caption.setText("cell" if result.partition.n_regions == 1 else "cells")
        self.status_changed.emit(status_text(result))
        self.partition_shown.emit(result)

    def _show_error(self, message: str) -> None:
        self.status_changed.emit("The partition failed.")
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Splinescope", message, QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("partitionErrorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
