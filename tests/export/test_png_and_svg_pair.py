"""The deck writes a figure's PNG and SVG from one figure and one SVG document: the files
are the very bytes two separate exports write."""

from __future__ import annotations

from app.export.catalogue import export_targets
from app.export.formats import ExportOptions, ImageSize
from app.export.targets import export_png_and_svg, export_view


def test_the_pair_writes_the_same_bytes_as_two_exports(main_window, tmp_path):
    page = main_window.page("cells")
    views = {t.name: t for t in export_targets(page, "cells")}
    for name in ("cells", "cells-path"):  # an exact cell figure, and a widget-drawn plot
        view = views[name]
        options = ExportOptions(tmp_path / f"{name}-one.png", ImageSize(pixels=(960, 540)))
        export_view(view, options)
        export_view(view, ExportOptions(tmp_path / f"{name}-one.svg", options.size))
        pair = ExportOptions(tmp_path / f"{name}-pair.png", options.size)
        export_png_and_svg(view, pair, tmp_path / f"{name}-pair.svg")
        for suffix in ("png", "svg"):
            one = (tmp_path / f"{name}-one.{suffix}").read_bytes()
            assert one == (tmp_path / f"{name}-pair.{suffix}").read_bytes(), (name, suffix)
            assert len(one) > 1000
