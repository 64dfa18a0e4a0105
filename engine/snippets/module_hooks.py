"""Hooks on nn modules (`layer.register_forward_hook(fn)` and the others): a hook that only
looks (prints or stores what it is given, returns nothing, or gives back unchanged the value
torch would replace) changes nothing torch computes and is read as a handle; one that
returns a replacement is refused. A forward hook and a forward pre-hook run where torch runs
them, at each call of the module (`model(x)`, a layer inside a Sequential; not
`model.forward(x)`), in the order they were registered, so what they do (print, store the
output, register a hook on it) happens as in the script; `handle.remove()` takes it off."""

from __future__ import annotations

import ast
from typing import Any

from engine.snippets.parameters import ParameterReader
from engine.snippets.safety import error_at
from engine.snippets.values import Function, HookHandle, Module, Py, Value


class ModuleHooks(ParameterReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a forward hook's handle: its module, its entry there, and the handle kept alive
        self.module_hook_entries: dict[int, tuple[Module, list[Any], HookHandle]] = {}

    def module_hook(self, module: Module, attr: str, node: ast.Call) -> Value:
        """A hook that only looks is a handle; one returning a replacement is refused."""
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
        if returns or isinstance(fn.node, ast.Lambda) and not _looks(fn.node.body):
            raise error_at(node, f"a hook of .{attr}() that returns a replacement is not "
                                 "read; a hook that only prints what it is given is")
        handle = HookHandle(None, self.calls_made())
        if attr in _RUN:
            entry = [attr, fn]
            module.hooks.append(entry)
            self.module_hook_entries[id(handle)] = (module, entry, handle)
        return Py(handle)

    def invoke(self, module: Module, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        """The module called as torch's __call__ does: its forward pre-hooks, forward,
        then its forward hooks (each given the module, the inputs as a tuple, the output)."""
        for kind, fn in list(module.hooks):
            if kind == "register_forward_pre_hook":
                self.hook_ran(fn, [Py(module), Py(tuple(args))], None, node)
        output = self.module_on(module, args, kwargs, node)
        for kind, fn in list(module.hooks):
            if kind == "register_forward_hook":
                self.hook_ran(fn, [Py(module), Py(tuple(args)), output], output, node)
        return output

    def hook_ran(self, fn: Function, args: list[Value], output: Value | None,
                 node: ast.Call) -> None:
        returned = self.inline(fn, args, {}, node)
        if not (isinstance(returned, Py) and returned.value is None or returned is output):
            raise error_at(node, f"the hook {fn.name} returned a replacement of what the "
                                 "module computes; a hook that only looks is read")

    def remove_hook(self, handle: HookHandle, node: ast.Call) -> Value:
        found = self.module_hook_entries.pop(id(handle), None)
        if found is not None:
            module, entry, _ = found
            if any(e is entry for e in module.hooks):
                module.hooks.remove(entry)
        return super().remove_hook(handle, node)

    def module_on(self, module: Module, args: list[Value], kwargs: dict[str, Value],
                  node: ast.Call) -> Value:
        raise NotImplementedError  # modules.py

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        raise NotImplementedError  # functions.py


# the module hooks that run at the module's call (backward hooks only look: read as handles)
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
