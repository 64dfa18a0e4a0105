"""The backward replay as pictures for slides: one step, every step, or an animated GIF.

A frame is the canvas at that step (cards, edge gradients, sums, glow) beside the chart of
.grad so far, under a caption naming the event — the same items the window shows, rendered
offscreen. All frames of one export have the same size.

CLI (routed here by gui/app.py when `export` has --step, --frames or --gif):
    gradflow export FILE --step K -o out.png
    gradflow export FILE --frames DIR
    gradflow export FILE --gif out.gif
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from engine.document import Document
from engine.trace import EDGE_GRAD
from gui import style
from gui.wiring import ShowStatus

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from gui.replay.animation import ReplayAnimator
    from gui.runner import RunController

CAPTION = 34
MAX_CANVAS_WIDTH = 1100
LAST_FRAME_MS = 2500


def frame_rect(animator: ReplayAnimator) -> QRectF:
    """The canvas area every frame shows: all cards plus room for sums and edge labels."""
    rect = QRectF()
    for item in animator.scene.nodes.values():
        rect = rect.united(item.sceneBoundingRect())
    return rect.adjusted(-30, -40, 140, 70)  # room for seed tags (right) and sums (below)


def render_frame(animator: ReplayAnimator, step: int, source: QRectF | None = None) -> QImage:
    """The picture of the state after `step` events (moves the animator there)."""
    animator.pause()
    animator.go_to(step)
    source = source or frame_rect(animator)
    scale = min(1.5, MAX_CANVAS_WIDTH / max(source.width(), 1.0))  # small graphs: readable
    canvas_w, canvas_h = int(source.width() * scale), int(source.height() * scale)
    chart = animator.chart.grab()  # at its size in the window: resizing a docked widget fights
    height = max(canvas_h, chart.height()) + CAPTION  # the dock layout
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
    painter.drawPixmap(canvas_w, CAPTION, chart)
    font = QFont(painter.font())
    font.setPointSizeF(11)
    painter.setFont(font)
    painter.setPen(style.text_colour())
    n = animator.steps()
    text = f"step {step}/{n}: {animator.replay.describe(step)}" if animator.replay else ""
    painter.drawText(QRectF(10, 0, image.width() - 20, CAPTION),
                     Qt.AlignmentFlag.AlignVCenter, text)
    painter.setPen(QColor(style.GREY))
    painter.drawLine(QPointF(0, CAPTION - 1), QPointF(image.width(), CAPTION - 1))
    painter.end()
    return image


def render_step(animator: ReplayAnimator, step: int, path: str | Path) -> None:
    if not render_frame(animator, step).save(str(path)):
        raise OSError(f"could not write {path}")


def write_frames(animator: ReplayAnimator, directory: str | Path) -> list[Path]:
    """One PNG per step, step_000.png … step_NNN.png; returns their paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    source = frame_rect(animator)
    n = animator.steps()
    paths = []
    for k in range(n + 1):
        path = out / f"step_{k:03d}.png"
        if not render_frame(animator, k, source).save(str(path)):
            raise OSError(f"could not write {path}")
        paths.append(path)
    return paths


def gif_frames(animator: ReplayAnimator) -> tuple[list[np.ndarray], list[int]]:
    """Every step as an RGB array, each held as long as its event takes at 1× speed."""
    from gui.replay.animation import EVENT_MS, OTHER_EVENT_MS

    source = frame_rect(animator)
    frames, delays = [], []
    replay, n = animator.replay, animator.steps()
    for k in range(n + 1):
        frames.append(_rgb(render_frame(animator, k, source)))
        following = replay.events[k] if replay is not None and k < n else None
        if following is None:
            delays.append(LAST_FRAME_MS)
        else:
            delays.append(EVENT_MS.get(following.kind, OTHER_EVENT_MS)
                          if following.kind == EDGE_GRAD else OTHER_EVENT_MS)
    return frames, delays


