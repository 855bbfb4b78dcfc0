"""Training in a child process, so that it never holds the GIL that drawing needs.

A :class:`engine.training.Trainer` run in a thread beside the Playground's frame worker
makes both slow: each thread gives the GIL up at every numpy, torch or Qt call and then
waits up to a switch interval to get it back from the other, so a (32, 32, 32) frame that
takes 35 ms alone took 90-600 ms beside training. Here the trainer is pickled to a child
process (``python -m engine.training_process``), which trains and sends its snapshots
back; the parent's thread only waits on a pipe, the GIL released.

The exchange, pickles over the child's stdin and stdout:

- parent: ``("run", trainer, n_epochs, every)``;
- child: ``("snapshot", epoch, step, weights, history)``, weights as numpy arrays; it then
  waits for the parent's ``"go"`` (train on) or ``"stop"``, so a run stopped at a snapshot
  leaves the trainer exactly there, as :meth:`Trainer.run <engine.training.Trainer.run>`
  promises;
- child, once the run ends (done or stopped): ``("trainer", trainer)``, which the parent's
  trainer takes the state of; or ``("failed", trainer, message)`` if training raised.

The child lowers its priority (:data:`NICENESS`): the frames of the network it trains
come first. Children are kept in a small pool (:func:`prestart` starts one ahead of need) and
reused run after run; one whose pipe breaks is discarded. A child ends when its stdin
closes, so none outlives the application.
"""

from __future__ import annotations

import atexit
import os
import pickle
import threading
import traceback
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from engine.child_process import ChildFailed, ChildLost, ChildProcess, serve_parent, write_message

if TYPE_CHECKING:
    from engine.training import Trainer, TrainingSnapshot

#: Idle children kept for the next run; more are closed when their run ends.
MAX_IDLE = 2
#: The child's niceness once torch is imported. Training runs flat out, and on two cores
#: it would take a third of the machine from the drawing of its own frames; at 10 the
#: scheduler gives the frames and the GUI what they ask first and training the rest
#: (which, on an otherwise quiet machine, is most of a core). Measured with
#: benchmarks/training_redraw.py beside a busy core: (32, 32, 32) drew 13.2-13.3 frames
#: a second at 10, 10.0 at 5, 9.0 at 0.
NICENESS = 10


class TrainingProcess:
    """One child process that trains one run at a time."""

    def __init__(self) -> None:
        #: The child: its pid, whether it is alive and healthy.
        self.child = ChildProcess("engine.training_process", "training process")

    def run(
        self, trainer: Trainer, n_epochs: int, every: float | None
    ) -> Iterator[TrainingSnapshot]:
        """Train ``trainer`` in the child: :meth:`Trainer.train_steps`'s snapshots.

        ``trainer`` takes the child's state when the run ends, when it fails, and when the
        generator is closed at a yield (then exactly the state of the snapshot yielded).
        Raises :class:`~engine.child_process.ChildFailed` if the child raised, and
        :class:`~engine.child_process.ChildLost` if it ended: ``trainer`` then goes on from the last
        snapshot yielded (:meth:`Trainer.resume_from`), if any.
        """
        yield from self.follow(trainer, self.begin(trainer, n_epochs, every))

    def begin(self, trainer: Trainer, n_epochs: int, every: float | None) -> tuple:
        """Send the run and return the child's first answer, for :meth:`follow`.
        Raises :class:`~engine.child_process.ChildLost` (nothing trained) if the child is
        gone."""
        self.child.send(("run", trainer, n_epochs, every))
        return self.child.receive()

    def follow(self, trainer: Trainer, message: tuple) -> Iterator[TrainingSnapshot]:
        """The rest of :meth:`run`, from the child's first answer ``message`` on."""
        from engine.training import TrainingSnapshot, tensors_from_arrays

        last = None
        try:
            while message[0] == "snapshot":
                _, epoch, step, weights, history = message
                state = tensors_from_arrays(weights)
                last = TrainingSnapshot(epoch, step, state, history, trainer.architecture)
                try:
                    yield last
                except GeneratorExit:
                    self.child.send("stop")
                    self._end_run(trainer, self.child.receive())
                    raise
                self.child.send("go")
                message = self.child.receive()
        except ChildLost:
            if last is not None:
                trainer.resume_from(last)
            raise
        self._end_run(trainer, message)

    def close(self) -> None:
        """End the child."""
        self.child.close()

    def _end_run(self, trainer: Trainer, message: tuple) -> None:
        if message[0] not in ("trainer", "failed"):
            self.child.healthy = False
            raise ChildLost(f"The training process sent {message[0]!r} unasked.")
        trainer.take_state_of(message[1])
        if message[0] == "failed":
            raise ChildFailed(message[2])


_idle: list[TrainingProcess] = []
_pool_lock = threading.Lock()


def prestart() -> None:
    """Start a child now if none is idle, so that the next run need not wait for one to
    import torch (the child does that at once, in the background)."""
    with _pool_lock:
        if not _idle:
            _idle.append(TrainingProcess())


def run_in_child(
    trainer: Trainer, n_epochs: int, every: float | None
) -> Iterator[TrainingSnapshot]:
    """:meth:`TrainingProcess.run` on an idle child of the pool, which goes back to the
    pool afterwards unless its pipe broke. A child found gone before it trained anything
    is replaced by a new one, once."""
    process = _idle_child()
    try:
        first = process.begin(trainer, n_epochs, every)
    except ChildLost:
        _release(process)
        process = TrainingProcess()
        first = process.begin(trainer, n_epochs, every)
    try:
        yield from process.follow(trainer, first)
    finally:
        _release(process)


def _idle_child() -> TrainingProcess:
    """An idle child of the pool that is still running, else a new one."""
    while True:
        with _pool_lock:
            process = _idle.pop() if _idle else None
        if process is None:
            return TrainingProcess()
        if process.child.alive:
            return process
        process.close()


def _release(process: TrainingProcess) -> None:
    with _pool_lock:
        keep = process.child.healthy and len(_idle) < MAX_IDLE
        if keep:
            _idle.append(process)
    if not keep:
        process.close()


@atexit.register
def close_all() -> None:
    """End every idle child (at exit; a child also ends on its own when its stdin closes)."""
    with _pool_lock:
        idle = list(_idle)
        _idle.clear()
    for process in idle:
        process.close()


def serve(commands: IO[bytes], replies: IO[bytes]) -> None:
    """The child's loop: run what ``commands`` asks, answer on ``replies``, until the
    parent closes ``commands``."""
    import engine.training  # noqa: F401  (torch: imported at start, before the first run)

    os.nice(NICENESS)

    while True:
        try:
            _, trainer, n_epochs, every = pickle.load(commands)
        except EOFError:
            return
        try:
            for snapshot in trainer.train_steps(n_epochs, every):
                weights = {k: v.numpy() for k, v in snapshot.state.items()}
                write_message(
                    replies, ("snapshot", snapshot.epoch, snapshot.step, weights, snapshot.history)
                )
                if pickle.load(commands) == "stop":
                    break
        except EOFError:
            return  # the parent is gone: nobody to answer
        except Exception as error:
            traceback.print_exc()
            write_message(
                replies,
                ("failed", trainer, f"{type(error).__name__} in the training process: {error}"),
            )
            continue
        write_message(replies, ("trainer", trainer))


if __name__ == "__main__":
    serve_parent(serve)
