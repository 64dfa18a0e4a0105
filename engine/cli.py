"""`gradflow compute` and `gradflow code`: headless, no Qt.

Exit codes: 0 success, 1 torch raised (the error is reported), 2 bad input — including a
graph the app itself refuses to run (an unconnected input, a tensor over a size limit): the
error is reported the same way, under the app's own type name (engine.refusals). What
`compute` prints, as JSON or as text, is built in compute_report.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from engine.boundedread import ReadRefused, read_bounded
from engine.compute_report import human_text, json_error, report
from engine.document import Document, GraphError
from engine.limits import FILE_BYTES
from engine.literal import LiteralError, parse_literal
from engine.refusals import KINDS as REFUSAL_KINDS

EXIT_OK, EXIT_TORCH, EXIT_BAD_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad input on the command line or in a file: exit 2 with this message."""


def load_any(path: str, layout: bool = True) -> Document:
    """A graph file (.json) or a PyTorch snippet (.py); a snippet is laid out only if
    `layout` (a command that never draws the graph has no use for card positions)."""
    p = Path(path)
    if p.suffix == ".py":
        from engine.snippets.reader import ImportError_, TorchRaised, import_snippet
        from engine.snippets.safety import UnparsedSnippet

        text = snippet_text(p)
        try:
            return import_snippet(text, layout=layout)
        except (TorchRaised, UnparsedSnippet):
            raise  # the script's own error at a line (torch's, or Python's SyntaxError)
        except ImportError_ as exc:
            raise InputError(f"{p.name}: {exc}") from None
    from engine.fileformat import FileFormatError, load  # here: a snippet never needs it

    try:
        return load(p)
    except FileFormatError as exc:
        raise InputError(f"{p.name}: {exc}") from None


def snippet_text(path: Path) -> str:
    """A snippet file's text; InputError (why, in a sentence) for what cannot be read."""
    try:
        return read_bounded(path, FILE_BYTES).decode("utf-8")
    except ReadRefused as exc:
        raise InputError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not UTF-8 text (byte {exc.start})") from None


def load_for_run(path: str, layout: bool = True) -> tuple[Document, Any]:
    """The document to run, and torch's error at a line of a snippet (a RunError every run
    of it reports: the document holds the statements before that line), or None.
    layout=False: a snippet's nodes are not laid out (a command that never draws them)."""
    from engine.snippets.safety import TorchRaised, UnparsedSnippet

    try:
        return load_any(path, layout=layout), None
    except UnparsedSnippet as exc:  # python stops before the first line: nothing to show
        from engine.trace import RunError

        return Document(), RunError("SyntaxError", exc.python_message, None, "forward",
                                    line=exc.line)
    except TorchRaised as exc:
        from engine.trace import RunError

        assert isinstance(exc.document, Document)
        return exc.document, RunError(exc.error_type, exc.torch_message, None, "forward",
                                      line=exc.line)


_NAMED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(.*)$", re.S)


_IN_CALL = re.compile(r"^\s*(\d+)\s*:\s*([A-Za-z_]\w*)\s*=(.*)$", re.S)


def apply_gradients(doc: Document, specs: list[str]) -> None:
    """Apply `--gradient LITERAL` / `--gradient NAME=LITERAL` to the document's outputs (the
    first backward call's) and `--gradient CALL:NAME=LITERAL` to call number CALL's."""
    outputs = doc.outputs()
    for spec in specs:
        in_call = _IN_CALL.match(spec)
        if in_call:
            number = int(in_call.group(1))
            if not 1 <= number <= len(doc.calls):
                raise InputError(f"--gradient {spec!r}: there is no call {number}; this graph "
                                 f"has {len(doc.calls)} call{'s' if len(doc.calls) > 1 else ''}")
            if not doc.calls[number - 1].primary:
                _apply_to_call(doc, spec, number, in_call.group(2), in_call.group(3))
                continue
            spec = spec.split(":", 1)[1]  # the document's own backward call, by its number
        match = _NAMED.match(spec)
        if match and not match.group(2).lstrip().startswith("="):
            name, text = match.group(1), match.group(2)
            node = next((n for n in outputs if n.name == name), None)
            if node is None:
                names = ", ".join(n.name for n in outputs) or "none"
                raise InputError(f"--gradient {name}=...: {name!r} is not an output "
                                 f"(outputs: {names})")
        else:
            text = spec
            if len(outputs) != 1:
                names = ", ".join(n.name for n in outputs) or "none"
                raise InputError(f"--gradient without a name needs exactly one output; "
                                 f"this graph has: {names}. Use --gradient NAME=VALUE")
            node = outputs[0]
        try:
            value = parse_literal(text)
        except LiteralError as exc:
            raise InputError(f"--gradient {spec!r}: {exc}") from None
        try:
            doc.update_node(node.id, seed=value, seed_enabled=True)
        except GraphError as exc:
            raise InputError(f"--gradient {spec!r}: {exc}") from None


def _apply_to_call(doc: Document, spec: str, number: int, name: str, text: str) -> None:
    call = doc.calls[number - 1]
    if call.kind not in ("backward", "grad"):
        raise InputError(f"--gradient {spec!r}: call {number} is a {call.kind} call; it "
                         "takes no gradient")
    ids = [i for i in call.outputs if doc.node(i).name == name]
    if not ids:
        names = ", ".join(doc.node(i).name for i in call.outputs) or "none"
        raise InputError(f"--gradient {spec!r}: {name!r} is not an output of call {number} "
                         f"(its outputs: {names})")
    try:
        value = parse_literal(text)
    except LiteralError as exc:
        raise InputError(f"--gradient {spec!r}: {exc}") from None
    seeds = list(call.seeds)
    seeds[call.outputs.index(ids[0])] = value
    try:
        doc.update_call(number - 1, seeds=tuple(seeds))
    except GraphError as exc:
        raise InputError(f"--gradient {spec!r}: {exc}") from None


