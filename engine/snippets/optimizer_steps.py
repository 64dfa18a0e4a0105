"""`optimizer.step()` read as a training step (training.py): the real torch optimizer the
snippet's optimizer stands for steps on tensors holding the weights and the grads torch gives
at that point of the script, and the weights it leaves are the leaves' new numbers.
`step(closure)` (LBFGS) hands torch a closure that reads the snippet's (closure_steps.py).
`optimizer.param_groups` is the real optimizer's
groups: reading `param_groups[0]['lr']` gives torch's number, and setting an option
(`g['lr'] = new_lr`, learning-rate decay by hand) sets it where the next step reads it."""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from typing import Any

import networkx as nx
import torch

from engine import calls
from engine.snippets.optimizers import Optimizer
from engine.snippets.rebound_steps import ReboundSteps
from engine.snippets.safety import ImportError_, error_at, raised_at, short_text
from engine.snippets.training import ScriptStopped
from engine.snippets.values import Module, Pending, Py, Ref, Value

# torch.nn.utils functions that change each .grad in place (a training step's clipping)
CLIPPING = ("torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_value_")


class ParamGroup(dict[str, Value]):
    """One of the real optimizer's param_groups as the snippet sees it: each option read
    from the torch group when the snippet reads it (a scheduler may have changed it), the
    snippet's own tensors under 'params'; OptimizerSteps.item_assign writes options back."""

    def __init__(self, real: dict[str, Any], params: list[Value],
                 to_value: Callable[[Any], Value]) -> None:
        super().__init__({k: Py(list(params)) if k == "params" else to_value(v)
                          for k, v in real.items()})
        self.real, self.to_value = real, to_value

    def __getitem__(self, key: str) -> Value:
        if key != "params" and key in self.real:
            dict.__setitem__(self, key, self.to_value(self.real[key]))
        return super().__getitem__(key)


