"""Splinescope's main window: menus, a status bar and one tab per page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app.cells_page import CellsPage

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
        self.setCentralWidget(self.pages)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("partitionStatusLabel")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.status_label, 1)
        self.cells_page.status_changed.connect(self.status_label.setText)

        self._build_menus()
        self.cells_page.start()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        help_menu = self.menuBar().addMenu("&Help")
        about_action = QAction("&About Splinescope", self)
        about_action.setObjectName("aboutAction")
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

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

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cells_page.shutdown()
        super().closeEvent(event)
