"""`copy.deepcopy` as torch gives it (`best = copy.deepcopy(model)`, the "keep the best
model" line of a training loop): a leaf's copy is a new leaf of the same numbers and
requires_grad; a model's copy has the same layers holding new leaves of their parameters'
numbers at that moment, so training the original later leaves the copy as it was. A
tensor computed in the graph raises torch's own error, as torch refuses to deep-copy it.

What is refused, and why: deep-copying a plain tensor leaf (not an nn.Parameter) after a
backward call (torch copies its .grad along, which the copy's leaf would not hold here);
copy.copy of a tensor or a model (the copy shares its numbers or its parameter dicts with
the original, so a later update changes both)."""

from __future__ import annotations

import ast
import copy
from typing import Any

import numpy as np
import torch

from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.schedulers import SchedulerReader
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value

# torch's own words (2.13) for deep-copying a tensor computed in the graph
_NOT_A_LEAF = ("Only Tensors created explicitly by the user (graph leaves) support the "
               "deepcopy protocol at the moment.  If you were attempting to deepcopy a module, "
               "this may be because of a torch.nn.utils.weight_norm usage, see "
               "https://github.com/pytorch/pytorch/pull/103001")


class Copies(SchedulerReader):
    def torch_call(self, path: str, node: ast.Call) -> Value:
        if path in ("copy.deepcopy", "copy.copy"):
            return self.copied(path, node)
        return super().torch_call(path, node)

    def copied(self, path: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        if len(args) != 1 or kwargs:
            raise error_at(node, f"{path} is read with one value to copy")
        if path == "copy.copy":
            return self.shallow_copy(args[0], node)
        return self.deep_copy(args[0], {}, node)

    def shallow_copy(self, value: Value, node: ast.Call) -> Value:
        """copy.copy of a plain value; of a tensor or a model it is refused (shared)."""
        if isinstance(value, Number):
            return value
        if isinstance(value, Py) and isinstance(value.value, list | dict | tuple):
            return Py(type(value.value)(value.value))  # type: ignore[call-arg]
        if isinstance(value, Py) and isinstance(value.value, str | type(None)):
            return value
        what = "a model" if isinstance(value, Py) and isinstance(value.value, Module) \
            else "a tensor"
        raise error_at(node, f"{short_text(node)}: copy.copy of {what} shares its numbers "
                             "(or its parameters) with the original, so a later update "
                             "changes both, which Gradflow does not follow; use "
                             "copy.deepcopy(...) for a copy of its own")

    def deep_copy(self, value: Value, memo: dict[int, Any], node: ast.Call) -> Value:
        """The copy of a tensor, a model, a numpy array, or a list, tuple or dict of them
        (each object once: a layer met twice is copied once, as copy.deepcopy's memo does)."""
        if id(value) in memo:
            return memo[id(value)]  # type: ignore[no-any-return]
        if isinstance(value, Pending | Ref):
            found: Value = self.tensor_copy(value, node)
        elif isinstance(value, Number):
            return Number(value.value)
        elif isinstance(value, Py) and isinstance(value.value, Module):
            found = Py(self.model_copy(value.value, memo, node))
        elif isinstance(value, Py) and isinstance(value.value, list | tuple):
            items = [self.deep_copy(v, memo, node) for v in value.value]
            found = Py(items if isinstance(value.value, list) else tuple(items))
        elif isinstance(value, Py) and isinstance(value.value, dict):
            found = Py({k: self.deep_copy(v, memo, node) for k, v in value.value.items()})
        elif isinstance(value, Py) and isinstance(value.value, str | int | float | bool |
                                                  type(None)):
            return value
        elif isinstance(value, Py) and isinstance(value.value, np.ndarray | np.generic):
            found = Py(copy.deepcopy(value.value))  # w.numpy(): numbers of its own
        else:
            raise error_at(node, f"{short_text(node)}: copy.deepcopy is read on tensors, "
                                 "models, numpy arrays, and lists, tuples and dicts of them")
        memo[id(value)] = found
        return found

    def tensor_copy(self, value: Pending | Ref, node: ast.Call,
                    parameter: bool = False) -> Pending:
        """A leaf: a new leaf of its numbers and requires_grad; a tensor without grad: its
        numbers; a tensor computed in the graph: torch's error."""
        if self.needs_grad(value) and not self.is_grad_leaf(value):
            raise raised_at(node, RuntimeError(_NOT_A_LEAF))
        numbers = self.concrete(value, node).detach().clone()
        if not self.needs_grad(value):
            return self.from_tensor(numbers, node)
        plain_leaf = not parameter and not (isinstance(value, Pending)
                                            and id(value) in self.parameter_ids)
        if plain_leaf and (self.backward_seen or self.carries_kept_grad(value, node)):
            raise error_at(node, f"{short_text(node)}: after a backward call copy.deepcopy "
                                 "of a tensor copies its .grad too, which the copy's leaf "
                                 "would not hold here; copy it before the first backward, "
                                 "or make it an nn.Parameter (whose deep copy has no .grad)")
        copy = self.fresh_leaf(self.from_tensor(numbers, node), node, True)
        if not plain_leaf:
            self.parameter_ids.add(id(copy))
        return copy

    def carries_kept_grad(self, value: Pending | Ref, node: ast.AST) -> bool:
        """Whether the leaf holds a .grad from an earlier training step (training.py)."""
        node_id = self.node_of(value, node)
        return self.doc.node(node_id).grad is not None

    def model_copy(self, module: Module, memo: dict[int, Any], node: ast.Call) -> Module:
        """The same layers, each parameter a new leaf of its numbers; every other attribute
        copied as deepcopy copies it (a buffer's numbers, a number, the class)."""
        if id(module) in memo:
            return memo[id(module)]  # type: ignore[no-any-return]
        twin = Module(module.kind, op=module.op, in_place=module.in_place,
                      training=module.training, names=list(module.names), cls=module.cls,
                      ready=module.ready)
        memo[id(module)] = twin
        for name, param in module.params.items():
            if id(param) not in memo:
                memo[id(param)] = self.tensor_copy(param, node, parameter=True)
            twin.params[name] = memo[id(param)]
        twin.options = {k: v.clone() if isinstance(v, torch.Tensor) else
                        self.deep_copy(v, memo, node) if isinstance(v, Pending | Ref) else
                        _plain_copy(v) for k, v in module.options.items()}
        twin.attrs = {k: self.deep_copy(v, memo, node) for k, v in module.attrs.items()}
        twin.children = [self.model_copy(child, memo, node) for child in module.children]
        twin.hooks = [list(entry) for entry in module.hooks]  # torch copies its hook dicts
        return twin


def _plain_copy(value: Any) -> Any:
    """A layer's option as deepcopy gives it: lists and dicts anew, tensors cloned."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, list):
        return [_plain_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_copy(v) for k, v in value.items()}
    return value


__all__ = ["Copies"]
