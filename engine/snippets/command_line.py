"""Command-line options of a script: `parser = argparse.ArgumentParser(...)`,
`parser.add_argument('--lr', type=float, default=0.01)`, `args = parser.parse_args()`.

A snippet is read as the plain script run with no command-line arguments, so `parse_args()`
gives each option's default, as Python's argparse does then. The options are given to a real
argparse parser (plain numbers, texts and the types int, float, str and bool only; nothing of
the snippet's is called), which checks them in its own words and answers with its Namespace;
`args.lr` is then that number. An option the script requires is argparse's error there (the
plain script stops with it), and an option of a kind not listed is refused."""

from __future__ import annotations

import argparse
import ast
from typing import Any

from engine.snippets.named_tuples import NamedTuples
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Number, Pending, Py, Ref, Value

_TYPES = {"int": int, "float": float, "str": str, "bool": bool}
# what the parser is read with; its other options change only how help is shown
_OPTIONS = ("type", "default", "help", "dest", "action", "choices", "nargs", "required",
            "metavar", "const")


class _Parser(argparse.ArgumentParser):
    """argparse's parser with its error raised, not printed with an exit."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise ValueError(f"{self.prog}: error: {message}")


class CommandLine(NamedTuples):
    def argument_parser(self, node: ast.Call) -> Value:
        """argparse.ArgumentParser(description=...): its words shape only the help."""
        self.arguments(node)
        return Py(_Parser(prog="snippet", add_help=False))

    def list_method(self, receiver: Py, attr: str, node: ast.Call) -> Value:
        parser = receiver.value
        if not isinstance(parser, _Parser):
            return super().list_method(receiver, attr, node)
        if attr == "add_argument_group":
            self.arguments(node)
            return receiver  # a group's options are the parser's
        if attr == "add_argument":
            names = [self.plain(a, node) for a in self.arguments(node)[0]]
            try:
                parser.add_argument(*names, **self.option_settings(node))
            except (ValueError, TypeError, argparse.ArgumentError) as exc:
                raise raised_at(node, exc) from None
            return Py(None)
        if attr == "set_defaults":
            parser.set_defaults(**{k: self.plain(v, node)
                                   for k, v in self.arguments(node)[1].items()})
            return Py(None)
        if attr in ("parse_args", "parse_known_args"):
            return self.parsed(parser, attr, node)
        raise error_at(node, f"{short_text(node)}: of a command-line parser, Gradflow reads "
                             "add_argument, set_defaults, parse_args and parse_known_args")

    def option_settings(self, node: ast.Call) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg not in _OPTIONS:
                raise error_at(kw, f"add_argument's {kw.arg}= is not read; the options read "
                                   f"are {', '.join(_OPTIONS)}")
            if kw.arg == "type":
                if not (isinstance(kw.value, ast.Name) and kw.value.id in _TYPES):
                    raise error_at(kw, "add_argument's type= is read as int, float, str or "
                                       "bool")
                settings["type"] = _TYPES[kw.value.id]
            else:
                settings[kw.arg] = self.plain(self.expr(kw.value), kw)
        return settings

    def parsed(self, parser: _Parser, attr: str, node: ast.Call) -> Value:
        """The options of the script run with no arguments (or those written in the call:
        parse_args([]), parse_args(['--lr', '0.1']))."""
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.get("args")
        words = [] if given is None or isinstance(given, Py) and given.value is None else \
            self.plain(given, node)
        if not isinstance(words, list | tuple) or not all(isinstance(w, str) for w in words):
            raise error_at(node, f"{attr}() is read with no arguments or a list of texts")
        try:
            if attr == "parse_known_args":
                known, rest = parser.parse_known_args(list(words))
                return Py((Py(known), Py([Py(w) for w in rest])))
            return Py(parser.parse_args(list(words)))
        except (ValueError, argparse.ArgumentError) as exc:
            raise raised_at(node, exc) from None

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        """`args.lr` of what parse_args() gave: the option's value."""
        if isinstance(value.value, argparse.Namespace):
            if not hasattr(value.value, attr):
                raise raised_at(node, AttributeError(f"'Namespace' object has no attribute "
                                                     f"'{attr}'"))
            found = getattr(value.value, attr)
            if isinstance(found, Pending | Ref):  # a tensor the script set on it
                return found
            return Number(found) if isinstance(found, bool | int | float) else \
                self.wrap(found, node)
        return super().plain_attribute(value, attr, node)


__all__ = ["CommandLine"]
