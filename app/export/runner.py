"""Run export jobs in one window: apply a preset, wait for the page, write the file.

Jobs run one after the other on the event loop; a job that fails prints its message and
the run goes on (the exit code is 1 then). With a deck folder, every figure is listed in
``index.html``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.export.animation import AnimationRecorder
from app.export.catalogue import export_targets, page_readiness
from app.export.deck import write_deck_index
from app.export.deck_claims import DeckPart
from app.export.formats import DEFAULT_FRAMES, ExportOptions
from app.export.plan import JOB_TIMEOUT_MS, WINDOW_SIZE, Job
from app.export.raster import settle_layout
from app.export.ready import Readiness, ReadyWait, when_ready
from app.export.targets import ExportAnimation, ExportView, export_png_and_svg, export_view
from app.presets.files import apply_preset, load_preset, preset_names
from app.registry import PAGES, page_spec
from app.shell.main_window import MainWindow

#: How long the end of a run waits for workers the pages still run.
WORKER_GRACE_MS = 30_000


class ExportRunner(QObject):
    """Writes ``jobs`` from one main window; :meth:`run` returns the exit code.

    With ``part`` (a child of a deck written by several processes) the runner writes only
    the pages it claims from the whole deck's jobs, logs their rows for the parent and
    leaves ``index.html`` to it.
    """

    def __init__(
        self,
        jobs: list[Job],
        *,
        deck: Path | None = None,
        theme: str = "default",
        part: DeckPart | None = None,
    ):
        super().__init__()
        # A run that starts with a preset opens the window on its page: the first tab
        # would be built and start computing for nothing, as would the other pages' code
        # be imported.
        first = load_preset(jobs[0].preset).page if jobs and jobs[0].preset else None
        self.window = MainWindow(first_page=first, preload_pages=False)
        self.window.resize(*WINDOW_SIZE)
        self.deck = deck
        self.theme = theme
        self.jobs = list(jobs)
        self.part = part
        #: The place in the whole deck of each claimed job in :attr:`jobs` (a deck
        #: process's rows' ``order``); without ``part`` a job's place is its turn.
        self._orders: list[int] = []
        self._order = -1
        self.rows: list[dict[str, str]] = []
        self.exit_code = 0
        self._recorder: AnimationRecorder | None = None
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)
        self._job: Job | None = None
        self._key = ""
        self._wait: ReadyWait | None = None
        #: Pages whose result was on screen at their last still export and that nothing
        #: has touched since (no preset, layer change or animation): a rule that waits
        #: for the next result (Cells 3D, Paths) would wait for one that never comes.
        self._shown: set[str] = set()
        self._job_clock = JobClock()
        if deck is not None and self.jobs and not any(job.preset is None for job in self.jobs):
            self._add_standalone_figures()

    # -- the catalogue ------------------------------------------------------------------

    def pages(self) -> dict[str, QWidget]:
        return {spec.key: self.window.page(spec.key) for spec in PAGES}

    def catalogue(self) -> dict[str, tuple[str, ExportView | ExportAnimation]]:
        """Every exportable name: its page key and target (builds every page)."""
        names = {}
        for key, page in self.pages().items():
            for target in export_targets(page, key):
                names[target.name] = (key, target)
        return names

    def _view(self, name: str) -> tuple[str, ExportView | ExportAnimation] | None:
        """The page key and target of the view ``name``, or None if no page has it.

        Pages are built in the registry's order until one has the view: a run of presets
        or of one page's views does not build (and import) every page, which cost a CLI
        figure seconds.
        """
        for spec in PAGES:
            page = self.window.page(spec.key)
            for target in export_targets(page, spec.key):
                if target.name == name:
                    return spec.key, target
        return None

    def _page_of(self, job: Job) -> str:
        """The key of the page ``job`` is written from."""
        return load_preset(job.preset).page if job.preset else self._view(job.view)[0]

    def _add_standalone_figures(self) -> None:
        """A full deck also shows every page's figure views at the page's defaults (the
        default Cells network, Figure 1, ...), written first: the window starts there."""
        restricted = len(self.jobs) < len(preset_names())
        if restricted:
            return
        template = self.jobs[0]
        standalone = [
            replace(template, preset=None, view=target.name)
            for key, page in self.pages().items()
            for target in export_targets(page, key)
            if is_figure_view(target) and target.in_deck
        ]
        self.jobs[:0] = standalone

    # -- running ------------------------------------------------------------------------

    def run(self, app: QApplication) -> int:
        for job in self.jobs:
            if job.view is not None and self._view(job.view) is None:
                choices = ", ".join(sorted(self.catalogue()))
                self._refuse(f"unknown view {job.view!r}; choose one of {choices}")
                return 2
        for job in self.jobs:
            problem = self._layers_problem(job, self._page_of(job), page=None)
            if problem:
                self._refuse(problem)
                return 2
        if self.deck is not None:
            self.deck.mkdir(parents=True, exist_ok=True)
        if self.part is not None:
            self.part.plan(self.jobs, self._page_of)
            self.jobs, self._orders = [], []
        self.window.show()
        QTimer.singleShot(0, self._next)
        # The run ends with its jobs, with their exit code; closing the window must not
        # post a Quit of its own, which would end the caller's next event loop at once.
        quits = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)
        try:
            code = app.exec()
        finally:
            app.setQuitOnLastWindowClosed(quits)
            # A page may have started a worker after the window closed (a result that
            # arrived late asks for the next one): let it end while its signals still
            # have a sender, or it prints a traceback into the exit.
            QThreadPool.globalInstance().waitForDone(WORKER_GRACE_MS)
        return self.exit_code or code

    def _refuse(self, problem: str) -> None:
        """Refuse the run's arguments before any figure (one deck process says why)."""
        if self.part is None or self.part.index == 0:
            print(f"splinescope export: {problem}", file=sys.stderr)
        self.window.close()

    def _next(self) -> None:
        try:
            self._start_next()
        except Exception as error:  # a broken job must not stop the others
            self._job_failed(f"{type(error).__name__}: {error}")

    def _start_next(self) -> None:
        if not self.jobs and self.part is not None:
            claimed = self.part.claim_next()
            self._orders = [order for order, _job in claimed]
            self.jobs = [job for _order, job in claimed]
        if not self.jobs:
            if self.deck is not None and self.part is None:
                index = write_deck_index(self.deck, self.rows, self.theme)
                print(f"Wrote {index} ({len(self.rows)} figures)")
            self.window.close()
            QApplication.instance().exit(self.exit_code)
            return
        job = self._job = self.jobs.pop(0)
        self._order = self._orders.pop(0) if self.part is not None else self._order + 1
        self._job_clock = JobClock()
        if job.preset is not None:
            preset = load_preset(job.preset)
            key = preset.page
        else:
            key = self._view(job.view)[0]
            preset = None
        page = self.window.page(key)
        set_layers = page_spec(key).set_layers
        layers = job.layers if set_layers is not None else None
        rule = page_readiness(page, key, layers=layers)
        own = self._view_readiness(job) if preset is None else None
        if own is not None:
            rule = own  # the view shows a result of its own (an experiment in its tab)
        if preset is not None:
            self._shown.clear()
            apply_preset(self.window, preset)
        else:
            self.window.show_page(key)
        problem = self._layers_problem(job, key, page)
        if problem:
            self._stop(2, problem)
            return
        if layers is not None:
            self._shown.discard(key)
            set_layers(page, layers)
        self._key = key
        if key in self._shown and own is None:
            # Its result is on screen: nothing to wait for. What the export before left
            # pending in the layout is carried out first (see _export), not waited out.
            self._export(key, page)
            return
        self._timeout.start(JOB_TIMEOUT_MS)
        self._wait = when_ready(rule, lambda: self._export(key, page), self._job_failed, self)

    def _view_readiness(self, job: Job) -> Readiness | None:
        """The wait of ``job``'s view for its own result, if it has one."""
        if job.view is None:
            return None
        target = self._view(job.view)[1]
        if isinstance(target, ExportView) and target.readiness is not None:
            return target.readiness()
        return None

    def _layers_problem(self, job: Job, key: str, page: QWidget | None) -> str | None:
        """Why ``job.layers`` cannot be shown on ``page`` (named ``key``), or None.

        With ``page`` None only the page's kind is checked (before any preset is applied).
        """
        spec = page_spec(key)
        if job.layers is None or (spec.layer_count is None and job.out is None):
            return None  # a deck's --layers is for the pages that have layers
        if spec.layer_count is None:
            pages = ", ".join(s.key for s in PAGES if s.layer_count is not None)
            what = job.view if job.view is not None else f"preset {job.preset}"
            return (
                f"--layers applies to the pages with a layer slider ({pages}), and "
                f"{what} is on the {spec.title} page."
            )
        if page is None:
            return None
        total = spec.layer_count(page)
        if job.layers > total:
            return (
                f"--layers {job.layers} is out of range: the {spec.title} page's network has "
                f"{total} hidden layers, so give 0 to {total}."
            )
        return None

    def _stop(self, code: int, message: str) -> None:
        """End the whole run now with exit ``code``, saying why in one line."""
        print(f"splinescope export: {message}", file=sys.stderr)
        self.exit_code = code
        self.jobs.clear()
        self._orders.clear()
        if self.part is not None:
            self.part.units.clear()
        self.window.close()
        QApplication.instance().exit(code)

    def _waited_for(self) -> str:
        """What the current job waits for, in words (for its time-out message)."""
        job, spec = self._job, page_spec(self._key)
        what = f"the {spec.title} page to show its first result"
        if job.layers is not None and spec.set_layers is not None:
            what = f"the {spec.title} page to show the cells of its first {job.layers} layers"
        if job.preset is not None:
            what += f" after the preset {job.preset!r}"
        elif self._view_readiness(job) is not None:
            what = f"the {job.view} view's own result (the work it shows) on the {spec.title} page"
        return what

    def _on_timeout(self) -> None:
        if self._wait is not None:
            self._wait.cancel()
        seconds = JOB_TIMEOUT_MS / 1000
        self._job_failed(f"timed out after {seconds:g} s waiting for {self._waited_for()}")

    def _export(self, key: str, page: QWidget) -> None:
        self._timeout.stop()
        self._wait = None
        # An export's size is worked out from the view's size: the layout work the last
        # export (or the page's result) left pending is done first, whenever this runs.
        settle_layout(page)
        job = self._job
        targets = export_targets(page, key)
        if job.view is None:
            target = next(t for t in targets if isinstance(t, ExportView))
        else:  # the job's page is the page that has its view
            target = next(t for t in targets if t.name == job.view)
        out = job.out
        files = []
        if out is None:  # a deck figure
            stem = f"{job.preset or 'default'}-{target.name}"
            out = self.deck / f"{stem}.png"
        frames = job.frames or getattr(target, "default_frames", DEFAULT_FRAMES)
        options = ExportOptions(out, job.size, job.transparent, frames, job.fps)
        try:
            if isinstance(target, ExportAnimation):
                self._shown.discard(key)  # the recording drives the page, then puts it back
                self._record(target, options)
                return
            if job.out is None and is_figure_view(target):
                vector = out.with_suffix(".svg")
                export_png_and_svg(target, options, vector)
                files += [out.name, vector.name]
            else:
                export_view(target, options)
                files.append(out.name)
            self._shown.add(key)
        except (OSError, ValueError, RuntimeError) as error:
            self._job_failed(str(error))
            return
        self._done(job, target, out, files)

    def _record(self, target: ExportAnimation, options: ExportOptions) -> None:
        recorder = AnimationRecorder(target, options, self)
        recorder.finished.connect(
            lambda path: self._done(self._job, target, path, [Path(path).name])
        )
        recorder.failed.connect(self._job_failed)
        self._recorder = recorder
        recorder.start()

    def _done(self, job: Job, target, out: Path, files: list[str]) -> None:
        from PySide6.QtGui import QImageReader

        size = QImageReader(str(out)).size() if out.suffix == ".png" else None
        size_text = job.size.describe() if size is None else f"{size.width()}×{size.height()} px"
        print(f"Wrote {out} ({target.name}, {size_text})")
        if self.deck is not None:
            print(
                f"deck: {self._job_clock.describe()} {target.name} ({job.preset or 'defaults'})",
                file=sys.stderr,
            )
        row = {
            "title": target.title,
            "preset": job.preset or "(defaults)",
            "page": self._key,
            "view": target.name,
            "size": size_text,
            "files": files,
            "order": self._order,
            "seconds": self._job_clock.wall_seconds(),
        }
        self.rows.append(row)
        if self.part is not None:
            self.part.log_row(row)
        QTimer.singleShot(0, self._next)

    def _job_failed(self, message: str) -> None:
        self._timeout.stop()
        if self._wait is not None:
            self._wait.cancel()
            self._wait = None
        job = self._job
        what = job.view or job.preset if job is not None else "export"
        print(f"splinescope export: {what}: {message}", file=sys.stderr)
        self.exit_code = 1
        QTimer.singleShot(0, self._next)


class JobClock:
    """Wall-clock and processor time since a job started (the deck's log of its costs)."""

    def __init__(self) -> None:
        self.wall, self.processor = time.monotonic(), time.process_time()

    def wall_seconds(self) -> float:
        """Wall-clock seconds since the job started."""
        return time.monotonic() - self.wall

    def describe(self) -> str:
        """``[12.3 s, 9.8 s CPU]``: the job's time so far; the processor time counts
        every thread of the process (workers included)."""
        wall = time.monotonic() - self.wall
        processor = time.process_time() - self.processor
        return f"[{wall:.1f} s, {processor:.1f} s CPU]"


def is_figure_view(target: ExportView | ExportAnimation) -> bool:
    """Whether ``target`` is a figure view (a deck writes it as PNG and SVG); the deck
    writes it at the page's defaults too when its ``in_deck`` says so."""
    if not isinstance(target, ExportView):
        return False
    return target.figure is not None or target.heading is not None
