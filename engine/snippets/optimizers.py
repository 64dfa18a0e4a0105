"""torch.optim optimizers, read without stepping: `torch.optim.SGD(model.parameters(), lr=0.1)`
(any torch.optim optimizer, parameter groups too) is read as the list of tensors it was given.
`optimizer.zero_grad()` is the zero_grad call over them (torch 2's set_to_none=True);
`optimizer.step()` updates the weights from their .grad, a training step that
optimizer_steps.py reads (and schedulers.py the lr schedulers made on it).
`filter(lambda p: p.requires_grad, model.parameters())`, often passed to one, is read too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.snippets.jacobian_call import JacobianReader
from engine.snippets.module_kinds import parameters_of
from engine.snippets.program import TRAINING_STEP
from engine.snippets.safety import OUTSIDE_LIBRARIES, error_at, raised_at
from engine.snippets.values import (
    Function,
    Module,
    Number,
    Pending,
    Py,
    Ref,
    TorchFunction,
    Value,
)

OUTSIDE = "outside the computation Gradflow reads"


@dataclass
class Optimizer:
    """A torch.optim optimizer: the tensors it was given, and how torch makes it (its
    class, options and parameter groups), for step() to make the real one (training.py)."""

    kind: str
    params: list[Value]
    torch_class: Any = None
    options: list[Any] = field(default_factory=list)
    named: dict[str, Any] = field(default_factory=dict)
    # per group: its options (a dict given by the snippet) or None (a plain list), and size
    groups: list[tuple[dict[str, Any] | None, int]] = field(default_factory=list)
    # the real torch optimizer, made at its first step (optimizer_steps.py); its state
    # (momentum, Adam's moments) lasts from step to step, as in the script
    real: Any = None

    def make_groups(self, tensors: list[Any]) -> list[Any]:
        """The snippet's params argument again, over these tensors."""
        made: list[Any] = []
        start = 0
        for options, size in self.groups:
            members = tensors[start:start + size]
            start += size
            if options is None:
                made.extend(members)
            else:
                made.append({**options, "params": members})
        return made if any(o is not None for o, _ in self.groups) else tensors


