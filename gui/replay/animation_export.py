"""The backward replay as pictures for slides: one step, every step, an animated GIF or a
video.

A frame is the canvas at that step (cards, edge gradients, sums, glow) beside the chart of
.grad so far, under a caption naming the event — the same items the window shows, rendered
offscreen, whole (the chart is drawn from its scene, not grabbed from a dock that may crop it).
All frames of one export have the same size.

CLI (parsed in engine/cli.py; routed here by gui/app.py):
    gradflow export FILE --step K -o out.png
    gradflow export FILE --frames DIR
    gradflow export FILE --gif out.gif       (or -o out.gif)
    gradflow export FILE --video out.mp4     (or -o out.mp4 / out.webm)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from engine.trace import EDGE_GRAD
from gui import style
from gui.files.image_render import render_image, source_rect
from gui.wiring import ShowStatus

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from gui.files.export_cli import OpenWindow
    from gui.replay.animation import ReplayAnimator

CAPTION = 34
MAX_CANVAS_WIDTH = 1100
LAST_FRAME_MS = 2500


@dataclass(frozen=True)
class FrameLayout:
    """The areas every frame of one export shows, so all frames have one size."""

    canvas: QRectF  # scene coordinates
    chart: QSize  # pixels: the chart's whole drawing (every label), at 1×


def frame_rect(animator: ReplayAnimator) -> QRectF:
    """The canvas area every frame shows: all cards plus room for sums and edge labels."""
    rect = QRectF()
    for item in animator.scene.nodes.values():
        rect = rect.united(item.sceneBoundingRect())
    return rect.adjusted(-30, -40, 140, 70)  # room for seed tags (right) and sums (below)


def frame_layout(animator: ReplayAnimator) -> FrameLayout:
    """Measured at the first and the last step: the chart's labels differ between them."""
    was_at = animator.step
    sizes = []
    for step in (0, animator.steps()):
        animator.pause()
        animator.go_to(step)
        sizes.append(source_rect(animator.chart).size().toSize())
    animator.go_to(was_at)
    return FrameLayout(frame_rect(animator), sizes[0].expandedTo(sizes[1]))


def render_frame(animator: ReplayAnimator, step: int,
                 layout: FrameLayout | None = None) -> QImage:
    """The picture of the state after `step` events (moves the animator there)."""
    layout = layout or frame_layout(animator)
    animator.pause()
    animator.go_to(step)
    source = layout.canvas
    scale = min(1.5, MAX_CANVAS_WIDTH / max(source.width(), 1.0))  # small graphs: readable
    canvas_w, canvas_h = int(source.width() * scale), int(source.height() * scale)
    # the chart as tall as the canvas (up to 2×): its numbers are what the frame is about
    grow = min(2.0, max(1.0, canvas_h / max(layout.chart.height(), 1)))
    chart_size = QSize(round(layout.chart.width() * grow), round(layout.chart.height() * grow))
    chart = render_image(animator.chart, chart_size, transparent=True)
    height = max(canvas_h, chart.height()) + CAPTION
    image = QImage(canvas_w + chart.width(), height, QImage.Format.Format_RGB32)
    image.fill(style.canvas_background())
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing
                           | QPainter.RenderHint.TextAntialiasing)
    selected = animator.scene.selectedItems()
    for item in selected:  # a selection outline is not part of the lesson
        item.setSelected(False)
    animator.scene.render(painter, QRectF(0, CAPTION, canvas_w, canvas_h), source)
    for item in selected:
        item.setSelected(True)
    painter.drawImage(canvas_w, CAPTION, chart)
    font = QFont(painter.font())
    font.setPointSizeF(11)
    painter.setFont(font)
    painter.setPen(style.text_colour())
    n = animator.steps()
    text = f"step {step}/{n}: {animator.replay.describe(step)}" if animator.replay else ""
    painter.drawText(QRectF(10, 0, image.width() - 20, CAPTION),
                     Qt.AlignmentFlag.AlignVCenter, text)
    painter.setPen(QColor(style.GREY))
    # inset like the caption text, so the frame's border stays background (nothing cut)
    painter.drawLine(QPointF(10, CAPTION - 1), QPointF(image.width() - 10, CAPTION - 1))
    painter.end()
    return image


