"""Splinescope's main window: menus, a status bar and one tab per page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app.cells3d_page import Cells3DPage
from app.cells_page import CellsPage
from app.export.gui import ExportActions
from app.hulls_page import HullsPage
from app.paths_page import PathsPage
from app.playground_page import PlaygroundPage
from app.preset_dialog import PresetOpener
from app.session_controller import SessionController
from app.session_state import page_key
from app.theme import ThemeActions
from app.volume_page import VolumePage

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
    """The application window. Pages are tabs; the Cells page is the first."""

    def __init__(self, cells_page: CellsPage | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Splinescope")
        self.setObjectName("mainWindow")

        self.cells_page = cells_page or CellsPage()
        self.pages = QTabWidget(self)
        self.pages.setObjectName("pages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.cells_page, "Cells")
        self.volume_page = VolumePage()
        self.playground_page = PlaygroundPage()
        self.pages.addTab(self.volume_page, "Volume")
        self.pages.addTab(self.playground_page, "Playground")
        self.cells3d_page = Cells3DPage()
        self.pages.addTab(self.cells3d_page, "Cells 3D")
        self.cells3d_page.slice_requested.connect(self.show_slice)
        self.paths_page = PathsPage()
        self.pages.addTab(self.paths_page, "Paths")
        self.hulls_page = HullsPage()
        self.pages.addTab(self.hulls_page, "Hulls")
        self.setCentralWidget(self.pages)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("partitionStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.status_label, 1)
        # The status bar speaks for the Cells page; the other pages carry their own lines.
        self._cells_status = ""
        self.cells_page.status_changed.connect(self._on_cells_status)
        self.pages.currentChanged.connect(self._show_status)

        self._build_menus()
        self.cells_page.start()

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
        self.sessions = SessionController(self, self.session_pages, self.cells_page)
        self.sessions.add_to_menu(file_menu, quit_action)

        view_menu = self.menuBar().addMenu("&View")
        view_menu.setObjectName("viewMenu")
        view_menu.addSection("Cells panels")
        view_menu.addActions(self.cells_page.view_actions())
        self.theme_actions = ThemeActions(self)
        self.theme_actions.add_to(view_menu)

        help_menu = self.menuBar().addMenu("&Help")
        about_action = QAction("&About Splinescope", self)
        about_action.setObjectName("aboutAction")
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

    def _on_cells_status(self, text: str) -> None:
        self._cells_status = text
        self._show_status()

    def _show_status(self) -> None:
        on_cells = self.pages.currentWidget() is self.cells_page
        self.status_label.setText(self._cells_status if on_cells else "")

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

    def show_slice(self, model, bounds, plane) -> None:
        """Show the exact 2-D cells of ``model`` on ``plane`` (from the Cells 3D page's
        slicing plane) on the Cells page, and switch to it."""
        self.cells_page.set_network(model, bounds, plane=plane)
        self.pages.setCurrentWidget(self.cells_page)

    def page_widgets(self) -> list[QWidget]:
        """Every page, in tab order. Each has ``shutdown()``, which stops its workers."""
        return [self.pages.widget(i) for i in range(self.pages.count())]

    def session_pages(self) -> dict[str, QWidget]:
        """Every page by its session key (the tab title, lower-cased)."""
        pages = self.pages
        return {page_key(pages.tabText(i)): pages.widget(i) for i in range(pages.count())}

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sessions.end()
        for page in self.page_widgets():
            page.shutdown()
        super().closeEvent(event)
