"""What a snippet's values still hold, for a training step (training.py) to know which nodes
of the finished step the next one needs, and which reads of a .grad are the .grad itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from engine.snippets.grad_reads import plain_read
from engine.snippets.optimizers import Optimizer
from engine.snippets.values import Function, Module, Number, Pending, Picks, Py, Ref, Value


def held_node_ids(env: Mapping[str, Value], *, every_field: bool = False) -> set[str]:
    """Every node a value of the snippet still holds: names, lists, modules, optimizers, a
    function's defaults, data sets and their loaders (holds_tensors). every_field: through
    every field of the reader's records too (a function's closure), as unheld_nodes.py
    needs before it drops anything."""
    held: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [dict(m) for m in getattr(env, "maps", [env])]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Pending | Ref | Number):
            if obj.node_id is not None:
                held.add(obj.node_id)
        elif isinstance(obj, Py):
            stack.append(obj.value)
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif isinstance(obj, dict) or every_field and isinstance(obj, Mapping):
            stack.extend(obj.values())
        elif (every_field or getattr(obj, "holds_tensors", False)) and \
                dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
        elif isinstance(obj, Module):
            stack.extend([*obj.params.values(), *obj.children, *obj.attrs.values()])
        elif isinstance(obj, Optimizer):
            stack.extend(obj.params)
        elif isinstance(obj, Function):
            stack.extend(obj.defaults)
        elif isinstance(obj, Picks):
            stack.extend([obj.values, obj.indices])
    return held


__all__ = ["held_node_ids", "plain_read"]
