"""The safety pass over a pasted snippet, before the importer looks at its meaning.

Nothing in a snippet is ever run. This pass still refuses, for the whole text at once and
before any torch call the importer makes, everything that reaches outside torch: names the
snippet does not define (`os`, `open`, `__import__`), private or dunder attributes, imports
of anything but torch, and the constructs that hide code (def, lambda, class, loops...).
"""

from __future__ import annotations

import ast

MAX_SNIPPET_CHARS = 200_000

# The torch modules a snippet may import, by dotted name.
TORCH_MODULES = ("torch", "torch.nn", "torch.nn.functional", "torch.autograd")

# Builtins a snippet may mention. They appear in print(...) and except clauses only; the
# importer refuses them anywhere else.
BUILTINS = frozenset({
    "print", "len", "str", "repr", "float", "int", "round", "abs", "bool", "list", "tuple",
    "isinstance", "type", "RuntimeError", "Exception", "ValueError", "TypeError",
})

# (construct, advice) for statements and expressions that are never supported.
_REFUSED: dict[type, tuple[str, str]] = {
    ast.For: ("for-loops", "unroll the loop or build the graph on the canvas"),
    ast.AsyncFor: ("for-loops", "unroll the loop or build the graph on the canvas"),
    ast.While: ("while-loops", "unroll the loop or build the graph on the canvas"),
    ast.FunctionDef: ("function definitions (def)", "write the computation out inline"),
    ast.AsyncFunctionDef: ("function definitions (def)", "write the computation out inline"),
    ast.Lambda: ("lambdas", "write the computation out inline"),
    ast.ClassDef: ("classes", "write the computation out inline, e.g. y = x * w"),
    ast.With: ("with-blocks", "remove the with-statement; the graph is built with grad on"),
    ast.AsyncWith: ("with-blocks", "remove the with-statement"),
    ast.Global: ("global statements", "remove it"),
    ast.Nonlocal: ("nonlocal statements", "remove it"),
    ast.Delete: ("del statements", "remove it"),
    ast.Raise: ("raise statements", "remove it"),
    ast.Assert: ("assert statements", "remove it"),
    ast.Await: ("await", "remove it"),
    ast.Yield: ("yield", "remove it"),
    ast.YieldFrom: ("yield", "remove it"),
    ast.NamedExpr: ("the := operator", "assign on a line of its own"),
    ast.ListComp: ("comprehensions", "write the list out"),
    ast.SetComp: ("comprehensions", "write the list out"),
    ast.DictComp: ("comprehensions", "write the list out"),
    ast.GeneratorExp: ("comprehensions", "write the list out"),
    ast.Starred: ("* unpacking", "write the arguments out"),
    ast.Match: ("match statements", "remove it"),
}


class ImportError_(ValueError):  # noqa: N801 - the trailing _ keeps it apart from the builtin
    """A snippet the importer refuses. `line` and `col` are 1-based; the message has both."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(f"line {line}, column {col}: {message}")
        self.line = line
        self.col = col
        self.reason = message


def error_at(node: ast.AST, message: str) -> ImportError_:
    return ImportError_(message, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)


def parse(text: str) -> ast.Module:
    """ast.parse with every failure turned into an ImportError_."""
    if len(text) > MAX_SNIPPET_CHARS:
        raise ImportError_(f"the snippet is longer than {MAX_SNIPPET_CHARS} characters; "
                           "paste the part that builds the graph")
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise ImportError_(f"Python cannot parse this: {exc.msg}; fix the syntax",
                           exc.lineno or 1, exc.offset or 1) from None
    except (RecursionError, MemoryError):
        raise ImportError_("the code is nested too deeply; simplify it") from None


def imported_names(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """{local name: dotted torch module} of an import, or an error for anything else."""
    out: dict[str, str] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name not in TORCH_MODULES:
                raise _foreign_import(node, alias.name)
            if alias.asname is None:
                out[alias.name.split(".")[0]] = "torch"  # `import torch.nn` binds torch
            else:
                out[alias.asname] = alias.name
        return out
    module = node.module or ""
    for alias in node.names:
        full = f"{module}.{alias.name}"
        if node.level or alias.name == "*" or full not in TORCH_MODULES:
            raise _foreign_import(node, full if module else alias.name)
        out[alias.asname or alias.name] = full
    return out


def _foreign_import(node: ast.AST, name: str) -> ImportError_:
    return error_at(node, f"importing {name} is not supported; a snippet may import only "
                          "torch, torch.nn and torch.nn.functional")


def scan(tree: ast.Module) -> None:
    """Refuse the first construct that reaches outside torch or hides code. Never runs any."""
    defined = set(BUILTINS)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined.update(imported_names(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
    for node in _in_source_order(tree):
        refused = _REFUSED.get(type(node))
        if refused is not None:
            construct, advice = refused
            raise error_at(node, f"{construct} are not supported; {advice}")
        if isinstance(node, ast.Name):
            if node.id.startswith("__"):
                raise error_at(node, f"{node.id} reaches outside torch; a snippet may use only "
                                     "torch and its own variables")
            if node.id in BUILTINS and isinstance(node.ctx, ast.Store):
                raise error_at(node, f"{node.id} is a Python builtin; pick another name")
            if node.id not in defined:
                raise error_at(node, f"name {node.id!r} is not defined in the snippet; a "
                                     "snippet may use only torch and its own variables")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise error_at(node, f"the attribute {node.attr} reaches outside torch; use "
                                 "torch's public functions")


def _in_source_order(tree: ast.AST) -> list[ast.AST]:
    """Every node, sorted so that the error reported is the first one in the text."""
    nodes = [n for n in ast.walk(tree) if hasattr(n, "lineno")]
    return sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
