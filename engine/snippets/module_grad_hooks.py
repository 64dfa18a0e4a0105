"""Backward hooks on nn modules that store what they are given
(`layer.register_full_backward_hook(fn)` keeping `grad_output[0]`,
`register_full_backward_pre_hook`): each module call with such hooks gives its output a
hook of the module's (hook_lists.py runs them after each call, in torch's order: the
module wraps its output, so hooks registered on the tensor it returns run before the
module's, and those registered inside it, by a forward hook, after). A full hook is given
grad_input too: None for an input that does not require grad, else the input's gradient
when the module is the input's only use (torch gives the part that comes through the
module). The old `register_backward_hook`, which torch gives the gradients of the module's
last operation, leaves what its hook stores refused where it is read."""

from __future__ import annotations

import ast

from engine.snippets.hook_lists import HookLists, Sink, stores
from engine.snippets.values import Function, Module, Pending, Py, Ref, Value

_MODULE_GRAD_HOOKS = ("register_full_backward_hook", "register_full_backward_pre_hook")


class ModuleGradHooks(HookLists):
    def module_hook(self, module: Module, attr: str, node: ast.Call) -> Value:
        """A full backward hook or pre-hook that stores what it is given runs after each
        call that reaches the module's output (`fire_order`); the old register_backward_hook
        (torch gives it the gradients of the module's last op) is still only a handle."""
        given = self.arguments(node)  # once: module_hooks.py is given the same
        self.hook_arguments[id(node)] = given
        try:
            handle = super().module_hook(module, attr, node)
        finally:
            self.hook_arguments.pop(id(node), None)
        fn = next((v.value for v in [*given[0], *given[1].values()]
                   if isinstance(v, Py) and isinstance(v.value, Function)), None)
        if fn is None or not stores(fn.node) or not isinstance(handle, Py):
            return handle
        if attr in _MODULE_GRAD_HOOKS:
            entry = [attr, fn, None]  # no replacement text: it stores, it returns nothing
            module.hooks.append(entry)
            self.module_grad_hooks[id(handle.value)] = (handle.value, module, entry)
        elif attr == "register_backward_hook":
            self.unread([Sink(fn, "", [], 0, node, attr)], "is filled by a hook of "
                        ".register_backward_hook(), which torch gives the gradients of the "
                        "module's last operation only: use register_full_backward_hook")
        return handle

    def invoke(self, module: Module, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        hooks = [(kind, fn) for kind, fn, text in module.hooks
                 if kind in _MODULE_GRAD_HOOKS and text is None]
        if not hooks:
            return super().invoke(module, args, kwargs, node)
        known = set(self.doc.graph)
        output = super().invoke(module, args, kwargs, node)
        tensors = [a for a in args if isinstance(a, Pending | Ref)]
        if not isinstance(output, Pending | Ref) or len(tensors) != len(args) or len(args) > 1:
            for _, fn in hooks:
                self.unread([Sink(fn, "", [], 0, node, module.kind)], "is filled by a "
                            "backward hook of a module called with other than one tensor, "
                            "returning one: outside what Gradflow reads")
            return output
        at = self.node_of(output, node)
        self.wrap_count += 1
        self.wraps.setdefault(at, []).append(self.wrap_count)
        source = self.node_of(tensors[0], node) if tensors and self.needs_grad(
            tensors[0]) else None
        made = frozenset(set(self.doc.graph) - known)
        for kind, fn in hooks:
            pre = kind == "register_full_backward_pre_hook"
            self.sinks.append(Sink(fn, at, [], self.calls_read, node, f"{module.kind} module",
                                    module=module, pre=pre, wrap=self.wrap_count,
                                    input_node=None if pre else source, inside=made))
        return output


__all__ = ["ModuleGradHooks"]
