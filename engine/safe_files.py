"""Files written so that a crash never destroys the previous version, and output paths
checked before any work is done, with messages that say what to do.

:func:`write_atomically` (for a stream) and :class:`PendingFile` (for writers that want a
path) write a temporary file next to the target, flush it to disk, rename it over the
target (``os.replace`` is atomic on POSIX and Windows) and flush the directory entry: a
crash at any point leaves either the old file or the new one, never a torn mix.
:func:`check_output_path` is what every writer (sessions, exports) calls first, so an
unwritable path fails before a long computation, not after it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


class OutputPathError(OSError):
    """A file cannot be written where asked; ``str(error)`` says why and what to do."""


def check_output_path(path: str | os.PathLike, *, suffix: str | None = None) -> Path:
    """Check that ``path`` can be written (created, or replaced) and return it resolved.

    Parameters
    ----------
    path : the file to write.
    suffix : when given (e.g. ``".png"``), the file name must end with it.

    Raises
    ------
    OutputPathError
        The message names the path and says what is wrong: a missing or read-only
        folder, a folder where the file should be, a read-only existing file, a wrong
        suffix.
    """
    target = Path(os.fspath(path)).expanduser()
    if not target.name:
        raise OutputPathError(f"{str(path)!r} is not a file name: choose a file to write.")
    if suffix is not None and target.suffix.lower() != suffix.lower():
        raise OutputPathError(
            f"{target.name!r} does not end in {suffix}: choose a name ending in {suffix}."
        )
    target = target.absolute()
    folder = target.parent
    if target.is_dir():
        raise OutputPathError(
            f"{target} is a folder, not a file: choose a file name inside it instead."
        )
    if not folder.exists():
        raise OutputPathError(
            f"The folder {folder} does not exist: create it first or choose another folder."
        )
    if not folder.is_dir():
        raise OutputPathError(f"{folder} is not a folder: choose a file in an existing folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(
            f"The folder {folder} is read-only for you: choose a folder you can write to "
            "(for example your home folder)."
        )
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputPathError(
            f"{target} exists and is read-only: choose another name or make it writable."
        )
    return target


def _fsync_directory(folder: Path) -> None:
    """Flush the directory entry of a rename to disk (a no-op where unsupported)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open directories; its rename is already durable
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class PendingFile:
    """A file written under a temporary name beside its target, then put in its place.

    For writers that want a path rather than a stream (image, PDF and video libraries):
    write to :attr:`temporary` (hidden, in the target's folder, with the target's suffix,
    so that writers choosing a format by suffix choose the right one), then
    :meth:`commit` flushes it to disk and renames it over :attr:`target` in one step, or
    :meth:`discard` removes it. Until the commit the target (an older version, say) is
    untouched. As a context manager it commits on success and discards on an exception.

    Raises :class:`OutputPathError` (from :func:`check_output_path`) when the target
    cannot be written.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.target = check_output_path(path)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{self.target.name}.",
            suffix=f".tmp{self.target.suffix}",
            dir=self.target.parent,
        )
        os.close(descriptor)
        self.temporary = Path(temporary)

    def commit(self) -> Path:
        """Flush the written file and put it in the target's place; returns the target."""
        try:
            # mkstemp makes the file private (0600); give it the mode the old file had.
            mode = self.target.stat().st_mode & 0o777 if self.target.exists() else 0o644
            os.chmod(self.temporary, mode)
            descriptor = os.open(self.temporary, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.replace(self.temporary, self.target)
        except BaseException:
            self.discard()
            raise
        _fsync_directory(self.target.parent)
        return self.target

    def discard(self) -> None:
        """Remove the temporary file (the target stays as it was)."""
        try:
            os.unlink(self.temporary)
        except OSError:
            pass

    def __enter__(self) -> PendingFile:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file through ``write(stream)`` so that a crash keeps the previous file.

    ``write`` receives a binary stream on a temporary file in the target's folder. Once
    it returns, the data is flushed (``fsync``), the temporary file replaces the target
    in one rename, and the folder is flushed too. If ``write`` raises (or the process
    dies) the target is untouched and the temporary file is removed (or left as a
    hidden ``.name.*.tmp.suffix`` file beside it after a hard kill).

    Returns the path written. Raises :class:`OutputPathError` for a path that cannot be
    written, and re-raises whatever ``write`` raised.
    """
    with PendingFile(path) as pending:
        with open(pending.temporary, "wb") as stream:
            write(stream)
    return pending.target


def write_bytes_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """:func:`write_atomically` for data already in memory."""
    return write_atomically(path, lambda stream: stream.write(data))
