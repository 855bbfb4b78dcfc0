"""The Extrapolation page: a ReLU network and a polynomial fit the same 1-D data.

Inside the shaded training range both fit; outside it the network continues along its
last linear piece (exactly: its knots are marked, and beyond the last one it is affine)
while the polynomial runs off. The controls on the left edit the page's state; the plot
takes clicks (add, move, remove points) and drags of the band's edges.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.extrapolation.controller import ExtrapolationController, PolynomialFit, training_data
from app.extrapolation.state import (
    FUNCTION_TITLES,
    MAX_DEGREE,
    MAX_EPOCHS,
    MAX_HIDDEN_LAYERS,
    MAX_SEED,
    MAX_WIDTH,
    VIEW_X,
    ExtrapolationState,
)
from app.shell.window_close import WindowCloseWatcher
from engine.fit_1d import NetworkFit, target_values
from engine.pieces_1d import Pieces1D
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.plot_style import hex_rgb
from widgets.common.widths import parse_widths
from widgets.extrapolation.fit_plot import NETWORK, POLYNOMIAL, FitPlot

ERROR_STYLE = "color: #b3261e;"


def y_limits(state: ExtrapolationState) -> tuple[float, float]:
    """The plot's y range: the target across the view (or the points), with a margin."""
    if state.function == "points":
        values = np.array([y for _, y in state.points] or [0.0, 1.0])
    else:
        values = target_values(state.function, np.linspace(*VIEW_X, 241))
    low, high = float(values.min()), float(values.max())
    margin = 0.25 * (high - low) + 0.5
    return low - margin, high + margin


def widths_text(widths: tuple[int, ...]) -> str:
    return ", ".join(str(w) for w in widths)


def network_readout(fit: NetworkFit | None, low: float, high: float) -> str:
    """``network: 12 pieces · 3 knots in the range · slope -1.00 left of x = -2.1 ...``."""
    if fit is None:
        return "network: no training points in the range"
    pieces: Pieces1D = fit.pieces
    inside = int(np.count_nonzero((pieces.knots >= low) & (pieces.knots <= high)))
    text = (
        f"network (epoch {fit.epoch}/{fit.epochs}, loss {fit.loss:.2g}): "
        f"{pieces.n_pieces} linear pieces, {inside} knots inside the range"
    )
    if len(pieces.knots):
        text += (
            f"; straight with slope {pieces.slopes[0]:.3g} left of x = {pieces.knots[0]:.3g}"
            f" and {pieces.slopes[-1]:.3g} right of x = {pieces.knots[-1]:.3g}"
        )
    return text


def value_text(value: float) -> str:
    """``-30,060`` or ``0.25``: large values with separators, never in e-notation below 1e9."""
    if abs(value) >= 1000 and abs(value) < 1e9:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def polynomial_readout(fit: PolynomialFit) -> str:
    if fit.x is None:
        return f"polynomial: {fit.problem}"
    return (
        f"polynomial of degree {fit.degree}: {value_text(fit.y[0])} at x = {fit.x[0]:g},"
        f" {value_text(fit.y[-1])} at x = {fit.x[-1]:g}"
    )


