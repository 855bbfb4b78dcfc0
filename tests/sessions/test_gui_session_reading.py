"""Opening a session from File > Open and Open Recent: read in a worker, with a progress
dialog and Cancel; hostile files are refused without freezing the window or changing it;
start-up removes the temporary files a killed save left behind, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import zipfile

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from app.shell.user_files import DATA_DIR_VARIABLE, data_directory
from engine.networks import random_mlp
from engine.safe_files import ReadCancelled
from engine.session_file import read_session

TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))


def _network_text(window) -> str:
    return window.page("cells").findChild(QLabel, "networkLabel").text()


def _listing(folder) -> dict[str, tuple[int, int]]:
    return {p.name: (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.iterdir()}


def _saved(window, qtbot, tmp_path, widths=(6, 6)):
    cells = window.page("cells")
    cells.set_network(random_mlp(list(widths), seed=4))
    path = tmp_path / "saved.splinescope"
    assert window.sessions.save_to(path)
    return path


def test_open_recent_reads_in_a_worker_and_restores_the_pages(main_window, qtbot, tmp_path):
    window = main_window
    path = _saved(window, qtbot, tmp_path)
    window.page("cells").set_network(random_mlp([3], seed=1))
    assert _network_text(window) == "2 → 3 → 2 · ReLU"
    reader_threads = []
    real = window.sessions.reader._read

    def spying_read(target, progress):
        reader_threads.append(threading.current_thread())
        return real(target, progress=progress)

    window.sessions.reader._read = spying_read
    action = window.sessions.recent_menu.actions()[0]
    with qtbot.waitSignal(window.sessions.session_loaded, timeout=TIMEOUT_MS) as loaded:
        action.trigger()
    assert loaded.args == [str(path)]
    assert reader_threads and reader_threads[0] is not threading.main_thread()
    assert _network_text(window) == "2 → 6 → 6 → 2 · ReLU"
    assert window.windowTitle() == "saved.splinescope — Splinescope"
    assert window.sessions.reader.progress_dialog is None  # closed once read


def test_cancel_stops_the_read_and_changes_nothing(main_window, qtbot, tmp_path):
    window = main_window
    path = _saved(window, qtbot, tmp_path)
    window.page("cells").set_network(random_mlp([3], seed=1))
    started = threading.Event()

    def slow_read(target, progress):
        started.set()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # a slow disk: progress, never done
            progress(0.5)
            time.sleep(0.01)
        return read_session(target)

    window.sessions.reader._read = slow_read
    loaded = []
    window.sessions.session_loaded.connect(loaded.append)
    window.sessions.open_in_background(path)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT_MS)
    dialog = window.sessions.reader.progress_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT_MS)  # shown: the read is slow
    qtbot.waitUntil(lambda: dialog.value() == 50, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.sessions.reader.read_cancelled, timeout=TIMEOUT_MS):
        dialog.findChild(QPushButton).click()
    assert not window.sessions.reader.is_busy
    qtbot.wait(100)
    assert loaded == [] and _network_text(window) == "2 → 3 → 2 · ReLU"
    assert window.windowTitle() == "saved.splinescope — Splinescope"  # from the save


def _hostile_files(tmp_path):
    """A FIFO, a link to /dev/zero, a zip bomb and a directory flood, named like sessions."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    os.mkfifo(folder / "fifo.splinescope")
    (folder / "zero.splinescope").symlink_to("/dev/zero")
    with zipfile.ZipFile(folder / "bomb.splinescope", "w") as archive:
        archive.writestr("session.json", b"{}")
        archive.writestr(
            "tensors.safetensors", bytes(256 << 20), compress_type=zipfile.ZIP_DEFLATED
        )
    with zipfile.ZipFile(folder / "flood.splinescope", "w") as archive:
        for number in range(20_000):
            archive.writestr(f"{number}", b"")
    return folder, {
        "fifo.splinescope": "FIFO",
        "zero.splinescope": "device",
        "bomb.splinescope": "more than 100 times",
        "flood.splinescope": "lists 20,000 members",
    }


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")
def test_hostile_files_are_refused_without_freezing_or_changing_the_window(
    main_window, qtbot, tmp_path
):
    window = main_window
    saved = _saved(window, qtbot, tmp_path)
    folder, expected = _hostile_files(tmp_path)
    before_disk = _listing(folder), saved.read_bytes()
    title, recent = window.windowTitle(), window.sessions.recent_files()
    gaps, clock = [], QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(lambda: gaps.append(clock.restart()) if clock.isValid() else None)
    clock.start()
    ticker.start()
    for name, reason in expected.items():
        with qtbot.waitSignal(window.sessions.problem_shown, timeout=TIMEOUT_MS) as shown:
            window.sessions.open_in_background(folder / name)
        assert f"Cannot open {name}" in shown.args[0] and reason in shown.args[0]
        box = window.findChild(QMessageBox, "sessionProblemBox")
        assert "The session on screen is unchanged" in box.text()
        box.close()
    ticker.stop()
    assert max(gaps) < 200, f"the event loop stalled for {max(gaps)} ms"
    assert _network_text(window) == "2 → 6 → 6 → 2 · ReLU"
    assert (window.windowTitle(), window.sessions.recent_files()) == (title, recent)
    assert (_listing(folder), saved.read_bytes()) == before_disk


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(os.name != "posix", reason="process ids are probed on POSIX only")
def test_start_up_removes_a_killed_saves_leftovers_only(qtbot, tmp_path):
    from app.shell.main_window import MainWindow

    dead = _dead_pid()
    first = MainWindow()
    qtbot.addWidget(first)
    sessions_folder = tmp_path / "talks"
    sessions_folder.mkdir()
    assert first.sessions.save_to(sessions_folder / "talk.splinescope")
    leftovers = [
        sessions_folder / f".talk.splinescope.{dead}.k1ll3d00.tmp.splinescope",
        data_directory() / f".autosave.splinescope.{dead}.k1ll3d00.tmp.splinescope",
    ]
    kept = [
        sessions_folder / f".talk.splinescope.{os.getpid()}.l1v1ng00.tmp.splinescope",
        sessions_folder / ".talk.splinescope.0ld0name.tmp.splinescope",
        sessions_folder / "notes.txt",
    ]
    for path in leftovers + kept:
        path.write_bytes(b"half a session")
    first.page("cells").shutdown()

    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.sessions.leftovers_removed, timeout=TIMEOUT_MS) as removed:
        window.sessions.begin(offer_recovery=False)
    assert sorted(removed.args[0]) == sorted(leftovers)
    assert not any(path.exists() for path in leftovers)
    assert all(path.exists() for path in kept)
    assert read_session(sessions_folder / "talk.splinescope").keys()
    window.close()


def test_a_read_cancelled_by_its_ticket_hands_nothing_back(qtbot):
    from PySide6.QtWidgets import QWidget

    from app.sessions.loading import SessionReader

    parent = QWidget()
    qtbot.addWidget(parent)

    def never_done(target, progress):
        while True:
            progress(0.1)
            time.sleep(0.005)

    reader = SessionReader(parent, read=never_done)
    done = []
    reader.read_done.connect(done.append)
    reader.start("first.splinescope")
    reader.start("second.splinescope")  # supersedes the first, quietly
    with qtbot.waitSignal(reader.read_cancelled, timeout=TIMEOUT_MS) as cancelled:
        reader.cancel()
    assert cancelled.args == ["second.splinescope"]
    assert ReadCancelled.__mro__[1] is Exception  # never mistaken for a damaged file
    assert done == []
