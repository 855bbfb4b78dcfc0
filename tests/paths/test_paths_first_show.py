"""The Paths page's first pair with the shipped networks needs no torch of its own: its
modules and the shipped networks (numpy layers) never import it, so only the partition
engine's module does (until it does not, and then no torch is imported at all before the
first result, a second of start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.shell import test_first_show

ROOT = Path(__file__).resolve().parents[2]

#: Runs the page's modules and its first pair's work, and prints every project module
#: whose code asked for torch or for the engine's torch modules (an import statement run,
#: even of a module already imported), then whether the pair came from numpy layers.
FIRST_PAIR = """
import builtins, sys
TORCH_MODULES = ("torch", "engine.torch_networks", "engine.network_spec", "engine.digit_models",
                 "engine.shipped_digit_networks", "engine.training")
importers = set()
real_import = builtins.__import__

def watching(name, globals=None, locals=None, fromlist=(), level=0):
    asked = [name] + [f"{name}.{item}" for item in fromlist or ()]
    importer = (globals or {}).get("__name__", "?")
    if level == 0 and importer.startswith(("app.", "engine.", "widgets.")) and any(
        a == m or a.startswith(m + ".") for a in asked for m in TORCH_MODULES
    ):
        importers.add(importer)
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = watching
import numpy as np
import app.paths.spec
from app.paths.analysis import analyse_pair, default_pair
from app.paths.state import PairRequest, PathsSettings
from app.paths.training import load_source, prepare_models
from engine.networks import NetworkLayers

source = load_source()
run = prepare_models(source, 2, PathsSettings())
try:
    while True:
        next(run)
except StopIteration as stop:
    models = stop.value
candidates = [np.flatnonzero(source.test.labels == c)[:5] for c in (4, 7)]
pair = PairRequest(*default_pair(source, models, candidates))
analysis = analyse_pair(source, models, pair, PathsSettings().strip_samples)
assert analysis.path.crossings.t.size > 0
print(*sorted(importers))
print(isinstance(models.classifier, NetworkLayers), models.shipped)
"""

#: The modules of the Paths page's lane: none may ask for torch on the way to the first pair.
PATHS_MODULES = ("app.paths", "widgets.paths", "engine.latent_paths", "engine.digit")
#: The partition engine's modules, which import torch for its traced-graph engine (CNNs),
#: and the torch classes engine.networks lends them.
PARTITION_MODULES = (
    "engine.partition2d",
    "engine.partition_graph",
    "engine.pl_",
    "engine.graph_",
    "engine.networks",
    "engine.torch_networks",
)


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_first_pair_asks_for_torch_only_through_the_partition_engine():
    importers_line, shipped_line = _python(FIRST_PAIR).splitlines()
    importers = set(importers_line.split())
    assert shipped_line.split() == ["True", "True"]  # the shipped networks, as numpy layers
    assert not {m for m in importers if m.startswith(PATHS_MODULES)}, importers
    assert all(m.startswith(PARTITION_MODULES) for m in importers), importers


def test_a_fresh_window_on_the_paths_page_shows_its_first_pair_without_torch(tmp_path):
    if _python("import sys, engine.partition2d; print('torch' in sys.modules)").strip() != "False":
        pytest.skip("engine.partition2d still imports torch at module level")
    test_first_show.test_a_fresh_process_paints_its_window_before_building_its_page(
        tmp_path, "paths"
    )
