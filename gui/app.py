"""The `gradflow` entry point.

`gradflow [FILE]` opens the window; `gradflow compute|code|export ...` and `gradflow --help`
go to the one command-line parser in engine/cli.py. `compute`, `code` and `export -o X.html`
never import Qt; the other exports import it only once the command line is known good. Torch
is imported only after the window has been painted.
"""

from __future__ import annotations

import argparse
import gc
import sys

COMMANDS = ("compute", "code", "export", "-h", "--help")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        # a one-shot process (the console script: no argv given) running compute or code;
        # a caller in process (tests) keeps its collector as it was
        one_shot = argv is None and args[0] in ("compute", "code")
        if one_shot:
            # the cyclic collector would only rescan torch's and networkx's import-time
            # objects (≈ 0.2 s of a 1.2 s run); exit frees it all
            gc.disable()
        from engine.cli import main as cli_main

        code = cli_main(args, qt_export=_qt_export)
        if one_shot:
            # the interpreter's last full collection would scan every object torch made
            # (≈ 0.2 s) to free what exit frees anyway; frozen, they are skipped
            gc.freeze()
        return code
    from gui.launch import launch

    return launch(args)


def _qt_export(args: argparse.Namespace, kind: str) -> int:
    """A parsed `gradflow export` that draws: a view as PNG/SVG or the replay."""
    from gui.files.export_cli import export_view
    from gui.launch import open_offscreen

    if kind == "image":
        return export_view(args, open_offscreen)
    from gui.replay.animation_export import export_replay

    return export_replay(args, kind, open_offscreen)


if __name__ == "__main__":
    sys.exit(main())
