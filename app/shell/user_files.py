"""Where Splinescope keeps its own files: autosave, crash log, recovery marker, settings.

Everything lives in the user's data directory (``platformdirs.user_data_dir``), or in
the folder named by the environment variable ``SPLINESCOPE_DATA_DIR`` when it is set
(the tests point it at a temporary folder, so they never touch the user's files).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

DATA_DIR_VARIABLE = "SPLINESCOPE_DATA_DIR"
APP_NAME = "Splinescope"


def data_directory() -> Path:
    """The data directory, created if needed."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    if override:
        folder = Path(override)
    else:
        from platformdirs import user_data_dir

        folder = Path(user_data_dir(APP_NAME, appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def autosave_path() -> Path:
    return data_directory() / "autosave.splinescope"


def running_marker_path() -> Path:
    """Exists while a window runs; still there at start means the last run did not end."""
    return data_directory() / "running.marker"


def error_log_path() -> Path:
    return data_directory() / "errors.log"


def settings() -> QSettings:
    """Preferences, recent files and window geometry.

    The platform's native store normally; an INI file in the data directory when
    ``SPLINESCOPE_DATA_DIR`` is set, so tests never write the user's settings.
    """
    if os.environ.get(DATA_DIR_VARIABLE):
        return QSettings(str(data_directory() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(APP_NAME, APP_NAME)