def render_step(animator: ReplayAnimator, step: int, path: str | Path) -> None:
    if not render_frame(animator, step).save(str(path)):
        raise OSError(f"could not write {path}")


def write_frames(animator: ReplayAnimator, directory: str | Path) -> list[Path]:
    """One PNG per step, step_000.png … step_NNN.png; returns their paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    layout = frame_layout(animator)
    paths = []
    for k in range(animator.steps() + 1):
        path = out / f"step_{k:03d}.png"
        if not render_frame(animator, k, layout).save(str(path)):
            raise OSError(f"could not write {path}")
        paths.append(path)
    return paths


def timed_frames(animator: ReplayAnimator) -> tuple[list[np.ndarray], list[int]]:
    """Every step as an RGB array, each held as long as its event takes at 1× speed."""
    from gui.replay.animation import EVENT_MS, OTHER_EVENT_MS

    layout = frame_layout(animator)
    frames, delays = [], []
    replay, n = animator.replay, animator.steps()
    for k in range(n + 1):
        frames.append(_rgb(render_frame(animator, k, layout)))
        following = replay.events[k] if replay is not None and k < n else None
        if following is None:
            delays.append(LAST_FRAME_MS)
        else:
            delays.append(EVENT_MS.get(following.kind, OTHER_EVENT_MS)
                          if following.kind == EDGE_GRAD else OTHER_EVENT_MS)
    return frames, delays


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                             image.bytesPerLine())
    return raw[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


# ---- from the window ----------------------------------------------------------------------
def export_animation_dialog(parent: QWidget, animator: ReplayAnimator, status: ShowStatus,
                            video: bool = False) -> None:
    """Ask for a file, render the frames here (they read the scene), encode on the pool."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from gui.replay.background_write import write_in_background
    from gui.replay.encoders import write_gif, write_video

    title = "Export replay as video" if video else "Export replay as GIF"
    default, kinds = (("backward.mp4", "MP4 video (*.mp4);;WebM video (*.webm)") if video
                      else ("backward.gif", "GIF animation (*.gif)"))
    path, _ = QFileDialog.getSaveFileName(parent, title, default, kinds)
    if not path:
        return
    if animator.replay is None:
        animator.runner.trace_now()  # the events of the run on screen (emitted: `traced`)
    if not animator.steps():
        QMessageBox.information(parent, title, "This run has no backward to replay.")
        return
    was_at = animator.step
    frames, delays = timed_frames(animator)
    animator.go_to(was_at)

    def work() -> str:
        (write_video if video else write_gif)(path, frames, delays)
        return f"wrote {path} ({len(frames)} steps)"

    write_in_background(parent, title, work, status,
                        "writing video…" if video else "writing GIF…")


# ---- headless ----------------------------------------------------------------------------
def export_replay(args: argparse.Namespace, kind: str, open_window: OpenWindow) -> int:
    """`gradflow export` with --step, --frames, --gif or --video (parsed in engine/cli.py)."""
    from engine.cli import InputError
    from gui.files.export_cli import finish, open_headless
    from gui.replay.encoders import write_gif, write_video

    window = open_headless(args, open_window)
    animator: ReplayAnimator = window.replay
    try:
        n = animator.steps()
        if kind == "step":
            if not 0 <= args.step <= n:
                raise InputError(f"--step must be between 0 and {n} (this run has {n} "
                                 "events)")
            render_step(animator, args.step, args.output)
            written = args.output
        elif kind == "frames":
            written = f"{len(write_frames(animator, args.frames))} frames into {args.frames}"
        else:
            frames, delays = timed_frames(animator)
            out = args.gif if kind == "gif" else args.video
            (write_gif if kind == "gif" else write_video)(out, frames, delays)
            written = f"{out} ({len(frames)} steps)"
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}") from None
    finally:
        window.discard_quietly()
    return finish(window, written)
