"""File > Export view… and Copy image: the export machinery behind the main window's menu.

The renderers (torch, VTK, the figure code) are imported when an export runs, not with the
menu: the window shows before any page's code is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QProgressDialog

from app.export.catalogue import export_targets
from app.export.export_folder import proposed_folder, remember_folder
from app.export.formats import ANIMATION_FPS, MAX_FPS, MIN_FPS, ExportOptions, ImageSize
from engine.safe_files import OutputPathError, check_output_path
from widgets.common.message_box import show_warning
from widgets.dialogs.export_dialog import ExportChoice, ExportDialog, ExportItem

if TYPE_CHECKING:
    from app.export.animation import AnimationRecorder
    from app.export.targets import ExportAnimation, ExportView

#: Copy image puts the page's main view on the clipboard at this scale.
COPY_SCALE = 2.0


def _note(target: ExportView | ExportAnimation) -> str:
    from app.export.targets import ExportAnimation
    from app.export.vtk_export import GL2PS_LIMITATION

    if isinstance(target, ExportAnimation):
        return "Frames are drawn by driving the page; the page is put back afterwards."
    if target.vtk:
        return GL2PS_LIMITATION
    if target.figure is not None:
        return (
            "SVG and PDF are written from the exact geometry: one polygon per cell (with its "
            "id and activation pattern), edges, decision boundary, probe, path, axes, legend. "
            "PNG is the view as on screen."
        )
    return "SVG and PDF are Qt vector drawings of the view as on screen."


class ExportActions(QObject):
    """The File menu's export actions for ``window`` (a MainWindow with ``pages`` tabs)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.export_action = QAction("&Export view…", window)
        self.export_action.setObjectName("exportViewAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip(
            "Export the current page's views to PNG, SVG or PDF, or record an animation "
            "as GIF or MP4 (Ctrl+E)"
        )
        self.export_action.triggered.connect(self.open_dialog)
        self.copy_action = QAction("&Copy image", window)
        self.copy_action.setObjectName("copyImageAction")
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_action.setToolTip("Copy the current page's main view to the clipboard")
        self.copy_action.triggered.connect(self.copy_image)
        self.recorder: AnimationRecorder | None = None

    @property
    def actions(self) -> list[QAction]:
        return [self.export_action, self.copy_action]

    def current_targets(self) -> tuple[str, list[ExportView | ExportAnimation]]:
        key = self.window.current_key()
        return key, export_targets(self.window.page(key), key)

    # -- actions -------------------------------------------------------------------------

    def open_dialog(self) -> ExportDialog:
        """Open the Export dialog for the current page (window-modal; returns at once)."""
        from app.export.targets import ExportAnimation, ExportView

        _, targets = self.current_targets()
        items = [
            ExportItem(
                target.name,
                target.title,
                animation=isinstance(target, ExportAnimation),
                note=_note(target),
                default_frames=getattr(target, "default_frames", 30),
            )
            for target in targets
        ]
        main = next(t for t in targets if isinstance(t, ExportView)).widget()
        dialog = ExportDialog(
            items,
            proposed_folder(),
            "splinescope",
            (main.width() * 2, main.height() * 2),
            self.window,
            check=self.problem_with,
            fps=ANIMATION_FPS,
            fps_range=(MIN_FPS, MAX_FPS),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.export(dialog.choice()))
        dialog.open()
        return dialog

    @staticmethod
    def _options(choice: ExportChoice) -> ExportOptions:
        size = ImageSize(pixels=choice.pixels) if choice.pixels else ImageSize(choice.scale)
        return ExportOptions(choice.path, size, choice.transparent, choice.frames, choice.fps)

    def problem_with(self, choice: ExportChoice) -> str | None:
        """Why ``choice`` cannot be exported, in a sentence (an unknown suffix, a missing
        or read-only folder, a folder in the file's place), or None; checked before any
        rendering or recording."""
        try:
            self._options(choice).format  # noqa: B018  (checks the suffix)
            check_output_path(choice.path)
        except (ValueError, OutputPathError) as error:
            return str(error)
        return None

    def export(self, choice: ExportChoice) -> None:
        """Export what ``choice`` names; stills at once, animations with a progress dialog."""
        from app.export.targets import ExportAnimation, export_view

        _, targets = self.current_targets()
        target = next(t for t in targets if t.name == choice.item)
        problem = self.problem_with(choice)
        if problem:
            self._error(problem)
            return
        options = self._options(choice)
        remember_folder(choice.path.parent)
        if isinstance(target, ExportAnimation):
            self.record(target, options)
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            path = export_view(target, options)
        except (OSError, ValueError, RuntimeError) as error:
            QApplication.restoreOverrideCursor()
            self._error(f"Could not export {target.title}: {error}")
            return
        QApplication.restoreOverrideCursor()
        self.window.statusBar().showMessage(f"Exported {path}", 8000)

    def record(self, animation: ExportAnimation, options: ExportOptions) -> AnimationRecorder:
        """Record ``animation`` with a progress dialog that can cancel it."""
        from app.export.animation import AnimationRecorder

        recorder = AnimationRecorder(animation, options, self)
        progress = QProgressDialog(
            f"Recording {animation.title}…", "Cancel", 0, options.frames, self.window
        )
        progress.setObjectName("exportProgress")
        progress.setWindowTitle("Export animation")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(recorder.cancel)
        recorder.progress.connect(lambda done, total: progress.setValue(done))

        def done(message: str | None) -> None:
            progress.canceled.disconnect(recorder.cancel)
            progress.close()
            progress.deleteLater()
            self.recorder = None
            if message:
                self._error(message)

        recorder.finished.connect(
            lambda path: (
                done(None),
                self.window.statusBar().showMessage(f"Exported {path}", 8000),
            )
        )
        recorder.failed.connect(done)
        recorder.cancelled.connect(lambda: done(None))
        self.recorder = recorder
        progress.show()
        recorder.start()
        return recorder

    def copy_image(self) -> None:
        """Put the current page's main view, at 2x, on the clipboard."""
        from app.export.targets import ExportView, view_image

        _, targets = self.current_targets()
        view = next(t for t in targets if isinstance(t, ExportView))
        try:
            image = view_image(view, ImageSize(COPY_SCALE))
        except (OSError, ValueError, RuntimeError) as error:
            self._error(f"Could not copy {view.title}: {error}")
            return
        QGuiApplication.clipboard().setImage(image)
        self.window.statusBar().showMessage(
            f"Copied {view.title} ({image.width()}×{image.height()} px)", 8000
        )

    def _error(self, message: str) -> None:
        show_warning(self.window, message, "exportErrorBox")
