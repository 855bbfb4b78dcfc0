"""Sessions in the window: File menu actions, autosave, crash recovery, recent files.

:class:`SessionController` owns the File actions Open…, Open Recent, Save, Save As… and
Import weights…. It saves every page that implements :mod:`app.sessions.page_states`'s
protocol to a ``.splinescope`` file, restores them all or none, and reports any problem
in a message box (the session on screen stays as it was). Open… and Open Recent read and
check the file in a worker (:class:`app.sessions.loading.SessionReader`, with a progress
dialog and Cancel) and restore the pages on the GUI thread once it is read.

After :meth:`SessionController.begin` (the application calls it when the window opens):

- the window's geometry comes back from the settings;
- a marker file in the data directory says this process is running; a marker left by a
  process that is gone means the last run ended without closing the window, and when an
  autosave exists the user is offered to restore it (read in a worker, like Open…);
- every :data:`AUTOSAVE_INTERVAL_MS` the session is written to the data directory;
- temporary files a killed save or export left in the data directory and the session
  folders (recent files, the last folder) are removed in a worker, if the process that
  wrote them is gone.

:meth:`SessionController.end` (the window closing) stores the geometry, removes the
marker and the autosave: a clean exit leaves nothing to recover.
"""

from __future__ import annotations

import datetime
import os
import traceback
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QWidget

from app.sessions.loading import ReadOutcome, SessionReader, remove_leftovers_in_background
from app.sessions.page_states import restore_states, save_states
from app.shell.user_files import autosave_path, data_directory, settings
from engine.session_file import (
    SESSION_SUFFIX,
    PageState,
    SessionFileError,
    read_session,
    write_session,
)

AUTOSAVE_INTERVAL_MS = 3 * 60 * 1000
MAX_RECENT = 8
SESSION_FILTER = f"Splinescope sessions (*{SESSION_SUFFIX})"
_MARKER_PREFIX = "running-"


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return False  # no safe probe (os.kill(pid, 0) would signal it on Windows)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_markers(folder: Path) -> list[Path]:
    """Markers of Splinescope processes that are gone (they did not close their window)."""
    stale = []
    for marker in folder.glob(f"{_MARKER_PREFIX}*.marker"):
        pid_text = marker.stem[len(_MARKER_PREFIX) :]
        if not pid_text.isdecimal() or not _pid_alive(int(pid_text)):
            stale.append(marker)
    return stale


