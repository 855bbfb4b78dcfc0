"""The Playground's training worker: a run's snapshots, its steps in a child process.

The steps run in :mod:`engine.training_process`'s child, so that training does not hold
the GIL that the frame worker and the GUI thread need; the worker's thread only waits for
the child's snapshots. The worker closes its run when it stops, in its own thread, so the
trainer has the child's state back before the worker's ``finished`` signal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superqt.utils import GeneratorWorker, create_worker

from app.jobs.closing_generator import ClosingGeneratorWorker
from engine.training_process import run_in_child

if TYPE_CHECKING:
    from engine.training import Trainer

#: The training worker yields at most this often (seconds). Faster than the canvas can
#: redraw, so that the frame worker always has a fresh snapshot waiting when it finishes
#: one (at 1/30 s the (8, 8) network drew only the ~22 snapshots a second it got); the
#: newest-only frame runner drops the ones it cannot draw, and the curves redraw on
#: their own timer, so more snapshots do not queue work on the GUI thread.
SNAPSHOT_INTERVAL = 1.0 / 60.0


def _train(trainer: Trainer, n_epochs: int):
    """The worker's generator: ``trainer``'s snapshots over ``n_epochs``."""
    yield from trainer.run(n_epochs, every=SNAPSHOT_INTERVAL, steps=run_in_child)


def training_worker(trainer: Trainer, n_epochs: int) -> GeneratorWorker:
    """A worker, not started, that trains ``trainer`` for ``n_epochs`` and yields its
    snapshots (its errors go to its ``errored`` signal)."""
    return create_worker(
        _train,
        trainer,
        n_epochs,
        _start_thread=False,
        _ignore_errors=True,
        _worker_class=ClosingGeneratorWorker,
    )
