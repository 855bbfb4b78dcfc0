"""The Export dialog: which view, which file (its suffix is the format), how large.

The dialog knows nothing of pages: it is given the exportable items as plain values
(:class:`ExportItem`) and returns the user's choice as a plain :class:`ExportChoice`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from widgets.common.message_box import show_warning

STILL_SUFFIXES = (".png", ".svg", ".pdf")
ANIMATION_SUFFIXES = (".gif", ".mp4")
SCALES = (1.0, 2.0, 4.0)


@dataclass(frozen=True)
class ExportItem:
    """One thing the page can export.

    ``name`` is its command-line name; ``note`` says how SVG/PDF are made (stills) or
    what the animation shows.
    """

    name: str
    title: str
    animation: bool = False
    note: str = ""
    default_frames: int = 30


@dataclass(frozen=True)
class ExportChoice:
    """What the user asked for: ``scale`` or ``pixels`` (one of them is None)."""

    item: str
    path: Path
    scale: float | None
    pixels: tuple[int, int] | None
    transparent: bool
    frames: int
    fps: int = 10


class ExportDialog(QDialog):
    """Choose a view or an animation, a file, a size and a background; OK exports.

    ``check(choice)``, when given, says in a sentence why a choice cannot be exported
    (an unwritable file, say) or returns None; OK then shows the sentence and the dialog
    stays open with everything as the user left it.
    """

    def __init__(
        self,
        items: list[ExportItem],
        folder: Path,
        base_name: str,
        view_size: tuple[int, int],
        parent: QWidget | None = None,
        *,
        check: Callable[[ExportChoice], str | None] | None = None,
        fps: int = 10,
        fps_range: tuple[int, int] = (10, 30),
    ) -> None:
        super().__init__(parent)
        if not items:
            raise ValueError("nothing to export")
        self._check = check
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export view")
        self._items = list(items)
        self._folder = Path(folder)
        self._base = base_name

        path_row = self._build_path_row()
        size_row = self._build_size_row(view_size)
        self._build_options(fps, fps_range)

        form = QFormLayout()
        form.addRow("Export", self.item_box)
        form.addRow("File", path_row)
        form.addRow("Size", size_row)
        form.addRow("", self.transparent_box)
        form.addRow("Frames", self.frames_box)
        form.addRow("Frame rate", self.fps_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(buttons)

        self.item_box.currentIndexChanged.connect(self._on_item_changed)
        self.path_edit.textChanged.connect(self._update_enabled)
        self.scale_radio.toggled.connect(self._update_enabled)
        self._on_item_changed()

    def _build_path_row(self) -> QHBoxLayout:
        """The chosen view or animation and the file path with its Browse button."""
        self.item_box = QComboBox(self)
        self.item_box.setObjectName("exportItem")
        for item in self._items:
            kind = "animation" if item.animation else "view"
            self.item_box.addItem(f"{item.title}  ({kind}: {item.name})", item.name)
        self.item_box.setToolTip("The view or animation to export")
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("exportPath")
        self.path_edit.setToolTip(
            "The file to write; its suffix is the format: .png, .svg, .pdf for views, "
            ".gif or .mp4 for animations"
        )
        browse = QPushButton("Browse…", self)
        browse.setObjectName("exportBrowse")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        return path_row

    def _build_size_row(self, view_size: tuple[int, int]) -> QHBoxLayout:
        """Scale or exact pixel size."""
        self.scale_radio = QRadioButton("Scale", self)
        self.scale_radio.setObjectName("exportByScale")
        self.scale_radio.setChecked(True)
        self.pixels_radio = QRadioButton("Pixel size", self)
        self.pixels_radio.setObjectName("exportByPixels")
        group = QButtonGroup(self)
        group.addButton(self.scale_radio)
        group.addButton(self.pixels_radio)
        self.scale_box = QComboBox(self)
        self.scale_box.setObjectName("exportScale")
        for scale in SCALES:
            self.scale_box.addItem(f"{scale:g}×", scale)
        self.scale_box.setCurrentIndex(1)
        self.scale_box.setToolTip("Times the view's size on screen (PNG and animations)")
        self.width_box, self.height_box = QSpinBox(self), QSpinBox(self)
        for box, name, value in (
            (self.width_box, "exportWidth", view_size[0]),
            (self.height_box, "exportHeight", view_size[1]),
        ):
            box.setObjectName(name)
            box.setRange(16, 16384)
            box.setValue(max(16, int(value)))
            box.setSuffix(" px")
            box.setToolTip("Exact pixels of the image (vector figures use it as their page size)")
        size_row = QHBoxLayout()
        size_row.addWidget(self.scale_radio)
        size_row.addWidget(self.scale_box)
        size_row.addSpacing(16)
        size_row.addWidget(self.pixels_radio)
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("×", self))
        size_row.addWidget(self.height_box)
        size_row.addStretch(1)
        return size_row

    def _build_options(self, fps: int, fps_range: tuple[int, int]) -> None:
        """Transparency, frame count and rate, and the note on how the format is written."""
        self.transparent_box = QCheckBox("Transparent background", self)
        self.transparent_box.setObjectName("exportTransparent")
        self.transparent_box.setToolTip("Leave the background out (PNG and SVG)")
        self.frames_box = QSpinBox(self)
        self.frames_box.setObjectName("exportFrames")
        self.frames_box.setRange(2, 2000)
        self.frames_box.setToolTip("Number of frames of the animation")
        self.fps_box = QSpinBox(self)
        self.fps_box.setObjectName("exportFps")
        self.fps_box.setRange(*fps_range)
        self.fps_box.setValue(fps)
        self.fps_box.setSuffix(" fps")
        self.fps_box.setToolTip(
            f"Frames per second of the animation, {fps_range[0]} to {fps_range[1]} "
            "(GIF and MP4 alike)"
        )
        self.note_label = QLabel(self)
        self.note_label.setObjectName("exportNote")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #555;")

    # -- state ---------------------------------------------------------------------------

    @property
    def item(self) -> ExportItem:
        return self._items[self.item_box.currentIndex()]

    def select(self, name: str) -> None:
        """Choose the item called ``name``."""
        self.item_box.setCurrentIndex(self.item_box.findData(name))

    def choice(self) -> ExportChoice:
        """The user's choice as plain values."""
        by_scale = self.scale_radio.isChecked()
        return ExportChoice(
            item=self.item.name,
            path=Path(self.path_edit.text().strip()).expanduser(),
            scale=float(self.scale_box.currentData()) if by_scale else None,
            pixels=None if by_scale else (self.width_box.value(), self.height_box.value()),
            transparent=self.transparent_box.isEnabled() and self.transparent_box.isChecked(),
            frames=self.frames_box.value(),
            fps=self.fps_box.value(),
        )

    def accept(self) -> None:
        """Close and export, unless ``check`` finds a problem: then say it and stay open."""
        problem = self._check(self.choice()) if self._check is not None else None
        if problem:
            show_warning(self, problem, "exportPathErrorBox")
            self.path_edit.setFocus()
            self.path_edit.selectAll()
            return
        super().accept()

    # -- slots ---------------------------------------------------------------------------

    def _suffixes(self) -> tuple[str, ...]:
        return ANIMATION_SUFFIXES if self.item.animation else STILL_SUFFIXES

    def _on_item_changed(self) -> None:
        item = self.item
        suffixes = self._suffixes()
        current = Path(self.path_edit.text().strip()) if self.path_edit.text().strip() else None
        suffix = current.suffix.lower() if current is not None else ""
        if suffix not in suffixes:
            suffix = suffixes[0]
        self.path_edit.setText(str(self._folder / f"{self._base}-{item.name}{suffix}"))
        self.frames_box.setValue(item.default_frames)
        self.note_label.setText(item.note)
        self._update_enabled()

    def _update_enabled(self) -> None:
        suffix = Path(self.path_edit.text().strip()).suffix.lower()
        animation = self.item.animation
        self.frames_box.setEnabled(animation)
        self.fps_box.setEnabled(animation)
        self.transparent_box.setEnabled(suffix in (".png", ".svg"))
        self.scale_box.setEnabled(self.scale_radio.isChecked())
        for box in (self.width_box, self.height_box):
            box.setEnabled(self.pixels_radio.isChecked())
        ok = self.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(suffix in self._suffixes())
        wanted = ", ".join(self._suffixes())
        ok.setToolTip("" if ok.isEnabled() else f"The file must end in {wanted}")

    def _browse(self) -> None:
        suffixes = self._suffixes()
        names = {
            ".png": "PNG image",
            ".svg": "SVG vector",
            ".pdf": "PDF vector",
            ".gif": "GIF animation",
            ".mp4": "MP4 video",
        }
        filters = ";;".join(f"{names[s]} (*{s})" for s in suffixes)
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), filters)
        if path:
            self.path_edit.setText(path)