class SessionController(QObject):
    """The window's session file, its autosave, its recovery and its recent files.

    Parameters
    ----------
    window : the main window (dialog parent, title, geometry).
    pages : the window's pages by key (see :data:`app.registry.PAGES`).

    Signals
    -------
    session_saved(str), session_loaded(str) : the path written or read.
    problem_shown(str) : a message box told the user about a problem.
    leftovers_removed(list) : the stale temporary files :meth:`begin` removed.

    Attributes
    ----------
    reader : the :class:`app.sessions.loading.SessionReader` behind Open… and Open Recent
        (its ``read_cancelled`` says when the user cancelled).
    """

    session_saved = Signal(str)
    session_loaded = Signal(str)
    problem_shown = Signal(str)
    leftovers_removed = Signal(list)

    def __init__(
        self,
        window: QMainWindow,
        pages: Mapping[str, QWidget],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._pages = pages
        self._settings = settings()
        self._path: Path | None = None
        self._marker: Path | None = None
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_INTERVAL_MS)
        self._autosave.timeout.connect(self.autosave_now)
        self.reader = SessionReader(window)
        self.reader.read_done.connect(self._on_read)
        self._build_actions()

    # -- actions -----------------------------------------------------------------------

    def _action(self, text: str, name: str, shortcut: QKeySequence | str | None, tip: str):
        action = QAction(text, self._window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action(
            "&Open…", "openSessionAction", QKeySequence.StandardKey.Open, "Open a saved session"
        )
        self.save_action = self._action(
            "&Save", "saveSessionAction", QKeySequence.StandardKey.Save, "Save the session"
        )
        self.save_as_action = self._action(
            "Save &As…", "saveSessionAsAction", "Ctrl+Shift+S", "Save the session under a new name"
        )
        self.import_action = self._action(
            "&Import weights…",
            "importWeightsAction",
            None,
            "Show the cells of an MLP trained elsewhere (its state_dict and its widths)",
        )
        self.recent_menu = QMenu("Open &Recent", self._window)
        self.recent_menu.setObjectName("recentSessionsMenu")
        self.open_action.triggered.connect(self.open_dialog)
        self.save_action.triggered.connect(self.save)
        self.save_as_action.triggered.connect(self.save_as)
        self.import_action.triggered.connect(self.import_weights)
        self._fill_recent_menu()

    def add_to_menu(self, menu: QMenu, before: QAction) -> None:
        """Put the session actions into ``menu`` above ``before`` (Quit)."""
        menu.insertAction(before, self.open_action)
        menu.insertMenu(before, self.recent_menu)
        menu.insertAction(before, self.save_action)
        menu.insertAction(before, self.save_as_action)
        menu.insertSeparator(before)
        menu.insertAction(before, self.import_action)
        menu.insertSeparator(before)

    @property
    def path(self) -> Path | None:
        """The session file the window shows (None: never saved or opened)."""
        return self._path

    # -- saving and opening ------------------------------------------------------------

    def _states(self):
        return save_states(self._pages)

    def save(self) -> bool:
        """Save to the current file, or ask for one; True when written."""
        if self._path is None:
            return self.save_as()
        return self.save_to(self._path)

    def save_as(self) -> bool:
        start = str(self._path or Path(self._directory()) / f"session{SESSION_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self._window, "Save session", start, SESSION_FILTER)
        if not path:
            return False
        if not path.endswith(SESSION_SUFFIX):
            path += SESSION_SUFFIX
        return self.save_to(path)

    def save_to(self, path: str | os.PathLike) -> bool:
        """Write the session to ``path`` (atomically); a problem is shown, not raised."""
        try:
            written = write_session(path, self._states())
        except SessionFileError as error:
            self._show_problem("The session was not saved", str(error))
            return False
        self._set_path(written)
        self.session_saved.emit(str(written))
        return True

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open session", self._directory(), SESSION_FILTER
        )
        if path:
            self.open_in_background(path)

    def open_in_background(self, path: str | os.PathLike) -> None:
        """Open a session without blocking the window: the file is read and checked in a
        worker (a progress dialog with Cancel shows when it is slow), then the pages are
        restored, all or none; a problem is shown in a message box and nothing changes.
        ``session_loaded`` says when it is done."""
        self.reader.start(Path(path))

    def _on_read(self, outcome: ReadOutcome) -> None:
        recovered = outcome.path == autosave_path()
        title = (
            "The autosaved session could not be restored"
            if recovered
            else "The session was not opened"
        )
        if outcome.error is not None:
            if isinstance(outcome.error, SessionFileError):
                self._show_problem(title, str(outcome.error))
                return
            raise outcome.error  # unexpected: the error reporter logs and shows it
        try:
            self._restore(outcome.path, outcome.pages, remember=not recovered)
        except SessionFileError as error:
            self._show_problem(title, str(error))

    def open_path(self, path: str | os.PathLike) -> bool:
        """Open a session on this thread (the command line, tests); a problem is shown in
        a message box and nothing changes."""
        try:
            self.load_path(path)
        except SessionFileError as error:
            self._show_problem("The session was not opened", str(error))
            return False
        return True

    def load_path(self, path: str | os.PathLike, *, remember: bool = True) -> list[str]:
        """Open a session, all pages or none.

        Returns the keys of saved pages this window does not have. Raises
        SessionFileError (the window unchanged) for a file that cannot be restored.
        """
        path = Path(path)
        return self._restore(path, read_session(path), remember=remember)

    def _restore(self, path: Path, states: Mapping[str, PageState], *, remember: bool) -> list[str]:
        """Restore the pages read from ``path``, all or none."""
        try:
            unknown = restore_states(self._pages, states)
        except SessionFileError as error:
            raise SessionFileError(f"Cannot open {path.name}: {error}") from None
        if remember:
            self._set_path(path)
        self.session_loaded.emit(str(path))
        return unknown

    def _set_path(self, path: Path) -> None:
        self._path = Path(path).absolute()
        self._window.setWindowTitle(f"{self._path.name} — Splinescope")
        self._settings.setValue("session/directory", str(self._path.parent))
        recent = [p for p in self.recent_files() if Path(p) != self._path]
        self._settings.setValue("session/recent", [str(self._path), *recent][:MAX_RECENT])
        self._fill_recent_menu()

    def _directory(self) -> str:
        return str(self._settings.value("session/directory", str(Path.home())))

    def recent_files(self) -> list[str]:
        """Recently saved or opened sessions, newest first."""
        value = self._settings.value("session/recent", [])
        if isinstance(value, str):  # QSettings returns a lone string for a 1-item list
            value = [value]
        return [str(v) for v in value or []]

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for number, path in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setData(path)
            action.triggered.connect(lambda _=False, p=path: self.open_in_background(p))
        self.recent_menu.setEnabled(bool(recent))

    # -- import ------------------------------------------------------------------------

    def import_weights(self) -> None:
        """Ask for a state_dict and its widths; show the network's cells."""
        from app.model_import.weights_dialog import ImportWeightsDialog  # torch: not at start

        dialog = ImportWeightsDialog(self._window, self._directory())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.show_imported(dialog.model))
        dialog.open()

    def show_imported(self, model) -> None:
        """Show ``model``'s cells (the plane of its first two inputs if d > 2)."""
        from engine.networks import network_layers

        d = network_layers(model).n_inputs
        plane = None
        if d != 2:
            eye = np.eye(max(d, 2))[:, :d]
            plane = (np.zeros(d), eye[0], eye[1] if d > 1 else np.zeros(d))
        try:
            self._window.show_network(model, None, plane)
        except ValueError as error:
            self._show_problem("The network was not imported", str(error))

    # -- autosave and recovery ---------------------------------------------------------

    def begin(self, *, offer_recovery: bool = True) -> QMessageBox | None:
        """Start the window's life: geometry, crash marker, autosave; offer a recovery.

        Returns the recovery question when one is shown.
        """
        geometry = self._settings.value("window/geometry")
        if geometry is not None:
            self._window.restoreGeometry(geometry)
        folder = data_directory()
        stale = stale_markers(folder)
        for marker in stale:
            marker.unlink(missing_ok=True)
        self._marker = folder / f"{_MARKER_PREFIX}{os.getpid()}.marker"
        self._marker.write_text(datetime.datetime.now().isoformat(timespec="seconds"))
        self._autosave.start()
        remove_leftovers_in_background(self._written_folders(), self.leftovers_removed.emit)
        if stale and offer_recovery and autosave_path().exists():
            return self._offer_recovery(autosave_path())
        return None

    def _written_folders(self) -> list[Path]:
        """The folders sessions are written to: the data directory (the autosave), the
        last session folder and those of the recent files."""
        folders = [data_directory()]
        last = self._settings.value("session/directory")
        if last:
            folders.append(Path(str(last)))
        folders += [Path(p).parent for p in self.recent_files()]
        return list(dict.fromkeys(folders))

    def end(self) -> None:
        """A clean exit: keep the geometry, drop the marker and the autosave. Does
        nothing for a window that never began (tests, screenshots)."""
        self._autosave.stop()
        self.reader.cancel(quietly=True)
        if self._marker is None:
            return
        self._settings.setValue("window/geometry", self._window.saveGeometry())
        self._settings.sync()
        self._marker.unlink(missing_ok=True)
        self._marker = None
        autosave_path().unlink(missing_ok=True)

    def autosave_now(self) -> Path | None:
        """Write the session to the autosave file; returns it (None if it failed)."""
        try:
            return write_session(autosave_path(), self._states())
        except Exception:  # an autosave must never take the app down
            traceback.print_exc()
            return None

    def _offer_recovery(self, path: Path) -> QMessageBox:
        when = datetime.datetime.fromtimestamp(path.stat().st_mtime).strftime("%H:%M on %d %b")
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Recover the last session?",
            "Splinescope did not close properly last time. The session was autosaved at "
            f"{when}. Restore it? (Discard deletes the autosave.)",
            QMessageBox.StandardButton.NoButton,
            self._window,
        )
        box.setObjectName("recoveryBox")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        restore.setObjectName("restoreButton")
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("discardButton")
        restore.clicked.connect(lambda: self.reader.start(path))
        discard.clicked.connect(lambda: path.unlink(missing_ok=True))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    # -- problems ----------------------------------------------------------------------

    def _show_problem(self, title: str, message: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Splinescope",
            f"{title}.\n\n{message}\n\nThe session on screen is unchanged.",
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        box.setObjectName("sessionProblemBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.problem_shown.emit(message)
