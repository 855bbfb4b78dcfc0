"""Splinescope's main window: menus, a status bar and one tab per page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app.export.gui import ExportActions
from app.export.ready import ReadyWait, when_ready
from app.presets.dialog import PresetOpener
from app.registry import PAGES, page_entry, page_first_result
from app.sessions.controller import SessionController
from app.shell.page_importer import PageImporter
from app.shell.page_tabs import PageTabs
from app.shell.theme import ThemeActions

ABOUT_TEXT = (
    "<h3>Splinescope</h3>"
    "<p>Splinescope shows what a ReLU network does to its input space, exactly.</p>"
    "<p>A network made of affine layers and piecewise-linear activations is a "
    "continuous piecewise-affine function: it cuts its input space into convex cells "
    "and applies one affine map inside each. Splinescope computes these cells "
    "exactly and draws them, layer by layer.</p>"
    "<p>After Balestriero &amp; Baraniuk, <i>A Spline Theory of Deep Networks</i> (2018).</p>"
)
#: What the background import takes after the pages: the code of File > Import model…
#: and of the exports, and what the pages load on first use (scipy's solvers for the
#: distance to a cell's boundary, its image filters for the Hulls pixel experiment; VTK
#: for the exports of 3-D views), so that using them imports nothing on the GUI thread.
LATER_MODULES = (
    "app.model_import",
    "app.model_import.weights_dialog",
    "app.export.targets",
    "scipy.optimize",
    "scipy.ndimage",
    "app.export.vtk_export",
    "widgets.vtk.view",
)
#: The other pages' code is imported once the first page shows its first result (their
#: imports would compete with it for the interpreter), or after this long (ms) at most.
PRELOAD_LATEST_MS = 15_000


class MainWindow(QMainWindow):
    """The application window: one tab per page of :data:`app.registry.PAGES`.

    The window shows before any page is built. The page on screen is imported on a
    background thread (:class:`app.shell.page_importer.PageImporter`), then built and
    started; the other pages' code is imported once it shows its first result, and each
    page is built the first time it is shown or asked for (:meth:`page`), and starts
    computing when first shown.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        first_page: str | None = None,
        preload_pages: bool = True,
    ) -> None:
        """``first_page``: the key of the page shown first (default: the first tab); only
        that page starts computing, the others start when first shown. With
        ``preload_pages`` the other pages' code is imported in the background once the
        first page shows its result (an export run, which shows the pages its figures
        need, says False: it would import every page for nothing)."""
        super().__init__(parent)
        self.setWindowTitle("Splinescope")
        self.setObjectName("mainWindow")

        self.pages = QTabWidget(self)
        self.pages.setObjectName("pages")
        self.pages.setDocumentMode(True)
        self.page_tabs = PageTabs(self.pages)
        self.page_tabs.page_built.connect(self._on_page_built)
        self.importer = PageImporter(self)
        self.importer.imported.connect(self._on_imported)
        self.importer.failed.connect(self._on_import_failed)
        self.setCentralWidget(self.pages)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("partitionStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.status_label, 1)
        # Pages with a status line speak in the status bar while their tab is shown.
        self._status: dict[str, str] = {}
        self.pages.currentChanged.connect(self._show_status)

        self._view_sections: dict[str, QAction] = {}
        self._build_menus()
        if first_page is not None:
            self.pages.setCurrentIndex(PAGES.index(page_entry(first_page)))
        self._started: set[str] = set()
        self._preloading = not preload_pages  # True: asked for already, or not wanted
        self._first_result_wait: ReadyWait | None = None
        self._start_current()
        self.pages.currentChanged.connect(self._start_current)

    def _start_current(self, *_args: object) -> None:
        """Start the page on screen the first time it is there: build it if its code is
        imported, else have its code imported first (this is called again then)."""
        key = self.current_key()
        if key in self._started:
            return
        if not self.page_tabs.is_built(key):
            module = page_entry(key).module
            if not self.importer.is_imported(module):
                self.importer.request([module], urgent=True)
                self.statusBar().showMessage(f"Loading the {page_entry(key).title} page…")
                return
            self.page(key)
        self._started.add(key)
        page = self.page_tabs.page(key)
        page.start()
        self.statusBar().clearMessage()
        self._preload_after_first_result(key, page)

    def _preload_after_first_result(self, key: str, page: QWidget) -> None:
        """Import the other pages' code once ``page``, the first page started, shows its
        first result (or fails, or :data:`PRELOAD_LATEST_MS` passed)."""
        if self._preloading or self._first_result_wait is not None:
            return
        rule = replace(page_first_result(key, page), start=None)  # the page is started
        self._first_result_wait = when_ready(
            rule, self._preload_the_rest, lambda _message: self._preload_the_rest(), self
        )
        QTimer.singleShot(PRELOAD_LATEST_MS, self._preload_the_rest)

    def _preload_the_rest(self) -> None:
        """Import the other pages' code in the background (once)."""
        if self._preloading:
            return
        self._preloading = True
        if self._first_result_wait is not None:
            self._first_result_wait.cancel()
        rest = [e.module for e in PAGES if not self.importer.is_imported(e.module)]
        self.importer.request(rest + list(LATER_MODULES))

    def _on_imported(self, module: str) -> None:
        if module == page_entry(self.current_key()).module:
            self._start_current()

    def _on_import_failed(self, module: str, message: str) -> None:
        for entry in PAGES:
            placeholder = self.page_tabs.placeholder(entry.key)
            if entry.module == module and placeholder is not None:
                placeholder.show_failure(f"The {entry.title} page could not be loaded: {message}")

    @contextmanager
    def _imports_here(self) -> Iterator[None]:
        """Let the GUI thread import: the background import waits meanwhile."""
        self.importer.settle()
        try:
            yield
        finally:
            self.importer.resume()

    def page(self, key: str) -> QWidget:
        """The page named ``key`` (a key of :data:`app.registry.PAGES`), built now if it
        was not (importing its code first if the background import has not)."""
        if not self.page_tabs.is_built(key):
            with self._imports_here():
                return self.page_tabs.page(key)
        return self.page_tabs.page(key)

    def current_key(self) -> str:
        """The key of the page on screen."""
        return self.page_tabs.key_at(self.pages.currentIndex())

    def show_page(self, key: str) -> QWidget:
        """Bring the page named ``key`` to the front (building it); returns it."""
        page = self.page(key)
        self.pages.setCurrentWidget(page)
        return page

    def _on_page_built(self, key: str, page: QWidget) -> None:
        """Hook a new page to the window: status line, network requests, View menu."""
        spec = page_entry(key).spec()  # imported: the page exists
        if spec.status is not None:
            spec.status(page).connect(lambda text, key=key: self._on_page_status(key, text))
        if spec.network_requests is not None:
            spec.network_requests(page).connect(self.show_network)
        if spec.view_actions is not None:
            self._add_view_section(key, spec.title, spec.view_actions(page))
        if key == self.current_key() and key not in self._started:
            QTimer.singleShot(0, self._start_current)

    def _add_view_section(self, key: str, title: str, actions: list[QAction]) -> None:
        """The page's View menu section, in tab order among the sections there are."""
        keys = [e.key for e in PAGES]
        later = [k for k in keys[keys.index(key) + 1 :] if k in self._view_sections]
        before = self._view_sections[later[0]] if later else self._appearance_section
        self._view_sections[key] = self.view_menu.insertSection(before, f"{title} panels")
        self.view_menu.insertActions(before, actions)

    def show_network(self, model, bounds=None, plane=None) -> None:
        """Show ``model``'s exact cells (on ``plane``, in ``bounds``) on the page that shows
        networks, and switch to it; ``bounds`` None keeps that page's default."""
        with self._imports_here():
            entry = next(entry for entry in PAGES if entry.show_network is not None)
        entry.show_network(self.page(entry.key), model, bounds, plane)  # ValueError: unchanged
        self.show_page(entry.key)

    def _model_viewer(self) -> str | None:
        """The key of the page that shows imported models (it has ``show_model``)."""
        with self._imports_here():
            viewers = (e.key for e in PAGES if hasattr(e.factory, "show_model"))
            return next(viewers, None)

    def import_model(self):
        """Open File > Import model…; an imported model goes to the page that shows
        models, which comes to the front. A bad file is refused in the dialog, nothing
        else changes. Returns the dialog (an ImportModelDialog)."""
        with self._imports_here():
            from app.model_import.import_dialog import ImportModelDialog

        dialog = ImportModelDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.model_imported.connect(self.show_model)
        self.import_model_dialog = dialog
        dialog.open()
        return dialog

    def show_model(self, imported) -> None:
        """Show an :class:`engine.model_files.ImportedModel` and switch to its page."""
        key = self._model_viewer()
        if key is None:
            return
        self.page(key).show_model(imported.module, imported.input_shape, imported.name)
        self.show_page(key)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.preset_opener = PresetOpener(self)
        file_menu.addAction(self.preset_opener.action)
        file_menu.addSeparator()
        self.export_actions = ExportActions(self)
        file_menu.addActions(self.export_actions.actions)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.sessions = SessionController(self, self.page_tabs.as_mapping())
        self.sessions.add_to_menu(file_menu, quit_action)
        self.import_model_action = QAction("Import &model…", self)
        self.import_model_action.setObjectName("importModelAction")
        self.import_model_action.setShortcut(QKeySequence("Ctrl+I"))
        tip = "Show the exact cells of a TorchScript, ONNX or state_dict model in a slice"
        self.import_model_action.setToolTip(tip)
        self.import_model_action.setStatusTip(tip)
        self.import_model_action.triggered.connect(self.import_model)
        file_menu.insertAction(self.sessions.import_action, self.import_model_action)

        self.view_menu = view_menu = self.menuBar().addMenu("&View")
        view_menu.setObjectName("viewMenu")
        self.theme_actions = ThemeActions(self)
        self.theme_actions.add_to(view_menu)
        # Each page's panels come before Appearance when the page is built.
        self._appearance_section = view_menu.actions()[0]

        help_menu = self.menuBar().addMenu("&Help")
        about_action = QAction("&About Splinescope", self)
        about_action.setObjectName("aboutAction")
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

    def _on_page_status(self, key: str, text: str) -> None:
        self._status[key] = text
        self._show_status()

    def _show_status(self) -> None:
        self.status_label.setText(self._status.get(self.current_key(), ""))

    def show_about(self) -> QMessageBox:
        """Open the About box (window-modal, returns at once)."""
        box = QMessageBox(self)
        box.setObjectName("aboutBox")
        box.setWindowTitle("About Splinescope")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(ABOUT_TEXT)
        box.setIcon(QMessageBox.Icon.Information)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def page_widgets(self) -> list[QWidget]:
        """Every page built so far, in tab order. Each has ``shutdown()``, which stops its
        workers (a page never built has none)."""
        return list(self.page_tabs.built().values())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.importer.settle()
        self.sessions.end()
        for page in self.page_widgets():
            page.shutdown()
        super().closeEvent(event)
