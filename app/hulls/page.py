"""The Hulls page: interpolation or extrapolation?

Left: a planar training set with its convex hull, minimum-volume ellipse, minimum
enclosing ball and bounding box, and a test point to drag; the verdict under each
definition of "inside" and the distance to the hull are listed beside it. Right: the
experiments of Balestriero, Pesenti & LeCun (2021) as tabs, each a plot with progress,
Cancel, and the table of the numbers behind it.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.hulls.controller import HullsController
from app.hulls.experiments import EXPERIMENTS
from app.hulls.state import EXPERIMENT_KEYS, HullsState
from engine.experiments import ExperimentProgress
from engine.hull_scene import DEFINITIONS, HullScene, PointVerdict
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.message_box import show_warning
from widgets.common.plot_style import hex_rgb
from widgets.hulls.canvas import HullCanvas, definition_colours
from widgets.hulls.experiment_panel import ExperimentPanel


def verdict_html(verdict: PointVerdict) -> str:
    """One line per definition: a coloured name and INSIDE / outside; then the distance."""
    lines = []
    colours = definition_colours()  # the canvas's, in the current palette
    for name, inside in zip(DEFINITIONS, verdict.inside, strict=True):
        colour = hex_rgb(colours[name])
        word = "<b>inside</b>" if inside else "<b style='color:#b3261e'>outside</b>"
        lines.append(f"<span style='color:{colour}'>■</span> {name}: {word}")
    lines.append(f"coordinates in the training range: {100 * verdict.coordinates_in_range:.0f}%")
    if verdict.inside[0]:
        lines.append("distance to the hull: 0 (inside every edge of the hull polygon)")
    else:
        lines.append(
            f"distance to the hull: <b>{verdict.distance:.3f}</b> (proved by a separating line)"
        )
    return "<br>".join(lines)


class HullsPage(QWidget):
    """The convex-hull page. Call :meth:`shutdown` before it goes (the window does).

    Signals
    -------
    verdict_shown(object) : a PointVerdict was shown.
    experiment_shown(str) : an experiment finished and its final result is drawn.
    """

    verdict_shown = Signal(object)
    experiment_shown = Signal(str)

    def __init__(
        self, controller: HullsController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("hullsPage")
        self.controller = controller or HullsController()
        self.controller.setParent(self)
        self._started = False
        self._shut_down = False

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._build_interactive_panel())
        self.experiments = QTabWidget(splitter)
        self.experiments.setObjectName("hullExperiments")
        # Eight tabs at talk size are wider than the panel: scroll them rather than take
        # the width the test point's verdict needs.
        self.experiments.setUsesScrollButtons(True)
        self.panels: dict[str, ExperimentPanel] = {}
        for spec in EXPERIMENTS:
            panel = ExperimentPanel(spec.key, spec.description, self.experiments)
            panel.run_requested.connect(lambda key=spec.key: self.controller.run_experiment(key))
            panel.cancel_requested.connect(
                lambda key=spec.key: self.controller.cancel_experiment(key)
            )
            self.panels[spec.key] = panel
            self.experiments.addTab(panel, spec.title)
        splitter.addWidget(self.experiments)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        for keys, slot in (
            ("Ctrl+R", self._run_current),
            ("Esc", self._cancel_current),
            ("N", self.controller.new_scene),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        c = self.controller
        self.canvas.test_point_moved.connect(c.set_test_point)
        self.new_points_button.clicked.connect(lambda: c.new_scene())
        self.experiments.currentChanged.connect(
            lambda index: c.update(experiment=EXPERIMENTS[index].key)
        )
        c.state_changed.connect(self._show_state)
        c.scene_changed.connect(self._on_scene_changed)
        c.verdict_ready.connect(self._on_verdict)
        c.experiment_started.connect(lambda key: self.panels[key].set_running())
        c.experiment_progress.connect(self._on_experiment_progress)
        c.experiment_finished.connect(self._on_experiment_finished)
        c.failed.connect(self._show_error)
        self._show_state(c.state)

    def _build_interactive_panel(self) -> QWidget:
        panel = QFrame(self)
        panel.setObjectName("hullInteractivePanel")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(4, 4, 4, 4)
        heading = QLabel(
            "<span style='font-weight:600'>Inside or outside?</span>"
            "<span style='color:#6a6a72'>&nbsp;&nbsp;drag the red test point</span>",
            panel,
        )
        give_own_font(heading, scaled_font(panel.font(), 1.25))
        layout.addWidget(heading)
        self.canvas = HullCanvas(panel)
        layout.addWidget(self.canvas, 1)
        self.verdict_label = QLabel("…", panel)
        self.verdict_label.setObjectName("hullVerdict")
        give_own_font(self.verdict_label, scaled_font(panel.font(), 1.1))
        self.verdict_label.setTextFormat(Qt.TextFormat.RichText)
        self.verdict_label.setWordWrap(True)  # the panel is narrow at 1280 px in the talk theme
        self.verdict_label.setMinimumHeight(6 * self.verdict_label.fontMetrics().lineSpacing())
        self.new_points_button = QPushButton("New points", panel)
        self.new_points_button.setObjectName("newHullPoints")
        self.new_points_button.setToolTip("Draw a new training set (N)")
        row = QHBoxLayout()
        row.addWidget(self.verdict_label, 1)
        row.addWidget(self.new_points_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        return panel

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Draw the first training set (done on first show otherwise)."""
        if self._started or self._shut_down:
            return
        self._started = True
        self.controller.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.start()

    def shutdown(self) -> None:
        """Cancel the experiments and wait for the workers. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self.controller.shutdown()

    # --- the state ------------------------------------------------------------------------

    def _show_state(self, state: HullsState) -> None:
        """Put the test point and the experiment tab where ``state`` says (no echo)."""
        with QSignalBlocker(self.canvas):
            self.canvas.move_test_point(*state.test_point)
        with QSignalBlocker(self.experiments):
            self.experiments.setCurrentIndex(EXPERIMENT_KEYS.index(state.experiment))

    # --- slots ---------------------------------------------------------------------------

    def _run_current(self) -> None:
        self.controller.run_experiment(self.controller.state.experiment)

    def _cancel_current(self) -> None:
        self.controller.cancel_experiment(self.controller.state.experiment)

    def _on_scene_changed(self, scene: HullScene) -> None:
        self.canvas.set_scene(scene)

    def _on_verdict(self, verdict: PointVerdict) -> None:
        self.canvas.set_verdict(verdict)
        self.verdict_label.setText(verdict_html(verdict))
        self.verdict_shown.emit(verdict)

    def _on_experiment_progress(self, key: str, progress: ExperimentProgress) -> None:
        self.panels[key].set_progress(progress)

    def _on_experiment_finished(self, key: str, status: str) -> None:
        self.panels[key].set_finished(status)
        if status == "done":
            self.experiment_shown.emit(key)

    def _show_error(self, message: str) -> None:
        show_warning(self, message, "hullsErrorBox")
