"""`gradflow export FILE --step/--frames/--gif` writes the replay as pictures."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QImageReader

from engine.examples import example_path
from engine.fileformat import load
from engine.run import run
from gui import style
from gui.app import main
from gui.replay.animation_export import LAST_FRAME_MS
from gui.replay.encoders import video_repeats


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


def assert_edges_are_background(image: QImage) -> None:
    """Nothing drawn reaches the border of a frame: no label, title or bar was cut."""
    a = pixels(image).astype(int)
    c = style.canvas_background()
    want = np.array([c.red(), c.green(), c.blue()])
    for name, edge in (("top", a[0]), ("bottom", a[-1]), ("left", a[:, 0]),
                       ("right", a[:, -1])):
        assert int(np.abs(edge - want).max()) <= 2, f"{name} edge of the frame is cut"


def test_step_frame_shows_the_whole_chart(qapp, tmp_path):
    """The chart beside the canvas is drawn whole: its title ends, every bar and tick label
    is inside the frame and no edge is drawn on."""
    out = tmp_path / "s4.png"
    assert main(["export", str(example_path()), "--step", "4", "-o", str(out)]) == 0
    assert_edges_are_background(QImage(str(out)))


def test_gif_decodes_with_pillow_to_one_frame_per_step(qapp, tmp_path):
    from PIL import Image

    path = example_path()
    events = len(run(load(path)).events)
    out = tmp_path / "replay.gif"
    assert main(["export", str(path), "--gif", str(out)]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == events + 1
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            frame = gif.convert("RGB")
            durations.append(gif.info["duration"])
            image = QImage(frame.tobytes(), frame.width, frame.height, 3 * frame.width,
                           QImage.Format.Format_RGB888)
            assert_edges_are_background(image)
            assert distinct_colours(image) > 8
    assert durations[-1] == LAST_FRAME_MS and set(durations[:-1]) <= {500, 800}
    # -o OUT.gif is the same export
    assert main(["export", str(path), "-o", str(tmp_path / "o.gif")]) == 0
    with Image.open(tmp_path / "o.gif") as gif:
        assert gif.n_frames == events + 1


def test_video_holds_each_step_for_its_replay_time(qapp, tmp_path):
    import imageio_ffmpeg

    path = example_path()
    frames_of_steps = None
    for out in (tmp_path / "replay.mp4", tmp_path / "replay.webm"):
        assert main(["export", str(path), "--video", str(out)]) == 0
        counted, _seconds = imageio_ffmpeg.count_frames_and_secs(str(out))
        replay = run(load(path))
        delays = [800 if e.kind == "edge_grad" else 500 for e in replay.events]
        frames_of_steps = sum(video_repeats(delays + [LAST_FRAME_MS]))
        assert counted == frames_of_steps
    assert main(["export", str(path), "-o", str(tmp_path / "o.mp4")]) == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "o.mp4"))[0] == frames_of_steps


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


def test_video_and_web_page_from_the_file_menu(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    names = iter([str(tmp_path / "w.mp4"), str(tmp_path / "w.html")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (next(names), "")))
    actions = {a.text(): a for a in window.file_menu.actions()}
    actions["Export replay as &video…"].trigger()
    qtbot.waitUntil(lambda: "w.mp4" in window.statusBar().currentMessage(), timeout=30_000)
    assert (tmp_path / "w.mp4").stat().st_size > 1000
    actions["Export replay as &web page…"].trigger()
    qtbot.waitUntil(lambda: "w.html" in window.statusBar().currentMessage(), timeout=30_000)
    page = (tmp_path / "w.html").read_text(encoding="utf-8")
    # the page of the window's document and its latest run, written off the GUI thread
    from engine.webpage.page import replay_page

    assert page == replay_page(window.doc, window.runner.last)
