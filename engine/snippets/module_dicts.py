"""nn.ModuleDict as torch holds it: its modules under their keys, in the order they were
given (a plain dict's, or a list of (key, module) pairs), so `heads["a"]` is the module
`heads.a` and its parameters are named `heads.a.weight` (the leaf `heads_a_weight`, or
`net_heads_a_weight` in a model `net`). It is indexed by key, measured by len(), tested with
`in`, iterated over its keys, and grows by `md[key] = m`, update() and add_module(); pop()
and clear() take modules out. Errors are torch's own, from the same call on a stand-in
ModuleDict of placeholder modules."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import torch

from engine.snippets.safety import error_at, raised_at
from engine.snippets.tables import TORCH_DTYPES
from engine.snippets.values import Module, Number, Pending, Py, Value

# what a ModuleDict's own methods are read as (add_module is nn.Module's, read with them)
DICT_METHODS = ("keys", "values", "items", "update", "pop", "clear", "add_module")


def stand_in(module: Module) -> torch.nn.ModuleDict:
    """A torch ModuleDict of the same keys, to ask torch what it does with a key or a call."""
    return torch.nn.ModuleDict({k: torch.nn.Identity() for k in module.names})


def ask_torch(action: Callable[[], Any], where: ast.AST) -> None:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - torch's own words
        raise raised_at(where, exc) from None


def _as_module(value: Value) -> Any:
    """The module a value holds, or a plain stand-in torch refuses in its own words (a
    tensor of the same dtype, for torch's "torch.FloatTensor is not a Module subclass")."""
    if isinstance(value, Py) and isinstance(value.value, Module):
        return value.value
    if isinstance(value, Pending):
        return torch.zeros(1, dtype=TORCH_DTYPES[value.dtype])
    return value.value if isinstance(value, Py | Number) else torch.zeros(1)


def put(module: Module, key: Any, value: Value, where: ast.AST) -> None:
    """md[key] = m: torch's checks of the key and the module, then in its place (a key met
    before keeps its position, as a dict's does) or at the end."""
    found = _as_module(value)
    placeholder = torch.nn.Identity() if isinstance(found, Module) else found
    ask_torch(lambda: stand_in(module).__setitem__(key, placeholder), where)
    if key in module.names:
        module.children[module.names.index(key)] = found
        return
    module.names.append(key)
    module.children.append(found)


def pairs(given: Value, where: ast.AST) -> list[tuple[Any, Value]]:
    """The (key, module) pairs of a dict or of a list of pairs, in their order."""
    found = given.value if isinstance(given, Py) else None
    if isinstance(found, dict):
        return list(found.items())
    if isinstance(found, list | tuple):
        out = []
        for item in found:
            pair = item.value if isinstance(item, Py) else None
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise error_at(where, "nn.ModuleDict takes a dict of modules or a list of "
                                      "(key, module) pairs")
            key = pair[0].value if isinstance(pair[0], Py | Number) else pair[0]
            out.append((key, pair[1]))
        return out
    raise error_at(where, "nn.ModuleDict takes a dict of modules, e.g. nn.ModuleDict("
                          "{'a': nn.Linear(4, 1), 'b': nn.Linear(4, 2)})")


def make(args: list[Value], kwargs: dict[str, Value], where: ast.AST) -> Module:
    """nn.ModuleDict({...}), nn.ModuleDict([(key, m), ...]) or nn.ModuleDict()."""
    given = args[0] if len(args) == 1 and not kwargs else kwargs.get("modules")
    if len(args) + len(kwargs) > 1 or kwargs and "modules" not in kwargs:
        raise error_at(where, "nn.ModuleDict takes one dict of modules")
    module = Module("ModuleDict")
    for key, value in pairs(given, where) if given is not None else []:
        put(module, key, value, where)
    return module


def pick(module: Module, key: Any, where: ast.AST) -> Value:
    """md[key]: the module, or torch's KeyError."""
    ask_torch(lambda: stand_in(module)[key], where)
    return Py(module.children[module.names.index(key)])


def method(module: Module, attr: str, args: list[Value], kwargs: dict[str, Value],
           where: ast.AST) -> Value:
    """keys(), values(), items(), update(d), pop(key), clear(), add_module(key, m)."""
    stand = stand_in(module)
    if kwargs or attr in ("keys", "values", "items", "clear") and args or \
            attr in ("update", "pop") and len(args) != 1 or attr == "add_module" and \
            len(args) != 2:
        plain = [a.value if isinstance(a, Py | Number) else a for a in args]
        ask_torch(lambda: getattr(stand, attr)(*plain, **kwargs), where)  # torch's TypeError
        raise error_at(where, f".{attr}() of nn.ModuleDict is read as torch takes it")
    if attr == "keys":
        return Py([Py(k) for k in module.names])
    if attr == "values":
        return Py([Py(m) for m in module.children])
    if attr == "items":
        return Py([Py((Py(k), Py(m))) for k, m in zip(module.names, module.children,
                                                      strict=True)])
    if attr == "update":
        for given, value in pairs(args[0], where):
            put(module, given, value, where)
        return Py(None)
    key: Any = None
    if attr == "add_module":
        key = args[0].value if isinstance(args[0], Py) else _as_module(args[0])
        ask_torch(lambda: torch.nn.Module().add_module(key, torch.nn.Identity()), where)
        put(module, key, args[1], where)
        return Py(None)
    if attr == "pop":
        key = args[0].value if isinstance(args[0], Py | Number) else None
        ask_torch(lambda: stand.pop(key), where)
        index = module.names.index(key)
        del module.names[index]
        return Py(module.children.pop(index))
    module.names.clear()
    module.children.clear()
    return Py(None)


def called(where: ast.AST) -> None:
    """Calling a ModuleDict: torch's own error (it has no forward)."""
    ask_torch(lambda: torch.nn.ModuleDict()(torch.zeros(1)), where)


__all__ = ["DICT_METHODS", "called", "make", "method", "pick", "put"]
