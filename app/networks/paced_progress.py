"""A slice's progress reports, passed on at a pace the status line can follow.

The engine reports after every step of every layer (about 400 reports for the default
digits slice); each one the page shows re-lays out its status line, its progress bar and
the window's status bar, which cost about 2 s of the GUI thread per slice in a deck.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

#: At most one report is passed on per this many milliseconds.
PACE_MS = 100


class PacedProgress(QObject):
    """Passes on the first report at once, then at most the newest one per ``pace_ms``;
    the reports in between are dropped, as newer ones supersede them.

    Signals
    -------
    paced(int, int, int) : layers done, layers, cells so far (as the controller's
        ``slice_progress``).
    """

    paced = Signal(int, int, int)

    def __init__(self, pace_ms: int = PACE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: tuple[int, int, int] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(pace_ms)
        self._timer.timeout.connect(self._pass_on)

    def report(self, done: int, total: int, n_cells: int) -> None:
        """A new report: passed on now if none was in the last ``pace_ms``, else later."""
        self._pending = (done, total, n_cells)
        if not self._timer.isActive():
            self._pass_on()

    def stop(self) -> None:
        """The job ended: drop the report waiting to be passed on."""
        self._pending = None
        self._timer.stop()

    def _pass_on(self) -> None:
        if self._pending is None:
            return
        report, self._pending = self._pending, None
        self._timer.start()
        self.paced.emit(*report)
