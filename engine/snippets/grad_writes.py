"""Changes to a .grad after a backward, made in place: `p.grad.add_(wd * p.data)`,
`w.grad[0].zero_()`, `w.grad.data[mask] = 0`, `w.grad[1][2] = 0` (weights frozen one by
one, by hand), `a.grad /= len(X)`, `torch.nn.init.zeros_(w.grad)`, `w.grad.data = g * 0.5`.

Each is torch's own operation, run on a copy of the .grad torch gives there (through the
same views: an index, `.data`, `detach()`), with its arguments read with those grads too;
the leaf holds the result from here on, as after clipping: the next update reads it, and
the document shows it when no update comes after. Python's errors where that .grad is None.

A statement that writes into a .grad in a way none of these reads is refused, never read
as if the write had not happened."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

import torch

from engine.snippets.grad_reads import grad_holder
from engine.snippets.optimizer_steps import OptimizerSteps
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Pending, Ref

# Python's in-place operators, as a tensor's __iadd__... (in place) and a number's
_IN_PLACE: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.Pow: operator.ipow, ast.FloorDiv: operator.ifloordiv}
_SYMBOLS = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/=", ast.Pow: "**=",
            ast.FloorDiv: "//="}
# calls that give the tensor itself, or a tensor sharing its memory whole
_SAME_MEMORY = ("detach", "detach_", "requires_grad_")
# modules whose functions ending in _ change their first argument in place
_IN_PLACE_FUNCTIONS = ("torch.nn.init.", "torch.")

Step = tuple[str, ast.expr | None]  # ("index", key) or ("same", None)


class GradWrites(OptimizerSteps):
    def training_step(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        written = _written(stmt, self.module_path)
        if written is None:
            if _writes_into_a_grad(stmt):
                raise error_at(stmt, f"{short_text(stmt)} changes a .grad in a way Gradflow "
                                     "does not read (it reads methods ending in _, item "
                                     "assignment and +=, -=, *=, /= on x.grad, its .data, its "
                                     "indexed places, and torch.nn.init's functions)")
            super().training_step(stmt, exc)
            return
        self.grad_written(stmt, *written)

    def aug_assign(self, stmt: ast.AugAssign) -> None:
        written = _written(stmt, self.module_path)
        if written is None or any(kind == "index" for kind, _ in written[1]) or \
                type(stmt.op) not in _IN_PLACE or self.plain_object(written[0]) or \
                not isinstance(self.expr(written[0]), Pending | Ref):
            super().aug_assign(stmt)  # (a micrograd Value's own .grad: its attribute)
            return
        self.grad_written(stmt, *written)  # a.grad /= n: the .grad itself, in place

    def grad_written(self, stmt: ast.stmt, holder: ast.expr, steps: list[Step]) -> None:
        refusal = self.not_trainable(stmt)
        if refusal is not None:
            raise error_at(stmt, f"{short_text(stmt)} {refusal}")
        grads = self.grads_here(stmt)
        self.known_grads, self.known_answers = grads, self.step_answers
        try:  # Python's order: the value, then the tensor written and its places
            value: Any = self.plain_or_tensor(self.expr(stmt.value), stmt) \
                if isinstance(stmt, ast.Assign | ast.AugAssign) else None
            leaf = self.leaf_id(self.expr(holder), holder)
            keys = [None if key is None else self.index_key(key) for _, key in steps]
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            args, kwargs = self.arguments(call) if isinstance(call, ast.Call) else ([], {})
            args = [self.plain_or_tensor(a, stmt) for a in args]
            kwargs = {k: self.plain_or_tensor(v, stmt) for k, v in kwargs.items()}
        finally:
            self.known_grads = self.known_answers = None
        grad = grads.get(leaf) if leaf is not None else None
        if grad is None:  # torch's .grad is None here: Python's error
            raise raised_at(stmt, _none_error(stmt, value, steps))
        if _set_through_data(stmt):
            return  # set_ gives the tensor .data returned new memory: the .grad keeps its own
        changed = grad.clone()
        last = keys[-1] if keys and not isinstance(stmt, ast.Expr) else None
        try:
            places = changed
            for key in keys[:-1] if last is not None or isinstance(stmt, ast.Assign) else keys:
                places = places if key is None else places[key]  # w.grad[1][2]: a view of a view
            if isinstance(stmt, ast.Expr):
                assert isinstance(stmt.value, ast.Call)
                _call_in_place(stmt.value, self.module_path, places, args, kwargs)
            elif isinstance(stmt, ast.AugAssign) and last is None:
                _IN_PLACE[type(stmt.op)](places, value)
            elif isinstance(stmt, ast.AugAssign):  # get, update in place, set back
                places[last] = _IN_PLACE[type(stmt.op)](places[last], value)
            elif last is None:  # x.grad.data = v: the .grad's numbers are v's
                places.copy_(torch.as_tensor(value, dtype=places.dtype).expand_as(places))
            else:
                places[last] = value
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(stmt, exc) from None
        assert leaf is not None
        if changed.shape != grad.shape:  # x.grad.set_(t) of another shape
            raise error_at(stmt, f"{short_text(stmt)} gives the .grad another shape "
                                 f"({list(changed.shape)}, its leaf's is {list(grad.shape)}): "
                                 "Gradflow keeps each .grad in its leaf's shape")
        if not torch.equal(changed, grad):  # (add_(0): the run's own .grad)
            self.grad_changed(leaf, changed)
        self.clipped_at = stmt


def _written(stmt: ast.stmt, module_path: Callable[[ast.expr], str | None]
             ) -> tuple[ast.expr, list[Step]] | None:
    """(x, the steps from x.grad to the places written) of a write into x.grad read here."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target: ast.expr = stmt.targets[0]
        if isinstance(target, ast.Attribute) and target.attr == "data" and \
                grad_holder(target.value) is not None:  # x.grad.data = v
            found = _chain(target.value)
            return None if found is None else (found[0], [("same", None), ("same", None)])
        return _chain(target) if isinstance(target, ast.Subscript) else None
    if isinstance(stmt, ast.AugAssign):
        return _chain(stmt.target)
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Attribute) and _in_place_method(call.func.attr):
        return _chain(call.func.value)  # w.grad[0].zero_()
    path = module_path(call.func)
    if path is not None and _in_place_function(path) and call.args:
        return _chain(call.args[0])  # torch.nn.init.zeros_(w.grad)
    return None


