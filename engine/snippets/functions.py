"""A snippet's `def`s and lambdas, inlined at each call: the body is read with the
parameters bound to the call's values, in the function's own scope, under its
`@torch.no_grad()` if it has one. Calls nest at most CALL_DEPTH deep (engine/limits.py).

`return`, `break` and `continue` are exceptions here, raised by the statement reader
(statements.py) and caught by the function or loop they leave.
"""

from __future__ import annotations

import ast
from collections import ChainMap
from collections.abc import MutableMapping
from typing import Any

from engine.limits import CALL_DEPTH
from engine.snippets.blocks import GRAD_MODES
from engine.snippets.categorical import CategoricalGraphs
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Py, Value


def _own_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a function body, in its blocks too, but not in nested defs."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if not isinstance(stmt, ast.FunctionDef | ast.ClassDef):
            for field in ("body", "orelse", "finalbody"):
                out.extend(_own_statements(getattr(stmt, field, [])))
            for handler in getattr(stmt, "handlers", []):
                out.extend(_own_statements(handler.body))
    return out


class FunctionReturn(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, value: Value) -> None:
        self.value = value


class LoopBreak(Exception):  # noqa: N818
    pass


class LoopContinue(Exception):  # noqa: N818
    pass


def assigned_names(body: list[ast.stmt]) -> set[str]:
    """The names a function body binds (Python makes each local to the whole call)."""
    names: set[str] = set()
    for stmt in _own_statements(body):
        if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
            names.add(stmt.name)
            continue
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            names |= {a.asname or a.name.split(".")[0] for a in stmt.names}
        names |= {h.name for h in getattr(stmt, "handlers", []) if h.name}
        todo = [v for f, v in ast.iter_fields(stmt)
                if f not in ("body", "orelse", "finalbody", "handlers")]
        while todo:
            item = todo.pop()
            if isinstance(item, list):
                todo.extend(item)
            elif isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store | ast.Del):
                names.add(item.id)
            elif isinstance(item, ast.AST) and not isinstance(item, _OWN_SCOPES):
                todo.extend(v for _, v in ast.iter_fields(item))
    return names


# expressions with names of their own: what they bind is not the function's
_OWN_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Locals(dict[str, Value]):
    """A call's own names, and the names its body binds somewhere (`assigned`): reading
    one of those before it is bound is Python's UnboundLocalError, not the module's name."""

    def __init__(self, local: dict[str, Value], assigned: set[str]) -> None:
        super().__init__(local)
        self.assigned = assigned


class Scope(Locals):
    """A call's own names; those its `global`/`nonlocal` statements name live in the
    module's names or the enclosing function's, and are read and bound there."""

    def __init__(self, local: dict[str, Value], assigned: set[str],
                 elsewhere: dict[str, MutableMapping[str, Value]]) -> None:
        super().__init__(local, assigned - set(elsewhere))
        self.elsewhere = elsewhere

    def __getitem__(self, name: str) -> Value:
        if name in self.elsewhere:
            return self.elsewhere[name][name]
        return super().__getitem__(name)

    def __setitem__(self, name: str, value: Value) -> None:
        if name in self.elsewhere:
            self.elsewhere[name][name] = value
        else:
            super().__setitem__(name, value)

    def __contains__(self, name: object) -> bool:
        if name in self.elsewhere:
            return name in self.elsewhere[name]  # type: ignore[index]
        return super().__contains__(name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name] if name in self else default


