"""nn.ParameterList and nn.ParameterDict as torch holds them: their parameters are the leaves
the snippet made with nn.Parameter (a plain tensor given to one becomes a new leaf, as torch
makes it a Parameter), named as torch names them (`params.0`, `params.linear1`, so the leaf
of `self.params[0]` in `net` is `net_params_0`). A ParameterList is indexed, sliced,
iterated, unpacked and measured by len(), and grows by append/extend; a ParameterDict is
indexed by its keys (kept sorted when given a plain dict, as torch does), iterated over
its keys and grows by update. Errors are torch's own, from the same call on a stand-in
container of placeholder parameters."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import torch

from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Module, Pending, Py, Value

PARAM_CONTAINERS = ("ParameterList", "ParameterDict")
# a value as one of the container's parameters (the leaf itself, or a new leaf for a tensor)
AsParameter = Callable[[Value, ast.AST], Pending]


def stand_in(module: Module) -> Any:
    """A torch container of the same keys, to ask torch what it does with a key or a call."""
    if module.kind == "ParameterList":
        return torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(1))
                                       for _ in module.params])
    return torch.nn.ParameterDict({k: torch.nn.Parameter(torch.zeros(1))
                                   for k in module.params})


def ask_torch(action: Callable[[], Any], where: ast.AST) -> None:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - torch's own words
        raise raised_at(where, exc) from None


def make(kind: str, args: list[Value], kwargs: dict[str, Value], as_parameter: AsParameter,
         node: ast.AST) -> Module:
    """nn.ParameterList([p, q]) / nn.ParameterList() / nn.ParameterDict({'a': p})."""
    module = Module(kind)
    given = args[0] if len(args) == 1 else kwargs.get("values" if kind == "ParameterList"
                                                      else "parameters")
    if len(args) + len(kwargs) > 1 or (args and kwargs):
        raise error_at(node, f"nn.{kind} takes one "
                             f"{'list' if kind == 'ParameterList' else 'dict'} of parameters")
    if given is not None:
        change(module, "extend" if kind == "ParameterList" else "update", [given],
               as_parameter, node)
    return module


def change(module: Module, attr: str, args: list[Value], as_parameter: AsParameter,
           node: ast.AST) -> Value:
    """append / extend (a ParameterList), update (a ParameterDict)."""
    listed = module.kind == "ParameterList"
    if listed and attr == "append" and len(args) == 1:
        module.params[str(len(module.params))] = as_parameter(args[0], node)
        return Py(module)
    if listed and attr == "extend" and len(args) == 1 and isinstance(args[0], Py) and \
            isinstance(args[0].value, list | tuple):
        for item in args[0].value:
            module.params[str(len(module.params))] = as_parameter(item, node)
        return Py(module)
    if not listed and attr == "update" and len(args) == 1 and isinstance(args[0], Py) and \
            isinstance(args[0].value, dict):
        given = args[0].value
        if not all(isinstance(k, str) for k in given):
            raise error_at(node, "nn.ParameterDict is read with string keys")
        for key in sorted(given):  # torch sorts a plain dict's keys
            module.params[key] = as_parameter(given[key], node)
        return Py(module)
    what = "append(p) and extend([...])" if listed else "update({...})"
    raise error_at(node, f".{attr}() of nn.{module.kind} is not supported; it is read with "
                         f"{what}")


def listed(module: Module, attr: str, node: ast.AST) -> Value:
    """A ParameterDict's keys(), values() or items(), in its order."""
    if module.kind != "ParameterDict":
        raise error_at(node, f".{attr}() of nn.{module.kind} is not supported")
    if attr == "keys":
        return Py([Py(k) for k in module.params])
    if attr == "values":
        return Py(list(module.params.values()))
    return Py([Py((Py(k), p)) for k, p in module.params.items()])


def pick(module: Module, key: Any, node: ast.AST) -> Value:
    """container[key]: a parameter, or a ParameterList of a slice."""
    ask_torch(lambda: stand_in(module)[key], node)
    values = list(module.params.values())
    if module.kind == "ParameterDict":
        return module.params[key]
    if isinstance(key, slice):
        return Py(Module("ParameterList", params={str(i): p for i, p in
                                                  enumerate(values[key])}))
    return values[key]


def members(module: Module) -> list[Value]:
    """What `for v in container` visits: a list's parameters, a dict's keys."""
    if module.kind == "ParameterList":
        return list(module.params.values())
    return [Py(k) for k in module.params]


def called(module: Module, node: ast.AST) -> None:
    """Calling a container: torch's own error."""
    ask_torch(lambda: stand_in(module)(torch.zeros(1)), node)
