"""Replay frames (RGB arrays) to an animated GIF (Pillow) or a video (imageio-ffmpeg, whose
wheel carries its own ffmpeg binary, so no system ffmpeg is needed). No Qt here: both run on a
worker thread while the window stays responsive."""

from __future__ import annotations

from pathlib import Path

import numpy as np

VIDEO_FPS = 10  # a step is held for its replay time, rounded to a tenth of a second
VIDEO_BLOCK = 16  # H.264/VP9 encode whole 16-pixel blocks; frames are padded up to them


class EncoderMissing(OSError):
    """The optional video encoder is not installed."""


def write_gif(path: str | Path, frames: list[np.ndarray], delays_ms: list[int]) -> None:
    """One GIF frame per array, each shown for its delay; loops forever. Pillow chooses an
    adaptive 256-colour palette per frame (the replay has few colours: text stays crisp)."""
    from PIL import Image

    images = [Image.fromarray(np.ascontiguousarray(f), "RGB") for f in frames]
    images[0].save(str(path), save_all=True, append_images=images[1:], duration=delays_ms,
                   loop=0, disposal=1, optimize=False)


def video_repeats(delays_ms: list[int]) -> list[int]:
    """How many video frames hold each step at VIDEO_FPS (at least one)."""
    return [max(1, round(d * VIDEO_FPS / 1000)) for d in delays_ms]


def write_video(path: str | Path, frames: list[np.ndarray], delays_ms: list[int]) -> int:
    """An .mp4 (H.264) or .webm (VP9) holding each frame for its delay; returns the number of
    video frames written. Raises EncoderMissing without imageio-ffmpeg."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise EncoderMissing("video export needs the imageio-ffmpeg package "
                             "(pip install imageio-ffmpeg); GIF export works without it") \
            from None
    path = Path(path)
    height, width = frames[0].shape[:2]
    padded_w = -(-width // VIDEO_BLOCK) * VIDEO_BLOCK
    padded_h = -(-height // VIDEO_BLOCK) * VIDEO_BLOCK
    codec = "libvpx-vp9" if path.suffix.lower() == ".webm" else "libx264"
    writer = imageio_ffmpeg.write_frames(str(path), (padded_w, padded_h), fps=VIDEO_FPS,
                                         codec=codec, macro_block_size=1,
                                         ffmpeg_log_level="error")
    writer.send(None)  # start ffmpeg
    count = 0
    try:
        for frame, repeat in zip(frames, video_repeats(delays_ms), strict=True):
            canvas = np.empty((padded_h, padded_w, 3), np.uint8)
            canvas[:] = frame[0, 0]  # the background colour of the frame's corner
            canvas[:height, :width] = frame
            for _ in range(repeat):
                writer.send(canvas)
                count += 1
    finally:
        writer.close()
    return count
