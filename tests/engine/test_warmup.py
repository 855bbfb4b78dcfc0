"""The install-time warm-up: it reaches every kernel the engine calls from Python."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from engine import warmup

ROOT = Path(__file__).resolve().parents[2]


def test_entry_kernels_are_exactly_those_called_from_python():
    """Read from the sources: every ``<kernel module>.<name>`` used outside the kernel
    modules is in the warm-up's list, and every name in the list is used."""
    modules = {module.__name__.rsplit(".", 1)[1] for module in warmup.ENTRY_KERNELS}
    pattern = re.compile(rf"\b({'|'.join(modules)})\.([a-z_]+)\(")
    used = set()
    for folder in ("engine", "app", "widgets"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.stem in modules or path.name == "warmup.py":
                continue
            used.update(pattern.findall(path.read_text(encoding="utf-8")))
    listed = {
        (module.__name__.rsplit(".", 1)[1], name)
        for module, names in warmup.ENTRY_KERNELS.items()
        for name in names
    }
    assert used == listed


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_a_fresh_process_has_nothing_compiled_until_the_warm_up():
    """Without the warm-up no entry kernel has machine code; after it, all have."""
    result = _python(
        "from engine import warmup; before = warmup.uncompiled(); warmup.warm_up(); "
        "print(len(before), len(warmup.kernels()), warmup.uncompiled())"
    )
    assert result.returncode == 0, result.stderr
    n_entries = sum(len(names) for names in warmup.ENTRY_KERNELS.values())
    n_before, n_kernels, after = result.stdout.split(maxsplit=2)
    assert int(n_before) == n_entries
    assert int(n_kernels) > n_entries
    assert after.strip() == "[]"


def test_module_runs_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "engine.warmup"], cwd=ROOT, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == [n for n, _ in warmup.STEPS]
    assert re.fullmatch(r"engine\.warmup: \d+ kernels ready in \d+\.\d\d s", lines[-1])
