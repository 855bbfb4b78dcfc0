"""The application's side of themes: Qt fonts and colours, the View menu, saved choice.

:mod:`widgets.common.theme` holds the Theme values and the current one; this module applies a
theme to the whole application (the plots restyle themselves on ``theme_changed``; the
Qt widgets' fonts and window colours are set here), offers View > Theme and View >
Colour-blind-safe palette, and keeps the choice in QSettings (``appearance/theme``,
``appearance/colour_blind_safe``).

The headless exporter calls :func:`apply_theme` before it builds the window.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.shell.user_files import DATA_DIR_VARIABLE, data_directory
from widgets.common.fonts import widgets_with_own_fonts
from widgets.common.theme import (
    Theme,
    current_theme,
    make_theme,
    set_current_theme,
    theme_events,
    theme_names,
)

__all__ = [
    "PALETTE_KEY",
    "THEME_KEY",
    "ThemeActions",
    "appearance_settings",
    "apply_theme",
    "restore_appearance",
    "save_appearance",
    "set_colour_blind_safe",
    "theme_names",
]

THEME_KEY = "appearance/theme"
PALETTE_KEY = "appearance/colour_blind_safe"

# The platform's font and palette, taken before the first theme changes them.
_platform_font: QFont | None = None
_platform_palette: QPalette | None = None


def appearance_settings() -> QSettings:
    """Where the appearance is saved: the user's Splinescope settings, or a file in the
    data directory when ``SPLINESCOPE_DATA_DIR`` names one (as the tests do)."""
    if os.environ.get(DATA_DIR_VARIABLE):
        return QSettings(str(data_directory() / "appearance.ini"), QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Splinescope", "Splinescope"
    )


def apply_theme(name: str, *, colour_blind_safe: bool | None = None) -> Theme:
    """Make theme ``name`` current everywhere: plots, 3-D views, Qt fonts and colours.

    ``colour_blind_safe`` None keeps the current palette. Raises ValueError listing the
    names for an unknown theme. Works before or after the window exists.
    """
    if colour_blind_safe is None:
        colour_blind_safe = current_theme().colour_blind_safe
    theme = make_theme(name, colour_blind_safe=colour_blind_safe)
    old = current_theme()
    _apply_to_qt(theme, old)
    set_current_theme(theme)
    return theme


def set_colour_blind_safe(enabled: bool) -> Theme:
    """Switch the palette of the current theme."""
    return apply_theme(current_theme().key, colour_blind_safe=enabled)


def save_appearance(settings: QSettings | None = None) -> None:
    """Remember the current theme and palette."""
    settings = settings or appearance_settings()
    theme = current_theme()
    settings.setValue(THEME_KEY, theme.key)
    settings.setValue(PALETTE_KEY, theme.colour_blind_safe)
    settings.sync()


def restore_appearance(settings: QSettings | None = None) -> Theme:
    """Apply the saved theme and palette (the default ones when nothing valid is saved)."""
    settings = settings or appearance_settings()
    name = str(settings.value(THEME_KEY, "default"))
    if name not in theme_names():
        name = "default"
    safe = str(settings.value(PALETTE_KEY, "false")).lower() in ("true", "1")
    return apply_theme(name, colour_blind_safe=safe)


def _scaled(font: QFont, factor: float) -> QFont:
    scaled = QFont(font)
    if scaled.pointSizeF() > 0:
        scaled.setPointSizeF(scaled.pointSizeF() * factor)
    elif scaled.pixelSize() > 0:
        scaled.setPixelSize(max(1, round(scaled.pixelSize() * factor)))
    return scaled


def _apply_to_qt(theme: Theme, old: Theme) -> None:
    global _platform_font, _platform_palette
    app = QApplication.instance()
    if app is None:
        return
    if _platform_font is None:
        _platform_font, _platform_palette = QFont(app.font()), QPalette(app.palette())
    ratio = theme.ui_font_scale / old.ui_font_scale
    if ratio != 1.0:
        # Widgets with a font of their own (headings, big readouts) keep their size when
        # the application font changes: scale them by the same ratio.
        own = [(widget, _scaled(widget.font(), ratio)) for widget in widgets_with_own_fonts()]
        app.setFont(_scaled(_platform_font, theme.ui_font_scale))
        for widget, font in own:
            widget.setFont(font)
    palette = QPalette(_platform_palette)
    if theme.window is not None:
        window = QColor(*theme.window)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Window, window)
            palette.setColor(group, QPalette.ColorRole.WindowText, QColor(*theme.ink))
            palette.setColor(group, QPalette.ColorRole.Text, QColor(*theme.ink))
    app.setPalette(palette)


class ThemeActions(QObject):
    """View > Theme ▸ Default / Talk and View > Colour-blind-safe palette.

    The actions follow the current theme (whoever changes it), and a choice made with
    them is saved to :func:`appearance_settings`.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.menu = QMenu("&Theme", parent)
        self.menu.setObjectName("themeMenu")
        self.menu.setToolTip("The look of every page: Talk is for projectors")
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.theme_actions: dict[str, QAction] = {}
        tips = {
            "default": "The desk look",
            "talk": "For projectors: large type, thick lines, off-white background",
        }
        for name in theme_names():
            action = QAction(make_theme(name).title, self)
            action.setObjectName(f"theme_{name}Action")
            action.setCheckable(True)
            action.setToolTip(tips.get(name, ""))
            action.setData(name)
            self._group.addAction(action)
            self.menu.addAction(action)
            self.theme_actions[name] = action
        self.theme_actions["talk"].setShortcut("Ctrl+Shift+T")
        self._group.triggered.connect(self._on_theme_chosen)
        self.colour_blind_action = QAction("&Colour-blind-safe palette", self)
        self.colour_blind_action.setObjectName("colourBlindSafeAction")
        self.colour_blind_action.setCheckable(True)
        self.colour_blind_action.setToolTip(
            "Okabe–Ito colours for layers, classes, probe and path, and cell fills that "
            "stay distinguishable with deuteranopia and protanopia"
        )
        self.colour_blind_action.triggered.connect(self._on_palette_chosen)
        theme_events().theme_changed.connect(self._show)
        self._show(current_theme())

    def add_to(self, view_menu: QMenu) -> None:
        """Append a section with the theme submenu and the palette toggle."""
        view_menu.addSection("Appearance")
        view_menu.addMenu(self.menu)
        view_menu.addAction(self.colour_blind_action)

    def _show(self, theme: Theme) -> None:
        action = self.theme_actions.get(theme.key)
        if action is not None:
            action.setChecked(True)
        self.colour_blind_action.setChecked(theme.colour_blind_safe)

    def _on_theme_chosen(self, action: QAction) -> None:
        apply_theme(str(action.data()))
        save_appearance()

    def _on_palette_chosen(self, checked: bool) -> None:
        set_colour_blind_safe(checked)
        save_appearance()
