"""What a snippet calls on an nn module itself: `model.parameters()`, `named_parameters()`,
`state_dict()`, `zero_grad()`, `train()`/`eval()`, `forward(...)`, and hooks that only look
(a forward or backward hook that prints what it is given)."""

from __future__ import annotations

import ast

from engine.snippets import param_containers
from engine.snippets.module_kinds import named_parameters_of, parameters_of, set_training
from engine.snippets.param_containers import PARAM_CONTAINERS
from engine.snippets.parameters import ParameterReader
from engine.snippets.safety import error_at
from engine.snippets.values import Function, HookHandle, Module, Py, Value


class ModuleMethods(ParameterReader):
    def module_hook(self, module: Module, attr: str, node: ast.Call) -> Value:
        """A module hook that only looks (prints or stores what it is given, returns
        nothing) changes nothing torch computes: read as a handle. One that returns a
        replacement is refused."""
        args, kwargs = self.arguments(node)
        fn = args[0].value if len(args) == 1 and isinstance(args[0], Py) else None
        if not isinstance(fn, Function) or kwargs:
            raise error_at(node, f".{attr}() is read with a def of the hook")
        body = [fn.node.body] if isinstance(fn.node, ast.Lambda) else fn.node.body
        returns = [n for part in body for n in ast.walk(part) if isinstance(n, ast.Return)
                   and n.value is not None and not (isinstance(n.value, ast.Constant)
                                                    and n.value.value is None)]
        if returns or isinstance(fn.node, ast.Lambda) and not _looks(fn.node.body):
            raise error_at(node, f"a hook of .{attr}() that returns a replacement is not "
                                 "read; a hook that only prints what it is given is")
        return Py(HookHandle(None, self.calls_made()))

    def module_attribute_of(self, module: Module, attr: str, node: ast.AST) -> Value:
        if attr in module.params:
            return module.params[attr]
        raise error_at(node, f"nn.{module.kind} has no attribute .{attr} read here; use "
                             ".weight or .bias")

    def module_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        if module.kind in PARAM_CONTAINERS and attr in ("append", "extend", "update"):
            return param_containers.change(module, attr, self.arguments(node)[0],
                                           self.as_parameter, node)
        if module.kind in PARAM_CONTAINERS and attr in ("keys", "values", "items") and \
                not node.args and not node.keywords:
            return param_containers.listed(module, attr, node)
        if attr == "parameters":
            return Py(list(parameters_of(module)))
        if attr == "named_parameters":  # for name, p in model.named_parameters(): ...
            return Py([Py((Py(name), param)) for name, param in named_parameters_of(module)])
        if attr == "state_dict" and not node.args and not node.keywords:
            return Py(self.state_dict(module, node))
        if attr == "zero_grad":
            self.module_zero_grad(module, node)
            return Py(None)
        if attr in ("train", "eval"):  # dropout draws only in training, as in torch
            args = self.arguments(node)[0]
            training = attr == "train" and (not args or self.plain(args[0], node) is not False)
            set_training(module, training)
            return Py(module)
        if attr == "forward":
            return self.call_module(module, node)
        if attr in _MODULE_HOOKS:
            return self.module_hook(module, attr, node)
        raise error_at(node, f".{attr}() of nn.{module.kind} is not supported")

    def state_dict(self, module: Module, node: ast.Call) -> dict[str, Value]:
        """model.state_dict(): each parameter's numbers by torch's name (to print, to list
        the keys). torch's tensors share memory with the parameters, so an update would
        change them under a name: they may be shown, not computed with."""
        out: dict[str, Value] = {}
        for name, param in named_parameters_of(module):
            numbers = self.from_tensor(self.concrete(param, node), node)
            numbers.no_graph = (f"{name} of state_dict() shares memory with the parameter "
                                "(an update changes it too): it may be shown, not computed "
                                "with; use the parameter itself")
            out[name] = numbers
        return out

    backward_seen = False

    def module_zero_grad(self, module: Module, where: ast.AST) -> None:
        raise NotImplementedError  # the program reader records it as a call

    def call_module(self, module: Module, node: ast.Call) -> Value:
        raise NotImplementedError  # modules.py


_MODULE_HOOKS = ("register_forward_hook", "register_forward_pre_hook",
                 "register_full_backward_hook", "register_backward_hook",
                 "register_full_backward_pre_hook")


def _looks(node: ast.expr) -> bool:
    """A lambda body that prints or stores, returning None."""
    return isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Name) and node.func.id == "print"
        or isinstance(node.func, ast.Attribute) and node.func.attr == "append")


__all__ = ["ModuleMethods"]
