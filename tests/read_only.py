"""A folder that :func:`engine.safe_files.check_output_path` sees as read-only, even for
root (who may write anywhere, so ``chmod`` alone proves nothing in a container)."""

from __future__ import annotations

from pathlib import Path

from engine import safe_files


def read_only_folder(monkeypatch, folder: Path) -> Path:
    """Make ``folder`` (created here) unwritable as far as the path check can tell."""
    folder.mkdir()
    folder.chmod(0o555)
    real_access = safe_files.os.access

    def access(path, mode, **kwargs) -> bool:
        if Path(path) == folder and mode & safe_files.os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(safe_files.os, "access", access)
    return folder
