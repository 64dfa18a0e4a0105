"""Hooks on nn modules (`layer.register_forward_hook(fn)` and the others). A forward hook and
a forward pre-hook run where torch runs them, at each call of the module (`model(x)`, a layer
inside a Sequential; not `model.forward(x)`), in the order they were registered, so what they
do (print, store the output, register a hook on it) happens as in the script, and what they
return (not None) is the module's new output, or its new inputs, in the graph as torch makes
it; `handle.remove()` takes it off. A backward hook that only looks (prints or stores what it
is given, returns nothing, or gives back unchanged the value torch would replace) changes
nothing torch computes and is read as a handle; one that returns a replacement is refused.
A full backward hook that returns a new grad_input for a module of one tensor input
(`return (grad_input[0].clamp(-1, 1),)`) is read as a gradient expression
(snippets/gradient_reading.py): each later call of the module takes its input through a
grad_hook node of its own, so only the gradient the module sends back is changed."""

from __future__ import annotations

import ast
from typing import Any

from engine.grad_expression import GRADIENT, HOOK_NAMES
from engine.snippets.gradient_reading import GradientReader, checked, literal
from engine.snippets.parameters import ParameterReader
from engine.snippets.safety import error_at, short_text
from engine.snippets.values import Function, HookHandle, Module, Pending, Py, Ref, Value


