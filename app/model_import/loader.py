"""Model files read and converted off the GUI thread, one at a time, with progress and Cancel.

:class:`ModelLoader` runs :func:`engine.model_files.load_model` in a worker
(:class:`app.jobs.background_read.BackgroundRead`, as sessions are read) and hands the outcome
back on the GUI thread: :attr:`ModelLoader.loaded` with the
:class:`engine.model_files.ImportedModel`, or :attr:`ModelLoader.failed` with the
error. Cancel (or a newer load) sets the running load's stop flag, which the read checks
at every chunk and the conversion between its stages; nothing it read is handed back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.jobs.background_read import BackgroundRead
from engine.model_files import ImportedModel, load_model

#: ``load(path, *, input_shape=..., progress=...)``: what the worker calls (tests slow it).
Loader = Callable[..., ImportedModel]


class ModelLoader(BackgroundRead):
    """Loads one model file at a time in a worker; a newer load stops the older one.

    Signals
    -------
    progressed(int) : percent done of the running load.
    loaded(object) : the :class:`ImportedModel` of a load that was not cancelled.
    failed(object) : the exception that stopped a load (a ``ModelFileError`` says what
        is wrong in one sentence).
    """

    loaded = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None, load: Loader = load_model) -> None:
        super().__init__(parent)
        self._load = load
        self.returned.connect(self._on_outcome)

    def start(self, path: str | Path, input_shape: tuple[int, ...] | None) -> None:  # type: ignore[override]
        """Load ``path`` in a worker, stopping any load still running."""
        path, load = Path(path), self._load
        super().start(lambda progress: load(path, input_shape=input_shape, progress=progress))

    def _on_outcome(self, outcome: object) -> None:
        if isinstance(outcome, Exception):
            self.failed.emit(outcome)
        else:
            self.loaded.emit(outcome)
