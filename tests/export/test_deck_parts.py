"""A deck written by two processes is the deck one process writes, file for file."""

from __future__ import annotations

from app.export.deck_claims import DeckPart, read_page_costs, read_rows, store_page_costs
from tests.export.test_cli_export import run_cli

PRESETS = ("xor-4", "extrapolation-abs", "cells-layer-by-layer")


def write_deck(folder, processes: int) -> None:
    args = ["export", "--deck", str(folder), "--size", "640x360", "--processes", str(processes)]
    for name in PRESETS:
        args += ["--preset", name]
    result = run_cli(*args, timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"Wrote {folder / 'index.html'} (3 figures)" in result.stdout


def test_two_processes_write_the_same_files_and_index_as_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SPLINESCOPE_CACHE_DIR", str(tmp_path / "cache"))
    write_deck(tmp_path / "one", 1)
    write_deck(tmp_path / "two", 2)
    one = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert one == sorted(p.name for p in (tmp_path / "two").iterdir())
    assert len(one) == 7  # three PNG and SVG pairs and index.html
    for name in one:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    costs = read_page_costs(tmp_path / "cache")
    assert set(costs) == {"playground", "extrapolation", "cells"}


def test_two_children_claim_every_page_once_costliest_first(tmp_path):
    jobs = ["a1", "b1", "a2", "c1"]
    first = DeckPart(tmp_path, 0, {"c": 9.0, "a": 1.0})
    second = DeckPart(tmp_path, 1, {"c": 9.0, "a": 1.0})
    for part in (first, second):
        part.plan(jobs, lambda job: job[0])
    assert first.claim_next() == [(3, "c1")]
    assert second.claim_next() == [(0, "a1"), (2, "a2")]
    assert first.claim_next() == [(1, "b1")]
    assert first.claim_next() == [] and second.claim_next() == []


def test_a_childs_rows_come_back_with_their_order_and_damage_is_named(tmp_path):
    part = DeckPart(tmp_path, 0)
    part.log_row({"order": 4, "page": "cells", "files": ["x.png"], "seconds": 1.5})
    rows, problem = read_rows(part.rows_path)
    assert problem is None and rows[0]["order"] == 4
    with part.rows_path.open("a", encoding="utf-8") as log:
        log.write('{"order": 5, "pa')
    rows, problem = read_rows(part.rows_path)
    assert len(rows) == 1 and problem == "left a damaged figure log"
    store_page_costs(tmp_path / "cache", rows)
    assert read_page_costs(tmp_path / "cache") == {"cells": 1.5}
