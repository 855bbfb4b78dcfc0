"""A generator worker that closes its generator in its own thread when it stops.

superqt's :class:`~superqt.utils.GeneratorWorker` leaves a generator it was asked to quit
suspended at its last yield, to be closed whenever it is garbage-collected, in whatever
thread. A generator whose close does work (a training run in a child process hands its
state back there) needs that done before the worker's ``finished`` signal, and off the GUI
thread: this worker closes it at the end of its run.
"""

from __future__ import annotations

from superqt.utils import GeneratorWorker


class ClosingGeneratorWorker(GeneratorWorker):
    """A :class:`~superqt.utils.GeneratorWorker` whose generator is closed when the worker
    ends: quit, finished or failed. What the close raises goes to ``errored``."""

    def work(self):
        try:
            return super().work()
        finally:
            self._gen.close()
