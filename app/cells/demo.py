"""``--screenshot FILE --demo probe``: the Cells page's probe walked across a few cell
boundaries and a path drawn, at fixed positions (the README screenshot)."""

from __future__ import annotations

from app.cells.page import CellsPage

#: The probe starts at the first point and is walked through the others (so the
#: transition log has entries), then a path is drawn; all in the default network's input
#: coordinates.
DEMO_PROBE_WALK = ((0.45, 0.78), (0.1, 0.7), (-0.25, 0.62), (-0.72, 0.52))
DEMO_PATH = ((-0.9, -0.45), (0.9, 0.2))


def stage_probe_demo(page: CellsPage) -> None:
    """Walk the probe along :data:`DEMO_PROBE_WALK` and draw :data:`DEMO_PATH`."""
    first, *rest = DEMO_PROBE_WALK
    page.probe.place_probe(*first)
    for point in rest:
        page.probe.move_probe(*point)
    (ax, ay), (bx, by) = DEMO_PATH
    page.probe.set_path(ax, ay, bx, by)
