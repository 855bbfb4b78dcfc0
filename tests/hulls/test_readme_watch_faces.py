"""The README quotes the watch-face accuracies the app computes, in the table's format
(percent with one decimal): the preset's experiment, seeded, gives the same three numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.hulls.experiments import EXPERIMENTS
from engine.digit_models import run_to_end
from widgets.hulls.experiment_panel import table_text

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_quotes_the_accuracies_the_watch_face_experiment_computes():
    preset = json.loads((ROOT / "resources/presets/hull-watch-faces.json").read_text())
    spec = next(spec for spec in EXPERIMENTS if spec.key == preset["settings"]["experiment"])
    assert spec.title == "Watch faces"
    result = run_to_end(spec.start())  # what the page's Run computes
    column = result.header.index("test accuracy")
    assert column in result.percent_columns
    computed = [table_text(row[column], True) for row in result.rows]
    assert [row[0] for row in result.rows] == ["angle", "hand tip (x, y)", "pixels"]

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    quoted = re.search(
        r"A classifier of the hour \(ReLU 64-64\) scores ([\d.]+%), ([\d.]+%) and ([\d.]+%)",
        readme,
    )
    assert quoted is not None
    assert list(quoted.groups()) == computed
