"""The Cells page's side panel: the network, its domain, the layer slider and the cell count."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from widgets.common.fonts import give_own_font, scaled_font
from widgets.common.layer_slider import LayerSlider

EXPLANATION = (
    "Inside each cell the network is one affine map; each colour is one activation "
    "pattern, each edge colour one layer. The slider shows how every layer subdivides the "
    "cells of the layers before it. Scroll to zoom, drag to pan, Home resets the view."
)


class NetworkPanel(QFrame):
    """``Network`` with its description and domain, the layer slider, the cell count and
    (below it) ``progress``, the partition's progress bar, which the panel only lays out.

    The slider's range is whatever its owner gives :meth:`LayerSlider.set_layers`.
    """

    def __init__(self, progress: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cellsSidePanel")
        self.setFixedWidth(330)
        give_own_font(self, scaled_font(self.font(), 1.1))
        base = self.font()
        heading = QLabel("Network", self)
        give_own_font(heading, scaled_font(base, 1.1, bold=True))
        self.network_label = QLabel(self)
        self.network_label.setObjectName("networkLabel")
        self.domain_label = QLabel(self)
        self.domain_label.setObjectName("domainLabel")
        self.domain_label.setWordWrap(True)
        self.layer_slider = LayerSlider(parent=self)
        self.count_label = QLabel("–", self)
        self.count_label.setObjectName("cellCountLabel")
        give_own_font(self.count_label, scaled_font(base, 2.4, bold=True))
        self.count_caption = QLabel("cells", self)
        self.count_caption.setObjectName("cellCountCaption")
        progress.setParent(self)
        explanation = QLabel(EXPLANATION, self)
        explanation.setWordWrap(True)
        explanation.setStyleSheet("color: #555;")

        # In a scroll area: a short window (1280x720, talk type) scrolls the panel
        # instead of squeezing its lines on top of each other.
        scroll = self._scroll = QScrollArea(self)
        scroll.setObjectName("cellsSidePanelScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        contents = QWidget(scroll)
        contents.setObjectName("cellsSidePanelContents")
        scroll.setWidget(contents)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        for child in (heading, self.network_label, self.domain_label, self.layer_slider):
            child.setParent(contents)
        for child in (self.count_label, self.count_caption, progress, explanation):
            child.setParent(contents)

        side = QVBoxLayout(contents)
        side.setContentsMargins(14, 8, 14, 10)
        side.setSpacing(4)
        side.addWidget(heading)
        side.addWidget(self.network_label)
        side.addWidget(self.domain_label)
        side.addSpacing(10)
        side.addWidget(self.layer_slider)
        side.addSpacing(8)
        count_row = QHBoxLayout()
        count_row.setSpacing(8)
        count_row.addWidget(self.count_label)
        count_row.addWidget(self.count_caption, 1, Qt.AlignmentFlag.AlignBottom)
        side.addLayout(count_row)
        side.addWidget(progress)
        side.addSpacing(8)
        side.addWidget(explanation)
        side.addStretch(1)

    def natural_height(self) -> int:
        """Pixels the panel's contents take at its width, unscrolled (the scroll area's own
        size hint is far smaller: the dock would open with the slider scrolled away)."""
        contents = self._scroll.widget()
        return contents.layout().totalHeightForWidth(self.width())

    def show_count(self, n_cells: int) -> None:
        """``n_cells`` cells (or cell)."""
        self.count_label.setText(str(n_cells))
        self.count_caption.setText("cell" if n_cells == 1 else "cells")
