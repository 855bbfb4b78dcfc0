"""Run :func:`main` with ``N`` as ``sys.argv[1]``: a controller that retires its
running generator worker N times, as a page does when a new fit replaces the last one.

Each worker is started with :func:`app.jobs.pool.start_worker` and dropped while it runs;
its handlers are ``functools.partial`` objects. Prints one JSON line: workers started,
``yielded`` and ``finished`` signals handled, workers still held and worker objects still
alive.
Started straight on ``QThreadPool`` instead, this crashed (SIGSEGV) within a few hundred
retirements.
"""

from __future__ import annotations

import gc
import json
import sys
from functools import partial

from PySide6.QtCore import QObject, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication
from superqt.utils import GeneratorWorker, create_worker

from app.jobs.pool import running_workers, start_worker


def count_up(n: int):
    """A generator with a little work between its yields."""
    for i in range(n):
        sum(range(2000))
        yield i


class Retirer(QObject):
    """Starts a worker, then on the next event-loop turn retires it for a new one."""

    def __init__(self, retirements: int) -> None:
        super().__init__()
        self.retirements = retirements
        self.worker = None
        self.started = 0
        self.yielded = 0
        self.finished = 0

    def restart(self) -> None:
        if self.worker is not None:
            self.worker.quit()
            self.worker = None
        worker = create_worker(count_up, 50, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(partial(self.on_yielded, self.started))
        worker.finished.connect(partial(self.on_finished, self.started))
        self.worker = worker
        start_worker(worker)
        self.started += 1
        if self.started < self.retirements:
            QTimer.singleShot(0, self.restart)
        else:
            self.worker.quit()
            QTimer.singleShot(0, self.wait_for_all)

    def on_yielded(self, number: int, value: int) -> None:
        self.yielded += 1

    def on_finished(self, number: int) -> None:
        self.finished += 1

    def wait_for_all(self) -> None:
        if self.finished < self.started:
            QTimer.singleShot(10, self.wait_for_all)
        else:
            QApplication.instance().quit()


def main() -> None:
    app = QApplication([])
    retirer = Retirer(int(sys.argv[1]))
    QTimer.singleShot(0, retirer.restart)
    QTimer.singleShot(60_000, app.quit)  # a hung run still reports
    app.exec()
    QThreadPool.globalInstance().waitForDone(10_000)
    retirer.worker = None
    for _ in range(3):  # the pool's last deletions, then what they left to collect
        app.processEvents()
        gc.collect()
    alive = sum(isinstance(o, GeneratorWorker) for o in gc.get_objects())
    report = {
        "started": retirer.started,
        "yielded": retirer.yielded,
        "finished": retirer.finished,
        "held": running_workers(),
        "alive": alive,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
