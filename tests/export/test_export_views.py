"""Every kind of view exports to files that parse: PNG sizes, SVG XML, PDF page sizes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QLabel, QMessageBox

from app.export import targets
from app.export.catalogue import export_targets
from app.export.figure_frame import FIGURE_MIN_WIDTH
from app.export.formats import ExportOptions, ImageSize, format_of, parse_size
from app.export.targets import ExportView, export_view
from tests.read_only import read_only_folder

SVG = "{http://www.w3.org/2000/svg}"
WAIT_MS = 60_000


def _target(window, key: str, name: str) -> ExportView:
    page = window.page(key)
    return next(t for t in export_targets(page, key) if t.name == name)


def _media_box(path) -> list[float]:
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox\s*\[\s*([-0-9.\s]+)\]", data).group(1).split()
    return [float(v) for v in box]


def test_format_and_size_parsing():
    assert format_of("a/b.SVG") == "svg"
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf, \.gif, \.mp4"):
        format_of("figure.jpg")
    assert parse_size("1920x1080") == (1920, 1080)
    with pytest.raises(ValueError):
        parse_size("big")
    pixels, logical, ratio = ImageSize(pixels=(800, 400)).resolve(400, 200)
    assert pixels == (800, 400) and logical == (400, 200) and ratio == pytest.approx(2.0)


def _cells_view_png_svg_pdf(main_window, tmp_path):
    view = _target(main_window, "cells", "cells")
    canvas = main_window.page("cells").canvas
    partition = canvas.partition

    png = export_view(view, ExportOptions(tmp_path / "c.png", ImageSize(pixels=(640, 400))))
    assert QImage(str(png)).size().toTuple() == (640, 400)
    # The PNG draws the same exact figure as the SVG and PDF (title line and all).
    drawn = targets.figure_image(view.figure(), (640, 400)).convertToFormat(
        QImage.Format.Format_RGB32
    )
    assert QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32) == drawn
    scaled = export_view(view, ExportOptions(tmp_path / "c2.png", ImageSize(2.0)))
    # The PNG is the exact figure (its SVG's page, twice as large), title line included.
    page = ET.parse(export_view(view, ExportOptions(tmp_path / "c1.svg"))).getroot()
    natural = (int(page.get("width")), int(page.get("height")))
    assert QImage(str(scaled)).size().toTuple() == (2 * natural[0], 2 * natural[1])
    assert natural[1] == canvas.height()
    clear = export_view(view, ExportOptions(tmp_path / "t.png", ImageSize(1.0), transparent=True))
    image = QImage(str(clear))
    assert image.hasAlphaChannel() and image.pixelColor(2, 2).alpha() == 0
    assert QImage(str(scaled)).pixelColor(2, 2).alpha() == 255

    svg = export_view(view, ExportOptions(tmp_path / "c.svg", ImageSize(pixels=(900, 700))))
    root = ET.parse(svg).getroot()
    cells = [p for p in root.iter(f"{SVG}polygon") if p.get("class") == "cell"]
    assert len(cells) == partition.n_regions
    assert root.get("width") == "900" and root.get("height") == "700"
    probe = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "probe")
    assert probe.find(f"{SVG}circle") is not None

    pdf = export_view(view, ExportOptions(tmp_path / "c.pdf", ImageSize(pixels=(900, 700))))
    assert _media_box(pdf) == pytest.approx([0, 0, 900, 700], abs=0.5)


def _plot_and_page_views_write_qt_vectors(main_window, tmp_path):
    for name in ("cells-path", "cells-page"):
        view = _target(main_window, "cells", name)
        widget = view.widget()
        svg = export_view(view, ExportOptions(tmp_path / f"{name}.svg"))
        root = ET.parse(svg).getroot()
        assert len(list(root.iter(f"{SVG}path"))) + len(list(root.iter(f"{SVG}polyline"))) > 5
        pdf = export_view(view, ExportOptions(tmp_path / f"{name}.pdf"))
        box = _media_box(pdf)
        if view.heading is None:  # the whole page, as on screen
            assert box == pytest.approx([0, 0, widget.width(), widget.height()], abs=0.5)
        else:  # a figure: at least FIGURE_MIN_WIDTH wide, its title line above the plot
            grown = max(widget.width(), FIGURE_MIN_WIDTH) / widget.width()
            assert box[2] == pytest.approx(grown * widget.width(), abs=1.0)
            assert box[3] > grown * widget.height() + 10


def _volume_cube_png_at_scale_and_gl2ps(main_window, qtbot, tmp_path):
    window = main_window
    window.pages.setCurrentWidget(window.page("volume"))
    qtbot.waitUntil(lambda: window.page("volume").cube_view.interactor.isVisible(), timeout=WAIT_MS)
    view = _target(window, "volume", "volume-cube")
    interactor = view.widget()
    png = export_view(view, ExportOptions(tmp_path / "cube.png", ImageSize(2.0)))
    image = QImage(str(png))
    # A figure view: the scene below its title line, all at twice the size.
    assert image.width() == 2 * max(interactor.width(), FIGURE_MIN_WIDTH)
    grown = max(interactor.width(), FIGURE_MIN_WIDTH) / interactor.width()
    assert image.height() > 2 * grown * interactor.height() + 20
    # The scene was painted in: the blue disc of the section is there, not a blank grab.
    blue = sum(
        1
        for x in range(0, image.width(), 7)
        for y in range(0, image.height(), 7)
        if (c := image.pixelColor(x, y)).blue() > c.red() + 60
    )
    assert blue > 20
    svg = export_view(view, ExportOptions(tmp_path / "cube.svg"))
    root = ET.parse(svg).getroot()
    assert root.find(f".//{SVG}image") is not None  # the 3-D scene as a sharp image
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "Scan the cube" in texts and "covered" in texts  # title line and readout
    pdf = export_view(view, ExportOptions(tmp_path / "cube.pdf"))
    box = _media_box(pdf)
    assert box[2] == pytest.approx(max(interactor.width(), FIGURE_MIN_WIDTH), abs=1.0)
    assert box[3] > grown * interactor.height() + 10


def _playground_cells_svg_has_every_exact_cell(main_window, qtbot, tmp_path):
    window = main_window
    page = window.page("playground")
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.controller.frame is not None, timeout=WAIT_MS)
    frame = page.controller.frame
    assert frame.exact
    view = _target(window, "playground", "playground")
    svg = export_view(view, ExportOptions(tmp_path / "p.svg", ImageSize(pixels=(800, 600))))
    root = ET.parse(svg).getroot()
    cells = [p for p in root.iter(f"{SVG}polygon") if p.get("class") == "cell"]
    assert len(cells) == frame.partition.n_regions
    points = [c for g in root.iter(f"{SVG}g") if g.get("class") == "points" for c in g]
    assert len(points) > 0


def _every_page_offers_figure_views_before_its_whole_page(main_window, tmp_path):
    for key in ("volume", "hulls", "paths", "cells", "cells3d", "playground"):
        page = main_window.page(key)
        views = [t for t in export_targets(page, key) if isinstance(t, ExportView)]
        whole = [v for v in views if v.widget() is page]
        assert [v.name for v in whole] == [f"{key}-page"], key
        assert views[0] is not whole[0] and views[0].name.startswith(key), key
    page = main_window.page("hulls")
    view = _target(main_window, "hulls", "hulls-page")
    png = export_view(view, ExportOptions(tmp_path / "h.png", ImageSize(pixels=(500, 300))))
    assert QImage(str(png)).size().toTuple() == (500, 300)
    pdf = export_view(view, ExportOptions(tmp_path / "h.pdf"))
    assert _media_box(pdf) == pytest.approx([0, 0, page.width(), page.height()], abs=0.5)


def _cells3d_view_png_and_gl2ps(main_window, qtbot, tmp_path):
    window = main_window
    window.pages.setCurrentWidget(window.page("cells3d"))
    view = _target(window, "cells3d", "cells3d")
    interactor = view.widget()
    qtbot.waitUntil(interactor.isVisible, timeout=WAIT_MS)
    png = export_view(view, ExportOptions(tmp_path / "c3.png", ImageSize(pixels=(400, 300))))
    assert QImage(str(png)).size().toTuple() == (400, 300)
    svg = export_view(view, ExportOptions(tmp_path / "c3.svg"))
    assert ET.parse(svg).getroot().find(f".//{SVG}image") is not None
    # Vectors of the 3-D figure take the asked size too, as the PNG does.
    sized = ImageSize(pixels=(1280, 720))
    root = ET.parse(export_view(view, ExportOptions(tmp_path / "c3s.svg", sized))).getroot()
    assert (root.get("width"), root.get("height")) == ("1280", "720")
    pdf = export_view(view, ExportOptions(tmp_path / "c3s.pdf", sized))
    assert _media_box(pdf) == pytest.approx([0, 0, 1280, 720], abs=0.5)


def _copy_image_and_the_export_dialog(main_window, qtbot, tmp_path, monkeypatch):
    window = main_window
    window.export_actions.copy_action.trigger()
    canvas = window.page("cells").canvas
    copied = QGuiApplication.clipboard().image()
    assert copied.size().toTuple() == (2 * canvas.width(), 2 * canvas.height())

    dialog = window.export_actions.open_dialog()
    dialog.select("cells")
    target = tmp_path / "dialog.svg"
    dialog.path_edit.setText(str(target))
    assert not dialog.frames_box.isEnabled()
    dialog.accept()
    root = ET.parse(target).getroot()
    cells = [p for p in root.iter(f"{SVG}polygon") if p.get("class") == "cell"]
    assert len(cells) == canvas.partition.n_regions
    assert str(target) in window.statusBar().currentMessage()

    # A file where the folder should be, then a read-only folder: one clear sentence
    # each, nothing written, and the dialog stays open with the user's choices.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    locked = read_only_folder(monkeypatch, tmp_path / "locked")
    dialog = window.export_actions.open_dialog()
    dialog.select("cells")
    dialog.pixels_radio.setChecked(True)
    for path, says in (
        (blocker / "cells.png", f"{blocker} is not a folder"),
        (locked / "cells.png", f"The folder {locked} is read-only for you"),
    ):
        dialog.path_edit.setText(str(path))
        dialog.accept()
        box = dialog.findChild(QMessageBox, "exportPathErrorBox")
        assert box is not None and box.text().startswith(says)
        box.close()
        qtbot.waitUntil(lambda: dialog.findChild(QMessageBox) is None)  # deleted on close
        assert dialog.isVisible() and dialog.pixels_radio.isChecked()
        assert dialog.path_edit.text() == str(path) and not path.exists()
    target = tmp_path / "after.png"
    dialog.path_edit.setText(str(target))
    dialog.accept()
    assert not dialog.isVisible()
    assert QImage(str(target)).width() == dialog.width_box.value()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def test_a_failed_export_keeps_the_old_file_and_leaves_no_temporary(qtbot, tmp_path, monkeypatch):
    label = QLabel("Splinescope")
    qtbot.addWidget(label)
    label.resize(120, 40)
    view = ExportView("label", "Label", lambda: label)
    target = tmp_path / "label.png"
    export_view(view, ExportOptions(target, ImageSize(1.0)))
    first = target.read_bytes()
    assert QImage(str(target)).size().toTuple() == (120, 40)

    def torn(image, path):
        Path(path).write_bytes(first[:20])  # half a file, then the disk fills up
        raise OSError("No space left on device")

    monkeypatch.setattr(targets, "write_png", torn)
    with pytest.raises(OSError, match="No space left"):
        export_view(view, ExportOptions(target, ImageSize(2.0)))
    assert target.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["label.png"]


# One window per test: making the main window (six pages) is the slow part.


def test_cells_page_views_copy_and_dialog(main_window, qtbot, tmp_path, monkeypatch):
    _cells_view_png_svg_pdf(main_window, tmp_path)
    _plot_and_page_views_write_qt_vectors(main_window, tmp_path)
    _copy_image_and_the_export_dialog(main_window, qtbot, tmp_path, monkeypatch)


def test_cube_playground_and_generic_page_views(main_window, qtbot, tmp_path):
    _volume_cube_png_at_scale_and_gl2ps(main_window, qtbot, tmp_path)
    _playground_cells_svg_has_every_exact_cell(main_window, qtbot, tmp_path)
    _every_page_offers_figure_views_before_its_whole_page(main_window, tmp_path)
    _cells3d_view_png_and_gl2ps(main_window, qtbot, tmp_path)
