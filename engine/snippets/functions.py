"""A snippet's `def`s and lambdas, inlined at each call: the body is read with the
parameters bound to the call's values, in the function's own scope, under its
`@torch.no_grad()` if it has one. Calls nest at most CALL_DEPTH deep (engine/limits.py).

`return`, `break` and `continue` are exceptions here, raised by the statement reader
(statements.py) and caught by the function or loop they leave.
"""

from __future__ import annotations

import ast
from collections import ChainMap
from typing import Any

from engine.limits import CALL_DEPTH
from engine.snippets.blocks import GRAD_MODES, BlockReader
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Py, Value


class FunctionReturn(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, value: Value) -> None:
        self.value = value


class LoopBreak(Exception):  # noqa: N818
    pass


class LoopContinue(Exception):  # noqa: N818
    pass


class FunctionCalls(BlockReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.depth = 0  # calls being inlined, one inside the other

    def return_value(self, value: Value) -> None:
        raise FunctionReturn(value)

    def define(self, stmt: ast.FunctionDef) -> None:
        fn = Function(stmt, [self.expr(d) for d in stmt.args.defaults], scope=self.env)
        for decorator in stmt.decorator_list:
            path = self.module_path(decorator.func if isinstance(decorator, ast.Call)
                                    else decorator)
            if path not in GRAD_MODES:
                raise error_at(decorator, "decorators other than @torch.no_grad() are not "
                                          "supported; remove it")
            fn.grad_enabled = GRAD_MODES[path]
        self.env[stmt.name] = Py(fn)

    def call_function(self, fn: Function, node: ast.Call) -> Value:
        if CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.name} calls nest {CALL_DEPTH.message()} (recursion?)")
        return self.inline(fn, *self.arguments(node), node)

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        """The function's body read with its parameters bound to these values."""
        spec = fn.node.args
        if spec.vararg or spec.kwarg or spec.kwonlyargs or spec.posonlyargs:
            raise error_at(fn.node, "*args, **kwargs and keyword-only parameters are not "
                                    "supported; list the parameters")
        names = [a.arg for a in spec.args]
        local: dict[str, Value] = {}
        if len(args) > len(names):
            raise raised_at(node, TypeError(f"{fn.name}() takes {len(names)} positional "
                                            f"arguments but {len(args)} were given"))
        local.update(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise raised_at(node, TypeError(f"{fn.name}() got an unexpected keyword "
                                                f"argument '{key}'"))
            local[key] = value
        defaults = dict(zip(names[len(names) - len(fn.defaults):], fn.defaults, strict=True))
        missing = [n for n in names if n not in local and n not in defaults]
        if missing:
            raise raised_at(node, TypeError(f"{fn.name}() missing {len(missing)} required "
                                            f"positional argument: '{missing[0]}'"))
        for n in names:
            local.setdefault(n, defaults.get(n, Py(None)))
        saved, saved_grad = self.env, self.grad_enabled
        self.env = ChainMap(local, fn.scope if fn.scope is not None else self.env)
        if fn.grad_enabled is not None:
            self.grad_enabled = fn.grad_enabled
        self.depth += 1
        try:
            if isinstance(fn.node, ast.Lambda):
                return self.expr(fn.node.body)
            self.run_block(fn.node.body)
            return Py(None)
        except FunctionReturn as done:
            return done.value
        except (LoopBreak, LoopContinue):
            raise error_at(node, "break or continue outside a loop") from None
        finally:
            self.env, self.grad_enabled = saved, saved_grad
            self.depth -= 1
