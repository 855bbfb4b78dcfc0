"""The Playground's frames computed in a child process, once one is up.

While a network trains, the GUI thread draws a frame about as long as the frame worker
takes to compute the next; in one process they share the GIL, and each gives it up at
every numpy, numba or Qt call and waits to get it back: a (32, 32, 32) frame of 35-45 ms
of CPU took 100-140 ms of wall time beside the drawing. Computed in a child process
(``python -m app.playground.frame_process``) the two run side by side.

The child starts in the background (:func:`start_frame_process`) and loads the frame
code and its compiled kernels before it says it is ready; a frame asked for before then,
like the page's first, is computed in the calling thread as before. The child gets the
network as numpy layers (it never imports torch) and computes everything but the painter
paths, which are in the app's theme and built in the calling thread
(:func:`~app.playground.frames.frame_with_drawing`). A child that dies is replaced, and
its frame computed here.
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import replace
from typing import IO

from app.playground.frames import (
    FrameRequest,
    PlaygroundFrame,
    compute_frame,
    frame_with_drawing,
    warm_up_frames,
)
from app.playground.starting_run import portable_snapshot
from engine.child_process import (
    ChildLost,
    ChildProcess,
    portable_error,
    serve_parent,
    write_message,
)


class FrameProcess:
    """A child process that computes frames, one at a time (callers from any thread
    take turns)."""

    def __init__(self) -> None:
        self._child = ChildProcess("app.playground.frame_process", "frame process")
        self._turn = threading.Lock()
        self._ready = threading.Event()
        threading.Thread(target=self._await_ready, name="frame process start", daemon=True).start()

    @property
    def ready(self) -> bool:
        """Whether the child has loaded its kernels and is still running."""
        return self._ready.is_set() and self._child.healthy

    @property
    def alive(self) -> bool:
        return self._child.alive

    def compute(self, request: FrameRequest) -> PlaygroundFrame:
        """The frame of ``request``, without its painter paths. Raises what computing it
        raised, or :class:`~engine.child_process.ChildLost`."""
        portable = replace(request, snapshot=portable_snapshot(request.snapshot))
        with self._turn:
            self._child.send(portable)
            kind, answer = self._child.receive()
        if kind == "error":
            raise answer
        return answer

    def close(self) -> None:
        self._child.close()

    def _await_ready(self) -> None:
        with self._turn:
            try:
                self._child.receive()  # ("ready", None)
            except ChildLost:
                return
        self._ready.set()


_lock = threading.Lock()
_process: FrameProcess | None = None


def start_frame_process() -> None:
    """Start the child in the background, unless one runs already."""
    global _process
    with _lock:
        if _process is not None and _process.alive:
            return
        old, _process = _process, FrameProcess()
    if old is not None:
        old.close()  # a dead one: this only reaps it


def frame_process_ready() -> bool:
    """Whether frames go to the child now."""
    process = _process
    return process is not None and process.ready


def compute_frame_anywhere(request: FrameRequest) -> PlaygroundFrame:
    """:func:`app.playground.frames.compute_frame`'s frame: computed in the child when it
    is ready, else here (also when the child died on the way: a new one is started)."""
    process = _process
    if process is None or not process.ready:
        return compute_frame(request)
    try:
        frame = process.compute(request)
    except ChildLost:
        start_frame_process()
        return compute_frame(request)
    return frame_with_drawing(frame)


def serve(commands: IO[bytes], replies: IO[bytes]) -> None:
    """The child's loop: load the kernels, say so, then compute each request's frame
    (without painter paths) until the parent closes ``commands``."""
    warm_up_frames()
    write_message(replies, ("ready", None))
    while True:
        try:
            request = pickle.load(commands)
        except EOFError:
            return
        try:
            answer = ("frame", compute_frame(request, drawing=False))
        except Exception as error:
            answer = ("error", portable_error(error))
        write_message(replies, answer)


if __name__ == "__main__":
    serve_parent(serve)
