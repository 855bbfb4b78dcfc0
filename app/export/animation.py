"""Record an animation: run a page's script, write its frames to GIF or MP4.

:class:`AnimationRecorder` steps through an :data:`app.export.targets.AnimationScript` on
the GUI thread, one frame per event-loop turn, so the window (and a progress dialog)
stays responsive. At a :class:`app.export.targets.WaitFor` step it returns to the event
loop until the page has shown what was asked for. MP4 frames go straight to ffmpeg's
libx264 (through imageio); GIF frames are reduced to 256 colours that keep text's colour
(:mod:`app.export.gif_palette`), held, and written by Pillow at the end, each with the
delay that keeps the frame rate. Both go under a temporary name, which takes
the file's name once the last frame is in; a cancelled or failed recording leaves no file
behind and an older file of that name as it was.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from app.export.formats import ANIMATION_FPS, ExportOptions, check_fps
from app.export.gif_palette import palette_frame
from app.export.raster import check_drawable, image_to_rgb
from app.export.targets import ExportAnimation, WaitFor
from engine.safe_files import PendingFile

#: A wait longer than this ends the recording with a message.
WAIT_TIMEOUT_MS = 180_000


def gif_delays(n_frames: int, fps: int) -> list[int]:
    """(n_frames,) display times in ms of a GIF at ``fps``: GIF counts in hundredths of
    a second, so each delay is a multiple of 10 ms, chosen so that frame ``i`` starts at
    ``i / fps`` seconds rounded to the nearest hundredth (30 fps: 30, 40, 30, 30, 40, 30, ...)."""
    starts = [round(100 * i / fps) for i in range(n_frames + 1)]
    return [10 * (b - a) for a, b in pairwise(starts)]


class _GifFrames:
    """Holds a GIF's frames and writes them with Pillow on close, each with its delay."""

    def __init__(self, path: Path, fps: int) -> None:
        self.path, self.fps = path, fps
        self._frames: list[Image.Image] = []

    def append_data(self, pixels: np.ndarray) -> None:
        self._frames.append(palette_frame(pixels))

    def close(self) -> None:
        frames, self._frames = self._frames, []
        if not frames:
            return
        first, *rest = frames
        first.save(
            self.path,
            format="GIF",
            save_all=True,
            append_images=rest,
            duration=gif_delays(len(frames), self.fps),
            loop=0,
        )


class FrameWriter:
    """Appends RGB frames to a GIF or an MP4 file at ``fps`` frames per second; the first
    frame fixes the size."""

    def __init__(self, path: Path, fmt: str, fps: int = ANIMATION_FPS) -> None:
        if fmt not in ("gif", "mp4"):
            raise ValueError(f"animations are written as .gif or .mp4, not .{fmt}")
        check_fps(fps)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = PendingFile(self.path)
        if fmt == "gif":
            self._writer = _GifFrames(self._file.temporary, fps)
        else:
            self._writer = imageio.get_writer(
                self._file.temporary,
                fps=fps,
                codec="libx264",
                quality=8,
                pixelformat="yuv420p",
                macro_block_size=1,
                ffmpeg_log_level="error",
            )
        self._even = fmt == "mp4"  # yuv420p needs even sides
        self._shape: tuple[int, ...] | None = None
        self.frames = 0

    def append(self, image: QImage) -> None:
        check_drawable(image.width(), image.height(), f"frame {self.frames + 1}")
        pixels = image_to_rgb(image, even=self._even)
        if self._shape is None:
            self._shape = pixels.shape
        elif pixels.shape != self._shape:
            fixed = np.full(self._shape, 255, np.uint8)
            h, w = min(self._shape[0], pixels.shape[0]), min(self._shape[1], pixels.shape[1])
            fixed[:h, :w] = pixels[:h, :w]
            pixels = fixed
        self._writer.append_data(pixels)
        self.frames += 1

    def close(self) -> None:
        """Finish the file and give it its name."""
        try:
            self._writer.close()
        except BaseException:
            self._file.discard()
            raise
        self._file.commit()

    def discard(self) -> None:
        """Drop what was written; an older file of that name stays."""
        try:
            self._writer.close()
        finally:
            self._file.discard()