class FunctionCalls(CategoricalGraphs):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.depth = 0  # calls being inlined, one inside the other
        self.frames: list[MutableMapping[str, Value]] = []  # their callers' names
        self.module_names = self.env  # what `global` statements name

    def every_frame(self) -> ChainMap[str, Value]:
        """The names of the function being read and of each caller under it: what the
        script still holds (a training step inside a helper leaves its caller's names), and
        what a tensor holds as an attribute of its own (`result.g = ...`)."""
        own = getattr(self, "own_tensor_attrs", None)
        kept = [{f"<{i}>": v for i, v in enumerate(own.values())}] if own else []
        return ChainMap(*getattr(self.env, "maps", [self.env]), *self.frames, *kept)

    def return_value(self, value: Value) -> None:
        raise FunctionReturn(value)

    def define(self, stmt: ast.FunctionDef) -> None:
        fn = Function(stmt, [self.expr(d) for d in stmt.args.defaults], scope=self.env,
                      kw_defaults=[None if d is None else self.expr(d)
                                   for d in stmt.args.kw_defaults])
        for decorator in stmt.decorator_list:
            path = self.module_path(decorator.func if isinstance(decorator, ast.Call)
                                    else decorator)
            if path == "torch.jit.script" and not isinstance(decorator, ast.Call):
                continue  # TorchScript runs the same function: its numbers and gradients
            if path not in GRAD_MODES:
                raise error_at(decorator, "decorators other than @torch.no_grad() (and its "
                                          "kin) and @torch.jit.script are not supported; "
                                          "remove it")
            fn.grad_enabled = GRAD_MODES[path]
            fn.inference = path == "torch.inference_mode"
        self.env[stmt.name] = Py(fn)

    def call_function(self, fn: Function, node: ast.Call) -> Value:
        if CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.name} calls nest {CALL_DEPTH.message()} (recursion?)")
        if not any(isinstance(a, ast.Starred) for a in node.args) and all(
                kw.arg is not None for kw in node.keywords):
            return self.inline(fn, *self.arguments(node), node)
        args = [v for a in node.args for v in (  # f(*args, **kwargs), as Python spreads them
            self.items(self.expr(a.value), a) if isinstance(a, ast.Starred) else [self.expr(a)])]
        kwargs: dict[str, Value] = {}
        for kw in node.keywords:
            given = {kw.arg: self.expr(kw.value)} if kw.arg is not None else \
                self.spread_dict(kw.value, node)
            for key, value in given.items():
                if key in kwargs:
                    raise raised_at(node, TypeError(f"{fn.name}() got multiple values for "
                                                    f"keyword argument '{key}'"))
                kwargs[key] = value
        return self.inline(fn, args, kwargs, node)

    def bound(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
              node: ast.Call) -> dict[str, Value]:
        """The parameters bound as Python binds them: positional, *args (a tuple), keyword,
        keyword-only, **kwargs (a dict), defaults; Python's own TypeError otherwise."""
        spec = fn.node.args
        if spec.posonlyargs:
            raise error_at(fn.node, "positional-only parameters (before /) are not supported; "
                                    "list the parameters")
        names = [a.arg for a in spec.args]
        kwonly = [a.arg for a in spec.kwonlyargs]
        local: dict[str, Value] = {}
        if len(args) > len(names) and spec.vararg is None:
            raise raised_at(node, TypeError(f"{fn.name}() takes {len(names)} positional "
                                            f"arguments but {len(args)} were given"))
        local.update(zip(names, args, strict=False))
        if spec.vararg is not None:
            local[spec.vararg.arg] = Py(tuple(args[len(names):]))
        extra: dict[str, Value] = {}
        for key, value in kwargs.items():
            if key in local and key in names:
                raise raised_at(node, TypeError(f"{fn.name}() got multiple values for "
                                                f"argument '{key}'"))
            if key in names or key in kwonly:
                local[key] = value
            elif spec.kwarg is not None:
                extra[key] = value
            else:
                raise raised_at(node, TypeError(f"{fn.name}() got an unexpected keyword "
                                                f"argument '{key}'"))
        if spec.kwarg is not None:
            local[spec.kwarg.arg] = Py(extra)
        defaults = dict(zip(names[len(names) - len(fn.defaults):], fn.defaults, strict=True))
        defaults.update({n: d for n, d in zip(kwonly, fn.kw_defaults, strict=False)
                         if d is not None})
        missing = [n for n in names if n not in local and n not in defaults]
        if missing:
            raise raised_at(node, TypeError(f"{fn.name}() missing {len(missing)} required "
                                            f"positional argument: '{missing[0]}'"))
        missing = [n for n in kwonly if n not in local and n not in defaults]
        if missing:
            raise raised_at(node, TypeError(f"{fn.name}() missing {len(missing)} required "
                                            f"keyword-only argument: '{missing[0]}'"))
        for n in names + kwonly:
            local.setdefault(n, defaults.get(n, Py(None)))
        return local

    def declared_elsewhere(self, fn: Function) -> dict[str, MutableMapping[str, Value]]:
        """The names the function's `global` and `nonlocal` statements name, each with the
        names it lives in: the module's, or the nearest enclosing function's that has it."""
        out: dict[str, MutableMapping[str, Value]] = {}
        if isinstance(fn.node, ast.Lambda):
            return out
        enclosing = list(getattr(fn.scope, "maps", [fn.scope]))
        for stmt in _own_statements(fn.node.body):
            if isinstance(stmt, ast.Global):
                out.update(dict.fromkeys(stmt.names, self.module_names))
            elif isinstance(stmt, ast.Nonlocal):
                for name in stmt.names:
                    found = next((m for m in enclosing if m is not self.module_names
                                  and name in m), None)
                    if found is None:  # Python refuses it before running anything
                        raise error_at(stmt, f"no binding for nonlocal '{name}' found")
                    out[name] = found
        return out

    def lookup(self, node: ast.Name) -> Value:
        own = self.env.maps[0] if isinstance(self.env, ChainMap) else None
        if isinstance(own, Locals) and node.id in own.assigned and node.id not in own:
            raise raised_at(node, UnboundLocalError(
                f"cannot access local variable '{node.id}' where it is not associated with a "
                "value"))
        return super().lookup(node)

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        """The function's body read with its parameters bound to these values."""
        declared = self.declared_elsewhere(fn)
        assigned = set() if isinstance(fn.node, ast.Lambda) else assigned_names(fn.node.body)
        local: dict[str, Value] = Scope(self.bound(fn, args, kwargs, node), assigned, declared) \
            if declared else Locals(self.bound(fn, args, kwargs, node), assigned)
        saved, saved_grad, saved_inference = self.env, self.grad_enabled, self.inference
        self.env = ChainMap(local, fn.scope if fn.scope is not None else self.env)
        if fn.grad_enabled is not None:
            self.grad_enabled, self.inference = fn.grad_enabled, fn.inference
        self.depth += 1
        self.frames.append(saved)  # the caller's names, which it still holds
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
            self.env, self.grad_enabled, self.inference = saved, saved_grad, saved_inference
            self.depth -= 1
            self.frames.pop()
