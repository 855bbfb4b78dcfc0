"""The Paths page's results: the decoder's cells with the path, the survey, the classifier's
walk, the strip of decoded images and the distance to the training set.

:class:`PathsViews` draws what the controller computed (models and pair analyses); it
never computes geometry and holds no setting.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.paths.analysis import PairAnalysis
from app.paths.training import DigitSource, PathsModels
from engine.pattern_keys import pattern_colour_keys
from widgets.common.digit_gallery import MARK_RGB
from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.plot_style import hex_rgb
from widgets.common.theme import Theme, current_theme, follow_theme
from widgets.paths.digit_strip import DigitStrip, StripColumn
from widgets.paths.latent_canvas import UNREACHED_RGBA, LatentCanvas
from widgets.paths.plots import DECODED_RGB, FADED_RGB, DistancePlot, SurveyPlot
from widgets.probe.overlay import output_colour
from widgets.probe.path_plot import PathPlot


def cells_text(n_cells: int) -> str:
    """``The latent path crosses 7 cells of the decoder (6 kinks)``."""
    kinks = n_cells - 1
    return (
        f"The latent path crosses {n_cells} {'cell' if n_cells == 1 else 'cells'} of the "
        f"decoder ({kinks} {'kink' if kinks == 1 else 'kinks'})"
    )


def class_sequence_text(classes: np.ndarray, change_t: np.ndarray) -> str:
    """``3 → 5 (t = 0.41) → 8 (t = 0.62)``: the predicted class along the path."""
    parts = [str(int(classes[0]))]
    parts += [f"{int(c)} (t = {t:.2f})" for c, t in zip(classes[1:], change_t, strict=True)]
    return " → ".join(parts)


def summary_text(analysis: PairAnalysis, source: DigitSource) -> str:
    """One paragraph (rich text) on the pair: its classes, cells and distances."""
    path = analysis.path
    labels = source.test.labels
    label_a = int(labels[analysis.request.index_a])
    label_b = int(labels[analysis.request.index_b])
    beyond = float(np.max(path.decoded_distance))
    return (
        f"<b style='color:{hex_rgb(MARK_RGB['A'])}'>A</b> (a {label_a}) → "
        f"<b style='color:{hex_rgb(MARK_RGB['B'])}'>B</b> (a {label_b}): "
        f"the latent path crosses <b>{path.n_cells}</b> cells; the decoded images are "
        f"up to {beyond:.2f} from the nearest training image. The classifier's pixel "
        f"path crosses <b>{analysis.classifier_walk.crossings.n_cells}</b> cells."
    )


class _Card(QFrame):
    """A white card with a title line that the page rewrites."""

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("pathsCard")
        self.setStyleSheet(
            "#pathsCard { background: white; border: 1px solid #dcdce0; border-radius: 6px; }"
        )
        self.title = QLabel(title, self)
        self.title.setWordWrap(True)
        give_own_font(self.title, scaled_font(self.font(), 1.1))
        self.title.setTextFormat(Qt.TextFormat.RichText)
        # Cards share the page's width by stretch alone; down the page, each keeps at
        # least the height its plot's axis labels ask for (talk type at 1280x720 squeezed
        # the classifier's plot under its caption), and shares the rest by stretch.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(10, 6, 10, 6)
        self.body.setSpacing(3)
        self.body.addWidget(self.title)

    def sizeHint(self) -> QSize:
        """The minimum height, so that the stretch factors alone share the rest."""
        return QSize(super().sizeHint().width(), self.minimumSizeHint().height())

    def hasHeightForWidth(self) -> bool:
        """No: a card's height for its width is its layout's preferred one (the digit
        strip's, say), which would again take the room from the stretch factors."""
        return False


class PathsViews(QWidget):
    """The page's five result cards: cells and path, survey, classifier, strip, distance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The pair on screen and its data (the strip is redrawn when the theme changes).
        self._shown_pair: tuple[PairAnalysis, DigitSource] | None = None
        self._build_cards()
        side = QVBoxLayout()
        side.setSpacing(8)
        # The classifier's card holds a caption, a legend line and a plot: a little more.
        side.addWidget(self.survey_card, 4)
        side.addWidget(self.classifier_card, 5)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.canvas_card, 11)
        top.addLayout(side, 8)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(self.strip_card, 12)
        bottom.addWidget(self.distance_card, 5)
        views = QVBoxLayout(self)
        views.setContentsMargins(0, 0, 0, 0)
        views.setSpacing(8)
        views.addLayout(top, 17)
        views.addLayout(bottom, 8)
        self.canvas.path_changed.connect(self._restore_path)
        follow_theme(self, self._on_theme_changed)

    def _build_cards(self) -> None:
        self.canvas = LatentCanvas(self)
        self.canvas_card = _Card("Decoder cells over the latent plane", self)
        self.canvas_card.body.addWidget(self.canvas, 1)
        self.canvas_card.setMinimumWidth(420)
        self.cells_label = QLabel(self)
        self.cells_label.setObjectName("pathsCellCountLabel")
        self.cells_label.setWordWrap(True)
        give_own_font(self.cells_label, scaled_font(self.font(), 1.1, bold=True))
        self.cells_label.setStyleSheet("color: rgb(188, 0, 150);")
        self.canvas_card.body.addWidget(self.cells_label)

        self.survey = SurveyPlot(self)
        self.survey_card = _Card("Cells crossed by random pairs of training codes", self)
        self.survey_card.body.addWidget(self.survey, 1)

        self.classifier_plot = PathPlot(self)
        self.classifier_card = _Card("The classifier, walked in pixel space from A to B", self)
        self.classifier_card.body.addWidget(self.classifier_plot, 1)
        self.class_label = QLabel(self)
        self.class_label.setObjectName("pathsClassLabel")
        self.class_label.setWordWrap(True)
        self.classifier_card.body.addWidget(self.class_label)

        self.strip = DigitStrip(self)
        self.strip_card = _Card("Along the path: decoded images, tagged with their cell", self)
        self.strip_card.body.addWidget(self.strip, 1)

        self.distance_plot = DistancePlot(self)
        self.distance_card = _Card(
            "Distance to the nearest training image: "
            f"<b style='color:{hex_rgb(DECODED_RGB)}'>━ decoded path</b> "
            f"<b style='color:{hex_rgb(FADED_RGB)}'>━ faded copy</b>",
            self,
        )
        self.distance_card.body.addWidget(self.distance_plot, 1)

    # -- results --------------------------------------------------------------------------

    def show_models(self, models: PathsModels) -> None:
        """The survey, and the latent plane's cells (latent dimension 2)."""
        survey = models.survey
        self.survey.set_survey(survey.lengths, survey.n_cells, survey.slope)
        self.survey_card.title.setText(
            f"Cells crossed by {len(survey.lengths)} random pairs of training codes"
            f"<span style='color:#6a6a72'> · about {survey.slope:.1f} per unit of latent"
            " length</span>"
        )
        if models.view is not None:
            view = models.view
            self.canvas.set_latent_view(view.partition, view.codes, view.labels, view.reached)
            self._title_plane(models)

    def show_pair(self, analysis: PairAnalysis, models: PathsModels, source: DigitSource) -> None:
        """Everything of one pair: its slice (latent dimension above 2), path, strip, plots."""
        path = analysis.path
        if models.view is None:
            view = analysis.view
            self.canvas.set_latent_view(
                view.partition,
                view.codes,
                view.labels,
                view.reached,
                third_point=analysis.third_point,
            )
        self._title_plane(models, analysis)
        self.canvas.set_path(analysis.ends[0], analysis.ends[1], analysis.crossing_points)
        self.cells_label.setText(cells_text(path.n_cells))
        self.survey.set_current(path.length, path.n_cells)
        self._show_strip(analysis, source)
        self.distance_plot.set_distances(
            path.curve_t, path.decoded_distance, path.faded_distance, path.crossings.t
        )
        self._show_classifier(analysis, source)

    def _restore_path(self, *_coordinates: float) -> None:
        # The path's ends are the codes of A and B: a dragged end snaps back.
        if self._shown_pair is not None:
            analysis = self._shown_pair[0]
            self.canvas.set_path(analysis.ends[0], analysis.ends[1], analysis.crossing_points)

    def _title_plane(self, models: PathsModels, analysis: PairAnalysis | None = None) -> None:
        wash = hex_rgb(UNREACHED_RGBA[:3])
        if models.view is not None:
            view = models.view
            self.canvas_card.title.setText(
                f"Decoder cells over the latent plane, exact: {view.partition.n_regions:,} cells"
                f"<span style='color:#6a6a72'> · dots: training codes by class · "
                f"<span style='background:{wash}; color:white'>&nbsp;grey&nbsp;</span> "
                f"{view.n_unreached:,} cells that no training code reaches</span>"
            )
        elif analysis is not None:
            third = "image C" if analysis.request.index_c is not None else "the origin"
            self.canvas_card.title.setText(
                f"A 2-D slice of the {models.latent_dim}-D latent space through A, B and "
                f"{third}: {analysis.view.partition.n_regions:,} cells, exact"
                "<span style='color:#6a6a72'> · faint dots: training codes projected onto "
                "the slice</span>"
            )

    def _on_theme_changed(self, theme: Theme, _previous: Theme) -> None:
        if self._shown_pair is not None:
            self._show_strip(*self._shown_pair)  # its tags wear the cells' colours

    def _show_strip(self, analysis: PairAnalysis, source: DigitSource) -> None:
        self._shown_pair = (analysis, source)
        path = analysis.path
        shape = source.test.shape
        train = source.train
        keys = pattern_colour_keys(path.crossings.patterns)
        palette = current_theme().palette
        colours = palette.cell_fills[palette.cell_colour_index(keys)]
        columns = []
        for k, t in enumerate(path.sample_t):
            piece = int(path.sample_piece[k])
            if path.sample_is_kink[k]:
                tag = f"t={t:.2f}\nkink"
            else:
                tag = f"t={t:.2f}\ncell {piece + 1}"
            columns.append(
                StripColumn(
                    images=(
                        path.decoded[k].reshape(shape),
                        path.faded[k].reshape(shape),
                        train.images[path.nearest[k]],
                    ),
                    tag=tag,
                    colour=tuple(int(v) for v in colours[piece]),
                    is_kink=bool(path.sample_is_kink[k]),
                )
            )
        self.strip.set_columns(columns)
        shown = len(columns)
        all_samples = 2 * path.n_cells + 1
        note = "" if shown == all_samples else f" ({shown} of {all_samples} samples, evenly)"
        self.strip_card.title.setText(
            "Along the path: decoded images at the kinks and inside each cell"
            f"<span style='color:#6a6a72'>{note} · the tag's colour is the cell's</span>"
        )

    def _show_classifier(self, analysis: PairAnalysis, source: DigitSource) -> None:
        walk = analysis.classifier_walk
        crossings = walk.crossings
        labels = source.test.labels
        ends = [int(labels[analysis.request.index_a]), int(labels[analysis.request.index_b])]
        shown = sorted(set(ends) | {int(c) for c in walk.classes})
        self.classifier_plot.set_walk(
            crossings.breakpoints,
            crossings.outputs[:, shown],
            crossings.t,
            crossings.n_cells,
            output_names=[f"logit {c}" for c in shown],
        )
        # The plot names its curves only when their number changes: name these ones here.
        self.classifier_plot.legend_label.setText(
            " ".join(
                f"<span style='color: rgb{output_colour(i)}; font-weight: 600;'>━ {c}</span>"
                for i, c in enumerate(shown)
            )
        )
        self.class_label.setText(
            "Predicted class along the path: " + class_sequence_text(walk.classes, walk.class_t)
        )
