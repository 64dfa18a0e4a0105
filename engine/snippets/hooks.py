"""Gradient hooks in a snippet: `t.register_hook(lambda g: g * k)` becomes a grad_hook node
between t and its uses (a hook that only prints changes nothing), and the handle it returns
reads `.remove()`. A hook returning another expression of g (`g.clamp(-1, 1)`, `g * mask`)
keeps that expression in the node (snippets/gradient_reading.py), applied by torch while
backward runs.
"""

from __future__ import annotations

import ast
from collections import ChainMap
from dataclasses import replace
from typing import Any

import torch

from engine.grad_expression import GRADIENT, HOOK_NAMES, evaluate
from engine.snippets.gradient_reading import GradientReader, checked, literal
from engine.snippets.in_place_hooks import out_of_place, shared_gradient
from engine.snippets.safety import TorchRaised, error_at, raised_at, short_text
from engine.snippets.tensorcalls import TensorCalls
from engine.snippets.values import Function, HookHandle, Number, Py, Ref, Value


class HookCalls(TensorCalls):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # lists and dicts a hook fills that the reader cannot fill as torch does, by id,
        # kept alive, with the hooked tensor's name (hook_lists.py refuses reading them)
        self.hook_filled: dict[int, tuple[Any, list[str]]] = {}
        # a leaf's node → the hook node over it: the uses a name cannot be moved to (a
        # module's parameter, which its layer reads itself) go through the hook too
        self.hooked_leaves: dict[str, str] = {}
        # the hooks over a leaf that lived through a training step (hooked_steps.py): they
        # ran in the steps before, so a remove() is never "before any call"
        self.stepped_hooks: set[str] = set()
        # hooks that change their gradient in place, read as the gradient they leave: the
        # hook node → (that change, the registration), checked once the graph is whole
        self.in_place_hooks: dict[str, tuple[str, ast.Call]] = {}
        self.hook_in_place: str | None = None  # the hook being read changes it in place
        # hooks reading a name not bound yet when registered: node → (hook, tensor, where)
        self.late_hooks: dict[str, tuple[Function, Value, ast.Call]] = {}

    def late_hooks_read(self) -> None:
        """Before a backward or grad call: the hooks that read a name bound after they were
        registered (`grad.mul_(mask)` with mask made later), read now, as Python looks the
        name up when the hook runs; a name still unbound is Python's NameError there."""
        for hook_id, (fn, receiver, node) in list(self.late_hooks.items()):
            del self.late_hooks[hook_id]
            if hook_id not in self.doc.graph:
                continue
            self.hook_in_place = None
            scale = self.hook_scale(fn, node)
            if self.hook_in_place is not None:
                self.in_place_hooks[hook_id] = (self.hook_in_place, node)
            kept = {k: v for k, v in self.doc.node(hook_id).params.items()
                    if k not in ("scale", "gradient")}
            self.doc.update_node(hook_id, params={
                **kept, **self.hook_params(1.0 if scale is None else scale, fn, receiver, node)})

    def hook_params(self, scale: float | str, fn: Function, receiver: Value,
                    node: ast.Call) -> dict[str, Any]:
        """A grad_hook node's params: its factor, or its gradient expression (probed)."""
        if isinstance(scale, float):
            return {"scale": scale}
        return {"gradient": self.probed(scale, fn, receiver, node)}

    def in_place_hooks_checked(self) -> None:
        """Each in-place hook's gradient is a tensor of its own (in_place_hooks.py)."""
        for hook_id, (changed, node) in self.in_place_hooks.items():
            if hook_id not in self.doc.graph:
                continue
            why = shared_gradient(self.doc, hook_id)
            if why is not None:
                raise error_at(node, f"the hook changes the gradient it is given in place "
                                     f"({changed}), and {why}: that is outside the computation "
                                     "Gradflow reads; return a new gradient instead (e.g. "
                                     "return grad * mask)")

    def register_hook(self, receiver: Value, node: ast.Call) -> Value:
        """`t.register_hook(lambda g: g * k)`: a grad_hook node between t and every use of
        it (uses made before the hook too, as torch applies it to t's whole gradient), acting
        on the calls made from here on.
        `t.register_hook(print)` only prints: the gradient stays as it is."""
        if len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Name) \
                and node.args[0].id == "print" and "print" not in self.env:
            if not self.needs_grad(receiver):
                self.hook_needs_grad(node)
            return Py(HookHandle(None, self.calls_made()))
        args, kwargs = self.arguments(node)
        if len(args) != 1 or kwargs or not (isinstance(args[0], Py) and isinstance(
                args[0].value, Function)):
            raise error_at(node, "register_hook is read with a lambda or def of the gradient, "
                                 "e.g. x.register_hook(lambda g: g * 2)")
        if not self.needs_grad(receiver):
            self.hook_needs_grad(node)
        self.hook_in_place = None
        try:
            scale = self.hook_scale(args[0].value, node)
            late = False
        except TorchRaised as exc:  # a name the hook reads is bound after it: read it later
            if exc.error_type != "NameError":
                raise
            scale, late = 1.0, True
        if scale is None:  # a hook that only prints leaves the gradient as it is
            self.note_filled_lists(args[0].value, node)
            return Py(HookHandle(None, self.calls_made()))
        source = self.node_of(receiver, node)
        # torch runs a tensor's hooks in the order they were registered, each on what the
        # one before returned: a later hook sits below the earlier ones, nearer the tensor
        below = source
        while self.doc.node(below).op == "grad_hook":
            below = self.doc.in_edges(below)["input"].source
        consumers = self.doc.out_edges(below)
        made = self.calls_made()  # the calls before act without it (engine/hook_windows.py)
        params = self.hook_params(scale, args[0].value, receiver, node)
        if made:
            params["added_at_call"] = made + 1
        # a later hook of a leaf takes the leaf itself, not its uses' way through the hooks
        top = self.hooked_leaves.pop(below, None) if below != source else None
        try:
            hooked = self.op_node("grad_hook", [receiver if below == source else Ref(below)],
                                  params, node)
        finally:
            if top is not None:
                self.hooked_leaves[below] = top
        assert isinstance(hooked, Ref)
        if self.hook_in_place is not None:
            self.in_place_hooks[hooked.node_id] = (self.hook_in_place, node)
        if late:
            self.late_hooks[hooked.node_id] = (args[0].value, receiver, node)
        for edge in consumers:
            self.doc.remove_edge(edge.target, edge.port)
            self.doc.add_edge(hooked.node_id, edge.target, edge.port)
        if below == source:
            self.relabel(receiver, hooked, node)
            if self.doc.node(source).op == "leaf":
                self.hooked_leaves[source] = hooked.node_id
        return Py(HookHandle(hooked.node_id, made))

    def through_hooks(self, node_id: str) -> str:
        return self.hooked_leaves.get(node_id, node_id)

    def note_filled_lists(self, fn: Function, node: ast.Call) -> None:
        """The lists and dicts a hook stores into are filled as torch fills them, after
        each call (hook_lists.py); those it cannot fill exactly it notes itself."""

    def hook_needs_grad(self, node: ast.Call) -> None:
        try:
            torch.zeros(1).register_hook(lambda g: g)
        except RuntimeError as exc:  # torch's own words for a tensor without grad
            raise raised_at(node, exc) from None

    def calls_made(self) -> int:
        """The backward and grad calls read so far (program.py keeps them)."""
        return 0

    def remove_hook(self, handle: HookHandle, node: ast.Call) -> Value:
        """`h.remove()`: before any call, the hook never ran, so it multiplies by 1; after a
        call, the calls before keep it and the next call and later ones pass the gradient
        unchanged (engine/hook_removal.py). A second remove changes nothing, as in torch."""
        if self.arguments(node) != ([], {}):
            raise raised_at(node, TypeError("RemovableHandle.remove() takes no arguments"))
        if handle.node_id is None:
            return Py(None)
        params = self.doc.node(handle.node_id).params
        if handle.calls_before == self.calls_made() and handle.node_id not in self.stepped_hooks:
            self.doc.update_node(handle.node_id, params={"scale": 1.0})
        elif not params.get("removed_at_call"):  # (1 after a step, before its calls: off)
            self.doc.update_node(handle.node_id, params={
                **params, "removed_at_call": self.calls_made() + 1})
        return Py(None)

    def hook_scale(self, fn: Function, node: ast.AST) -> float | str | None:
        """k of a hook that returns g * k, k * g, g / k, -g or g; the gradient expression
        (engine/grad_expression.py) of one that returns something else of g; None when it
        returns nothing (prints)."""
        params = fn.node.args.args
        lines = _computing_lines(fn.node)
        if isinstance(fn.node, ast.Lambda):
            body: ast.expr | None = fn.node.body
        elif not lines:
            body = None  # it only stores or prints (snippets/hook_lists.py reads that)
        else:
            last = lines[-1]
            body = last.value if isinstance(last, ast.Return | ast.Expr) else None
            if isinstance(last, ast.Expr):
                body = None if _prints(last.value) else body
        if len(params) != 1:
            raise error_at(node, "a hook takes one argument, the gradient")
        g = params[0].arg
        changed = _changes_in_place(fn.node, g)
        if changed is not None:  # read as the new gradient it leaves (in_place_hooks.py)
            rewritten = out_of_place(fn.node, g)
            if rewritten is None:
                raise error_at(node, f"the hook changes the gradient it is given in place "
                                     f"({changed}) in a way that is not read (inside an if or "
                                     "a loop, at an index, by copy_); return a new gradient "
                                     f"instead, e.g. return {g} * 100")
            self.hook_in_place = changed
            return self.hook_scale(replace(fn, node=rewritten), node)
        if body is None or _prints(body) or (isinstance(body, ast.Constant)
                                             and body.value is None):
            return None
        if not isinstance(fn.node, ast.Lambda) and len(lines) > 1:
            return self.hook_expression(fn, g, node)  # lines before: their names are its own
        if isinstance(body, ast.Name) and body.id == g:
            return 1.0
        if isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.USub) and isinstance(
                body.operand, ast.Name) and body.operand.id == g:
            return -1.0
        if isinstance(body, ast.BinOp) and isinstance(body.op, ast.Mult | ast.Div):
            left_g = isinstance(body.left, ast.Name) and body.left.id == g
            right_g = isinstance(body.right, ast.Name) and body.right.id == g
            other = body.right if left_g else body.left if right_g else None
            if other is not None and any(isinstance(n, ast.Name) and n.id == g
                                         for n in ast.walk(other)):
                other = None  # g / g.norm(): an expression of g on both sides
            if other is not None and (isinstance(body.op, ast.Mult) or left_g):
                factor = self.in_scope(fn, other)
                if isinstance(factor, Number) and not isinstance(factor.value, bool):
                    return float(factor.value) if isinstance(body.op, ast.Mult) \
                        else 1.0 / factor.value
        return self.hook_expression(fn, g, node)

    def hook_expression(self, fn: Function, g: str, node: ast.AST) -> str:
        """The hook's returned gradient as an expression of g, the names it reads from
        outside written out as their values now, when it is registered."""
        what = f"the hook {fn.name}"

        def resolve(expr: ast.expr) -> ast.expr:
            return literal(self.in_scope(fn, expr), expr, what,
                           lambda v: self.concrete(v, expr))

        reader = GradientReader(what, {g: ast.Name(id=GRADIENT, ctx=ast.Load())}, resolve,
                                self.module_path)
        if isinstance(fn.node, ast.Lambda):
            tree: ast.expr | None = reader.read(fn.node.body)
        else:
            tree = reader.body(_computing_lines(fn.node))
        if tree is None:  # the gradient as it is: returning None leaves it
            return GRADIENT
        return checked(what, tree, HOOK_NAMES)

    def probed(self, text: str, fn: Function, receiver: Value, node: ast.AST) -> str:
        """The expression tried once on a zero gradient of the tensor's shape and dtype:
        what torch would raise when backward reaches the hook is said here, in its words."""
        t = self.concrete(receiver, node)
        g = torch.zeros_like(t, dtype=t.dtype)
        try:
            out = evaluate(text, {GRADIENT: g})
        except Exception as exc:  # torch's own error when the hook runs
            raise error_at(node, f"the hook {fn.name} raises when backward reaches it: "
                                 f"{type(exc).__name__}: {exc}") from None
        if not isinstance(out, torch.Tensor) or out.shape != g.shape:
            raise error_at(node, f"backward would stop at the hook: RuntimeError: hook "
                                 f"'{fn.name}' has changed the size of value")
        if out.dtype != g.dtype:
            raise error_at(node, f"backward would stop at the hook: RuntimeError: hook "
                                 f"'{fn.name}' has changed the type of value (was "
                                 f"{g.type()} got {out.type()})")
        return text

    def in_scope(self, fn: Function, expr: ast.expr) -> Value:
        saved = self.env
        self.env = ChainMap({}, fn.scope if fn.scope is not None else self.env)
        try:
            return self.expr(expr)
        finally:
            self.env = saved


