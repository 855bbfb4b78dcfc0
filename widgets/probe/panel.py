"""The probe panel: a point's cell, activation pattern, affine map, output and distances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine.probe import ProbeReadout
from widgets.common.fonts import give_own_font
from widgets.common.notation import MINUS, format_number, subscript
from widgets.probe.bit_grid import FLIP_RGB, ON_RGB, BitGrid

#: Rows of the affine map shown before "… and k more".
MAX_MAP_ROWS = 6


def format_distance(value: float) -> str:
    return "none" if not np.isfinite(value) else f"{value:.4g}"


def affine_map_html(
    A: np.ndarray, c: np.ndarray, variables: Sequence[str], output_name: str = "f"
) -> str:
    """``f₁ = +1.234 x₁ − 0.567 x₂ + 0.089`` per row of ``A (n, k)``, as an HTML table."""
    rows = []
    for i in range(min(len(A), MAX_MAP_ROWS)):
        cells = [f"<td>{output_name}{subscript(i + 1)}&nbsp;=&nbsp;</td>"]
        for j, name in enumerate(variables):
            value = A[i, j]
            if j == 0:
                sign = MINUS if value < 0 else ""
            else:
                sign = (MINUS if value < 0 else "+") + "&nbsp;"
            cells.append(f"<td align='right'>{sign}{abs(value):.3f}&nbsp;{name}&nbsp;</td>")
        offset = c[i]
        cells.append(
            f"<td align='right'>{MINUS if offset < 0 else '+'}&nbsp;{abs(offset):.3f}</td>"
        )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(A) > MAX_MAP_ROWS:
        more = (
            f"<tr><td colspan='{len(variables) + 2}'>… and {len(A) - MAX_MAP_ROWS} more</td></tr>"
        )
    return f"<table cellspacing='0' cellpadding='1'>{''.join(rows)}{more}</table>"


def _section(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setBold(True)
    give_own_font(label, font)
    return label


class ProbePanel(QWidget):
    """Everything the partition says about the probe's point.

    ``set_readout(readout, marked, variables)`` shows a :class:`engine.probe.ProbeReadout`
    of a 2-D or 3-D partition (any input dimension); ``marked`` are the global indices
    of the neurons to ring in the bit grid (those flipped at the last transition).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probePanel")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(max(self.font().pointSizeF(), 9.0))

        self.cell_label = QLabel("–", self)
        self.cell_label.setObjectName("probeCellLabel")
        big = QFont(self.font())
        big.setBold(True)
        if big.pointSizeF() > 0:
            big.setPointSizeF(big.pointSizeF() * 1.5)
        give_own_font(self.cell_label, big)
        self.cell_caption = QLabel("", self)
        self.cell_caption.setObjectName("probeCellCaption")
        self.cell_caption.setStyleSheet("color: #555;")

        self.bit_grid = BitGrid(self)
        self.bit_grid.setObjectName("probeBitGrid")
        on = "rgb({},{},{})".format(*ON_RGB)
        flip = "rgb({},{},{})".format(*FLIP_RGB)
        key = QLabel(
            f"<span style='color:{on}'>■</span> on &nbsp; "
            f"<span style='color:#9a9ea8'>□</span> off &nbsp; "
            f"<span style='color:{flip}'>▢</span> flipped at the last crossing",
            self,
        )
        key.setStyleSheet("color: #555;")

        self.map_title = _section("Affine map of this cell", self)
        self.map_label = QLabel(self)
        self.map_label.setObjectName("probeMapLabel")
        give_own_font(self.map_label, mono)
        self.map_label.setTextFormat(Qt.TextFormat.RichText)
        self.map_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.output_label = QLabel(self)
        self.output_label.setObjectName("probeOutputLabel")
        give_own_font(self.output_label, mono)
        self.output_label.setWordWrap(True)
        self.class_label = QLabel(self)
        self.class_label.setObjectName("probeClassLabel")

        distances = self._build_distances(mono)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        header = QGridLayout()
        header.setHorizontalSpacing(8)
        header.addWidget(self.cell_label, 0, 0, Qt.AlignmentFlag.AlignBottom)
        header.addWidget(self.cell_caption, 0, 1, Qt.AlignmentFlag.AlignBottom)
        header.setColumnStretch(1, 1)
        layout.addLayout(header)
        layout.addSpacing(4)
        layout.addWidget(_section("Activation pattern", self))
        layout.addWidget(self.bit_grid)
        layout.addWidget(key)
        layout.addSpacing(6)
        layout.addWidget(self.map_title)
        layout.addWidget(self.map_label)
        layout.addSpacing(6)
        layout.addWidget(_section("Output", self))
        layout.addWidget(self.output_label)
        layout.addWidget(self.class_label)
        layout.addSpacing(6)
        layout.addWidget(_section("Exact distance", self))
        layout.addLayout(distances)
        layout.addStretch(1)
        self._readout: ProbeReadout | None = None
        self.clear()

    def _build_distances(self, mono: QFont) -> QGridLayout:
        """The exact distances to the cell's boundary and to the decision boundary."""
        self.boundary_label = QLabel(self)
        self.boundary_label.setObjectName("probeBoundaryDistanceLabel")
        self.decision_label = QLabel(self)
        self.decision_label.setObjectName("probeDecisionDistanceLabel")
        self.boundary_detail = QLabel(self)
        self.boundary_detail.setObjectName("probeBoundaryNeuronLabel")
        self.boundary_detail.setStyleSheet("color: #555;")
        distances = QGridLayout()
        distances.setContentsMargins(0, 0, 0, 0)
        distances.setHorizontalSpacing(10)
        distances.setVerticalSpacing(2)
        distances.addWidget(QLabel("to the cell's boundary", self), 0, 0)
        distances.addWidget(self.boundary_label, 0, 1, Qt.AlignmentFlag.AlignRight)
        distances.addWidget(self.boundary_detail, 1, 0, 1, 2)
        distances.addWidget(QLabel("to the decision boundary", self), 2, 0)
        distances.addWidget(self.decision_label, 2, 1, Qt.AlignmentFlag.AlignRight)
        # The distance disc's line, shown while a page draws the disc.
        self.disc_label = QLabel(self)
        self.disc_label.setObjectName("probeDiscLabel")
        self.disc_label.setWordWrap(True)
        self.disc_label.setStyleSheet("color: rgb(179, 38, 30);")
        self.disc_label.setToolTip(
            "The exact distance from the probe to the nearest input of another class, in "
            "the disc's norm;\nexact for the whole plane while the disc stays inside the view"
        )
        self.disc_label.hide()
        distances.addWidget(self.disc_label, 3, 0, 1, 2)
        for label in (self.boundary_label, self.decision_label):
            give_own_font(label, mono)
        return distances

    def set_disc_text(self, text: str | None) -> None:
        """Show the distance disc's line (None hides it)."""
        self.disc_label.setText(text or "")
        self.disc_label.setVisible(text is not None)

    @property
    def readout(self) -> ProbeReadout | None:
        """The readout shown, or None."""
        return self._readout

    def clear(self) -> None:
        self._readout = None
        self.cell_label.setText("–")
        self.cell_caption.setText("no probe")
        self.bit_grid.set_pattern(np.zeros(0, bool), np.zeros(0, np.int64))
        for label in (
            self.map_label,
            self.output_label,
            self.class_label,
            self.boundary_label,
            self.boundary_detail,
            self.decision_label,
        ):
            label.setText("")

    def set_readout(
        self,
        readout: ProbeReadout,
        marked: Sequence[int] = (),
        variables: Sequence[str] = ("x₁", "x₂"),
        *,
        n_layers_total: int | None = None,
    ) -> None:
        """Show ``readout``; ring the bits of the neurons ``marked`` (global indices)."""
        self._readout = readout
        self.cell_label.setText(f"Cell {readout.cell}")
        self.cell_caption.setText(f"of {readout.n_cells:,}")
        self.bit_grid.set_pattern(
            readout.pattern, readout.layer_of_neuron, marked, n_layers_total=n_layers_total
        )
        if readout.is_output:
            self.map_title.setText("Affine map of this cell:  f(x) = A x + c")
            name = "f"
        else:
            n_layers = int(readout.layer_of_neuron.max(initial=-1)) + 1
            self.map_title.setText(f"Layer {n_layers} activations here:  h(x) = A x + c")
            name = "h"
        self.map_label.setText(affine_map_html(readout.A, readout.c, variables, name))
        values = ", ".join(format_number(v) for v in readout.output[:MAX_MAP_ROWS])
        if len(readout.output) > MAX_MAP_ROWS:
            values += ", …"
        self.output_label.setText(f"{name}(x) = ({values})")
        self.class_label.setText(_class_text(readout))
        self.boundary_label.setText(format_distance(readout.boundary_distance))
        side = "face" if len(readout.point) == 3 else "edge"  # a cell's side in 3-D or 2-D
        if readout.boundary_neuron >= 0:
            layer = int(readout.layer_of_neuron[readout.boundary_neuron])
            first = int(np.searchsorted(readout.layer_of_neuron, layer))
            unit = readout.boundary_neuron - first
            self.boundary_detail.setText(f"   nearest {side}: layer {layer + 1}, neuron {unit + 1}")
        else:
            self.boundary_detail.setText(f"   the cell has no neuron {side}")
        self.decision_label.setText(format_distance(readout.decision_distance))


def _class_text(readout: ProbeReadout) -> str:
    if not readout.is_output:
        return "Partition every layer to see the predicted class."
    if len(readout.output) == 1:
        relation = ">" if readout.predicted_class == 1 else "≤"
        return f"predicted class: <b>{readout.predicted_class}</b> (f₁ {relation} 0)"
    k = readout.predicted_class
    return f"predicted class: <b>{k + 1}</b> (f{subscript(k + 1)} is the largest)"
