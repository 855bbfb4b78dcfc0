"""The Paths page: a straight latent path between two digits, crossing the decoder's cells.

Left (:class:`app.paths.controls.PathsControls`): the data, the latent dimension, training
progress, and a gallery of held-out digits to pick the two ends from. Right
(:class:`app.paths.views.PathsViews`): the decoder's exact cells over the latent plane (or
the slice through the path) with the training codes and the path's crossings; the survey
of cells crossed against length; the classifier walked in pixel space; the strip of
decoded images beside the pixel fade and the nearest training images; and the distance of
the decoded path to the training set.

The page's settings are the controller's :class:`app.paths.state.PathsState`: the controls
write to it and show it; the views draw the controller's results.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.paths.analysis import PairAnalysis
from app.paths.controller import PathsController
from app.paths.controls import PathsControls
from app.paths.state import PathsSettings
from app.paths.training import PathsModels
from app.paths.views import PathsViews, summary_text
from widgets.common.message_box import show_warning


class PathsPage(QWidget):
    """Latent interpolation paths of a ReLU autoencoder, and a classifier's pixel path.

    Signals
    -------
    pair_shown(object) : a :class:`PairAnalysis` is on screen (strip, cells and plots).
    """

    pair_shown = Signal(object)

    def __init__(
        self, settings: PathsSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pathsPage")
        self.controller = PathsController(settings, self)
        self._started = False
        self.controls = PathsControls(self.controller, self)
        self.views = PathsViews(self)
        self._build_actions()
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.setSpacing(8)
        row.addWidget(self.controls)
        row.addWidget(self.views, 1)

        c = self.controller
        c.training_started.connect(self.controls.show_training_started)
        c.training_progress.connect(self.controls.show_training_progress)
        c.training_finished.connect(self.controls.show_training_finished)
        c.models_ready.connect(self._on_models_ready)
        c.pair_ready.connect(self._on_pair_ready)
        c.failed.connect(self._show_error)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _build_actions(self) -> None:
        for text, shortcut, slot in (
            ("Random pair", "R", self.controls.random_pair),
            ("Load MNIST files", "Ctrl+M", self.controls.choose_mnist_files),
            ("Cancel training", "Esc", self.controller.cancel_training),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Read the digits and train (or reuse) the models, in workers; done on first show."""
        self._started = True
        self.controller.prepare()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self.start()

    def shutdown(self) -> None:
        """Stop reading, training and analysis; call before the page goes away."""
        self.controller.shutdown()

    # -- sessions (see app.paths.session) ---------------------------------------------------

    def show_saved(self, source, state, networks) -> None:
        """Show a checked session section (see :class:`app.paths.session.SavedPaths`): its
        data, settings, trained networks (their cells are derived, not retrained) and
        pair. Before the first show, the models wait for it, as they do in a fresh start."""
        self.controller.restore(source, state, networks, prepare=self._started)
        if not self._started:
            self.controls.stage_label.setText(
                "Restored from a session: the saved models come back when the page is shown."
                if networks
                else "Restored from a session: the models train when the page is first shown."
            )

    # -- controller events ------------------------------------------------------------------

    def _on_models_ready(self, models: PathsModels) -> None:
        self.controls.show_models(models, len(self.controller.source.train))
        self.views.show_models(models)
        if self.controller.pair is None:
            self.controller.pick_default_pair(self.controls.gallery.shown_indices)

    def _on_pair_ready(self, analysis: PairAnalysis) -> None:
        source = self.controller.source
        self.views.show_pair(analysis, self.controller.models, source)
        self.controls.summary_label.setText(summary_text(analysis, source))
        self.pair_shown.emit(analysis)

    def _show_error(self, message: str) -> None:
        self.controls.stage_label.setText(message)
        show_warning(self, message, "pathsErrorBox")