class ModuleHooks(ParameterReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a forward hook's handle: its module, its entry there, and the handle kept alive
        self.module_hook_entries: dict[int, tuple[Module, list[Any], HookHandle]] = {}

    def module_hook(self, module: Module, attr: str, node: ast.Call) -> Value:
        """A forward hook (or pre-hook) is kept with its module; a backward hook that only
        looks is a handle; one returning a replacement is refused, but for the full backward
        hook's new grad_input."""
        args, kwargs = self.arguments(node)
        given = [*args, *([kwargs.pop("hook")] if "hook" in kwargs else [])]
        fn = given[0].value if len(given) == 1 and isinstance(given[0], Py) else None
        if not isinstance(fn, Function) or kwargs:
            raise error_at(node, f".{attr}() is read with a def of the hook")
        body = [fn.node.body] if isinstance(fn.node, ast.Lambda) else fn.node.body
        # `return output` of a forward hook (the value torch would replace, given back as
        # it is) replaces nothing
        params = [a.arg for a in fn.node.args.args]
        same = params[2 if attr == "register_forward_hook" else 1] if len(params) == 3 else None
        if any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == same
               for part in body for n in ast.walk(part)):
            same = None  # `output = output * 2; return output` is a replacement
        returns = [n for part in body for n in ast.walk(part) if isinstance(n, ast.Return)
                   and n.value is not None and not (isinstance(n.value, ast.Constant)
                                                    and n.value.value is None)
                   and not (isinstance(n.value, ast.Name) and n.value.id == same)]
        text = None
        if attr == FULL_BACKWARD and (returns or isinstance(fn.node, ast.Lambda)
                                      and not _looks(fn.node.body)):
            text = self.grad_input_expression(fn, node)
        elif attr not in _RUN and (returns or isinstance(fn.node, ast.Lambda)
                                   and not _looks(fn.node.body)):
            raise error_at(node, f"a hook of .{attr}() that returns a replacement is not "
                                 "read; a hook that only prints what it is given is")
        handle = HookHandle(None, self.calls_made())
        if attr in _RUN or text is not None:
            entry = [attr, fn, text]
            module.hooks.append(entry)
            self.module_hook_entries[id(handle)] = (module, entry, handle)
        return Py(handle)

    def invoke(self, module: Module, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        """The module called as torch's __call__ does: its forward pre-hooks, forward,
        then its forward hooks (each given the module, the inputs as a tuple, the output)."""
        for kind, fn, _ in list(module.hooks):
            if kind == "register_forward_pre_hook":  # what it returns are the new inputs
                returned = self.hook_ran(fn, [Py(module), Py(tuple(args))], node)
                if returned is not None:
                    args = list(returned.value) if isinstance(returned, Py) and \
                        isinstance(returned.value, tuple) else [returned]
        for kind, fn, text in list(module.hooks):
            if kind == FULL_BACKWARD and text is not None:  # after the pre-hooks, as torch
                # wraps the inputs (a hook that only stores: module_grad_hooks.py)
                args = self.grad_input_hooked(fn, text, args, node)
        output = self.module_on(module, args, kwargs, node)
        for kind, fn, _ in list(module.hooks):
            if kind == "register_forward_hook":  # what it returns is the new output
                returned = self.hook_ran(fn, [Py(module), Py(tuple(args)), output], node)
                output = output if returned is None else returned
        return output

    def grad_input_expression(self, fn: Function, node: ast.Call) -> str:
        """`return (grad_input[0] * 0.5,)`: the new gradient of the module's input as an
        expression of the one torch computed (g), names from outside written out now."""
        params = [a.arg for a in fn.node.args.args]
        what = f"the backward hook {fn.name}"
        if len(params) != 3:
            raise error_at(node, f"{what} takes (module, grad_input, grad_output)")

        def resolve(expr: ast.expr) -> ast.expr:
            if isinstance(expr, ast.Name) and expr.id in params or any(
                    isinstance(n, ast.Name) and n.id in params for n in ast.walk(expr)):
                raise error_at(expr, f"{what} reads {short_text(expr)}: a full backward hook "
                                     "is read when its new grad_input is an expression of "
                                     "grad_input alone")
            return literal(self.in_scope(fn, expr), expr, what,
                           lambda v: self.concrete(v, expr))

        gradient = ast.Name(id=GRADIENT, ctx=ast.Load())
        reader = GradientReader(what, {params[1]: ast.Tuple([gradient], ast.Load())},
                                resolve, self.module_path)
        tree = reader.read(fn.node.body) if isinstance(fn.node, ast.Lambda) else \
            reader.body(fn.node.body)
        if not (isinstance(tree, ast.Tuple | ast.List) and len(tree.elts) == 1):
            raise error_at(node, f"{what} is read when it returns a tuple of one gradient, "
                                 "for the module's one input: (grad_input[0] * 0.5,)")
        return checked(what, tree.elts[0], HOOK_NAMES)

    def grad_input_hooked(self, fn: Function, text: str | None, args: list[Value],
                          node: ast.Call) -> list[Value]:
        """The module's one tensor input behind a grad_hook node of its own: the gradient
        this call of the module sends it is what the hook returns, its other uses' not."""
        tensors = [n for n, a in enumerate(args) if isinstance(a, Pending | Ref)]
        if text is None or len(tensors) != 1:
            raise error_at(node, f"the backward hook {fn.name} is read on a module called "
                                 "with one tensor")
        (number,) = tensors
        if not self.needs_grad(args[number]):
            raise error_at(node, f"the backward hook {fn.name} changes grad_input[0], which "
                                 "is None here (the module's input does not require grad): "
                                 "torch raises when the hook computes with it")
        hooked = self.op_node("grad_hook", [args[number]], {
            "gradient": self.probed(text, fn, args[number], node)}, node)
        return [hooked if n == number else a for n, a in enumerate(args)]

    def hook_ran(self, fn: Function, args: list[Value], node: ast.Call) -> Value | None:
        """The hook inlined at the module's call: what it returned, None for None."""
        returned = self.inline(fn, args, {}, node)
        return None if isinstance(returned, Py) and returned.value is None else returned

    def remove_hook(self, handle: HookHandle, node: ast.Call) -> Value:
        found = self.module_hook_entries.pop(id(handle), None)
        if found is not None:
            module, entry, _ = found
            if any(e is entry for e in module.hooks):  # later calls of the module: no hook
                module.hooks.remove(entry)
        return super().remove_hook(handle, node)

    def module_on(self, module: Module, args: list[Value], kwargs: dict[str, Value],
                  node: ast.Call) -> Value:
        raise NotImplementedError  # modules.py

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        raise NotImplementedError  # functions.py


FULL_BACKWARD = "register_full_backward_hook"
# the module hooks that run at the module's call (backward hooks only look: read as handles,
# but a full backward hook returning a new grad_input wraps the input at each call)
_RUN = ("register_forward_hook", "register_forward_pre_hook")

MODULE_HOOKS = ("register_forward_hook", "register_forward_pre_hook",
                "register_full_backward_hook", "register_backward_hook",
                "register_full_backward_pre_hook")


def _looks(node: ast.expr) -> bool:
    """A lambda body that prints or stores, returning None."""
    return isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Name) and node.func.id == "print"
        or isinstance(node.func, ast.Attribute) and node.func.attr == "append")


__all__ = ["MODULE_HOOKS", "ModuleHooks"]