def compute(args: argparse.Namespace) -> int:
    doc, raised = load_for_run(args.file, layout=False)  # the statements before torch raised
    apply_gradients(doc, args.gradient or [])
    from engine.run import GRADS, run  # torch comes in only when there is something to compute

    result = run(doc, level=GRADS)  # numbers only: the report has no events
    if raised is not None and result.error is None:
        result.error = raised
    data = report(doc, result)
    if args.json:
        _print(json.dumps(data, allow_nan=False))
    else:
        _print(human_text(doc, data))
    if result.error is None:
        return EXIT_OK
    return EXIT_BAD_INPUT if result.error.type in REFUSAL_KINDS else EXIT_TORCH


def _print(text: str, end: str = "\n", file: Any = None) -> None:
    """Print any text, whatever the terminal's encoding: a lone surrogate in a title or a
    name the console cannot show comes out as a backslash escape instead of a traceback."""
    stream = file or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    safe = (text + end).encode(encoding, "backslashreplace").decode(encoding, "replace")
    stream.write(safe)


def code(args: argparse.Namespace) -> int:
    from engine.snippets.safety import TorchRaised, UnparsedSnippet

    try:
        doc = load_any(args.file, layout=False)
    except (TorchRaised, UnparsedSnippet) as exc:
        raise InputError(f"{Path(args.file).name}: {exc}") from None
    from engine.snippets.codegen import CodegenError, generate

    try:
        text = generate(doc)
    except CodegenError as exc:
        raise InputError(str(exc)) from None
    _print(text, end="")
    return EXIT_OK


class UsageError(Exception):
    """A command line argparse refuses; exit 2 (as JSON under --json)."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """Reports a bad command line by raising, so `--json` can still answer in JSON."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}", self.format_usage())


# runs a parsed `gradflow export` that needs Qt (all but .html); given by gui/app.py
QtExport = Callable[[argparse.Namespace, str], int]


def build_parser(prog: str = "gradflow") -> argparse.ArgumentParser:
    from engine.export_options import add_export_arguments

    parser = _Parser(
        prog=prog, usage=f"{prog} [FILE]\n       {prog} {{compute,code,export}} ...",
        description="Gradflow Studio: build or paste a computation, edit the gradient v of "
                    "tensor.backward(gradient=v) and watch real autograd carry it back. "
                    "Without a command, opens FILE (a graph .json or a PyTorch .py) in "
                    "the window.")
    sub = parser.add_subparsers(dest="command", required=True, title="commands",
                                metavar="{compute,code,export}")
    p = sub.add_parser("compute", help="run forward and backward and print the gradients",
                       description="Run forward and backward headless and print every "
                                   "output and .grad.")
    p.add_argument("file", help="a graph file (.json) or a PyTorch snippet (.py)")
    p.add_argument("--gradient", action="append", metavar="[[CALL:]NAME=]LITERAL",
                   help="the gradient= of an output, e.g. '[1, 0.5]' or 'loss=[1, 0.5]'; "
                   "'3:loss=[1, 0.5]' gives it to call 3 (counted from 1) instead of the "
                   "first backward call")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object, for every exit code (errors under 'error')")
    p.set_defaults(handler=compute)
    c = sub.add_parser("code", help="print the graph as a runnable PyTorch snippet",
                       description="Print the graph as a runnable PyTorch snippet.")
    c.add_argument("file", help="a graph file (.json) or a PyTorch snippet (.py)")
    c.set_defaults(handler=code)
    e = sub.add_parser("export", help="write a picture, the replay (PNG steps, GIF, video) "
                                      "or a web page, headless",
                       description="Render offscreen, no display needed. Exit 0 written, "
                                   "1 torch raised (the file still shows the error), 2 bad "
                                   "input.")
    add_export_arguments(e)
    e.set_defaults(handler=None)
    return parser


def main(argv: list[str] | None = None, qt_export: QtExport | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv  # known before parsing, so a parse error can answer in JSON
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "export":
            return _export(args, qt_export)
        return int(args.handler(args))
    except SystemExit as exc:  # --help printed; argparse's own errors are UsageError above
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except UsageError as exc:
        if as_json:
            _print(json_error("UsageError", str(exc)))
        else:
            _print(f"{exc.usage}{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as exc:
        if as_json:
            _print(json_error("UsageError", str(exc)))
        else:
            _print(f"gradflow {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _export(args: argparse.Namespace, qt_export: QtExport | None) -> int:
    from engine.export_options import ExportUsageError, export_kind

    try:
        kind = export_kind(args)
    except ExportUsageError as exc:
        raise UsageError(f"gradflow export: {exc}") from None
    if kind == "web":  # the web page needs no Qt
        from engine.webpage.cli import export

        return export(args.file, Path(args.output), args.gradient or [])
    if qt_export is None:
        raise InputError("this export draws with Qt: run it as `gradflow export`")
    return qt_export(args, kind)


if __name__ == "__main__":
    sys.exit(main())
