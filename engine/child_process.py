"""A Python child process that the parent talks to in pickles, over its stdin and stdout.

Work that must not share the parent's GIL (training, the Playground's frames) runs in
one: ``python -m <module>``, with this project first on its path, so it runs the
parent's code. Nothing of the parent's ``__main__`` is imported again (unlike
multiprocessing's spawn), so it works the same under ``main.py``, pytest or a script.
The child serves its parent with :func:`serve_parent`; it ends when its stdin
closes, so none outlives the application.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, NoReturn

#: Seconds to wait for a child to exit after its stdin closes, before killing it.
EXIT_WAIT = 5.0
_PROJECT_ROOT = Path(__file__).resolve().parents[1]


class ChildFailed(Exception):
    """Work in a child process raised; the message says what, in one sentence.

    Not a RuntimeError: superqt's generator worker takes a RuntimeError from its
    generator for a sign that the worker was deleted, and drops it with a warning.
    """


class ChildLost(ChildFailed):
    """The child process ended, or stopped answering, before it answered."""


class ChildProcess:
    """``python -m module`` with pipes; ``what`` names it in messages ("the training
    process")."""

    def __init__(self, module: str, what: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
        )
        self.what = what
        self._child = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=_PROJECT_ROOT,
            env=env,
        )
        self.healthy = True

    @property
    def pid(self) -> int:
        return self._child.pid

    @property
    def alive(self) -> bool:
        """Whether the child is running (it may still die before it is asked anything)."""
        return self.healthy and self._child.poll() is None

    def send(self, message: object) -> None:
        """Pickle ``message`` to the child (see :func:`write_message`). Raises
        :class:`ChildLost`."""
        try:
            write_message(self._child.stdin, message)
        except OSError:
            raise self._lost() from None

    def receive(self) -> object:
        """The child's next message (waits, the GIL released). Raises :class:`ChildLost`."""
        try:
            return pickle.load(self._child.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise self._lost() from None

    def _lost(self) -> ChildLost:
        """The error to raise when the pipe broke: the child ended, or is ending."""
        self.healthy = False
        try:
            code = self._child.wait(EXIT_WAIT)
        except subprocess.TimeoutExpired:
            how = "is not answering"
        else:
            how = _how_it_ended(code)
        return ChildLost(f"The {self.what} {how} before it answered.")

    def close(self) -> None:
        """End the child: close its stdin, wait a little, then kill it."""
        self.healthy = False
        try:
            self._child.stdin.close()
            self._child.wait(EXIT_WAIT)
        except (OSError, subprocess.TimeoutExpired):
            self._child.kill()
            self._child.wait()
        finally:
            self._child.stdout.close()

    @property
    def returncode(self) -> int | None:
        return self._child.returncode


def _how_it_ended(code: int) -> str:
    """``"ended (1)"`` for an exit code, ``"was killed (SIGKILL)"`` for a signal's."""
    if code >= 0:
        return f"ended ({code})"
    try:
        return f"was killed ({signal.Signals(-code).name})"
    except ValueError:
        return f"was killed (signal {-code})"


def parent_pipes() -> tuple[IO[bytes], IO[bytes]]:
    """In the child: the parent's messages and the pipe to answer on. Anything else
    printed goes to stderr from now on, so that it cannot corrupt the exchange."""
    commands = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return commands, replies


def write_message(pipe: IO[bytes], message: object) -> None:
    """Pickle ``message`` to ``pipe``, either side: whole, or nothing if it cannot be
    pickled (then ``pickle.PicklingError`` or the like is raised), so that a message
    that fails never leaves half of itself in the pipe."""
    pipe.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    pipe.flush()


def portable_error(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a :class:`ChildFailed` saying what it was."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return ChildFailed(f"{type(error).__name__}: {error}")
    return error


def serve_parent(serve: Callable[[IO[bytes], IO[bytes]], None]) -> NoReturn:
    """In the child: ``serve(commands, replies)`` on the pipes of :func:`parent_pipes`;
    once the parent has gone, exit at once, without the interpreter's teardown (torch's
    takes a few hundred ms of CPU, which a niced child beside busy processes gets
    slowly). Everything it sent is flushed already."""
    try:
        serve(*parent_pipes())
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        pass
    sys.stderr.flush()
    os._exit(0)
