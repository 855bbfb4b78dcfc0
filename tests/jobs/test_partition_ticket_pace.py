"""A partition's progress reaches the GUI at a pace it can draw: every new layer at once,
a layer's growing cell count at most every REPORT_INTERVAL_S (a traced-graph slice calls
back once per chunk of cells, thousands of times)."""

from __future__ import annotations

import pytest

from app.jobs import partition_runner
from app.jobs.partition_runner import PartitionTicket
from engine.layerwise import PartitionCancelled


def _ticket(reports: list) -> PartitionTicket:
    return PartitionTicket(7, report=lambda *args: reports.append(args))


def test_a_flood_of_chunk_reports_is_thinned_and_every_layer_change_passes(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(partition_runner.time, "monotonic", lambda: clock[0])
    reports = []
    ticket = _ticket(reports)
    for layer in (1, 2, 3):
        for chunk in range(1000):  # 1,000 chunks within 1 ms of each other
            ticket.after_layer(layer, 3, chunk)
            clock[0] += 1e-6
    assert [r[1] for r in reports] == [1, 2, 3]  # the first report of each layer
    assert all(r[0] == 7 and r[2] == 3 for r in reports)
    clock[0] += partition_runner.REPORT_INTERVAL_S
    ticket.after_layer(3, 3, 5000)
    assert reports[-1] == (7, 3, 3, 5000)  # after the interval, the count moves on


def test_a_stopped_ticket_raises_even_when_its_report_is_held_back():
    reports = []
    ticket = _ticket(reports)
    ticket.after_layer(1, 2, 10)
    ticket.stop.set()
    with pytest.raises(PartitionCancelled):
        ticket.after_layer(1, 2, 11)
    assert len(reports) == 1