def _changes_in_place(fn: ast.FunctionDef | ast.Lambda, g: str) -> str | None:
    """The statement of a hook that changes its gradient argument in place (`g *= 100`,
    `g[0] = 0`, `g.mul_(2)`), or None."""
    def is_g(node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id == g

    for node in ast.walk(fn):
        if isinstance(node, ast.AugAssign) and is_g(node.target) or isinstance(
                node, ast.Assign) and any(isinstance(t, ast.Subscript) and is_g(t.value)
                                          for t in node.targets):
            return short_text(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                is_g(node.func.value) and node.func.attr.endswith("_"):
            return short_text(node)
    return None


def _computing_lines(fn: ast.FunctionDef | ast.Lambda) -> list[ast.stmt]:
    """A def hook's statements without those that only print or store what it is given in
    a container from outside (`grads.append(g)`, `store[name] = g`: hook_lists.py fills
    those as torch does); the rest compute the gradient it returns."""
    if isinstance(fn, ast.Lambda):
        return []
    own = {a.arg for a in fn.args.args} | {n.id for s in fn.body for n in ast.walk(s)
                                           if isinstance(n, ast.Name)
                                           and isinstance(n.ctx, ast.Store)}

    def stores(stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.Expr):
            return _prints(stmt.value)
        return isinstance(stmt, ast.Assign) and all(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
            and t.value.id not in own for t in stmt.targets)

    return [s for s in fn.body if not stores(s)]


def _prints(node: ast.expr) -> bool:
    """print(g), or grads.append(g): the hook returns None and the gradient stays."""
    return isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Name) and node.func.id == "print"
        or isinstance(node.func, ast.Attribute) and node.func.attr == "append")

