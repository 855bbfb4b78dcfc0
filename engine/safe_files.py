"""Files written so that a crash never destroys the previous version, files read with a
bound, and output paths checked before any work is done, with messages that say what to do.

:func:`write_atomically` (for a stream) and :class:`PendingFile` (for writers that want a
path) write a temporary file next to the target, flush it to disk, rename it over the
target (``os.replace`` is atomic on POSIX and Windows) and flush the directory entry: a
crash at any point leaves either the old file or the new one, never a torn mix.
:func:`check_output_path` is what every writer (sessions, exports) calls first, so an
unwritable path fails before a long computation, not after it.

Reading: :func:`open_regular_file` and :func:`read_regular_file` are what every reader of
a user's file calls. They refuse anything but a regular file (a device such as
``/dev/zero``, a FIFO, a socket, a folder) without blocking, and a file larger than the
cap for its kind, with one sentence naming the file and the cap.

Leftovers: a temporary file's name carries the writing process's id
(``.NAME.<pid>.<random>.tmp<suffix>``), so :func:`remove_stale_temporary_files` can remove
those whose writer is gone (a killed save or export) and nothing else.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

#: Bytes read at a time by :func:`read_regular_file` (and between progress reports).
READ_CHUNK_BYTES = 4 << 20
#: A temporary file written by :class:`PendingFile`: ``.NAME.<pid>.<random>.tmp<suffix>``.
_TEMPORARY_NAME = re.compile(
    r"^\.(?P<target>.+)\.(?P<pid>[1-9][0-9]{0,9})\.[a-z0-9_]{8}\.tmp(?P<suffix>\.[^.]+)?$"
)


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
            prefix=f".{self.target.name}.{os.getpid()}.",
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
    hidden ``.name.<pid>.*.tmp.suffix`` file beside it after a hard kill, which
    :func:`remove_stale_temporary_files` removes later).

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


# -- bounded reading -----------------------------------------------------------------------


class UnreadableFileError(ValueError):
    """A file that is not read: not a regular file, or larger than the cap for its kind.
    ``str(error)`` names the file and the cap and says what to do."""


class ReadCancelled(Exception):
    """Raised by a progress callback to stop a read (never caught as a damaged file)."""


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _a(what: str) -> str:
    """``what`` with its indefinite article (``an MNIST IDX file``, ``a session``)."""
    spelled = what[:2].isupper() and what[0] in "AEFHILMNORSX"
    return f"{'an' if spelled or what[:1].lower() in 'aeiou' else 'a'} {what}"


def _check_regular(path: Path, status: os.stat_result, max_bytes: int, what: str) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(21, "it is a folder, not a file", str(path))
    if not stat.S_ISREG(status.st_mode):
        raise UnreadableFileError(
            f"{path} is {_file_kind(status.st_mode)}, not a file: choose {_a(what)} saved on disk."
        )
    if status.st_size > max_bytes:
        raise UnreadableFileError(
            f"{path.name} is {status.st_size:,} bytes, more than the {max_bytes:,} "
            f"{_a(what)} may have: it is not {_a(what)}, or it is damaged."
        )


def open_regular_file(path: str | os.PathLike, max_bytes: int, what: str) -> BinaryIO:
    """Open a regular file of at most ``max_bytes`` for binary reading, never blocking.

    The path is checked (``stat``) before it is opened, so a device or a FIFO is never
    opened; the descriptor is opened with ``O_NONBLOCK`` and checked again (``fstat``),
    so a file swapped in between is caught too.

    Parameters
    ----------
    path : the file to read.
    max_bytes : the largest size accepted for this kind of file.
    what : the kind of file, for messages (``"session"``, ``"MNIST IDX file"``).

    Returns
    -------
    A binary stream positioned at the start; the caller closes it.

    Raises
    ------
    UnreadableFileError
        Not a regular file (a device, a FIFO, a socket), or larger than ``max_bytes``.
    OSError
        The file does not exist, is a folder or cannot be opened (``FileNotFoundError``,
        ``IsADirectoryError``, ``PermissionError``, ...).
    """
    path = Path(os.fspath(path))
    _check_regular(path, os.stat(path), max_bytes, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    try:
        _check_regular(path, os.fstat(descriptor), max_bytes, what)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_file(
    path: str | os.PathLike,
    max_bytes: int,
    what: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, read in chunks.

    ``progress(done, total)`` (bytes) is called after each chunk; it may raise
    :class:`ReadCancelled` to stop. A file that grows past ``max_bytes`` while it is read
    is refused too. Raises what :func:`open_regular_file` raises.
    """
    path = Path(os.fspath(path))
    with open_regular_file(path, max_bytes, what) as stream:
        total = os.fstat(stream.fileno()).st_size
        data = bytearray()
        while True:
            chunk = stream.read(min(READ_CHUNK_BYTES, max_bytes + 1 - len(data)))
            if not chunk:
                break
            data += chunk
            if len(data) > max_bytes:
                raise UnreadableFileError(
                    f"{path.name} grew past the {max_bytes:,} bytes {_a(what)} may have "
                    "while it was read."
                )
            if progress is not None:
                progress(len(data), max(total, len(data)))
    return bytes(data)


# -- leftovers of killed writers ----------------------------------------------------------


def temporary_file_writer(name: str) -> int | None:
    """The process id in a temporary file name made by :class:`PendingFile`
    (``.NAME.<pid>.<random>.tmp<suffix>``, the suffix being NAME's), else None."""
    match = _TEMPORARY_NAME.match(name)
    if match is None:
        return None
    if Path(match["target"]).suffix != (match["suffix"] or ""):
        return None
    return int(match["pid"])


def _process_alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs (None: this platform cannot tell safely)."""
    if os.name != "posix":
        return None  # os.kill(pid, 0) would terminate it on Windows
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (EPERM: someone else's)
    return True


def stale_temporary_files(folder: str | os.PathLike) -> list[Path]:
    """Temporary files in ``folder`` left by a :class:`PendingFile` whose process is gone.

    Only regular files (not links) of this user whose name matches the pattern exactly
    and whose process id is not running are listed; an unreadable folder lists nothing.
    """
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    uid = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        pid = temporary_file_writer(entry.name)
        if pid is None or _process_alive(pid) is not False:
            continue
        try:
            status = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(status.st_mode) and (uid is None or status.st_uid == uid):
            found.append(Path(entry.path))
    return sorted(found)


def remove_stale_temporary_files(folders: Iterable[str | os.PathLike]) -> list[Path]:
    """Remove :func:`stale_temporary_files` in each of ``folders``; returns those removed."""
    removed = []
    for folder in dict.fromkeys(Path(f) for f in folders):
        for path in stale_temporary_files(folder):
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed
