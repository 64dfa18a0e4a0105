"""`gradflow export FILE -o OUT.png|OUT.svg [--view V] [--scale S | --width W] [--gradient ...]`

Renders offscreen (no display needed): builds the window, waits for the run to finish, then
draws the asked-for view. Exit codes as `gradflow compute`: 0 done, 1 torch raised (the
picture is still written, showing the error), 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from engine.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_TORCH, InputError, apply_gradients, load_any
from engine.document import Document

if TYPE_CHECKING:
    from gui.files.image_export import Target
    from gui.runner import RunController

WINDOW_SIZE = (1280, 760)


class ExportWindow(Protocol):
    """What a headless export needs of a window whose first run has finished."""

    @property
    def runner(self) -> RunController: ...

    def export_targets(self) -> dict[str, Target | None]: ...

    def discard_quietly(self) -> None:
        """Close without the session's bookkeeping (layout, recovery file)."""


# builds the window offscreen at a size and returns once its first run finished (or timed out)
OpenWindow = Callable[[Document, tuple[int, int]], ExportWindow]


def build_parser() -> argparse.ArgumentParser:
    from gui.files.image_export import VIEWS

    parser = argparse.ArgumentParser(prog="gradflow export",
                                     description="Render a view of a graph to PNG or SVG.")
    parser.add_argument("file", help="a graph file (.json) or a PyTorch snippet (.py)")
    parser.add_argument("-o", "--output", required=True, help="OUT.png or OUT.svg")
    parser.add_argument("--view", choices=list(VIEWS), default="window")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, help="PNG scale factor, e.g. 2 (default 1)")
    size.add_argument("--width", type=int, help="PNG width in pixels")
    parser.add_argument("--gradient", action="append", metavar="[NAME=]LITERAL",
                        help="the gradient= of an output, as in `gradflow compute`")
    return parser


def _needs_offscreen() -> bool:
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None, open_window: OpenWindow) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage and the problem
        return EXIT_OK if exc.code == 0 else EXIT_BAD_INPUT
    try:
        return _export(args, open_window)
    except InputError as exc:
        print(f"gradflow export: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _export(args: argparse.Namespace, open_window: OpenWindow) -> int:
    from pathlib import Path

    out = Path(args.output)
    if out.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"{out.name}: the output must end in .png or .svg")
    if not out.parent.exists():
        raise InputError(f"the folder {out.parent} does not exist")
    doc = load_any(args.file)
    apply_gradients(doc, args.gradient or [])
    if _needs_offscreen():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from gui.files.image_export import ExportError, export_image, output_size, target_of

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "gradflow"])  # noqa: F841, E501 - must exist
    window = open_window(doc, WINDOW_SIZE)
    try:
        result = window.runner.last
        if result is None:
            raise InputError("the run did not finish in time")
        try:
            target = target_of(window.export_targets(), args.view)
            output_size(target, args.scale, args.width)
            export_image(target, out, args.scale, args.width)
        except ExportError as exc:
            raise InputError(str(exc)) from None
    finally:
        # a headless export is not a session: it must not store its window layout or
        # remove a crashed session's recovery file, so it skips the close-time bookkeeping
        window.discard_quietly()
    if result.error is not None:
        print(f"gradflow export: wrote {out}; the run failed: "
              f"{result.error.type}: {result.error.message}", file=sys.stderr)
        return EXIT_TORCH
    print(f"wrote {out}")
    return EXIT_OK

