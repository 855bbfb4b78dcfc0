"""The Adversarial page: the exact nearest input of another class, with its certificate.

Left: the test digits to pick from, the norm (L2 or L∞), Compute and Cancel. Right: the
input, the nearest adversarial input and their difference on one colour scale; the exact
distance beside the PGD attack's; and the chain of cells the search walked from the
input's cell to the adversarial input, one neuron flipped per step.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.adversarial.controller import (
    LINF_MILP_AFTER,
    AdversarialAnswer,
    AdversarialController,
    Classifiers,
    SearchProgress,
)
from app.adversarial.state import CELL_BUDGETS, NORMS, AdversarialState
from app.shell.window_close import WindowCloseWatcher
from engine.adversarial_distance import AdversarialDistance
from engine.networks import network_layers
from widgets.adversarial.cell_chain import CellChainStrip
from widgets.adversarial.digit_images import AdversarialImages
from widgets.adversarial.digit_picker import DigitPicker
from widgets.adversarial.plane_disc import PlaneDiscCanvas
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.message_box import show_warning


def distance_text(answer: AdversarialAnswer) -> str:
    """``exact L2 distance 0.11236: a 3 becomes a 5`` for the distance label."""
    exact = answer.exact
    return (
        f"exact {NORMS[exact.norm]} distance {exact.distance:.6g}: "
        f"a {exact.label} becomes a {exact.adversarial_class}"
    )


def attack_text(answer: AdversarialAnswer) -> str:
    """The PGD attack's distance and how much farther it is than the exact one."""
    attack = answer.attack
    if attack is None:
        return "PGD attack: found no input of another class"
    ratio = attack.distance / answer.exact.distance if answer.exact.distance > 0 else 1.0
    return f"PGD attack: {attack.distance:.6g} ({ratio:.3f}× the exact distance)"


def plane_text(answer: AdversarialDistance) -> str:
    """The 2-D point's exact distance and the cells its certificate walks."""
    x, y = answer.x0
    return (
        f"2-D net: exact {NORMS[answer.norm]} distance {answer.distance:.6g} from "
        f"({x:.3f}, {y:.3f}) · {len(answer.chain)} cells in the chain"
    )


def certificate_text(answer: AdversarialAnswer) -> str:
    """The certificate in one line: the bound proven, cells explored, programs, KKT."""
    exact = answer.exact
    searched = f"{exact.cells_explored:,} cells searched"
    if exact.proof == "milp":
        searched += " then one mixed-integer program (the chain: the straight walk to the point)"
    return (
        f"proven: no input of another class nearer than {exact.lower_bound:.6g} · "
        f"{searched}, {exact.programs_solved:,} programs, "
        f"KKT residual {exact.kkt_residual:.1e}"
    )


