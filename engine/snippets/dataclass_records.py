"""`@dataclass` on a class of the snippet's own (a record of a few fields, `Point(x1, x2, y)`):
read as the class Python's dataclasses makes of it, with the __init__ it writes (each field
in order, its default where given), so the class is read as any plain class of the snippet.
Options of the decorator (`@dataclass(frozen=True)`), fields made with `field(...)` and an
__init__ of the class's own stay refused as before."""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable

DATACLASS = "dataclasses.dataclass"


def written_out(stmt: ast.ClassDef, path_of: Callable[[ast.expr], str | None]
                ) -> ast.ClassDef | None:
    """The class with the __init__ @dataclass writes, without the decorator; None when it is
    not a plain @dataclass record."""
    if len(stmt.decorator_list) != 1 or path_of(stmt.decorator_list[0]) != DATACLASS:
        return None
    if any(isinstance(item, ast.FunctionDef) and item.name == "__init__"
           for item in stmt.body):
        return None
    fields = [item for item in stmt.body
              if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)]
    defaults = [f.value for f in fields if f.value is not None]
    if any(isinstance(d, ast.Call) for d in defaults) or \
            any(f.value is None for f in fields[len(fields) - len(defaults):]):
        return None  # field(...) defaults, or a field without one after one with
    names = [f.target.id for f in fields if isinstance(f.target, ast.Name)]
    init = ast.FunctionDef(
        name="__init__",
        args=ast.arguments(posonlyargs=[], args=[ast.arg("self"), *map(ast.arg, names)],
                           kwonlyargs=[], kw_defaults=[],
                           defaults=[copy.deepcopy(d) for d in defaults]),
        body=[ast.Assign(targets=[ast.Attribute(ast.Name("self", ast.Load()), name,
                                                ast.Store())],
                         value=ast.Name(name, ast.Load())) for name in names] or [ast.Pass()],
        decorator_list=[], returns=None)
    body = [item for item in stmt.body if not (isinstance(item, ast.AnnAssign)
                                                and item.value is None)]
    record = ast.ClassDef(name=stmt.name, bases=list(stmt.bases), keywords=[],
                          body=[init, *body], decorator_list=[])
    return ast.fix_missing_locations(ast.copy_location(_located(record, stmt), stmt))


def _located(tree: ast.ClassDef, where: ast.ClassDef) -> ast.ClassDef:
    for node in ast.walk(tree):  # the written parts point at the class line
        if not hasattr(node, "lineno") and isinstance(node, ast.stmt | ast.expr | ast.arg):
            ast.copy_location(node, where)
    return tree


__all__ = ["DATACLASS", "written_out"]
