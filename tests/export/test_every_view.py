"""Every view and animation of the catalogue exports with no display, and what it writes
is right: the run exits 0, every file is there and shows something; every SVG draws the
same in Qt and librsvg and every PDF the same in poppler; the axes of every figure view fit
at every export size (default theme; the talk theme is in test_tick_labels).

One subprocess writes them all (see :mod:`tests.export.every_view_jobs`), so the window
is made and the pages compute once; it then closes its pages, which finalizes the OSMesa
contexts of the VTK views, and must exit without an abort.
"""

from __future__ import annotations

import imageio.v2 as imageio
import numpy as np
import pytest

from tests.export.every_view_jobs import ANIMATION_FRAMES, EVERY_VIEW, AxesReport
from tests.export.headless_run import exited_cleanly, run_headless
from tests.export.vector_check import (
    PDF_MEAN_BOUND,
    PDF_STRONG_SHARE_BOUND,
    STRONG_SHARE_BOUND,
    SVG_MEAN_BOUND,
    difference,
    need,
    poppler_pixels,
    qt_svg_pixels,
    rsvg_pixels,
)


@pytest.fixture(scope="module")
def every_view(tmp_path_factory):
    """The folder of the run's files and its finished process."""
    out = tmp_path_factory.mktemp("every-view")
    return out, run_headless(EVERY_VIEW, str(out), "default", "all", timeout=1500)


@pytest.mark.timeout(1600)
def test_every_view_and_animation_exports_headless_and_exits_0(every_view):
    out, result = every_view
    exited_cleanly(result)
    names = AxesReport.parse(result.stdout).files
    for name in ("cells.png", "volume-cube.png", "volume-cube.svg", "cells3d.svg"):
        assert name in names
    assert sorted(names) == sorted(p.name for p in out.iterdir())
    for name in names:
        path = out / name
        assert path.stat().st_size > 0, name
        assert f"Wrote {path} " in result.stdout, name
        if path.suffix == ".png":
            pixels = imageio.imread(path)
            assert np.ptp(pixels[..., :3]) > 0, f"{name} is one flat colour"
        elif path.suffix == ".gif":
            assert len(imageio.mimread(path)) == ANIMATION_FRAMES, name
        elif path.suffix == ".pdf":
            assert path.read_bytes().startswith(b"%PDF"), name
        else:
            assert path.read_text(encoding="utf-8").lstrip().startswith("<"), name


@pytest.mark.timeout(1600)
def test_every_views_svg_and_pdf_render_alike_everywhere(qapp, every_view, tmp_path):
    need("rsvg-convert", "librsvg2-bin")
    need("pdftoppm", "poppler-utils")
    out, result = every_view
    exited_cleanly(result)
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) >= 10 and {"cells.svg", "volume-fraction.svg"} <= {p.name for p in svgs}
    failures = []
    for svg in svgs:
        qt = qt_svg_pixels(svg)
        height, width, _ = qt.shape
        drawn = difference(qt, rsvg_pixels(svg, width, height, tmp_path))
        if drawn.mean >= SVG_MEAN_BOUND or drawn.strong_share >= STRONG_SHARE_BOUND:
            failures.append(f"{svg.name} in librsvg: {drawn}")
        printed = difference(qt, poppler_pixels(svg.with_suffix(".pdf"), tmp_path))
        if printed.mean >= PDF_MEAN_BOUND or printed.strong_share >= PDF_STRONG_SHARE_BOUND:
            failures.append(f"{svg.stem}.pdf in poppler: {printed}")
    assert not failures, "\n".join(failures)


@pytest.mark.timeout(1600)
def test_every_figure_views_axes_fit_at_every_export_size(every_view):
    _, result = every_view
    exited_cleanly(result)
    AxesReport.parse(result.stdout).check_axes_fit()
