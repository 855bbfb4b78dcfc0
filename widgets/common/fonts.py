"""Fonts of their own for headings and big readouts, kept in step with the theme.

A widget given a font of its own no longer follows the application font, so the theme
scales those widgets itself when the type size changes. It finds them here: walking
``QApplication.allWidgets()`` instead wraps every widget of the process for Python, and
in a long test run that walk crashed inside PySide.
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

_own_fonts: weakref.WeakSet[QWidget] = weakref.WeakSet()


def scaled_font(base: QFont, factor: float, *, bold: bool = False) -> QFont:
    """``base`` enlarged by ``factor`` (whether it is sized in points or pixels)."""
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    else:
        font.setPixelSize(round(font.pixelSize() * factor))
    font.setBold(bold)
    return font


def give_own_font(widget: QWidget, font: QFont) -> None:
    """Set ``widget``'s font and let the theme scale it with the type size."""
    widget.setFont(font)
    _own_fonts.add(widget)


def widgets_with_own_fonts() -> list[QWidget]:
    """The live widgets given a font by :func:`give_own_font`, in no particular order."""
    return [widget for widget in list(_own_fonts) if shiboken6.isValid(widget)]