def write_gif(animator: ReplayAnimator, path: str | Path) -> None:
    from gui.replay.gif import write_gif as encode

    frames, delays = gif_frames(animator)
    encode(path, frames, delays)


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                             image.bytesPerLine())
    return raw[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


# ---- from the window ----------------------------------------------------------------------
class _Done(QObject):
    finished = Signal(str)


def export_gif_dialog(parent: QWidget, animator: ReplayAnimator, status: ShowStatus) -> None:
    """Ask for a file, render the frames here (they read the scene), encode in a thread."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    path, _ = QFileDialog.getSaveFileName(parent, "Export replay as GIF", "backward.gif",
                                          "GIF animation (*.gif)")
    if not path:
        return
    if animator.replay is None:
        animator.runner.trace_now()  # the events of the run on screen (emitted: `traced`)
    if not animator.steps():
        QMessageBox.information(parent, "Export replay", "This run has no backward to replay.")
        return
    was_at = animator.step
    frames, delays = gif_frames(animator)
    animator.go_to(was_at)
    done = _Done(parent)
    status("writing GIF…", 0)

    def report(error: str) -> None:
        if error:
            QMessageBox.warning(parent, "Export replay", f"Could not write {path}: {error}")
        else:
            status(f"wrote {path} ({len(frames)} frames)", 6000)
        done.deleteLater()

    done.finished.connect(report)

    def work() -> None:
        from gui.replay.gif import write_gif as encode

        try:
            encode(path, frames, delays)
            done.finished.emit("")
        except OSError as exc:
            done.finished.emit(str(exc))

    threading.Thread(target=work, name="gradflow-gif", daemon=True).start()


# ---- headless ----------------------------------------------------------------------------
def wants_replay_export(argv: list[str]) -> bool:
    """Whether `gradflow export` arguments ask for the replay (routed here by gui/app.py)."""
    return any(a in ("--step", "--frames", "--gif") or a.startswith(("--step=", "--frames=",
                                                                      "--gif="))
               for a in argv)


class ReplayWindow(Protocol):
    """What the headless replay export needs of a window whose first run has finished."""

    @property
    def runner(self) -> RunController: ...

    @property
    def replay(self) -> ReplayAnimator: ...


def main(argv: list[str], open_window: Callable[[Document], ReplayWindow]) -> int:
    """`open_window` builds the window offscreen and returns once its first run finished."""
    parser = argparse.ArgumentParser(
        prog="gradflow export", description="Render the backward replay headless.")
    parser.add_argument("file", help="a graph file")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--step", type=int, metavar="K", help="the state after K events (-o)")
    what.add_argument("--frames", metavar="DIR", help="one PNG per step into DIR")
    what.add_argument("--gif", metavar="OUT", help="an animated GIF of the whole replay")
    parser.add_argument("-o", "--output", help="the PNG to write (with --step)")
    args = parser.parse_args(argv)
    if args.step is not None and not args.output:
        parser.error("--step needs -o OUT.png")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from engine.fileformat import FileFormatError, load

    try:
        doc = load(args.file)
    except (FileFormatError, OSError) as exc:
        print(f"gradflow export: {exc}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - must exist
    window = open_window(doc)
    animator = window.replay
    try:
        run = window.runner.last
        if run is not None and run.error is not None:
            print(f"gradflow export: {run.error_text()}", file=sys.stderr)
        n = animator.steps()
        if args.step is not None:
            if not 0 <= args.step <= n:
                print(f"gradflow export: --step must be between 0 and {n}", file=sys.stderr)
                return 2
            render_step(animator, args.step, args.output)
        elif args.frames:
            write_frames(animator, args.frames)
        else:
            write_gif(animator, args.gif)
    except OSError as exc:
        print(f"gradflow export: {exc}", file=sys.stderr)
        return 2
    finally:
        window.runner.shutdown()
    return 1 if (run is not None and run.error is not None) else 0

