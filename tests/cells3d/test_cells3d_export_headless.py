"""Cells 3D through the export runner with no display (OSMesa): stills at exact pixel
sizes up to 3840x2160, and its two animations with a caption on every frame at one size."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import pairwise

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from tests.export.headless_run import HEADLESS_RUNNER, exited_cleanly, run_headless

SVG = "{http://www.w3.org/2000/svg}"
STILLS = {"uhd.png": (3840, 2160), "odd.png": (1001, 777), "odd.svg": (1001, 777)}
FRAMES = 3
FRAME_SIZE = (480, 300)

#: Every job in one window; the child's peak memory is printed last.
CELLS3D_JOBS = (
    HEADLESS_RUNNER
    + f"""
import resource
for name, pixels in {STILLS!r}.items():
    runner.jobs.append(Job("cells3d", out / name, size=ImageSize(pixels=pixels)))
runner.jobs.append(Job("cells3d-layers", out / "layers.gif", size=ImageSize(pixels={FRAME_SIZE!r}),
                       frames={FRAMES}, fps=15))
runner.jobs.append(Job("cells3d-probe", out / "probe.mp4", size=ImageSize(pixels={FRAME_SIZE!r}),
                       frames={FRAMES}, fps=24))
code = runner.run(app)
print("peak MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, flush=True)
sys.exit(code)
"""
)


def _caption_band(frames: np.ndarray) -> int:
    """Rows of the caption band: the frame's top rows down to the first row of the
    scene (the first row that is not the paper colour of the top-left pixel)."""
    paper = frames[0, 0, 0].astype(int)
    for row in range(frames.shape[1]):
        if np.any(np.abs(frames[:, row, -1].astype(int) - paper) > 6):
            return row
    return frames.shape[1]


@pytest.mark.timeout(1500)
def test_cells3d_stills_and_animations_headless(tmp_path):
    out = tmp_path / "figures"
    result = run_headless(CELLS3D_JOBS, str(out), timeout=1400)
    exited_cleanly(result)
    print(result.stdout.splitlines()[-1])  # the peak memory, for the report

    for name, size in STILLS.items():
        path = out / name
        if path.suffix == ".png":
            with Image.open(path) as image:
                assert image.size == size, name
                pixels = np.asarray(image.convert("RGB"))
            assert np.ptp(pixels) > 0
        else:
            root = ET.parse(path).getroot()  # a vector page: the view's own size
            texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
            for axis in ("x₁", "x₂", "x₃"):
                assert texts.count(axis) == 1, texts  # each axis named once, as text
            assert sum("exact cells" in t for t in texts) == 1, texts  # the caption once

    gif = np.asarray(imageio.mimread(out / "layers.gif"))
    mp4 = imageio.get_reader(out / "probe.mp4")
    try:
        assert mp4.get_meta_data()["fps"] == 24
        sweep = np.asarray([mp4.get_data(i) for i in range(FRAMES)])
    finally:
        mp4.close()
    for frames in (gif[..., :3], sweep):
        assert frames.shape[:3] == (FRAMES, FRAME_SIZE[1], FRAME_SIZE[0])
        band = _caption_band(frames)
        assert 8 < band < FRAME_SIZE[1] // 3
    # The sweep's caption changes with every frame (t = 0.00, 0.50, 1.00); the reveal's
    # from layer 1 to layer 2 (its frames show 1, 2, 2 layers).
    assert all(not np.array_equal(a[:band], b[:band]) for a, b in pairwise(sweep))
    assert not np.array_equal(gif[0, :band], gif[1, :band])
