"""The folder the Export dialog proposes: one that exists, and the last one used.

A fresh machine often has no ``~/Pictures``; proposing it made the first export fail.
The dialog proposes the folder of the last export if it still exists, else the Pictures
folder if there is one, else the home folder; each export remembers its folder in the
app's settings (:func:`app.shell.user_files.settings`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

from app.shell.user_files import settings

#: The settings key of the last export's folder.
LAST_FOLDER_KEY = "export/last_folder"


def proposed_folder() -> Path:
    """The last export's folder if it still exists, else Pictures if present, else home."""
    candidates = []
    last = settings().value(LAST_FOLDER_KEY, "", type=str)
    if last:
        candidates.append(Path(last))
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    if pictures:
        candidates.append(Path(pictures))
    for folder in candidates:
        if folder.is_absolute() and folder.is_dir():
            return folder
    return Path.home()


def remember_folder(folder: Path) -> None:
    """Propose ``folder`` next time (and in the next session)."""
    store = settings()
    store.setValue(LAST_FOLDER_KEY, str(Path(folder).absolute()))
    store.sync()