class OptimizerReader(JacobianReader):
    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if path is not None and _optimizer(path):
            return self.optimizer(path, node)
        return super().call(node)

    def module_attribute(self, path: str, node: ast.AST) -> Value:
        if _optimizer(path):  # {"SGD": torch.optim.SGD}, partial(torch.optim.SGD, ...)
            return Py(TorchFunction(path))
        return super().module_attribute(path, node)

    def call_value(self, target: Value, node: ast.Call) -> Value:
        if isinstance(target, Py) and isinstance(target.value, TorchFunction) and \
                _optimizer(target.value.path):
            return self.optimizer(target.value.path, node)
        return super().call_value(target, node)

    def attribute(self, node: ast.Attribute) -> Value:
        owner = self.env.get(node.value.id) if isinstance(node.value, ast.Name) else None
        if isinstance(owner, Py) and isinstance(owner.value, Optimizer):  # .param_groups
            raise error_at(node, f"{ast.unparse(node)}: {OUTSIDE_LIBRARIES['torch.optim']}")
        return super().attribute(node)

    # ---- optimizers --------------------------------------------------------------------
    def optimizer(self, path: str, node: ast.Call) -> Value:
        """torch.optim.SGD(params, lr=...): torch checks the options (its words on a bad lr)
        on stand-in tensors; what is kept is which tensors it was given."""
        kind = path.rsplit(".", 1)[1]
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.get("params")
        if given is None:
            raise raised_at(node, TypeError(f"{kind}.__init__() missing 1 required positional "
                                            "argument: 'params'"))
        if isinstance(given, Pending | Ref):  # SGD(w, lr=...) of one tensor: torch's words
            try:
                getattr(torch.optim, kind)(self.concrete(given, node), lr=0.1)
            except (TypeError, ValueError) as exc:
                raise raised_at(node, exc) from None
        params: list[Value] = []
        groups: list[Any] = []
        shapes: list[tuple[dict[str, Any] | None, int]] = []
        for item in self.items(given, node):
            group = item.value if isinstance(item, Py) and isinstance(item.value, dict) else None
            given_params = group["params"] if group and "params" in group else None
            # {'params': w1, 'lr': 0.1}: one tensor is a group of one, as torch takes it
            members = [item] if given_params is None else [given_params] if isinstance(
                given_params, Pending | Ref) else self.items(given_params, node)
            for member in members:
                if not isinstance(member, Pending | Ref):
                    raise error_at(node, f"torch.optim.{kind} is read with the model's "
                                         "parameters or a list of tensors")
                if not self.is_leaf(member):
                    raise raised_at(node, ValueError("can't optimize a non-leaf Tensor"))
            params.extend(self.under_hooks(m) if isinstance(m, Ref) else m for m in members)
            shapes.append((None if group is None else {
                k: self.plain(v, node) for k, v in group.items() if k != "params"},
                len(members)))
            stand_ins = [torch.zeros(1, requires_grad=True) for _ in members]
            groups.append(stand_ins if group is None else
                          {**{k: self.plain(v, node) for k, v in group.items() if k != "params"},
                           "params": stand_ins})
        flat = [g for g in groups if not isinstance(g, dict)]
        options = [self.plain(a, node) for a in args[1:]]
        named = {k: self.plain(v, node) for k, v in kwargs.items() if k != "params"}
        try:
            getattr(torch.optim, kind)([s for g in flat for s in g] if len(flat) == len(groups)
                                       else groups, *options, **named)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return Py(Optimizer(kind, params, getattr(torch.optim, kind), options, named, shapes))

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, Optimizer):
            return self.optimizer_method(receiver.value, attr, node)
        return super().method(receiver, attr, node)

    def optimizer_method(self, optimizer: Optimizer, attr: str, node: ast.Call) -> Value:
        if attr == "step":
            raise error_at(node, f"{ast.unparse(node)} {TRAINING_STEP}")
        if attr != "zero_grad":
            raise error_at(node, f"{ast.unparse(node)}: {OUTSIDE_LIBRARIES['torch.optim']}")
        if self.zero_grad_to_none(node):
            self.parameters_zero_grad(optimizer.params, node)
        else:
            self.parameters_zero_kept(optimizer.params, node)
        return Py(None)

    def module_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        if attr == "zero_grad" and not self.zero_grad_to_none(node):
            self.parameters_zero_kept(parameters_of(module), node)
            return Py(None)
        return super().module_method(module, attr, node)

    def zero_grad_to_none(self, node: ast.Call) -> bool:
        """Whether `optimizer.zero_grad(...)` / `model.zero_grad(...)` sets each .grad to
        None (torch 2's default, set_to_none=True) or zeroes the ones that exist
        (set_to_none=False)."""
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.get("set_to_none", Number(True))
        flag = self.plain(given, node)
        if set(kwargs) - {"set_to_none"} or len(args) > 1 or not isinstance(flag, bool):
            owner = ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) \
                else "optimizer"
            raise error_at(node, f"{ast.unparse(node)} is {OUTSIDE}: it is read with "
                                 f"set_to_none=True or False only; write {owner}.zero_grad()")
        return flag

    def parameters_zero_kept(self, params: list[Value], where: ast.AST) -> None:
        raise NotImplementedError  # optimizer_steps.py: it needs the grads torch gives here

    # ---- filter(lambda p: p.requires_grad, model.parameters()) -------------------------
    def builtin(self, name: str, node: ast.Call) -> Value:
        if name != "filter":
            return super().builtin(name, node)
        args, kwargs = self.arguments(node)
        if len(args) != 2 or kwargs:
            raise raised_at(node, TypeError(f"filter expected 2 arguments, got {len(args)}"))
        test, kept = args[0], []
        for item in self.items(args[1], node):
            if isinstance(test, Py) and test.value is None:
                verdict = item
            elif isinstance(test, Py) and isinstance(test.value, Function):
                verdict = self.inline(test.value, [item], {}, node)
            else:
                raise error_at(node, "filter is read with a def or lambda and a list")
            if self.truth(verdict, node):
                kept.append(item)
        return Py(kept)



def _optimizer(path: str) -> bool:
    """torch.optim.SGD, torch.optim.Adam...: a class of torch's optimizers."""
    short = path.removeprefix("torch.optim.")
    found = getattr(torch.optim, short, None) if short != path and "." not in short else None
    return isinstance(found, type) and issubclass(found, torch.optim.Optimizer) and \
        found is not torch.optim.Optimizer


__all__ = ["OUTSIDE", "Optimizer", "OptimizerReader"]
