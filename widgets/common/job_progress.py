"""A progress bar with a Cancel button for background work that may take a while.

It stays hidden for quick jobs (under :data:`SHOW_AFTER_MS`), so a stream of fast
recomputations (a slider being dragged) does not flicker, and appears with the job's
progress when one takes longer.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

#: A job shorter than this never shows the bar.
SHOW_AFTER_MS = 250


class JobProgress(QWidget):
    """Progress of one background job and a button to stop it.

    Signals
    -------
    cancel_requested() : the user pressed Cancel (or its shortcut).
    """

    cancel_requested = Signal()

    def __init__(self, what: str, shortcut: str = "Ctrl+.", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setShortcut(QKeySequence(shortcut))
        self.cancel_button.setToolTip(f"Stop {what} ({shortcut}); the last result stays")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.setInterval(SHOW_AFTER_MS)
        self._show_timer.timeout.connect(self.show)
        self.hide()

    def start(self) -> None:
        """A job began: show the bar (empty) unless it ends within SHOW_AFTER_MS."""
        self.bar.setRange(0, 0)  # busy until the first report
        self._show_timer.start()

    def set_progress(self, done: int, total: int, text: str) -> None:
        """``done`` of ``total`` steps; ``text`` is shown on the bar and as its tooltip."""
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(text)
        self.bar.setToolTip(text)

    def finish(self) -> None:
        """The job ended (result, failure or cancel): hide."""
        self._show_timer.stop()
        self.hide()
