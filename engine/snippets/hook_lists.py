"""What a gradient hook stores while backward runs (`grads.append(g)`, `store[name] = g`,
`grads.append(g * 2)`), stored as torch stores it: after each backward or
torch.autograd.grad call the hooks that call fires run again here, in the order torch
fires them, each given the gradient torch gives it (numbers without history).

The reader knows those gradients only from a run of the document built so far: the run's
trace holds each tensor's total gradient at the moment autograd reaches the tensor (a
tensor hook's moment), in the engine's own order. So the calls are noted as they are read
and the hooks run at the next statement (or at the next name read), before anything of
the script can look at what they stored; a training step's update comes after that, so the
graph of the step is still there when they run.

A tensor with hooks that change its gradient (a grad_hook node each, hooks.py) gives each
hook what the hooks registered before it made of it: the gradient arriving at the newest
node times the factor of each earlier hook in force at that call (hook_gradients.py works
out what each hook is given, and in which order). What cannot be given exactly leaves the
containers the hook fills refused where they are read, saying why."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import torch

from engine import calls
from engine.calls import Call
from engine.snippets.hook_gradients import HookGradients, Inexact
from engine.snippets.safety import error_at
from engine.snippets.values import Function, HookHandle, Module, Pending, Py, Ref, Value
from engine.trace import NODE_GRAD

HOOK_OP = "grad_hook"
# container methods through which a hook keeps what it is given
_STORING = frozenset({"append", "extend", "insert", "update", "setdefault", "add"})


@dataclass
class Sink:
    """A hook that stores what it is given."""

    fn: Function
    tensor: str  # the hooked tensor's own node (before any grad_hook node of its own)
    before: list[str]  # grad_hook nodes of hooks registered on it earlier: they act first
    registered: int  # calls read when it was registered (counted over every step)
    where: ast.Call  # the register_hook call
    name: str  # the tensor as the snippet wrote it
    removed: int | None = None  # calls read when it was removed
    module: Module | None = None  # a module's backward hook: given (module, ..., grad_output)
    pre: bool = False  # a module's backward pre-hook: given (module, grad_output)
    wraps_seen: int = 0  # module calls with backward hooks read before it (see `fire_order`)
    wrap: int = 0  # a module's hook: the number of its module call among those
    # a module's full hook whose input requires grad: the input's node, and the nodes the
    # module call made (torch calls the hook once the gradient of that input is known)
    input_node: str | None = None
    inside: frozenset[str] = frozenset()


@dataclass
class _Noted:
    """A call whose hooks have not run yet."""

    index: int  # in the program
    call: Call
    number: int  # counted over every step, from 1
    where: ast.AST
    graphed: bool  # create_graph=True: the hooks see gradients with a graph of their own


class HookLists(HookGradients):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sinks: list[Sink] = []
        self.hook_arguments: dict[int, tuple[list[Value], dict[str, Value]]] = {}
        self.sink_handles: dict[int, tuple[HookHandle, Sink]] = {}
        self.calls_read = 0
        self.noted: list[_Noted] = []
        self.hooks_running = False
        # containers a hook fills that could not be filled exactly: id → why
        self.hook_unread: dict[int, str] = {}
        self.module_grad_hooks: dict[int, tuple[HookHandle, Module, list[Any]]] = {}
        self.wraps: dict[str, list[int]] = {}  # a node → module calls whose output it is
        self.wrap_count = 0

    # ---- registering and removing ------------------------------------------------------
    def register_hook(self, receiver: Value, node: ast.Call) -> Value:
        try:
            fn = self.hook_function(node)
            sink = fn is not None and stores(fn.node) and isinstance(receiver, Pending | Ref)
            base = self.node_of(receiver, node) if sink else None
            # the hooks it runs after: those registered before it (not its own, if it also
            # returns a new gradient)
            before = self.hooks_on(self.hooked_tensor(base)) if base is not None else []
            handle = super().register_hook(receiver, node)
        finally:
            self.hook_arguments.pop(id(node), None)
        kept = handle.value if isinstance(handle, Py) and isinstance(
            handle.value, HookHandle) else None
        if not sink or fn is None or base is None:
            return handle
        tensor = self.hooked_tensor(base)
        one = Sink(fn, tensor, before, self.calls_read, node,
                   _receiver_text(node),
                    wraps_seen=self.wrap_count)
        self.sinks.append(one)
        if kept is not None:
            self.sink_handles[id(kept)] = (kept, one)
        return handle

    def hook_function(self, node: ast.Call) -> Function | None:
        """The def or lambda given to register_hook (a factory's `save_grad("y")` made
        once: hooks.py is given the same arguments, not a second evaluation)."""
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred) or (
                isinstance(node.args[0], ast.Name) and node.args[0].id == "print"
                and "print" not in self.env):
            return None
        arg = node.args[0]
        held = self.env.get(arg.value.id) if isinstance(arg, ast.Attribute) and isinstance(
            arg.value, ast.Name) and arg.attr == "append" else None
        if isinstance(held, Py) and isinstance(held.value, list):  # register_hook(grads.append)
            given: tuple[list[Value], dict[str, Value]] = ([Py(_bound_append(held, arg))], {})
        else:
            given = self.arguments(node)
        self.hook_arguments[id(node)] = given
        (value,) = given[0]
        return value.value if isinstance(value, Py) and isinstance(value.value, Function) \
            else None

    def arguments(self, node: ast.Call) -> tuple[list[Value], dict[str, Value]]:
        known = self.hook_arguments.pop(id(node), None)
        return known if known is not None else super().arguments(node)

    def remove_hook(self, handle: HookHandle, node: ast.Call) -> Value:
        found = self.sink_handles.get(id(handle))
        if found is not None and found[1].removed is None:
            found[1].removed = self.calls_read
        kept = self.module_grad_hooks.pop(id(handle), None)
        if kept is not None:  # by identity: == would compare the hooks' closures
            kept[1].hooks[:] = [e for e in kept[1].hooks if e is not kept[2]]
        return super().remove_hook(handle, node)

    # ---- calls -------------------------------------------------------------------------
    def make_room(self, where: ast.AST) -> None:
        """Hooks count the calls they act in: no calls are read as a step under them."""
        if not self.sinks and not self.module_grad_hooks:
            super().make_room(where)

    def add_call(self, call: Call, where: ast.AST) -> None:
        if call.kind in (calls.BACKWARD, calls.GRAD):
            self.late_hooks_read()
        before = len(self.program)
        super().add_call(call, where)
        if len(self.program) == before:  # merged into the call before it (zero_grad)
            return
        self.calls_read += 1
        if call.kind not in (calls.BACKWARD, calls.GRAD):
            return
        self.sinks = [s for s in self.sinks if s.tensor in self.doc.graph]
        if any(self.live(s, self.calls_read) for s in self.sinks):
            graphed = isinstance(where, ast.Call) and any(
                kw.arg == "create_graph" and not (isinstance(kw.value, ast.Constant)
                                                  and kw.value.value in (False, None))
                for kw in where.keywords)
            self.noted.append(_Noted(len(self.program) - 1, call, self.calls_read, where,
                                     graphed))

    @staticmethod
    def live(sink: Sink, number: int) -> bool:
        return sink.registered < number and (sink.removed is None or number <= sink.removed)

    # ---- running the hooks -----------------------------------------------------------
    def one_statement(self, stmt: ast.stmt) -> None:
        """The hooks of a call run as soon as the statement that made it ends: the names
        they read (a loop's variable, say) are still the ones backward would have seen."""
        self.run_noted_hooks()
        super().one_statement(stmt)
        self.run_noted_hooks()

    def lookup(self, node: ast.Name) -> Value:
        if self.noted:
            self.run_noted_hooks()
        value = self.env.get(node.id)
        if isinstance(value, Py) and id(value.value) in self.hook_unread:
            raise error_at(node, f"{node.id} {self.hook_unread[id(value.value)]}")
        return super().lookup(node)

    def run_noted_hooks(self) -> None:
        """The hooks of the calls read since the last statement, as torch ran them."""
        if not self.noted or self.hooks_running or (
                self.backward is None and any(n.call.primary for n in self.noted)):
            return  # (the first backward's outputs are being marked: at its next name)
        noted, self.noted = self.noted, []
        self.hooks_running = True
        try:
            result = self.run_for_hooks()
            for one in noted:
                self.run_hooks_of(one, result)
        finally:
            self.hooks_running = False

    def run_for_hooks(self) -> Any:
        from engine.run import FULL, run  # only here: reading a snippet needs no run otherwise

        self.materialise_leaves()
        twin = self.doc.twin()
        self.mark_program(twin)
        return run(twin, level=FULL, before_calls=self.before_calls)

    def run_hooks_of(self, one: _Noted, result: Any) -> None:
        live = [s for s in self.sinks if self.live(s, one.number)]
        if one.index >= len(self.program) or self.program[one.index] is not one.call:
            self.unread(live, "is filled by hooks at a call whose step ended before they "
                              "could run: outside what Gradflow reads")
            return
        done = result.calls[one.index]
        if not done.ran:
            return  # an earlier call raised: the script stopped before this one
        if one.graphed:
            self.unread(live, "holds gradients of a call with create_graph=True, which have "
                              "a graph of their own: outside the computation Gradflow reads")
            return
        reached: list[str] = []  # hooked tensors in the order autograd reached them
        for event in result.events[done.start:done.stop]:
            if event.kind == NODE_GRAD and event.node_id not in reached:
                reached.append(event.node_id)
        captured = [s for s in live if s.tensor not in reached
                    and s.tensor in (one.call.inputs or ())]
        if captured:
            self.captured_given(captured, live, reached, one, done)
            return
        try:
            for tensor in reached:
                for sink in self.fire_order(tensor, live):
                    gradient = self.gradient_at(sink, done, one.index + 1)
                    grad_input = None if sink.input_node is None else \
                        self.input_gradient(sink, done)
                    self.hook_given(sink, gradient, grad_input)
        except Inexact as why:  # the hooks of this call stored part of what torch stores
            self.unread(live, str(why))

    def captured_given(self, captured: list[Sink], live: list[Sink], reached: list[str],
                       one: _Noted, done: Any) -> None:
        """Hooks on a tensor that torch.autograd.grad is asked for: autograd runs them as it
        hands the gradient over, without running the tensor's own backward, so the run
        shows no moment for them. With no other hook firing and none changing the
        gradient, the answer is what they were given."""
        tensors = {s.tensor for s in captured}
        tensor = next(iter(tensors))
        answer = done.results.get(tensor) if one.call.kind == calls.GRAD else None
        if len(tensors) > 1 or answer is None or any(
                s.module is not None or s.before for s in captured) or \
                self.hooks_on(tensor) or any(
                s.tensor in reached or s.input_node in reached for s in live):
            self.unread(captured, f"is filled by the hook on {captured[0].name}, a tensor "
                                  "the call is asked for, while other hooks run too: "
                                  "autograd hands that gradient over without running its "
                                  "backward, a moment the run does not show")
            return
        for sink in captured:
            self.hook_given(sink, answer.detach().clone())

    def hook_given(self, sink: Sink, gradient: torch.Tensor,
                   grad_input: torch.Tensor | None = None) -> None:
        """The hook run on the gradient, as autograd runs it: grad mode off."""
        given: list[Value] = [self.from_tensor(gradient, sink.where)]
        if sink.module is not None:  # grad_input: None for an input without grad
            ins = [Py(None) if grad_input is None else self.from_tensor(grad_input, sink.where)]
            given = [Py(sink.module), *([] if sink.pre else [Py(tuple(ins))]),
                     Py(tuple(given))]
        enabled, self.grad_enabled = self.grad_enabled, False
        try:
            self.inline(sink.fn, given, {}, sink.where)
        finally:
            self.grad_enabled = enabled

    def unread(self, sinks: list[Sink], why: str) -> None:
        """The containers these hooks fill: reading them is refused, saying why."""
        for sink in sinks:
            for target in self.stored_into(sink):
                self.hook_unread.setdefault(id(target), why)
                self.hook_filled.setdefault(id(target), (target, [sink.name]))

    def stored_into(self, sink: Sink) -> list[Any]:
        """The lists and dicts the hook's own lines store into, by the names it sees."""
        found: list[Any] = []
        for node in ast.walk(sink.fn.node):
            target = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in _STORING:
                target = node.func.value
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
                target = node.targets[0].value
            if isinstance(target, ast.Name):
                scope = sink.fn.scope if sink.fn.scope is not None else self.env
                value = scope.get(target.id)
                if isinstance(value, Py) and isinstance(value.value, list | dict) and all(
                        value.value is not f for f in found):
                    found.append(value.value)
        return found


def stores(fn: ast.FunctionDef | ast.Lambda) -> bool:
    """The hook keeps what it is given somewhere: a container's method or an item set."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _STORING:
            return True
        if isinstance(node, ast.Global | ast.Nonlocal):
            return True
        if isinstance(node, ast.Assign | ast.AugAssign) and any(
                isinstance(t, ast.Subscript | ast.Attribute) for t in (
                    node.targets if isinstance(node, ast.Assign) else [node.target])):
            return True
    return False


def _bound_append(held: Py, where: ast.AST) -> Function:
    """`grads.append` given as the hook: `lambda g: grads.append(g)` on that very list (a
    later `grads = []` does not change which list the bound method fills)."""
    hook = ast.parse("lambda g: hooked_list.append(g)", mode="eval").body
    assert isinstance(hook, ast.Lambda)
    for part in ast.walk(hook):  # anything said about it points at the snippet's line
        ast.copy_location(part, where)
    return Function(hook, scope={"hooked_list": held})


def _receiver_text(node: ast.Call) -> str:
    return ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) else "a tensor"


__all__ = ["HookLists", "Sink", "stores"]
