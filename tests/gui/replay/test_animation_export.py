"""`gradflow export FILE --step/--frames/--gif` writes the replay as pictures."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QImageReader

from engine.examples import example_path
from engine.fileformat import load
from engine.run import run
from gui.app import main
from gui.replay.gif import write_gif


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return raw[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def distinct_colours(image: QImage) -> int:
    flat = pixels(image).reshape(-1, 3)
    return len(np.unique(flat, axis=0))


def test_frames_one_png_per_step_all_the_same_size(qapp, tmp_path):
    path = example_path("seed_1_scalar_loss")
    events = len(run(load(path)).events)
    assert main(["export", str(path), "--frames", str(tmp_path / "frames")]) == 0
    files = sorted((tmp_path / "frames").glob("step_*.png"))
    assert [f.name for f in files] == [f"step_{k:03d}.png" for k in range(events + 1)]
    images = [QImage(str(f)) for f in files]
    sizes = {(i.width(), i.height()) for i in images}
    assert len(sizes) == 1
    width, height = sizes.pop()
    assert width > 600 and height > 250
    assert all(distinct_colours(i) > 20 for i in images)  # drawn, not blank
    # consecutive steps differ: each event changes something on screen
    arrays = [pixels(i) for i in images]
    assert all(not np.array_equal(a, b) for a, b in zip(arrays, arrays[1:], strict=False))


def test_step_writes_the_same_picture_as_that_frame(qapp, tmp_path):
    path = example_path()
    assert main(["export", str(path), "--step", "4", "-o", str(tmp_path / "s4.png")]) == 0
    assert main(["export", str(path), "--frames", str(tmp_path / "f")]) == 0
    single, frame = QImage(str(tmp_path / "s4.png")), QImage(str(tmp_path / "f/step_004.png"))
    assert not single.isNull() and single.size() == frame.size()
    assert np.array_equal(pixels(single), pixels(frame))
    assert main(["export", str(path), "--step", "99", "-o", str(tmp_path / "x.png")]) == 2


def test_gif_has_one_frame_per_step(qapp, tmp_path):
    path = example_path()
    events = len(run(load(path)).events)
    out = tmp_path / "replay.gif"
    assert main(["export", str(path), "--gif", str(out)]) == 0
    reader = QImageReader(str(out))
    assert reader.imageCount() == events + 1
    assert distinct_colours(reader.read()) > 8


def test_gif_encoder_round_trips_through_qts_reader(qapp, tmp_path):
    rng = np.random.default_rng(1)
    colours = rng.integers(0, 256, (60, 3), dtype=np.uint8)
    first = rng.integers(0, 60, (90, 130))
    second = first.copy()
    second[10:30, 40:90] = rng.integers(0, 60, (20, 50))  # only a patch changes
    frames = [colours[first], colours[second], colours[second]]
    out = tmp_path / "t.gif"
    write_gif(out, frames, [100, 200, 300])
    reader = QImageReader(str(out))
    assert reader.imageCount() == 3
    for expected in frames:
        assert np.array_equal(pixels(reader.read()), expected)


def test_gif_from_the_window_keeps_the_users_step(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    out = tmp_path / "from_window.gif"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "")))
    window.replay.go_to(3)
    action = next(a for a in window.file_menu.actions() if "GIF" in a.text())
    action.trigger()
    assert window.replay.step == 3  # rendering the frames did not move the user's replay
    qtbot.waitUntil(lambda: "wrote" in window.statusBar().currentMessage(), timeout=20_000)
    assert QImageReader(str(out)).imageCount() == window.replay.steps() + 1