class AdversarialPage(QWidget):
    """The exact adversarial distance of a test digit. Call :meth:`shutdown` before it goes.

    Signals
    -------
    results_shown() : an answer is on screen.
    """

    results_shown = Signal()

    def __init__(
        self, controller: AdversarialController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("adversarialPage")
        self.controller = controller or AdversarialController()
        self.controller.setParent(self)
        WindowCloseWatcher(self, self.shutdown)
        self._started = False
        self._shut_down = False
        self.first_results_shown = False

        row = QHBoxLayout(self)
        row.addLayout(self._build_controls(), 1)
        row.addLayout(self._build_results(), 3)

        c = self.controller
        self.picker.digit_picked.connect(lambda digit: c.update(digit=digit))
        self.norm_buttons.idClicked.connect(lambda i: c.update(norm=tuple(NORMS)[i]))
        self.budget_box.currentIndexChanged.connect(
            lambda: c.update(max_cells=self.budget_box.currentData())
        )
        self.compute_button.clicked.connect(c.compute)
        self.cancel_button.clicked.connect(c.cancel)
        QShortcut(QKeySequence("Ctrl+Return"), self, c.compute)
        QShortcut(QKeySequence("Escape"), self, c.cancel)
        c.state_changed.connect(self._show_state)
        c.classifier_ready.connect(self._on_classifier_ready)
        c.plane_answer_ready.connect(self._on_plane_answer)
        self.plane_canvas.probe_moved.connect(c.set_plane_point)
        c.search_started.connect(self._on_search_started)
        c.search_progress.connect(self._on_search_progress)
        c.answer_ready.connect(self._on_answer)
        c.search_stopped.connect(self._on_search_stopped)
        c.failed.connect(self._show_error)
        self._show_state(c.state)

    # --- construction --------------------------------------------------------------------

    def _build_controls(self) -> QVBoxLayout:
        column = QVBoxLayout()
        heading = QLabel("<b>Test digits</b> (64-16-16-10 ReLU classifier)", self)
        column.addWidget(heading)
        self.picker = DigitPicker(self)
        self.picker.setObjectName("testDigitPicker")
        column.addWidget(self.picker, 1)
        norms = QHBoxLayout()
        norms.addWidget(QLabel("Distance:", self))
        self.norm_buttons = QButtonGroup(self)
        for index, (key, name) in enumerate(NORMS.items()):
            button = QRadioButton(name, self)
            button.setObjectName(f"norm_{key}")
            button.setToolTip(f"The {name} distance: the nearest input in the {name} norm")
            self.norm_buttons.addButton(button, index)
            norms.addWidget(button)
        norms.addStretch(1)
        column.addLayout(norms)
        budget = QHBoxLayout()
        budget.addWidget(QLabel("Cell budget:", self))
        self.budget_box = QComboBox(self)
        self.budget_box.setObjectName("cellBudget")
        self.budget_box.setToolTip("Stop the search after this many cells (with its bounds)")
        for n in CELL_BUDGETS:
            self.budget_box.addItem(f"{n:,} cells", n)
        budget.addWidget(self.budget_box, 1)
        column.addLayout(budget)
        buttons = QHBoxLayout()
        self.compute_button = QPushButton("Compute", self)
        self.compute_button.setObjectName("computeButton")
        self.compute_button.setToolTip("Search the cells again (Ctrl+Return)")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Stop the search at its next cell (Esc)")
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        column.addLayout(buttons)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("searchProgress")
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        column.addWidget(self.progress)
        self.status_label = QLabel("Training the classifier…", self)
        self.status_label.setObjectName("searchStatus")
        self.status_label.setWordWrap(True)
        column.addWidget(self.status_label)
        return column

    def _build_results(self) -> QVBoxLayout:
        column = QVBoxLayout()
        pictures = QHBoxLayout()
        self.images = AdversarialImages(self)
        self.images.setObjectName("adversarialImages")
        self.images.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        pictures.addWidget(self.images, 1)
        plane = QVBoxLayout()
        self.plane_canvas = PlaneDiscCanvas(self)
        self.plane_canvas.setObjectName("planeCanvas")
        self.plane_canvas.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        plane.addWidget(self.plane_canvas, 1)
        self.plane_label = QLabel("", self)
        self.plane_label.setObjectName("planeDistanceLabel")
        self.plane_label.setStyleSheet("color: #b3261e;")
        self.plane_label.setWordWrap(True)
        plane.addWidget(self.plane_label)
        pictures.addLayout(plane, 1)
        column.addLayout(pictures, 3)
        self.distance_label = QLabel("", self)
        self.distance_label.setObjectName("distanceLabel")
        give_own_font(self.distance_label, scaled_font(self.font(), 1.5, bold=True))
        self.distance_label.setStyleSheet("color: #b3261e;")
        column.addWidget(self.distance_label)
        self.attack_label = QLabel("", self)
        self.attack_label.setObjectName("attackLabel")
        give_own_font(self.attack_label, scaled_font(self.font(), 1.15))
        column.addWidget(self.attack_label)
        self.certificate_label = QLabel("", self)
        self.certificate_label.setObjectName("certificateLabel")
        self.certificate_label.setWordWrap(True)
        column.addWidget(self.certificate_label)
        column.addWidget(QLabel("<b>The chain of cells walked</b> (dark = neuron on)", self))
        self.chain_strip = CellChainStrip(self)
        self.chain_strip.setObjectName("cellChain")
        column.addWidget(self.chain_strip, 1)
        return column

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Train the classifier (done on first show otherwise)."""
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

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    # --- slots ---------------------------------------------------------------------------

    def _show_state(self, state: AdversarialState) -> None:
        """Set every control to ``state`` (without echoing the change back)."""
        self.picker.set_digit(state.digit)
        with QSignalBlocker(self.norm_buttons):
            self.norm_buttons.button(tuple(NORMS).index(state.norm)).setChecked(True)
        with QSignalBlocker(self.budget_box):
            self.budget_box.setCurrentIndex(self.budget_box.findData(state.max_cells))
        classifier = self.controller.classifier
        if classifier is not None:
            self.images.set_images(classifier.test.flat[state.digit], None)
            self.plane_canvas.set_probe(state.plane_point)

    def _on_classifier_ready(self, classifiers: Classifiers) -> None:
        test = classifiers.digits.test
        self.picker.set_digits(test.images, test.labels)
        plane = classifiers.plane
        self.plane_canvas.set_partition(classifiers.partition, classifiers.boundary)
        self.plane_canvas.set_training_points(plane.x_train, plane.y_train)
        xmin, xmax, ymin, ymax = plane.bounds
        self.plane_canvas.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.0)
        self._show_state(self.controller.state)

    def _on_plane_answer(self, answer: AdversarialDistance) -> None:
        self.plane_canvas.set_disc(answer.x0, answer.distance, answer.norm, answer.point)
        self.plane_label.setText(plane_text(answer))

    def _on_search_started(self) -> None:
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.status_label.setText("Searching the cells…")

    def _on_search_progress(self, progress: SearchProgress) -> None:
        handed_over = self.controller.state.norm == "linf" and progress.cells >= min(
            LINF_MILP_AFTER, self.controller.state.max_cells
        )
        then = " · proving the rest by one mixed-integer program…" if handed_over else ""
        self.status_label.setText(
            f"{progress.cells:,} cells searched: the distance is at least "
            f"{progress.lower_bound:.4g} and at most {progress.upper_bound:.4g}{then}"
        )

    def _search_done(self, message: str) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.status_label.setText(message)

    def _on_answer(self, answer: AdversarialAnswer) -> None:
        classifier = self.controller.classifier
        exact = answer.exact
        self.images.set_images(exact.x0, exact.point)
        self.distance_label.setText(distance_text(answer))
        self.attack_label.setText(attack_text(answer))
        self.certificate_label.setText(certificate_text(answer))
        widths = network_layers(classifier.model).widths
        self.chain_strip.set_chain(exact.chain, exact.flipped, exact.step_distances, widths)
        self._search_done(
            f"Done: test digit {answer.digit}, labelled {classifier.test.labels[answer.digit]}."
        )
        self.first_results_shown = True
        self.results_shown.emit()

    def _on_search_stopped(self, message: str) -> None:
        self._search_done(message)

    def _show_error(self, message: str) -> None:
        self._search_done("Failed.")
        show_warning(self, message, "adversarialErrorBox")
