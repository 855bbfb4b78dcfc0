"""Every still view's SVG draws the same in Qt and librsvg, its PDF the same in poppler.

One headless subprocess writes an SVG and a PDF of every still view the pages declare
(whole pages, plots, cell canvases, 3-D views); each SVG is rasterised by Qt and by
``rsvg-convert`` at its own size, each PDF by ``pdftoppm`` at 72 dpi, and the pixels are
compared with the Qt rendering (see :mod:`tests.export.vector_check`).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.export.test_headless_every_view import HEADLESS_RUNNER, ROOT, headless_env
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

EVERY_STILL_VIEW = (
    HEADLESS_RUNNER
    + """
for name, (key, target) in runner.catalogue().items():
    if isinstance(target, ExportView):
        for suffix in ("svg", "pdf"):
            runner.jobs.append(Job(name, out / f"{name}.{suffix}", size=ImageSize(1.0)))
sys.exit(runner.run(app))
"""
)


@pytest.mark.timeout(1500)
def test_every_views_svg_and_pdf_render_alike_everywhere(qapp, tmp_path):
    need("rsvg-convert", "librsvg2-bin")
    need("pdftoppm", "poppler-utils")
    out, work = tmp_path / "figures", tmp_path / "renders"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", EVERY_STILL_VIEW, str(out)],
        cwd=ROOT,
        env=headless_env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) >= 10 and {"cells.svg", "volume-fraction.svg"} <= {p.name for p in svgs}
    failures = []
    for svg in svgs:
        qt = qt_svg_pixels(svg)
        height, width, _ = qt.shape
        drawn = difference(qt, rsvg_pixels(svg, width, height, work))
        if drawn.mean >= SVG_MEAN_BOUND or drawn.strong_share >= STRONG_SHARE_BOUND:
            failures.append(f"{svg.name} in librsvg: {drawn}")
        printed = difference(qt, poppler_pixels(svg.with_suffix(".pdf"), work))
        if printed.mean >= PDF_MEAN_BOUND or printed.strong_share >= PDF_STRONG_SHARE_BOUND:
            failures.append(f"{svg.stem}.pdf in poppler: {printed}")
    assert not failures, "\n".join(failures)
