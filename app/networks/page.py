"""The Networks page: the exact cells of a CNN in the plane through three images.

Left: a gallery of test digits (click sets A, then B, then C), the slice's settings and
the MNIST panel (train a LeNet-sized CNN on 28x28 IDX files the user has, then slice it).
Centre: the cells of the slice, coloured by predicted class or by activation pattern,
with the decision boundary and the three images marked. Right: the probe's decoded input
as a picture, its predicted class, the rows of its cell's affine map as images (matched
filters) and the units it flipped on the way (layer, channel, position, pooling window).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.jobs.partition_runner import partition_progress_bar, progress_text
from app.networks.controller import MNIST_NAME, NetworksController, ProbeReadout
from app.networks.mnist_panel import MnistPanel
from app.networks.paced_progress import PacedProgress
from app.networks.slicing import SHIPPED_NAME, NetworkSlice, ProbeJacobian
from app.networks.state import COLOUR_MODES, DOMAINS, MAX_MARGIN, MIN_EXTENT, NetworksState
from app.shell.window_close import WindowCloseWatcher
from widgets.canvas.cell_canvas import CellCanvas
from widgets.common.digit_gallery import MARK_RGB, DigitGallery
from widgets.common.digit_thumbnails import digit_class_colours
from widgets.common.layer_slider import LayerSlider
from widgets.networks.anchor_marks import AnchorMarks
from widgets.networks.class_fills import ClassFills
from widgets.networks.input_picture import InputPicture
from widgets.networks.unit_log import UnitLog
from widgets.probe.matched_filter import MatchedFilterView, image_shape

#: How much of a class colour a cell's fill takes (the rest is white).
CLASS_FILL_STRENGTH = 0.55
#: Past this many cells the edges are drawn faint, so that the fills show.
DENSE_CELLS = 5_000
DENSE_EDGE_OPACITY = 0.18
_COLOUR_TEXT = {"class": "predicted class", "pattern": "activation pattern"}
_DOMAIN_TEXT = {"triangle": "triangle of A, B, C", "rectangle": "rectangle around them"}


def class_names(n_out: int) -> list[str]:
    """``["0", "1", ...]``: the digit classes (outputs numbered from 0 like the labels)."""
    return [str(k) for k in range(n_out)]


class NetworksPage(QWidget):
    """The CNN slice page. Call :meth:`shutdown` (or close its window) before it goes.

    Signals
    -------
    results_shown() : a slice is on screen.
    status_changed(str) : the page's status line.
    """

    results_shown = Signal()
    status_changed = Signal(str)

    def __init__(
        self, controller: NetworksController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("networksPage")
        self.controller = controller or NetworksController()
        self.controller.setParent(self)
        WindowCloseWatcher(self, self.shutdown)
        self._started = False
        self.first_results_shown = False
        #: Opacity of the cell edges on screen (faint past DENSE_CELLS cells), for figures.
        self.edge_opacity = 1.0
        self._next_anchor = 0
        self._gallery_images = None  # the test images the gallery shows
        self._probe_network = None  # the network the probe was placed on

        self.title = QLabel(self)
        self.title.setObjectName("networksTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: 600; font-size: 13pt;")
        self.gallery = DigitGallery(rows=4, parent=self)
        self.gallery.setToolTip(
            "Click an image to make it the next anchor (A, then B, then C); Ctrl+click "
            "always sets C. The slice is the plane through the three."
        )
        self.gallery_note = QLabel(self)
        self.gallery_note.setObjectName("galleryNote")
        self.gallery_note.setWordWrap(True)
        self.anchor_label = QLabel(self)
        self.anchor_label.setObjectName("anchorLabel")
        self.colour_box = QComboBox(self)
        self.colour_box.setObjectName("colourBox")
        for mode in COLOUR_MODES:
            self.colour_box.addItem(_COLOUR_TEXT[mode], mode)
        self.colour_box.setToolTip(
            "Colour each cell by the class predicted in it, or by its pattern"
        )
        self.domain_box = QComboBox(self)
        self.domain_box.setObjectName("domainBox")
        for domain in DOMAINS:
            self.domain_box.addItem(_DOMAIN_TEXT[domain], domain)
        self.domain_box.setToolTip(
            "Cut the triangle of the three images (grown by the margin) or the rectangle "
            "around them: the rectangle has about twice the cells"
        )
        self.margin_box = QDoubleSpinBox(self)
        self.margin_box.setObjectName("marginBox")
        self.margin_box.setRange(0.0, MAX_MARGIN)
        self.margin_box.setSingleStep(0.05)
        self.margin_box.setDecimals(2)
        self.margin_box.setKeyboardTracking(False)
        self.margin_box.setToolTip("Room around the three images, a fraction of their extent")
        self.extent_box = QDoubleSpinBox(self)
        self.extent_box.setObjectName("extentBox")
        self.extent_box.setRange(100 * MIN_EXTENT, 100.0)
        self.extent_box.setDecimals(1)
        self.extent_box.setSingleStep(1.0)
        self.extent_box.setSuffix(" %")
        self.extent_box.setKeyboardTracking(False)
        self.extent_box.setToolTip(
            "How much of the domain to cut, about the anchors' centre: 100% is all of it. "
            "A 28×28 CNN's whole slice holds hundreds of thousands of cells; MNIST starts at 3%"
        )
        self.mnist = MnistPanel(self.controller, self)
        self.layer_slider = LayerSlider(
            self.controller.n_layers, self, object_name="networksLayerSlider"
        )
        self.progress = partition_progress_bar("the cells", "networksProgress", self)
        self._paced_progress = PacedProgress(parent=self)
        self.status = QLabel(self)
        self.status.setObjectName("networksStatus")
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Colour by", self.colour_box)
        form.addRow("&Domain", self.domain_box)
        form.addRow("&Margin", self.margin_box)
        form.addRow("E&xtent", self.extent_box)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 8, 8)
        left_layout.addWidget(self.title)
        left_layout.addWidget(self.mnist)
        left_layout.addWidget(self.gallery)
        left_layout.addWidget(self.gallery_note)
        left_layout.addWidget(self.anchor_label)
        left_layout.addLayout(form)
        left_layout.addWidget(self.layer_slider)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.status)
        left_layout.addStretch(1)
        left.setMinimumWidth(300)
        left.setMaximumWidth(380)

        self.canvas = CellCanvas(self)
        self.canvas.setObjectName("networksCanvas")
        self.anchor_marks = AnchorMarks(self.canvas.getPlotItem())
        self.class_fills = ClassFills(self.canvas)

        self.picture = InputPicture(120, self)
        self.picture.setToolTip("The probe's input: origin + s·u + t·v, as an image")
        self.prediction = QLabel(self)
        self.prediction.setObjectName("predictionLabel")
        self.prediction.setWordWrap(True)
        self.prediction.setStyleSheet("font-size: 13pt;")
        self.filters = MatchedFilterView(self)
        self.unit_log = UnitLog(self)
        probe_top = QHBoxLayout()
        probe_top.addWidget(self.picture)
        probe_top.addWidget(self.prediction, 1)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 8, 8, 8)
        right_layout.addLayout(probe_top)
        right_layout.addWidget(self.filters, 3)
        log_heading = QLabel(
            "Units the probe flipped, newest first: drag the probe (or use the arrow keys "
            "on the canvas) across cell edges",
            right,
        )
        log_heading.setWordWrap(True)
        right_layout.addWidget(log_heading)
        right_layout.addWidget(self.unit_log, 2)
        right.setMinimumWidth(320)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.canvas)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 900, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        # Esc stops the slice being computed (the progress bar's Cancel also has Ctrl+.).
        self.escape_action = QAction("Cancel the slice", self)
        self.escape_action.setObjectName("networksEscapeAction")
        self.escape_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.escape_action.triggered.connect(self._on_escape)
        self.addAction(self.escape_action)
        self.mnist_action = QAction("Load MNIST files…", self)
        self.mnist_action.setObjectName("networksMnistAction")
        self.mnist_action.setShortcut(QKeySequence("Ctrl+M"))
        self.mnist_action.triggered.connect(self.mnist.choose_mnist_files)
        self.addAction(self.mnist_action)

        controller = self.controller
        self.gallery.image_clicked.connect(self._on_image_clicked)
        self.colour_box.currentIndexChanged.connect(
            lambda i: self._update(colour_mode=self.colour_box.itemData(i))
        )
        self.domain_box.currentIndexChanged.connect(
            lambda i: self._update(domain=self.domain_box.itemData(i))
        )
        self.margin_box.valueChanged.connect(lambda value: self._update(margin=float(value)))
        self.extent_box.valueChanged.connect(lambda value: self._update(extent=value / 100.0))
        self.layer_slider.layers_changed.connect(lambda k: self._update(layers=k))
        self.canvas.probe_moved.connect(self._on_probe_moved)
        self.progress.cancel_requested.connect(controller.cancel_partition)
        controller.state_changed.connect(self._show_state)
        controller.slice_requested.connect(self._on_slice_requested)
        controller.slice_progress.connect(self._paced_progress.report)
        self._paced_progress.paced.connect(self._on_slice_progress)
        controller.slice_ready.connect(self._show_slice)
        controller.slice_failed.connect(self._on_failed)
        controller.slice_cancelled.connect(self._on_cancelled)
        controller.probe_changed.connect(self._show_probe)
        controller.transitions_found.connect(self._log_transitions)
        controller.jacobian_ready.connect(self._show_jacobian)
        controller.mnist_trained.connect(self._on_mnist_trained)
        self._show_state(controller.state)
        self.title.setText(f"{SHIPPED_NAME}, loading…")

    # --- start-up and shutdown ------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    def start(self) -> None:
        """Compute the first slice (done once, when the page is first shown)."""
        if not self._started:
            self._started = True
            if self.controller.shown_slice is None and not self.controller.is_busy:
                self.controller.request_slice()

    def show_model(self, module, input_shape, name: str) -> None:
        """Show another network (an imported one): traced and sliced in a worker."""
        self._started = True
        self.unit_log.clear_units()
        self.title.setText(f"{name}, loading…")
        self.controller.show_model(module, tuple(input_shape), name)

    def shutdown(self) -> None:
        self.controller.shutdown()

    # --- the state ------------------------------------------------------------------------

    def _update(self, **changes) -> None:
        try:
            self.controller.update(**changes)
        except ValueError as error:
            self._set_status(str(error))
            self._show_state(self.controller.state)

    def _show_state(self, state: NetworksState) -> None:
        with QSignalBlocker(self.colour_box), QSignalBlocker(self.domain_box):
            self.colour_box.setCurrentIndex(COLOUR_MODES.index(state.colour_mode))
            self.domain_box.setCurrentIndex(DOMAINS.index(state.domain))
        with QSignalBlocker(self.margin_box), QSignalBlocker(self.extent_box):
            self.margin_box.setValue(state.margin)
            self.extent_box.setValue(100.0 * state.extent)
        self.layer_slider.set_layers(state.layers, state.n_layers)
        for name, index in zip("ABC", state.anchors, strict=True):
            self.gallery.set_mark(name, index)
        self.anchor_label.setText(
            "Slice through "
            + ", ".join(
                f"<b style='color:#{''.join(f'{c:02x}' for c in MARK_RGB[n])}'>{n}</b> = #{i}"
                for n, i in zip("ABC", state.anchors, strict=True)
            )
        )
        shown = self.controller.shown_slice
        if shown is not None:
            self._draw_cells(shown)

    def _on_image_clicked(self, index: int, ctrl: bool) -> None:
        slot = 2 if ctrl else self._next_anchor
        anchors = list(self.controller.state.anchors)
        if index in anchors:
            self._set_status(f"Image #{index} is already an anchor: pick another one.")
            return
        anchors[slot] = index
        self._next_anchor = (slot + 1) % 3
        self._update(anchors=tuple(anchors))

    # --- the slice ------------------------------------------------------------------------

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status_changed.emit(text)

    def _on_escape(self) -> None:
        if self.controller.is_training:
            self.controller.cancel_mnist()
        elif self.controller.is_busy:
            self.controller.cancel_partition()

    def _on_mnist_trained(self, _trained) -> None:
        self._started = True
        self.unit_log.clear_units()
        self.title.setText(f"{MNIST_NAME}, loading…")

    def _on_slice_requested(self, _layers: int) -> None:
        self._set_status("Computing the cells of the slice…")
        self._paced_progress.stop()
        self.progress.start()

    def _on_slice_progress(self, done: int, total: int, n_cells: int) -> None:
        text = progress_text(done, total, n_cells)
        self.progress.set_progress(done, total, text)
        self._set_status(f"Computing the cells: {text}…")

    def _on_failed(self, message: str) -> None:
        self._paced_progress.stop()
        self.progress.finish()
        network = self.controller.network
        self.title.setText(network.name if network is not None else SHIPPED_NAME)
        self._set_status(message)

    def _on_cancelled(self) -> None:
        self._paced_progress.stop()
        self.progress.finish()
        shown = self.controller.shown_slice
        kept = f" The view still shows {shown.partition.n_regions:,} cells." if shown else ""
        self._set_status(f"Cancelled.{kept}")

    def cell_fills(self) -> np.ndarray | None:
        """(R, 3) 0..255 fills of the cells shown by class, None when coloured by pattern."""
        shown = self.controller.shown_slice
        if shown is None or self.controller.state.colour_mode != "class":
            return None
        colours = digit_class_colours().astype(np.float64)
        # Lighter than the class colours, so that edges and marks stay readable.
        rgb = 255.0 - (255.0 - colours[shown.cell_class % len(colours)]) * CLASS_FILL_STRENGTH
        return np.round(rgb).astype(np.int64)

    def _draw_cells(self, shown: NetworkSlice) -> None:
        self.canvas.set_layer_names(shown.network.step_labels)
        fills = self.cell_fills()
        if fills is None:
            self.canvas.set_partition(shown.partition, shown.boundary)
            self.class_fills.hide()
        else:
            self.canvas.set_pattern_fills_visible(False)  # none built under the class fills
            self.canvas.set_partition(shown.partition, shown.boundary)
            self.class_fills.show(shown.partition, fills)

    def _show_slice(self, shown: NetworkSlice) -> None:
        self._paced_progress.stop()
        self.progress.finish()
        network = shown.network
        if network.images is not None and self._gallery_images is not network.images:
            self._gallery_images = network.images
            self.gallery.set_images(
                network.images.images,
                network.images.labels,
                seed=0,
                include=self.controller.state.anchors,
            )
        self.gallery.setVisible(network.takes_digits)
        self.anchor_label.setVisible(network.takes_digits)
        self.gallery_note.setText(network.anchor_note)
        self.gallery_note.setVisible(bool(network.anchor_note))
        self.title.setText(network.name)
        self._draw_cells(shown)
        dense = shown.partition.n_regions > DENSE_CELLS
        self.edge_opacity = DENSE_EDGE_OPACITY if dense else 1.0
        self.canvas.set_edge_opacity(self.edge_opacity)
        self.anchor_marks.set_points(shown.plane.anchors)
        partition = shown.partition
        state = self.controller.state
        where = f"the {state.domain} of the slice"
        if state.extent < 1.0:
            where = f"{100 * state.extent:g}% of the slice's {state.domain}, about its centre"
        cut = partition.n_layers
        last = f", through {network.step_labels[cut - 1]}" if cut else ""
        self._set_status(
            f"{partition.n_regions:,} cells in {where}, "
            f"{partition.n_layers} of {partition.n_layers_total} layers{last}."
        )
        if self.controller.probe is None or shown.network is not self._probe_network:
            # A new network's slice has other coordinates: the probe starts at its centre.
            self._probe_network = shown.network
            centre = shown.plane.anchors.mean(axis=0)
            self.canvas.set_probe(centre)
            self.controller.set_probe(float(centre[0]), float(centre[1]), log=False)
        if not self.first_results_shown:
            self.first_results_shown = True
        self.results_shown.emit()

    # --- the probe ------------------------------------------------------------------------

    def _on_probe_moved(self, s: float, t: float) -> None:
        self.controller.set_probe(s, t)

    def _show_probe(self, readout: ProbeReadout) -> None:
        self.canvas.set_probe(readout.point)
        self.canvas.set_highlighted_cell(readout.cell if readout.cell >= 0 else None)
        shape = image_shape(readout.image.size)
        self.picture.setVisible(shape is not None)
        if shape is not None:
            self.picture.set_image(readout.image.reshape(shape))
        if readout.cell < 0:
            self.prediction.setText("The probe is outside the slice's domain.")
            return
        scores = readout.output
        order = np.argsort(scores)[::-1]
        runner_up = f", then {order[1]}" if len(order) > 1 else ""
        self.prediction.setText(
            f"Predicted class <b>{readout.predicted}</b>{runner_up}<br>"
            f"cell {readout.cell:,} · (s, t) = ({readout.point[0]:.3f}, {readout.point[1]:.3f})"
        )

    def _show_jacobian(self, result: ProbeJacobian) -> None:
        jacobian = result.jacobian
        shape = image_shape(jacobian.shape[1])
        if shape is None:
            self.filters.caption.setText(
                f"The affine map's rows have {jacobian.shape[1]:,} entries, not a square "
                "image: no matched filters to show."
            )
            return
        self.filters.set_templates(jacobian, shape, class_names(len(jacobian)))

    def _log_transitions(self, transitions) -> None:
        labels = self.controller.network.step_labels
        self.unit_log.add_units(
            [(labels[t.unit.layer], t.unit.unit_text, t.turned_on) for t in transitions]
        )