def _chain(node: ast.expr) -> tuple[ast.expr, list[Step]] | None:
    """x and the steps of `x.grad[...].data.detach()...`, else None."""
    steps: list[Step] = []
    while True:
        if isinstance(node, ast.Subscript):
            steps.append(("index", node.slice))
            node = node.value
        elif isinstance(node, ast.Attribute) and node.attr == "data":
            steps.append(("same", None))
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in _SAME_MEMORY and not node.keywords and \
                len(node.args) <= (node.func.attr == "requires_grad_"):
            steps.append(("same", None))
            node = node.func.value
        elif isinstance(node, ast.Attribute) and node.attr == "grad":
            return node.value, steps[::-1]
        else:
            return None


def _in_place_method(attr: str) -> bool:
    return attr.endswith("_") and not attr.startswith("_") and hasattr(torch.Tensor, attr) \
        and attr not in _SAME_MEMORY


def _in_place_function(path: str) -> bool:
    name = path.rsplit(".", 1)[-1]
    return name.endswith("_") and not name.startswith("_") and \
        any(path == f"{m}{name}" for m in _IN_PLACE_FUNCTIONS)


def _call_in_place(call: ast.Call, module_path: Callable[[ast.expr], str | None],
                   places: torch.Tensor, args: list[Any], kwargs: dict[str, Any]) -> None:
    """torch's own method, or function of torch.nn.init or torch, on the places."""
    if isinstance(call.func, ast.Attribute) and _in_place_method(call.func.attr):
        getattr(places, call.func.attr)(*args, **kwargs)
        return
    path = module_path(call.func)
    assert path is not None
    owner = torch.nn.init if path.startswith("torch.nn.init.") else torch
    getattr(owner, path.rsplit(".", 1)[-1])(places, *args[1:], **kwargs)


def _set_through_data(stmt: ast.stmt) -> bool:
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
        call.func.attr == "set_" and isinstance(call.func.value, ast.Attribute) and \
        call.func.value.attr == "data"


def _none_error(stmt: ast.stmt, value: Any, steps: list[Step]) -> Exception:
    """Python's words for changing a .grad that is None."""
    if isinstance(stmt, ast.Expr):
        assert isinstance(stmt.value, ast.Call)
        func = stmt.value.func
        if isinstance(func, ast.Attribute) and _in_place_method(func.attr):
            first = next((s for s in steps if s[0] == "index"), None)
            return TypeError("'NoneType' object is not subscriptable") if first else \
                AttributeError(f"'NoneType' object has no attribute '{func.attr}'")
        return AttributeError("'NoneType' object has no attribute 'dim'")  # init's check
    keys = sum(1 for kind, _ in steps if kind == "index")
    if keys > 1 or keys and isinstance(stmt, ast.AugAssign):
        return TypeError("'NoneType' object is not subscriptable")
    if keys:
        return TypeError("'NoneType' object does not support item assignment")
    if isinstance(stmt, ast.Assign):  # None.data = v
        return AttributeError("'NoneType' object has no attribute 'data'")
    assert isinstance(stmt, ast.AugAssign)
    other = "Tensor" if isinstance(value, torch.Tensor) else type(value).__name__
    return TypeError(f"unsupported operand type(s) for {_SYMBOLS[type(stmt.op)]}: "
                     f"'NoneType' and '{other}'")


def _writes_into_a_grad(stmt: ast.stmt) -> bool:
    """Whether the simple statement may change a .grad's numbers where they are: an
    in-place call or an item assignment on something read from a .grad (`w.grad.view(-1)
    .mul_(2)`). A compound statement's own statements are read one by one."""
    if not isinstance(stmt, ast.Expr | ast.Assign | ast.AugAssign):
        return False
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                _in_place_method(node.func.attr) and _reads_grad(node.func.value):
            return True
        if isinstance(node, ast.Assign | ast.AugAssign) and any(
                (isinstance(t, ast.Subscript) or isinstance(t, ast.Attribute) and
                 t.attr == "data") and _reads_grad(t)
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            return True
    return False


def _reads_grad(node: ast.expr) -> bool:
    """Whether a receiver is read from a .grad: along its chain, not its arguments."""
    while True:
        if isinstance(node, ast.Attribute) and node.attr == "grad":
            return True
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return False


__all__ = ["GradWrites"]
