"""A long-lived child process that runs hostile cases one per line and measures each.

The child (a ``tests.*.hostile*_runner`` module) forks per case and answers each JSON
request with a JSON result holding ``error``, ``message``, ``seconds`` and
``peak_rss_bytes``. Every case must finish in ``MAX_SECONDS`` and peak under
``MAX_RSS_BYTES`` resident; the worst of both is printed when the child ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
MAX_SECONDS = 5.0
MAX_RSS_BYTES = 1 << 30


def hostile_settings(max_examples: int) -> settings:
    """Hypothesis settings for cases run in the child: few, reproducible, no deadline."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


class HostileChild:
    """The running child and what its cases measured."""

    def __init__(self, module: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(self.process.stdout.readline()) == {"ready": True}
        self.measured: list[dict] = []

    def ask(self, request: dict, case: str) -> dict:
        """Run one case; its result, after checking its time and memory."""
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        self.measured.append({**result, "case": case})
        assert result["seconds"] < MAX_SECONDS, f"{case}: {result['seconds']:.2f} s"
        assert result["peak_rss_bytes"] < MAX_RSS_BYTES, f"{case}: {result['peak_rss_bytes']:,} B"
        return result

    def close(self, what: str) -> None:
        """End the child and print how many ``what`` cases ran and the worst of them."""
        self.process.stdin.close()
        self.process.wait(timeout=30)
        if not self.measured:
            return
        worst_time = max(self.measured, key=lambda m: m["seconds"])
        worst_rss = max(self.measured, key=lambda m: m["peak_rss_bytes"])
        print(
            f"\n{what} cases: {len(self.measured)}; worst time {worst_time['seconds']:.3f} s "
            f"({worst_time['case']}); worst peak RSS "
            f"{worst_rss['peak_rss_bytes'] / 2**20:.0f} MB ({worst_rss['case']})"
        )


def hostile_child(module: str, what: str) -> Iterator[HostileChild]:
    """For a module-scoped fixture: the child of ``module``, closed after the module."""
    child = HostileChild(module)
    yield child
    child.close(what)
