"""VTK views to SVG and PDF through ``vtkGL2PSExporter``.

Where it does not give vectors: VTK's OpenGL2 backend has no OpenGL feedback buffer, so
GL2PS captures every 3-D prop (surfaces, lines, translucent balls alike) as **one raster
image** embedded in the SVG or PDF; only 2-D actors and text stay vector. The files are
valid SVG and PDF at the view's size, with the scene at the window's resolution. For a
sharp 3-D figure, export PNG at 2x or 4x instead.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import vtkmodules.vtkRenderingContextOpenGL2  # GL2PS needs the context backend
import vtkmodules.vtkRenderingGL2PSOpenGL2  # noqa: F401  (the GL2PS helper implementation)
from vtkmodules.vtkIOExportGL2PS import vtkGL2PSExporter
from vtkmodules.vtkRenderingCore import vtkRenderWindow

#: What the dialog and the README say about vector exports of 3-D views.
GL2PS_LIMITATION = (
    "3-D views: SVG and PDF hold the scene as one raster image (VTK's OpenGL2 GL2PS "
    "exporter cannot write 3-D geometry as vectors); only text stays vector. Export PNG at "
    "2x or 4x for a sharp 3-D figure."
)


def write_gl2ps(render_window: vtkRenderWindow, path: Path, fmt: str, *, title: str) -> None:
    """Write ``render_window``'s scene to ``path`` as ``fmt`` (``"svg"`` or ``"pdf"``)."""
    path = Path(path)
    if fmt not in ("svg", "pdf"):
        raise ValueError(f"GL2PS writes svg or pdf, not {fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="splinescope-gl2ps-") as folder:
        prefix = Path(folder) / "scene"
        exporter = vtkGL2PSExporter()
        exporter.SetRenderWindow(render_window)
        exporter.SetFilePrefix(str(prefix))
        exporter.SetTitle(title)
        exporter.CompressOff()
        exporter.DrawBackgroundOn()
        exporter.SetSortToBSP()
        if fmt == "svg":
            exporter.SetFileFormatToSVG()
        else:
            exporter.SetFileFormatToPDF()
        exporter.Write()
        written = prefix.with_suffix(f".{fmt}")
        if not written.is_file() or written.stat().st_size == 0:
            raise OSError(f"GL2PS wrote no {fmt.upper()} file")
        shutil.move(str(written), path)
    render_window.Render()
