"""A figure view's title line, laid out above the view it frames.

A page opts a view into being a figure by giving its :class:`ExportView` a ``heading``
(``app.export.targets``): a function returning a :class:`FigureHeading` of the view as it
is now (its title, and a quieter line saying what is shown). The heading is drawn with
QPainter above the view, so PNG, SVG and PDF get the same text; its height follows the
theme's type scale and the figure's width (long lines wrap, never clip).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontInfo, QFontMetricsF, QPainter, QTextDocument

from widgets.common.theme import Theme, current_theme

#: Type sizes (points, before the theme's font scale) of the title and the note.
TITLE_POINTS = 13.0
NOTE_POINTS = 10.0
#: Space around the heading, in units of the note's line height.
MARGIN_LINES = 0.6
#: The narrowest a figure view is laid out (logical pixels; 2x makes a 1920-wide image).
FIGURE_MIN_WIDTH = 960
_WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)


@dataclass(frozen=True)
class FigureHeading:
    """What a figure view says above itself: a bold ``title`` and an optional ``note``."""

    title: str
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError("a figure heading needs a title")
        if not isinstance(self.note, str):
            raise ValueError("a figure heading's note is text")


@dataclass(frozen=True)
class HeadingLayout:
    """Where a heading's lines go in a figure ``width`` wide (logical pixels)."""

    heading: FigureHeading
    title_font: QFont
    note_font: QFont
    title_rect: QRectF
    note_rect: QRectF
    height: float
    ink: QColor
    quiet: QColor
    paper: QColor


def _quiet(theme: Theme) -> QColor:
    ink, paper = QColor(*theme.ink), QColor(*theme.background)
    mix = 0.38
    return QColor(
        round(ink.red() * (1 - mix) + paper.red() * mix),
        round(ink.green() * (1 - mix) + paper.green() * mix),
        round(ink.blue() * (1 - mix) + paper.blue() * mix),
    )


def in_pixels(font: QFont) -> QFont:
    """``font`` sized in pixels, as the screen shows it: SVG and PDF devices are 72 dpi,
    where a size in points would draw smaller than it was measured."""
    sized = QFont(font)
    sized.setPixelSize(max(QFontInfo(font).pixelSize(), 1))
    return sized


def figure_base_size(width: int, height: int) -> tuple[int, int]:
    """The size a figure view is laid out at before scaling: its size on screen, grown
    (same aspect) to at least :data:`FIGURE_MIN_WIDTH` wide so a plot's type and ticks
    keep the proportions of a figure, not of a small panel."""
    width, height = max(int(width), 1), max(int(height), 1)
    if width >= FIGURE_MIN_WIDTH:
        return width, height
    grow = FIGURE_MIN_WIDTH / width
    return FIGURE_MIN_WIDTH, max(round(height * grow), 1)


def _wrapped_height(font: QFont, width: float, text: str) -> float:
    return QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e6), _WRAP, text).height()


def layout_heading(
    heading: FigureHeading, width: float, theme: Theme | None = None
) -> HeadingLayout:
    """Lay ``heading`` out across ``width``: each line wraps inside the margins."""
    theme = theme or current_theme()
    title_font = in_pixels(theme.font(TITLE_POINTS, bold=True))
    note_font = in_pixels(theme.font(NOTE_POINTS))
    margin = MARGIN_LINES * QFontMetricsF(note_font).height()
    inner = max(width - 2 * margin, 20.0)
    title_rect = QRectF(margin, margin, inner, _wrapped_height(title_font, inner, heading.title))
    bottom = title_rect.bottom()
    note_rect = QRectF(margin, bottom, inner, 0.0)
    if heading.note:
        note_height = _wrapped_height(note_font, inner, heading.note)
        note_rect = QRectF(margin, bottom + 0.15 * margin, inner, note_height)
        bottom = note_rect.bottom()
    return HeadingLayout(
        heading,
        title_font,
        note_font,
        title_rect,
        note_rect,
        bottom + margin,
        QColor(*theme.ink),
        _quiet(theme),
        QColor(*theme.background),
    )


def paint_heading(
    painter: QPainter, layout: HeadingLayout, width: float, *, transparent: bool = False
) -> None:
    """Draw the heading's band ``width`` wide (on the theme's paper unless
    ``transparent``) and its lines."""
    painter.save()
    if not transparent:
        painter.fillRect(QRectF(0, 0, width, math.ceil(layout.height)), layout.paper)
    painter.setFont(layout.title_font)
    painter.setPen(layout.ink)
    painter.drawText(layout.title_rect, _WRAP, layout.heading.title)
    if layout.heading.note:
        painter.setFont(layout.note_font)
        painter.setPen(layout.quiet)
        painter.drawText(layout.note_rect, _WRAP, layout.heading.note)
    painter.restore()


def plain_text(text: str) -> str:
    """A label's text (rich or plain) as one plain line, its lines joined by " · ": what
    a heading's note quotes."""
    document = QTextDocument()
    document.setHtml(text)
    lines = (" ".join(line.split()) for line in document.toPlainText().splitlines())
    return " · ".join(line for line in lines if line)
