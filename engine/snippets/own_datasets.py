"""A data set class of the snippet's own, read as torch uses one.

`class Data(Dataset)` with `__init__`, `__len__` and `__getitem__` (the shape of most course
material: tensors made in `__init__`, `return self.x[i], self.y[i]`) is a class of classes.py
whose instance is called only through Python's protocol: `len(ds)` calls `__len__`, `ds[i]`
calls `__getitem__`, and a DataLoader over it (data_loaders.py) calls `__getitem__` for each
index of a batch in the sampler's order, as torch's fetcher does, and stacks the items with
torch's own `default_collate`. An item is data: a tensor in it that requires grad would give
a batch that carries a graph, which is refused with why.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, cast

import torch
import torch.utils.data as tud

from engine.snippets.classes import ModelClass
from engine.snippets.custom_functions import CustomFunctions
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value


@dataclass(eq=False)
class OwnData:
    """A DataLoader's (or random_split's) view of an instance of the snippet's class."""

    model: Module


class OwnDatasets(CustomFunctions):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # batches with a graph made for a pass of a loader (a PINN's points that require
        # grad): data_loaders.py keeps them through a training step while nothing used them
        self.unused_batches: list[Ref] = []

    # the protocol's calls name `where` only for Python's errors (a wrong count of arguments):
    # the line that asked for them, a loop or a len(), as the script's traceback does
    def own_dataset(self, value: Value | None) -> Module | None:
        """The instance of a data set class of the snippet's that `value` holds, or None."""
        if isinstance(value, Py) and isinstance(value.value, Module) and \
                value.value.cls is not None and value.value.cls.dataset:
            return value.value
        return None

    def own_length(self, model: Module, where: ast.AST) -> int:
        """len(ds): the class's __len__, checked as Python checks what it returns."""
        assert model.cls is not None
        fn = model.cls.methods.get("__len__")
        if fn is None:
            raise raised_at(where, TypeError(f"object of type '{model.kind}' has no len()"))
        got = self.plain(self.method_call(model, fn, [], {}, cast(ast.Call, where)), where)
        if isinstance(got, bool) or not isinstance(got, int):
            raise raised_at(where, TypeError(f"'{type(got).__name__}' object cannot be "
                                             "interpreted as an integer"))
        if got < 0:
            raise raised_at(where, ValueError("__len__() should return >= 0"))
        return got

    def own_item(self, model: Module, index: Value, where: ast.AST) -> Value:
        """ds[i]: the class's __getitem__ (torch's Dataset raises without one)."""
        assert model.cls is not None
        fn = model.cls.methods.get("__getitem__")
        if fn is None:
            raise raised_at(where, NotImplementedError(
                "Subclasses of Dataset should implement __getitem__."))
        return self.method_call(model, fn, [index], {}, cast(ast.Call, where))

    def collated(self, items: list[Value], where: ast.AST) -> Value:
        """torch's default_collate of the items of one batch, as new tensors of data; a
        field whose rows require grad (a PINN's points) is stacked with its graph, as
        torch.stack computes it, so gradients reach the data set's tensor."""
        if self.grad_enabled and items and any(self.carries_grad_in(item) for item in items):
            first = items[0]
            if isinstance(first, Py) and isinstance(first.value, list | tuple) and all(
                    isinstance(i, Py) and isinstance(i.value, type(first.value)) and
                    len(i.value) == len(first.value) for i in items):
                fields = [self.collated([i.value[k] for i in items if isinstance(i, Py)],
                                        where) for k in range(len(first.value))]
                return Py(fields if isinstance(first.value, list) else tuple(fields))
            if all(isinstance(i, Pending | Ref) for i in items):
                rows = [self.reshaped("unsqueeze", i, [Number(0)], {}, where) for i in items]
                batch = self.cat_chain(rows, 0, items, where)
                if isinstance(batch, Ref):
                    self.unused_batches.append(batch)
                return batch
        real = [self.item_data(item, where) for item in items]
        try:
            batch = tud.default_collate(real)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(where, exc) from None
        return self.batch_value(batch, where)

    def carries_grad_in(self, item: Value) -> bool:
        """Whether an item (or a part of a tuple or list of it) requires grad."""
        if isinstance(item, Pending | Ref):
            return self.needs_grad(item)
        return isinstance(item, Py) and isinstance(item.value, list | tuple) and any(
            self.carries_grad_in(v) for v in item.value)

    def item_data(self, item: Value, where: ast.AST) -> Any:
        if isinstance(item, Pending | Ref):
            if self.needs_grad(item):
                raise error_at(where, "the data set's __getitem__ gives a tensor that requires "
                                      "grad, so torch's batch would carry a graph; Gradflow "
                                      "reads batches of data: make the data set's tensors "
                                      "without requires_grad (or return x.detach())")
            return self.concrete(item, where)
        if isinstance(item, Number):
            return item.value
        if isinstance(item, Py) and isinstance(item.value, dict):
            return {k: self.item_data(v, where) for k, v in item.value.items()}
        if isinstance(item, Py) and isinstance(item.value, list | tuple):
            parts = [self.item_data(v, where) for v in item.value]
            return parts if isinstance(item.value, list) else tuple(parts)
        return item.value

    def batch_value(self, batch: Any, where: ast.AST) -> Value:
        if isinstance(batch, torch.Tensor):
            return self.from_tensor(batch, where)
        if isinstance(batch, dict):
            return Py({k: self.batch_value(v, where) for k, v in batch.items()})
        if isinstance(batch, list | tuple):
            parts = [self.batch_value(v, where) for v in batch]
            return Py(parts if isinstance(batch, list) else tuple(parts))
        return self.wrap(batch, where)

    # ---- Python's protocol ---------------------------------------------------------------
    def subscript(self, node: ast.Subscript) -> Value:
        held = self.env.get(node.value.id) if isinstance(node.value, ast.Name) else None
        model = self.own_dataset(held)
        if model is None:
            return super().subscript(node)
        return self.own_item(model, self.expr(node.slice), node)

    def has_effects(self, call: ast.Call) -> bool:
        """print(len(ds)) calls the class's __len__ (it may raise) as the script does."""
        if isinstance(call.func, ast.Name) and call.func.id == "len" and "len" not in \
                self.env and len(call.args) == 1:
            arg = call.args[0]
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
                arg = arg.func  # len(Data()): the class, made there
            held = self.env.get(arg.id) if isinstance(arg, ast.Name) else None
            if isinstance(held, Py) and (isinstance(held.value, ModelClass) or isinstance(
                    held.value, Module) and held.value.cls is not None):
                return True
        return super().has_effects(call)

    def items(self, value: Value, where: ast.AST) -> list[Value]:
        if self.own_dataset(value) is not None:
            raise error_at(where, "a loop over the data set itself (Python calls __getitem__ "
                                  "until it raises IndexError) is not read; loop over "
                                  "range(len(ds)) and take ds[i], or over a DataLoader")
        return super().items(value, where)


__all__ = ["OwnData", "OwnDatasets"]
