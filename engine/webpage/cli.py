"""`gradflow export FILE -o OUT.html [--gradient ...]`: the backward replay as a web page.

Headless and without Qt (gui/app.py routes here before anything imports PySide6). Exit codes
as `gradflow compute`: 0 written, 1 torch raised (the page is still written and shows the
error and the steps recorded before it), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_TORCH,
    InputError,
    apply_gradients,
    load_for_run,
)

SUFFIXES = (".html", ".htm")


def wants_web_export(argv: list[str]) -> bool:
    """Whether `gradflow export` arguments name an .html output."""
    for i, arg in enumerate(argv):
        value = None
        if arg in ("-o", "--output") and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--output="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
        if value is not None and value.lower().endswith(SUFFIXES):
            return True
    return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradflow export",
        description="Write the backward replay as one self-contained web page.")
    parser.add_argument("file", help="a graph file (.json) or a PyTorch snippet (.py)")
    parser.add_argument("-o", "--output", required=True, help="OUT.html")
    parser.add_argument("--gradient", action="append", metavar="[NAME=]LITERAL",
                        help="the gradient= of an output, as in `gradflow compute`")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage and the problem
        return EXIT_OK if exc.code == 0 else EXIT_BAD_INPUT
    try:
        return export(args.file, Path(args.output), args.gradient or [])
    except InputError as exc:
        print(f"gradflow export: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def export(file: str, out: Path, gradients: list[str]) -> int:
    if out.suffix.lower() not in SUFFIXES:
        raise InputError(f"{out.name}: a web page must end in .html")
    if not out.parent.exists():
        raise InputError(f"the folder {out.parent} does not exist")
    doc, raised = load_for_run(file)  # a snippet's statements before torch raised
    apply_gradients(doc, gradients)
    from engine.jacobian import reference_grads  # torch only once the input is known good
    from engine.run import run
    from engine.webpage.page import write_replay_page

    result = run(doc)
    if result.error is None and raised is not None:
        result.error = raised  # torch's error at its line of the snippet, as compute says
    if result.error is None:
        try:  # the chart's dashed bars (v = ones), as the app's run job attaches them
            result.reference_grads = reference_grads(doc)
        except Exception as exc:  # noqa: BLE001 - a missing ghost must not lose the page
            result.warnings.append(f"reference gradients unavailable: {exc}")
    try:
        write_replay_page(doc, result, out)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    if result.error is not None:
        print(f"gradflow export: wrote {out}; the run failed: "
              f"{result.error.type}: {result.error.message}", file=sys.stderr)
        return EXIT_TORCH
    print(f"wrote {out}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