class AnimationRecorder(QObject):
    """Records one animation to ``options.path``.

    Signals
    -------
    progress(int, int) : frames written so far, frames asked for.
    finished(object) : the Path written.
    failed(str) : a message for the user; nothing is left on disk.
    cancelled() : :meth:`cancel` took effect; nothing is left on disk.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self, animation: ExportAnimation, options: ExportOptions, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        if not options.is_animation:
            raise ValueError(f"{animation.name} is an animation; write it as .gif or .mp4")
        if options.frames < 1:
            raise ValueError("an animation needs at least one frame")
        self.animation = animation
        self.options = options
        self._steps = None
        self._writer: FrameWriter | None = None
        self._wait: WaitFor | None = None
        self._connections: list[tuple[object, object]] = []
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)
        self._done = False

    @property
    def is_running(self) -> bool:
        return self._steps is not None and not self._done

    def start(self) -> None:
        """Begin recording (returns at once; the frames come from the event loop)."""
        self._steps = self.animation.script(self.options.frames, self.options.size)
        self.progress.emit(0, self.options.frames)
        QTimer.singleShot(0, self._advance)

    def cancel(self) -> None:
        """Stop at once, remove the partial file and put the page back."""
        if self._done:
            return
        self._end()
        if self._writer is not None:
            self._writer.discard()
        self.cancelled.emit()

    def _advance(self) -> None:
        if self._done:
            return
        try:
            step = next(self._steps)
        except StopIteration:
            self._finish()
            return
        except Exception as error:  # the script raised: tell the user, keep the app
            self._fail(f"The animation stopped: {type(error).__name__}: {error}")
            return
        if isinstance(step, WaitFor):
            self._wait_for(step)
            return
        try:
            if self._writer is None:
                self._writer = FrameWriter(self.options.path, self.options.format, self.options.fps)
            self._writer.append(step)
        except Exception as error:
            self._fail(f"Could not write {self.options.path}: {error}")
            return
        self.progress.emit(self._writer.frames, self.options.frames)
        QTimer.singleShot(0, self._advance)

    def _wait_for(self, wait: WaitFor) -> None:
        if wait.ready():
            QTimer.singleShot(0, self._advance)
            return
        self._wait = wait
        for signal in wait.signals:
            signal.connect(self._recheck)
            self._connections.append((signal, self._recheck))
        for signal in wait.failures:
            signal.connect(self._on_failure)
            self._connections.append((signal, self._on_failure))
        self._timeout.start(WAIT_TIMEOUT_MS)

    def _release(self) -> None:
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections.clear()
        self._timeout.stop()
        self._wait = None

    def _recheck(self, *args: object) -> None:
        if self._wait is not None and self._wait.ready():
            self._release()
            QTimer.singleShot(0, self._advance)

    def _on_failure(self, message: str) -> None:
        self._fail(str(message))

    def _on_timeout(self) -> None:
        what = self._wait.what if self._wait is not None else f"{self.animation.title} to go on"
        self._fail(f"Timed out after {WAIT_TIMEOUT_MS / 1000:g} s waiting for {what}.")

    def _end(self) -> None:
        self._done = True
        self._release()
        if self._steps is not None:
            self._steps.close()  # runs the script's finally: the page is put back

    def _finish(self) -> None:
        self._end()
        if self._writer is None:
            self.failed.emit("The animation produced no frames.")
            return
        try:
            self._writer.close()
        except OSError as error:
            self.failed.emit(f"Could not write {self._writer.path}: {error}")
            return
        self.finished.emit(self._writer.path)

    def _fail(self, message: str) -> None:
        if self._done:
            return
        self._end()
        if self._writer is not None:
            self._writer.discard()
        self.failed.emit(message)
