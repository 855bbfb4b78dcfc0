"""One headless export run over the whole catalogue, and what it printed.

The script (run with :func:`tests.export.headless_run.run_headless`, arguments: the
output folder, the theme, and ``all`` or ``sized``) writes, in one window:

- with ``all``: every still view as PNG, SVG and PDF at the view's own size, and every
  animation as a GIF of ``ANIMATION_FRAMES`` frames;
- always: every figure view drawn from its widget (not whole pages, 3-D scenes or exact
  cell figures, whose PNG is their SVG) that shows something at the defaults, as PNG at
  each of ``FIGURE_SIZES``, named ``NAME-WxH.png``. At the moment each is drawn (laid out
  at the export's size) its pyqtgraph axes are checked as the page-wide screen test checks
  them (:mod:`tests.shell.clipped_text`): labels fit, tick labels inside their axis, apart
  from each other and from the axis label, nothing of an axis outside the picture; and
  its framing (:func:`tests.shell.plot_fill.framing_problems`): no tick label cut by the
  picture's edge, no plot whose data fills under 70% of a range pyqtgraph chose.

It prints ``jobs: FILE ...`` first, then per drawing of a sized PNG ``AXES FILE COUNT``
and ``CUT FILE PROBLEM`` for each problem found.

The Hulls experiments run at a reduced size (:mod:`tests.export.quick_experiments`):
their plots are real results, drawn and exported as at full size. So does the Networks
page's slice: :data:`NETWORKS_EXTENT` of the default triangle (712 exact cells rather than
61,308, each figure written and read back in a fraction of the time); the export of the
whole slice's figure is checked by tests/networks and tests/export/test_export_cells_svg.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.export.headless_run import HEADLESS_RUNNER

ANIMATION_FRAMES = 2
#: The share of the Networks page's default slice the runs cut (its Extent).
NETWORKS_EXTENT = 0.1
#: The export sizes issue 17 names: the smallest, a slide and 4K.
FIGURE_SIZES = [(640, 360), (1920, 1080), (3840, 2160)]

EVERY_VIEW = (
    HEADLESS_RUNNER
    + f"""
from functools import partial

import app.export.raster as raster
import app.networks.controller as networks_controller
from app.hulls import controller as hulls_controller
from app.shell.theme import apply_theme
from tests.export.quick_experiments import quick_experiments
from tests.shell.clipped_text import _axes, _views, clipped_axis_texts
from tests.shell.plot_fill import framing_problems

apply_theme(sys.argv[2])
hulls_controller.EXPERIMENTS = quick_experiments(hulls_controller.EXPERIMENTS)
networks_controller.NetworksState = partial(
    networks_controller.NetworksState, extent={NETWORKS_EXTENT!r}
)
paint_vtk_views = raster.paint_vtk_views


def checked(widget, painter, ratio):
    name = runner._job.out.name
    axes = sum(len(_axes(view)) for view in _views(widget))
    print("AXES", name, axes, flush=True)
    for problem in clipped_axis_texts(widget) + framing_problems(widget):
        print("CUT", name, problem, flush=True)
    paint_vtk_views(widget, painter, ratio)


raster.paint_vtk_views = checked  # called by render_widget right after the widget is drawn
sized = []
for name, (key, target) in runner.catalogue().items():
    if sys.argv[3] == "all":
        if isinstance(target, ExportAnimation):
            gif = out / f"{{name}}.gif"
            runner.jobs.append(Job(name, gif, size=ImageSize(1.0), frames={ANIMATION_FRAMES}))
            continue
        for suffix in ("png", "svg", "pdf"):
            runner.jobs.append(Job(name, out / f"{{name}}.{{suffix}}", size=ImageSize(1.0)))
    still = isinstance(target, ExportView) and not target.vtk and not name.endswith("-page")
    if still and target.figure is None and target.in_deck:
        for width, height in {FIGURE_SIZES!r}:
            size = ImageSize(pixels=(width, height))
            sized.append(Job(name, out / f"{{name}}-{{width}}x{{height}}.png", size=size))
runner.jobs += sized
print("jobs:", " ".join(job.out.name for job in runner.jobs), flush=True)
print("sized:", " ".join(job.out.name for job in sized), flush=True)
sys.exit(runner.run(app))
"""
)


@dataclass
class AxesReport:
    """What the run printed: the files asked for, and the axes checks per sized PNG."""

    files: list[str]
    sized: list[str]
    #: Per sized PNG, the count of axes at each of its drawings.
    axes: dict[str, list[int]] = field(default_factory=dict)
    #: The problems found on the sized PNGs (the views' own-size PNGs are not checked:
    #: a view the defaults leave empty is drawn at its bare size there).
    cut: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, stdout: str) -> AxesReport:
        lines = stdout.splitlines()
        (files,) = [line for line in lines if line.startswith("jobs:")]
        (sized,) = [line for line in lines if line.startswith("sized:")]
        report = cls(files.split()[1:], sized.split()[1:])
        for line in lines:
            if line.startswith("AXES ") and line.split()[1] in report.sized:
                _, name, count = line.split()
                report.axes.setdefault(name, []).append(int(count))
            elif line.startswith("CUT ") and line.split()[1] in report.sized:
                report.cut.append(line.removeprefix("CUT "))
        return report

    def check_axes_fit(self) -> None:
        """Each sized PNG was drawn once and checked; the plots among them have axes;
        no axis text is cut."""
        drawn = {name: len(self.axes.get(name, [])) for name in self.sized}
        assert all(count == 1 for count in drawn.values()), drawn  # checks match files
        with_axes = {name.rsplit("-", 1)[0] for name in self.sized if self.axes[name][0]}
        assert {"volume-fraction", "hulls-figure1"} <= with_axes, with_axes
        assert not self.cut, "\n".join(self.cut)
