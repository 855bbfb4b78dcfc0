"""Splinescope's main window: menus, a status bar and one tab per page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app.export.gui import ExportActions
from app.model_import.import_dialog import ImportModelDialog
from app.presets.dialog import PresetOpener
from app.registry import PAGES, page_spec
from app.sessions.controller import SessionController
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


class MainWindow(QMainWindow):
    """The application window: one tab per page of :data:`app.registry.PAGES`."""

    def __init__(self, parent: QWidget | None = None, *, first_page: str | None = None) -> None:
        """``first_page``: the key of the page shown first (default: the first tab); only
        that page starts computing, the others start when first shown."""
        super().__init__(parent)
        self.setWindowTitle("Splinescope")
        self.setObjectName("mainWindow")

        self.pages = QTabWidget(self)
        self.pages.setObjectName("pages")
        self.pages.setDocumentMode(True)
        self._pages: dict[str, QWidget] = {}
        for spec in PAGES:
            page = spec.factory()
            self._pages[spec.key] = page
            self.pages.addTab(page, spec.title)
        self.setCentralWidget(self.pages)
        self._connect_network_requests()

        self.status_label = QLabel(self)
        self.status_label.setObjectName("partitionStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.status_label, 1)
        # Pages with a status line speak in the status bar while their tab is shown.
        self._status: dict[str, str] = {}
        for spec in PAGES:
            if spec.status is not None:
                spec.status(self._pages[spec.key]).connect(
                    lambda text, key=spec.key: self._on_page_status(key, text)
                )
        self.pages.currentChanged.connect(self._show_status)

        self._build_menus()
        if first_page is not None:
            self.pages.setCurrentWidget(self.page(first_page))
        self._started: set[int] = set()
        self._start_current()
        self.pages.currentChanged.connect(self._start_current)

    def _start_current(self, *_args: object) -> None:
        """Start the page on screen the first time it is there."""
        index = self.pages.currentIndex()
        if index not in self._started:
            self._started.add(index)
            self.pages.currentWidget().start()

    def page(self, key: str) -> QWidget:
        """The page named ``key`` (a key of :data:`app.registry.PAGES`)."""
        return self._pages[page_spec(key).key]

    def current_key(self) -> str:
        """The key of the page on screen."""
        return PAGES[self.pages.currentIndex()].key

    def show_page(self, key: str) -> QWidget:
        """Bring the page named ``key`` to the front; returns it."""
        page = self.page(key)
        self.pages.setCurrentWidget(page)
        return page

    def _connect_network_requests(self) -> None:
        """A page's request to show a network goes to the page that shows networks."""
        viewer = next((spec for spec in PAGES if spec.show_network is not None), None)
        for spec in PAGES:
            if spec.network_requests is not None and viewer is not None:
                spec.network_requests(self._pages[spec.key]).connect(self.show_network)

    def show_network(self, model, bounds=None, plane=None) -> None:
        """Show ``model``'s exact cells (on ``plane``, in ``bounds``) on the page that shows
        networks, and switch to it; ``bounds`` None keeps that page's default."""
        spec = next(spec for spec in PAGES if spec.show_network is not None)
        spec.show_network(self.page(spec.key), model, bounds, plane)  # ValueError: unchanged
        self.show_page(spec.key)

    def _model_viewer(self) -> str | None:
        """The key of the page that shows imported models (it has ``show_model``)."""
        viewers = (key for key, page in self._pages.items() if hasattr(page, "show_model"))
        return next(viewers, None)

    def import_model(self) -> ImportModelDialog:
        """Open File > Import model…; an imported model goes to the page that shows
        models, which comes to the front. A bad file is refused in the dialog, nothing
        else changes."""
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
        self.sessions = SessionController(self, self._pages)
        self.sessions.add_to_menu(file_menu, quit_action)
        self.import_model_action = QAction("Import &model…", self)
        self.import_model_action.setObjectName("importModelAction")
        self.import_model_action.setShortcut(QKeySequence("Ctrl+I"))
        tip = "Show the exact cells of a TorchScript, ONNX or state_dict model in a slice"
        self.import_model_action.setToolTip(tip)
        self.import_model_action.setStatusTip(tip)
        self.import_model_action.triggered.connect(self.import_model)
        self.import_model_action.setEnabled(self._model_viewer() is not None)
        file_menu.insertAction(self.sessions.import_action, self.import_model_action)

        view_menu = self.menuBar().addMenu("&View")
        view_menu.setObjectName("viewMenu")
        for spec in PAGES:
            if spec.view_actions is not None:
                view_menu.addSection(f"{spec.title} panels")
                view_menu.addActions(spec.view_actions(self._pages[spec.key]))
        self.theme_actions = ThemeActions(self)
        self.theme_actions.add_to(view_menu)

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
        """Every page, in tab order. Each has ``shutdown()``, which stops its workers."""
        return list(self._pages.values())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sessions.end()
        for page in self.page_widgets():
            page.shutdown()
        super().closeEvent(event)
