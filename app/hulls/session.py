"""What the hulls page keeps in a session, and how it comes back."""

from __future__ import annotations

from app.hulls.controller import EXPERIMENTS
from app.hulls.page import HullsPage
from app.state.fields import point, whole
from engine.session_file import PageState, SessionFileError


def save_hulls_state(page: HullsPage) -> PageState:
    seed, test_point = page.first_scene
    return PageState(
        {
            "seed": seed,
            "test_point": [float(v) for v in test_point],
            "experiment": page.experiment,
        }
    )


def restore_hulls_state(page: HullsPage, state: PageState) -> None:
    """The training set's seed, the test point and the experiment tab (experiments rerun
    in seconds: their results are not kept)."""
    settings = state.settings
    seed = whole(settings.get("seed"), "seed", 0, 2**31 - 1)
    test_point = point(settings.get("test_point"), "The test point", bound=1e6)
    keys = [spec.key for spec in EXPERIMENTS]
    experiment = settings.get("experiment", keys[0])
    if experiment not in keys:
        raise SessionFileError(f"unknown experiment {experiment!r}; expected one of {keys}.")
    page.show_session(seed, test_point, experiment)
