"""Export for talks: every view to PNG, SVG and PDF, animations to GIF and MP4.

- :mod:`app.export.formats`: file formats and image sizes (plain values);
- :mod:`app.export.raster`: PNG of any widget at a scale or pixel size, VTK views included;
- :mod:`app.export.vector`: SVG and PDF of any widget through Qt's vector paint devices;
- :mod:`app.export.cell_figure` and :mod:`app.export.cells_svg`: the 2-D cell views as
  true vectors, one polygon per exact cell, written from the partition itself;
- :mod:`app.export.vtk_export`: VTK render windows to SVG and PDF through GL2PS;
- :mod:`app.export.targets`: what a page can export (its views and animations), and the
  one function that writes any of them;
- :mod:`app.export.animation`: frame-by-frame recording that drives a page's public API;
- :mod:`app.export.ready` and :mod:`app.export.headless`: the command line.

The same code serves the File menu and the headless command line.
"""
