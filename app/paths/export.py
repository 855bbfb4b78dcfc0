"""The Paths page's export views and its readiness.

Its figure views (each card's plot without controls, below the card's title line) come
first; the whole page is ``paths-page``.
"""

from __future__ import annotations

from app.export.figure_frame import FigureHeading, plain_text
from app.export.ready import Readiness, after_signal
from app.export.targets import ExportAnimation, ExportView


def _card_heading(card, *notes) -> FigureHeading:
    """A card's title line as the heading, its labels (``notes``) as the note."""
    note = " · ".join(text for text in (plain_text(label.text()) for label in notes) if text)
    return FigureHeading(plain_text(card.title.text()), note)


def paths_targets(page) -> list[ExportView | ExportAnimation]:
    """The figure views (the latent plane first), then the whole page."""
    views = page.views
    return [
        ExportView(
            "paths-latent",
            "the latent plane and the path",
            lambda: views.canvas,
            heading=lambda: _card_heading(views.canvas_card, views.cells_label),
        ),
        ExportView(
            "paths-strip",
            "decoded images along the path",
            lambda: views.strip,
            heading=lambda: _card_heading(views.strip_card),
        ),
        ExportView(
            "paths-survey",
            "cells crossed against path length",
            lambda: views.survey,
            heading=lambda: _card_heading(views.survey_card),
        ),
        ExportView(
            "paths-classifier",
            "the classifier along the path",
            lambda: views.classifier_plot,
            heading=lambda: _card_heading(views.classifier_card, views.class_label),
        ),
        ExportView(
            "paths-distance",
            "distance to the nearest training image",
            lambda: views.distance_plot,
            heading=lambda: _card_heading(views.distance_card),
        ),
        ExportView("paths-page", "the whole Paths page", lambda: page),
    ]


def paths_readiness(page, layers: int | None = None) -> Readiness:
    """Ready once a pair's path has been shown since the call."""
    rule = after_signal(page.pair_shown)
    rule.failures = (page.controller.failed,)
    rule.settle_ms = 400
    return rule