class OptimizerSteps(ReboundSteps):
    def attribute(self, node: ast.Attribute) -> Value:
        owner = self.env.get(node.value.id) if isinstance(node.value, ast.Name) else None
        if isinstance(owner, Py) and isinstance(owner.value, Optimizer) and \
                node.attr == "param_groups":
            return self.param_groups(owner.value, node)
        return super().attribute(node)

    def param_groups(self, optimizer: Optimizer, where: ast.AST) -> Value:
        """The real optimizer's groups (made now if no step made it yet), each with the
        snippet's tensors it was given."""
        self.real_tensors(optimizer, where)
        groups, start = [], 0
        for group in optimizer.real.param_groups:
            size = len(group["params"])
            members = optimizer.params[start:start + size]
            start += size
            groups.append(Py(ParamGroup(group, members, lambda v: self.wrap(v, where))))
        return Py(groups)

    def item_assign(self, target: ast.Subscript, value: Value, stmt: ast.AST) -> None:
        """`g['lr'] = 0.01` on one of param_groups: the real group's option, as in torch."""
        holder = target.value
        group = self.env.get(holder.id) if isinstance(holder, ast.Name) else (
            self.expr(holder) if isinstance(holder, ast.Subscript) and isinstance(
                holder.value, ast.Attribute) and holder.value.attr == "param_groups" else None)
        if not (isinstance(group, Py) and isinstance(group.value, ParamGroup)):
            super().item_assign(target, value, stmt)
            return
        key = self.index_key(target.slice)
        if key == "params" or not isinstance(key, str):
            raise error_at(stmt, f"{short_text(target)}: an optimizer's group is read with "
                                 "its options changed ('lr', 'momentum'...), not its params")
        option = self.plain(value, stmt)
        group.value.real[key] = option
        dict.__setitem__(group.value, key, self.wrap(option, stmt))

    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if path is not None and path.replace(".clip_grad.", ".") in CLIPPING:
            return self.clipped(path.replace(".clip_grad.", "."), node)
        return super().call(node)

    def add_call(self, call: calls.Call, where: ast.AST) -> None:
        if call.kind == calls.BACKWARD and self.grad_updates and not self.making_room and \
                self.reaches_changed_grads(call):
            raise error_at(where, f"{short_text(where)}: a backward after a .grad was changed "
                                  "in place (clipped, scaled) and before the weights were "
                                  "updated adds to that .grad, outside the computation "
                                  "Gradflow reads; update the weights (optimizer.step()) "
                                  "first")
        super().add_call(call, where)

    def reaches_changed_grads(self, call: calls.Call) -> bool:
        """Whether a backward adds to a .grad changed in place: one of its outputs is
        computed from that leaf (a backward of another model's loss leaves it alone)."""
        reached = {n for o in call.outputs for n in (o, *nx.ancestors(self.doc.graph, o))}
        return any(leaf in reached for leaf in self.grad_updates)

    def clipped(self, path: str, node: ast.Call) -> Value:
        """torch.nn.utils.clip_grad_norm_(params, max_norm) / clip_grad_value_: torch's own
        function on tensors holding the grads torch gives here; the .grad it leaves is what
        the leaves start the next step with (training.py), and its answer (the total norm)
        is torch's."""
        refusal = self.not_trainable(node)
        if refusal is not None:
            raise error_at(node, f"{ast.unparse(node)} {refusal}")
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.pop("parameters", None)
        if given is None:
            raise error_at(node, f"{ast.unparse(node.func)} is read with the parameters first")
        if isinstance(given, Py) and isinstance(given.value, Module):  # torch's own words
            raise raised_at(node, TypeError(f"'{given.value.kind}' object is not iterable"))
        params = self.items(given, node) if isinstance(given, Py) else [given]
        if not all(isinstance(p, Pending | Ref) for p in params):
            raise error_at(node, f"{ast.unparse(node.func)} is read with tensors")
        grads = self.grads_here(node)
        ids = [self.node_of(p, node) for p in params]
        tensors = []
        for param, leaf_id in zip(params, ids, strict=True):
            t = self.concrete(param, node).detach().clone().requires_grad_(True)
            grad = grads.get(leaf_id)
            t.grad = None if grad is None else grad.clone()
            tensors.append(t)
        options = [self.plain(a, node) for a in args[1:]]
        named = {k: self.plain(v, node) for k, v in kwargs.items()}
        try:
            answer = getattr(torch.nn.utils, path.rsplit(".", 1)[1])(tensors, *options, **named)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        for t, leaf_id in zip(tensors, ids, strict=True):
            before = grads.get(leaf_id)
            # a .grad the clip left as it was (max_norm=inf) is the run's own
            if t.grad is not None and not (before is not None and torch.equal(t.grad, before)):
                self.grad_changed(leaf_id, t.grad)
        self.clipped_at = node
        return Py(None) if answer is None else self.from_tensor(answer, node)

    def grad_changed(self, leaf: str, grad: torch.Tensor) -> None:
        """The leaf's .grad was changed in place (clipped, scaled, written): before any call
        it is the .grad the leaf starts with; after, the leaf holds it from here on."""
        if self.backward_seen or self.program:
            self.grad_updates[leaf] = grad
        else:
            self.starting_grad(leaf, grad)

    def parameters_zero_kept(self, params: list[Value], where: ast.AST) -> None:
        """`zero_grad(set_to_none=False)`: torch zeroes each .grad that exists and leaves
        None where there is none yet; which exist is what torch gives at this point."""
        if not (self.backward_seen or self.program):  # before any call only a .grad given
            for p in params:  # by hand is not None: it becomes zeros
                leaf = self.node_of(p, where)
                if self.given_grad(leaf):
                    self.grad_changed(leaf, torch.zeros_like(self.concrete(Ref(leaf), where)))
            return
        grads = self.grads_here(where)
        leaves = [i for p in params if grads.get(i := self.node_of(p, where)) is not None]
        if leaves:
            self.add_call(calls.zero_grad(leaves, set_to_none=False), where)

    # ---- optimizer.step() -----------------------------------------------------------------
    def optimizer_method(self, optimizer: Optimizer, attr: str, node: ast.Call) -> Value:
        if attr == "state_dict" and not node.args and not node.keywords:
            self.real_tensors(optimizer, node)  # torch's own, copied: to print or read
            return self.state_value(copy.deepcopy(optimizer.real.state_dict()), node)
        if attr == "add_param_group" and len(node.args) == 1 and not node.keywords:
            return self.param_group_added(optimizer, node)
        if attr != "step":
            return super().optimizer_method(optimizer, attr, node)
        closure = self.step_closure(optimizer, node)
        refusal = self.not_trainable(node)
        if refusal is not None:
            raise error_at(node, f"{ast.unparse(node)} {refusal}")
        grads = self.grads_here(node)
        tensors = self.real_tensors(optimizer, node)
        ids = [self.node_of(p, node) for p in optimizer.params]
        with torch.no_grad():
            for t, param, leaf_id in zip(tensors, optimizer.params, ids, strict=True):
                numbers = self.concrete(param, node)
                if numbers.shape != t.shape:
                    raise error_at(node, f"{ast.unparse(node)}: a parameter changed shape "
                                         "since the optimizer was made")
                t.copy_(numbers)
                grad = grads.get(leaf_id)
                t.grad = None if grad is None else grad.clone()
        try:
            answer = optimizer.real.step() if closure is None else optimizer.real.step(closure)
        except (ImportError_, ScriptStopped):
            raise  # the snippet's closure stopped: its own line and words
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        for t, param, leaf_id in zip(tensors, optimizer.params, ids, strict=True):
            if t.grad is not None and leaf_id not in self.updates and \
                    isinstance(param, Pending | Ref):
                self.set_leaf_numbers(node, param, t.detach().clone(),
                                      self.doc.node(leaf_id).name)
        return self.step_answer(answer, node)

    def param_group_added(self, optimizer: Optimizer, node: ast.Call) -> Value:
        """`optimizer.add_param_group({'params': net.fc2.parameters(), 'lr': 0.01})`: the
        real optimizer is given the group (torch fills its other options and checks it), and
        its tensors step with the others from then on."""
        group = self.expr(node.args[0])
        if not (isinstance(group, Py) and isinstance(group.value, dict)
                and "params" in group.value):
            raise error_at(node, f"{ast.unparse(node)}: add_param_group is read with a dict "
                                 "of 'params' and options")
        given = group.value["params"]
        members = [self.under_hooks(m) if isinstance(m, Ref) else m for m in (
            [given] if isinstance(given, Pending | Ref) else self.items(given, node))]
        if not all(isinstance(m, Pending | Ref) and self.is_leaf(m) for m in members):
            raise raised_at(node, ValueError("can't optimize a non-leaf Tensor"))
        tensors = self.real_tensors(optimizer, node)
        made = [self.concrete(m, node).detach().clone().requires_grad_(True) for m in members]
        # the same leaf twice is torch's error: it is the same tensor in the real optimizer
        known = {self.node_of(p, node): t for p, t in zip(optimizer.params, tensors, strict=True)}
        made = [known.get(self.node_of(m, node), t) for m, t in zip(members, made, strict=True)]
        options = {k: self.plain(v, node) for k, v in group.value.items() if k != "params"}
        try:
            optimizer.real.add_param_group({**options, "params": made})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        optimizer.params.extend(members)
        return Py(None)

    def step_closure(self, optimizer: Optimizer, node: ast.Call) -> Callable[[], Any] | None:
        """What torch's step() is given to call: nothing for `step()`; closure_steps.py
        reads `step(closure)`."""
        if node.args or node.keywords:
            raise error_at(node, f"{ast.unparse(node)}: step() is read without a closure")
        return None

    def step_answer(self, answer: Any, node: ast.Call) -> Value:
        """What `optimizer.step(...)` returns to the snippet: None without a closure."""
        return Py(None)

    def state_value(self, obj: Any, where: ast.AST) -> Value:
        if isinstance(obj, dict):
            return Py({k: self.state_value(v, where) for k, v in obj.items()})
        if isinstance(obj, list | tuple):
            items = [self.state_value(v, where) for v in obj]
            return Py(items if isinstance(obj, list) else tuple(items))
        return self.wrap(obj, where)

    def real_tensors(self, optimizer: Optimizer, where: ast.AST) -> list[torch.Tensor]:
        """The tensors of the real torch optimizer, made at the first step on the weights
        as they are then, with the snippet's options and parameter groups."""
        if optimizer.real is None:
            tensors = [self.concrete(p, where).detach().clone().requires_grad_(True)
                       for p in optimizer.params]
            try:
                optimizer.real = optimizer.torch_class(optimizer.make_groups(tensors),
                                                       *optimizer.options, **optimizer.named)
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(where, exc) from None
        return [t for group in optimizer.real.param_groups for t in group["params"]]


__all__ = ["OptimizerSteps"]