class ExtrapolationPage(QWidget):
    """The 1-D extrapolation page. Call :meth:`shutdown` (or close its window) first.

    Signals
    -------
    results_shown() : a training run finished and its fit is drawn.
    """

    results_shown = Signal()

    def __init__(
        self, controller: ExtrapolationController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("extrapolationPage")
        give_own_font(self, scaled_font(self.font(), 1.1))
        self.controller = controller or ExtrapolationController(VIEW_X)
        self.controller.setParent(self)
        WindowCloseWatcher(self, self.shutdown)
        self.first_results_shown = False
        self._started = False

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self._build_controls())
        right = QVBoxLayout()
        self.caption = QLabel(
            "Inside the shaded training range both models fit. Outside it the ReLU network"
            " goes straight (beyond its last knot it is exactly affine); the polynomial"
            " goes wherever its highest power sends it.",
            self,
        )
        self.caption.setWordWrap(True)
        right.addWidget(self.caption)
        self.plot = FitPlot(VIEW_X, self)
        right.addWidget(self.plot, 1)
        self.readout = QLabel(self)
        self.readout.setObjectName("extrapolationReadout")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        right.addWidget(self.readout)
        layout.addLayout(right, 1)

        c = self.controller
        self.plot.point_added.connect(c.add_point)
        self.plot.point_moved.connect(c.move_point)
        self.plot.point_removed.connect(c.remove_point)
        self.plot.range_changed.connect(c.set_training_range)
        c.state_changed.connect(self._show_state)
        c.polynomial_ready.connect(self._show_polynomial)
        c.network_progress.connect(self._show_network)
        c.training_started.connect(self._on_training_started)
        c.training_finished.connect(self._on_training_finished)
        c.failed.connect(self._show_problem)
        self._show_state(c.state)

    def start(self) -> None:
        """Fit both models, the first time the page is shown (idempotent)."""
        if self._started:
            return
        self._started = True
        self.controller.refit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    # --- controls ------------------------------------------------------------------------

    def _build_controls(self) -> QWidget:
        panel = QWidget(self)
        panel.setFixedWidth(300)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 8, 0)
        title = QLabel("<b>Extrapolation in one dimension</b>", panel)
        title.setWordWrap(True)
        give_own_font(title, scaled_font(self.font(), 1.2))
        column.addWidget(title)
        form = QFormLayout()
        self.function_box = QComboBox(panel)
        for key, text in FUNCTION_TITLES.items():
            self.function_box.addItem(text, key)
        self.function_box.setToolTip("What both models fit (or click on the plot to add points)")
        self.widths_edit = QLineEdit(panel)
        self.widths_edit.setToolTip(
            f"Hidden layer widths, e.g. 16, 16 (at most {MAX_HIDDEN_LAYERS} layers of"
            f" {MAX_WIDTH}); Enter to retrain"
        )
        self.degree_box = QSpinBox(panel)
        self.degree_box.setRange(0, MAX_DEGREE)
        self.degree_box.setToolTip("The polynomial's degree (least squares, Chebyshev basis)")
        self.seed_box = QSpinBox(panel)
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.setToolTip("Seeds the network's initial weights")
        self.epochs_box = QSpinBox(panel)
        self.epochs_box.setRange(1, MAX_EPOCHS)
        self.epochs_box.setSingleStep(100)
        self.epochs_box.setToolTip("Full-batch Adam steps")
        form.addRow("Fit", self.function_box)
        form.addRow("Network widths", self.widths_edit)
        form.addRow("Polynomial degree", self.degree_box)
        form.addRow("Seed", self.seed_box)
        form.addRow("Epochs", self.epochs_box)
        column.addLayout(form)

        buttons = QHBoxLayout()
        self.retrain_button = QPushButton("Retrain", panel)
        self.retrain_button.setToolTip("Train the network again from its seed (Ctrl+R)")
        self.cancel_button = QPushButton("Cancel", panel)
        self.cancel_button.setToolTip("Stop training; the last fit stays (Esc)")
        self.clear_button = QPushButton("Clear points", panel)
        self.clear_button.setToolTip("Remove all your points")
        for button in (self.retrain_button, self.cancel_button, self.clear_button):
            buttons.addWidget(button)
        column.addLayout(buttons)
        self.progress = QProgressBar(panel)
        self.progress.setFormat("epoch %v of %m")
        column.addWidget(self.progress)
        self.message = QLabel(panel)
        self.message.setObjectName("extrapolationMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        column.addWidget(self.message)
        hint = QLabel(
            "Click the plot to add a point, drag a point to move it, right-click to remove"
            " it. Drag the band's edges to change the training range.",
            panel,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #6a6a72;")
        column.addWidget(hint)
        column.addStretch(1)

        c = self.controller
        self.function_box.currentIndexChanged.connect(
            lambda: self._change(function=self.function_box.currentData())
        )
        self.widths_edit.editingFinished.connect(self._on_widths_entered)
        self.degree_box.valueChanged.connect(lambda v: self._change(degree=v))
        self.seed_box.valueChanged.connect(lambda v: self._change(seed=v))
        self.epochs_box.editingFinished.connect(
            lambda: self._change(epochs=self.epochs_box.value())
        )
        self.retrain_button.clicked.connect(c.refit)
        self.cancel_button.clicked.connect(c.cancel)
        self.clear_button.clicked.connect(lambda: self._change(points=()))
        QShortcut(QKeySequence("Ctrl+R"), self, c.refit)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, c.cancel)
        return panel

    def _change(self, **changes: object) -> None:
        self.message.clear()
        self.controller.try_update(**changes)

    def _on_widths_entered(self) -> None:
        try:
            widths = parse_widths(
                self.widths_edit.text(), max_width=MAX_WIDTH, max_layers=MAX_HIDDEN_LAYERS
            )
        except ValueError as error:
            self._show_problem(str(error))
            return
        self._change(widths=widths)

    # --- showing -------------------------------------------------------------------------

    def _show_state(self, state: ExtrapolationState) -> None:
        for widget, setter, value in (
            (
                self.function_box,
                self.function_box.setCurrentIndex,
                self.function_box.findData(state.function),
            ),
            (self.degree_box, self.degree_box.setValue, state.degree),
            (self.seed_box, self.seed_box.setValue, state.seed),
            (self.epochs_box, self.epochs_box.setValue, state.epochs),
        ):
            with QSignalBlocker(widget):
                setter(value)
        self.widths_edit.setText(widths_text(state.widths))
        self.clear_button.setEnabled(bool(state.points))
        plot = self.plot
        plot.show_band(*state.training_range)
        plot.set_y_range(*y_limits(state))
        x, y = training_data(state)
        if state.function == "points":
            plot.show_target(None, None)
            plot.show_training(np.zeros(0), np.zeros(0))
        else:
            grid = np.linspace(*VIEW_X, 601)
            plot.show_target(grid, target_values(state.function, grid))
            plot.show_training(x, y)
        plot.show_points(np.array(state.points, dtype=np.float64).reshape(-1, 2))

    def _show_polynomial(self, fit: PolynomialFit) -> None:
        self.plot.show_polynomial(fit.x, fit.y)
        self._update_readout()

    def _show_network(self, fit: NetworkFit | None) -> None:
        self.plot.show_network(None if fit is None else fit.pieces)
        if fit is not None:
            self.progress.setValue(fit.epoch)
        self._update_readout()

    def _update_readout(self) -> None:
        c = self.controller
        low, high = c.state.training_range
        lines = []
        if c.network is not None or not c.is_training:
            lines.append(
                f"<span style='color:{hex_rgb(NETWORK)}'>"
                f"{network_readout(c.network, low, high)}</span>"
            )
        if c.polynomial is not None:
            lines.append(
                f"<span style='color:{hex_rgb(POLYNOMIAL)}'>"
                f"{polynomial_readout(c.polynomial)}</span>"
            )
        self.readout.setText("<br>".join(lines))

    def _on_training_started(self, epochs: int) -> None:
        self.progress.setRange(0, epochs)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)

    def _on_training_finished(self, status: str) -> None:
        self.cancel_button.setEnabled(False)
        self._update_readout()
        if status == "failed":
            return
        if not self.first_results_shown:
            self.first_results_shown = True
        self.results_shown.emit()

    def _show_problem(self, message: str) -> None:
        self.message.setText(message)

    def shutdown(self) -> None:
        self.controller.shutdown()
