"""The Hulls page's export views and its readiness.

Its figure views come first: the plot of the experiment whose tab is shown (Figure 1, the
Gaussian experiment, by default; a preset may show another, and the export runs that
one), the test-point canvas, then each other experiment's plot as last run; the whole
page is ``hulls-page``.
"""

from __future__ import annotations

from dataclasses import replace

from app.export.figure_frame import FigureHeading, plain_text
from app.export.ready import Readiness, after_signal
from app.export.targets import ExportAnimation, ExportView
from app.hulls.experiments import EXPERIMENTS

#: The ``--view`` name of each experiment's plot (Figure 1 by its name in the paper).
EXPERIMENT_VIEWS = {"gaussian": "hulls-figure1"}


def _experiment_view(page, spec) -> ExportView:
    panel = page.panels[spec.key]

    def heading() -> FigureHeading:
        # A finished run's status ("done") tells a talk's audience nothing: say what the
        # plot shows instead. A run cancelled or still going keeps its status.
        status = plain_text(panel.status.text())
        note = plain_text(panel.description.text()) if status == "done" else status
        return FigureHeading(f"Convex hulls: {spec.title}", note)

    return ExportView(
        EXPERIMENT_VIEWS.get(spec.key, f"hulls-{spec.key}"),
        f"the {spec.title} experiment's plot",
        lambda: panel.plot_widget,
        heading=heading,
        in_deck=spec.key == "gaussian",  # the export runs Figure 1 only
        table=lambda: _table(panel, spec.title),  # --out split.tsv
        readiness=lambda: experiment_readiness(page, spec.key),
    )


def experiment_readiness(page, key: str) -> Readiness:
    """Experiment ``key``'s plot is ready once its run is done and drawn: its tab is
    shown, and the run started unless it is done or under way."""
    controller, panel = page.controller, page.panels[key]

    def done() -> bool:
        return (
            panel.result is not None
            and not controller.is_running(key)
            and plain_text(panel.status.text()) == "done"
        )

    def start() -> None:
        controller.set_state(replace(controller.state, experiment=key))
        if not done() and not controller.is_running(key):
            controller.run_experiment(key)

    rule = Readiness((page.experiment_shown,), done, (controller.failed,), start=start)
    rule.settle_ms = 400
    return rule


def _table(panel, title: str) -> str:
    """Every row of the experiment's table as TSV (not only the rows selected on screen)."""
    if panel.result is None:
        raise ValueError(f"the {title} experiment has not run: it has no table yet")
    return panel.result.tsv()


def hulls_targets(page) -> list[ExportView | ExportAnimation]:
    """The shown experiment's plot first (the default view), the test-point canvas, the
    other experiments, the whole page."""
    shown = page.controller.state.experiment
    ordered = sorted(EXPERIMENTS, key=lambda spec: spec.key != shown)
    first, *others = (_experiment_view(page, spec) for spec in ordered)
    canvas = ExportView(
        "hulls-test-point",
        "the test point against hull, ellipse, ball and box",
        lambda: page.canvas,
        heading=lambda: FigureHeading(
            "Inside or outside? The test point against hull, ellipse, ball and box",
            plain_text(page.verdict_label.text()),
        ),
    )
    return [
        first,
        canvas,
        *others,
        ExportView("hulls-page", "the whole Hulls page", lambda: page),
    ]


def hulls_readiness(page, layers: int | None = None) -> Readiness:
    """The experiment of the tab shown (Figure 1 by default) runs on request: start it
    unless a preset already has, ready once its results are shown."""
    rule = after_signal(page.experiment_shown)
    rule.failures = (page.controller.failed,)
    rule.start = lambda: _run_shown_experiment(page.controller)
    rule.settle_ms = 400
    return rule


def hulls_first_result(page) -> Readiness:
    """What a user sees first: the training set drawn and the test point's verdict under
    it (the experiments run when asked)."""
    rule = after_signal(page.verdict_shown, lambda: page.canvas.scene_data is not None)
    rule.failures = (page.controller.failed,)
    return rule


def _run_shown_experiment(controller) -> None:
    key = controller.state.experiment
    if not controller.is_running(key):
        controller.run_experiment(key)
