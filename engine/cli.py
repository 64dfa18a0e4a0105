"""`gradflow compute` and `gradflow code`: headless, no Qt.

Exit codes: 0 success, 1 torch raised (the error is reported), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from engine.document import Document, GraphError
from engine.fileformat import FileFormatError
from engine.literal import LiteralError, parse_literal

EXIT_OK, EXIT_TORCH, EXIT_BAD_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad input on the command line or in a file: exit 2 with this message."""


def load_any(path: str) -> Document:
    """A graph file (.json) or a PyTorch snippet (.py)."""
    p = Path(path)
    if p.suffix == ".py":
        from engine.snippets.reader import ImportError_, import_snippet

        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from None
        try:
            return import_snippet(text)
        except ImportError_ as exc:
            raise InputError(f"{p.name}: {exc}") from None
    from engine.fileformat import load

    try:
        return load(p)
    except FileFormatError as exc:
        raise InputError(f"{p.name}: {exc}") from None


_NAMED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(.*)$", re.S)


def apply_gradients(doc: Document, specs: list[str]) -> None:
    """Apply `--gradient LITERAL` / `--gradient NAME=LITERAL` to the document's outputs."""
    outputs = doc.outputs()
    for spec in specs:
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


def _plain(value: Any) -> Any:
    """tensor.tolist() output with non-finite numbers spelled out (JSON has no NaN)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _tolist(t: Any) -> Any:
    return None if t is None else _plain(t.tolist())


def report(doc: Document, result: Any) -> dict[str, Any]:
    """The JSON object of the CLI contract (DESIGN.md)."""
    outputs = {}
    for node in doc.outputs():
        value = result.values.get(node.id)
        outputs[node.name] = {
            "shape": list(value.shape) if value is not None else None,
            "value": _tolist(value),
            "gradient": _tolist(result.seeds.get(node.id)),
        }
    error = None
    if result.error is not None:
        error = {"type": result.error.type, "message": result.error.message,
                 "node": result.names.get(result.error.node_id)}
    return {"outputs": outputs, "grads": {k: _tolist(v) for k, v in
                                          result.grads_by_name().items()},
            "error": error, "warnings": list(result.warnings)}


def _human(doc: Document, data: dict[str, Any]) -> str:
    lines = [doc.title] if doc.title else []
    for name, out in data["outputs"].items():
        seed = out["gradient"]
        how = "backward()" if seed is None else f"backward(gradient={seed})"
        lines.append(f"output {name:<10} shape {out['shape']}  value {out['value']}  {how}")
    for name, grad in data["grads"].items():
        lines.append(f"{name}.grad = {grad}")
    for warning in data["warnings"]:
        lines.append(f"note: {warning}")
    if data["error"]:
        err = data["error"]
        where = f" (at {err['node']})" if err.get("node") else ""
        lines.append(f"error{where}: {err['type']}: {err['message']}")
    return "\n".join(lines)


def compute(args: argparse.Namespace) -> int:
    doc = load_any(args.file)
    apply_gradients(doc, args.gradient or [])
    from engine.run import run  # torch comes in only when there is something to compute

    result = run(doc)
    data = report(doc, result)
    if args.json:
        print(json.dumps(data, allow_nan=False))
    else:
        print(_human(doc, data))
    return EXIT_TORCH if result.error else EXIT_OK


def code(args: argparse.Namespace) -> int:
    doc = load_any(args.file)
    from engine.snippets.codegen import CodegenError, generate

    try:
        text = generate(doc)
    except CodegenError as exc:
        raise InputError(str(exc)) from None
    print(text, end="")
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
    p.add_argument("--gradient", action="append", metavar="[NAME=]LITERAL",
                   help="the gradient= of an output, e.g. '[1, 0.5]' or 'loss=[1, 0.5]'")
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


def _json_error(type_: str, message: str) -> str:
    return json.dumps({"outputs": {}, "grads": {},
                       "error": {"type": type_, "message": message}, "warnings": []})


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
            print(_json_error("UsageError", str(exc)))
        else:
            print(f"{exc.usage}{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as exc:
        if as_json:
            print(_json_error("UsageError", str(exc)))
        else:
            print(f"gradflow {args.command}: {exc}", file=sys.stderr)
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
