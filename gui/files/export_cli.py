"""`gradflow export FILE -o OUT.png|OUT.svg [--view V] [--scale S | --width W] [--gradient ...]`

The command line is parsed in engine/cli.py (one parser for every command); this draws.
Renders offscreen (no display needed): builds the window, waits for the run to finish, then
draws the asked-for view. Exit codes as `gradflow compute`: 0 done, 1 torch raised (the
picture is still written, showing the error), 2 bad input. A successful export prints one
line on stdout (two when the picture was scaled down to fit) and nothing on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.cli import EXIT_OK, EXIT_TORCH, InputError, apply_gradients, load_for_run
from engine.document import Document

if TYPE_CHECKING:
    from PySide6.QtCore import QMessageLogContext, QtMsgType

    from gui.files.image_export import Targets
    from gui.runner import RunController

WINDOW_SIZE = (1280, 760)
# messages of Qt's offscreen platform that say nothing to someone exporting a picture
_QT_NOISE = ("does not support propagateSizeHints",)
_app: Any = None  # the QApplication of a headless command: kept alive for the whole command


class ExportWindow(Protocol):
    """What a headless export needs of a window whose first run has finished."""

    @property
    def runner(self) -> RunController: ...

    def export_targets(self) -> Targets: ...

    def discard_quietly(self) -> None:
        """Close without the session's bookkeeping (layout, recovery file)."""


# builds the window offscreen at a size and returns once its first run finished (or timed out)
OpenWindow = Callable[[Document, tuple[int, int]], Any]


def _quiet_qt_messages() -> None:
    """Drop Qt's offscreen-platform noise; every other Qt message still reaches stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if not any(noise in message for noise in _QT_NOISE):
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def open_headless(args: argparse.Namespace, open_window: OpenWindow) -> Any:
    """The document of `args.file` with its --gradient values, in a window built offscreen
    whose first run has finished. Raises InputError for bad input (before Qt starts)."""
    global _app
    doc, raised = load_for_run(args.file)  # a snippet's statements before torch raised
    apply_gradients(doc, args.gradient or [])
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _quiet_qt_messages()
    _app = QApplication.instance() or QApplication(sys.argv[:1] or ["gradflow"])
    window = open_window(doc, WINDOW_SIZE)
    if window.runner.last is None:
        window.discard_quietly()
        raise InputError("the run did not finish in time")
    if raised is not None:
        window.runner.carry(raised)  # on the banner, as in the window
    return window


def finish(window: Any, written: str) -> int:
    """Exit code and message once the file is written: 1 (on stderr) when torch raised."""
    error = window.runner.last.error
    if error is not None:
        print(f"gradflow export: wrote {written}; the run failed: "
              f"{error.type}: {error.message}", file=sys.stderr)
        return EXIT_TORCH
    print(f"wrote {written}")
    return EXIT_OK


def export_view(args: argparse.Namespace, open_window: OpenWindow) -> int:
    """A picture of --view as PNG or SVG (the suffix of -o)."""
    out = Path(args.output)
    if not out.parent.exists():
        raise InputError(f"the folder {out.parent} does not exist")
    window: ExportWindow = open_headless(args, open_window)
    from gui.files.image_export import ExportError, export_image, plan_size, target_of

    try:
        try:
            target = target_of(window.export_targets(), args.view)
            if out.suffix.lower() == ".png":
                plan_size(target, args.scale, args.width)  # refuse before writing anything
            note = export_image(target, out, args.scale, args.width)
        except ExportError as exc:
            raise InputError(str(exc)) from None
    finally:
        # a headless export is not a session: it must not store its window layout or
        # remove a crashed session's recovery file, so it skips the close-time bookkeeping
        window.discard_quietly()
    if note:
        print(note)
    return finish(window, str(out))
