"""A snippet's statements, evaluated by the importer itself on concrete values.

Control flow resolves as it does in Python: `for` over ranges, lists and tensors and `while`
with a condition on concrete values are unrolled into graph nodes; `if` takes the branch
its condition's value picks; a `def` or lambda is inlined at each call (functions.py); `with
torch.no_grad():` computes plain values with no graph (blocks.py reads `with`, `try` and
`assert`). Every statement, loop turn, call depth and graph node counts against the limits
in engine/limits.py.
"""

from __future__ import annotations

import argparse
import ast
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import torch

from engine.limits import SNIPPET_STATEMENTS
from engine.snippets.attributes import shadowable
from engine.snippets.aug_assign import AugAssignReader, data_of_a_view
from engine.snippets.expressions import STALE
from engine.snippets.functions import LoopBreak, LoopContinue
from engine.snippets.grad_reads import zeroes_grad
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import (
    ImportError_,
    error_at,
    imported_names,
    missing_module,
    raised_at,
    short_text,
)
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value


@dataclass
class ReadWatch:
    """Shared with a reading that runs in another thread (the app's import): how far it got,
    and a request to stop, honoured at the next statement."""

    statements: int = 0
    line: int = 0
    stop: threading.Event = field(default_factory=threading.Event)


class StatementRunner(AugAssignReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements_run = 0
        self.watch: ReadWatch | None = None

    def run_block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        try:
            self.one_statement(stmt)
        except AfterBackward:
            if _changes_gradients(stmt):
                raise
            # after the backward call and only reporting on .grad (print, if x.grad is
            # None: ...): the run shows every .grad, and nothing here changes them

    def environment_setting(self, stmt: ast.Assign) -> bool:
        """`os.environ["KMP_DUPLICATE_LIB_OK"] = "TRUE"` (a library's switch, set before it
        loads): a string into the environment changes no number Gradflow computes."""
        return len(stmt.targets) == 1 and _environment_key(stmt.targets[0]) and \
            isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str) and \
            self.module_path(stmt.targets[0].value) == "os.environ"  # type: ignore[attr-defined]

    def one_statement(self, stmt: ast.stmt) -> None:
        self.statements_run += 1
        watch = self.watch
        if watch is not None:
            watch.statements, watch.line = self.statements_run, stmt.lineno
            if watch.stop.is_set():
                raise error_at(stmt, "reading stopped here, as asked; nothing was imported")
        if SNIPPET_STATEMENTS.exceeded(self.statements_run):
            raise error_at(stmt, f"reading this statement goes {SNIPPET_STATEMENTS.message()}; "
                                 "make the loops shorter (fewer steps show the same graph)")
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            self.modules.update(imported_names(stmt))
            missing = missing_module(stmt)
            if missing is not None:  # the script's import fails here, in Python's words
                raise raised_at(stmt, ModuleNotFoundError(f"No module named '{missing}'"))
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and \
                stmt.value.id in self.modules and all(
                    isinstance(t, ast.Name) for t in stmt.targets):
            for target in stmt.targets:  # `nn = torch`: another name for the module
                assert isinstance(target, ast.Name)
                self.modules[target.id] = self.modules[stmt.value.id]
                self.env.pop(target.id, None)
        elif isinstance(stmt, ast.Assign) and self.environment_setting(stmt):
            pass  # os.environ["KMP_DUPLICATE_LIB_OK"] = "TRUE": no number changes
        elif isinstance(stmt, ast.Assign) and zeroes_grad(stmt.value):
            self.expression_statement(stmt.value)  # `_ = x.grad.zero_()`: the call, and the
            assert isinstance(stmt.value, ast.Call)  # .grad it returns bound to the names
            assert isinstance(stmt.value.func, ast.Attribute)
            self.statement(ast.copy_location(ast.Assign(
                targets=stmt.targets, value=stmt.value.func.value), stmt))
        elif isinstance(stmt, ast.Assign) and _backward_call(stmt.value) and all(
                isinstance(t, ast.Name) for t in stmt.targets):
            self.expression_statement(stmt.value)  # `r = loss.backward()`: the call,
            for target in stmt.targets:  # and None, what backward returns
                self.assign(target, Py(None), stmt)
        elif isinstance(stmt, ast.Assign):
            value = self.expr(stmt.value)
            for target in stmt.targets:
                self.assign(target, value, stmt)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(stmt.target, self.expr(stmt.value), stmt)
        elif isinstance(stmt, ast.AugAssign):
            self.aug_assign(data_of_a_view(stmt))
        elif isinstance(stmt, ast.Expr):
            self.expression_statement(stmt.value)
        elif isinstance(stmt, ast.If):
            self.run_block(stmt.body if self.truth(self.expr(stmt.test), stmt.test)
                           else stmt.orelse)
        elif isinstance(stmt, ast.For):
            self.for_loop(stmt)
        elif isinstance(stmt, ast.While):
            self.while_loop(stmt)
        elif isinstance(stmt, ast.FunctionDef):
            self.define(stmt)
        elif isinstance(stmt, ast.Return):
            self.return_value(self.expr(stmt.value) if stmt.value is not None else Py(None))
        elif isinstance(stmt, ast.Break):
            raise LoopBreak()
        elif isinstance(stmt, ast.Continue):
            raise LoopContinue()
        elif isinstance(stmt, ast.With):
            self.with_block(stmt)
        elif isinstance(stmt, ast.Try):
            self.try_block(stmt)
        elif isinstance(stmt, ast.Assert):
            self.assert_statement(stmt)
        elif isinstance(stmt, ast.Raise):
            self.raise_statement(stmt)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self.delete(target)
        elif not isinstance(stmt, ast.Pass | ast.Global | ast.Nonlocal):  # functions.py
            raise error_at(stmt, f"the statement {short_text(stmt)} is not supported; it is "
                                 "outside the plain computation Gradflow reads")

    def delete(self, target: ast.expr) -> None:
        """`del model`, `del losses[0]`, `del d["k"]`: the name or item is gone, as in Python
        (a tensor another name holds stays, as torch's does)."""
        if isinstance(target, ast.Tuple | ast.List):
            for item in target.elts:
                self.delete(item)
        elif isinstance(target, ast.Name):
            try:
                del self.env[target.id]
            except KeyError:
                raise raised_at(target, NameError(
                    f"name {target.id!r} is not defined")) from None
        elif isinstance(target, ast.Subscript) and isinstance(
                held := self.expr(target.value), Py) and isinstance(held.value, list | dict):
            key = self.expr(target.slice)
            try:
                del held.value[self.plain(key, target)]
            except (IndexError, KeyError, TypeError) as exc:  # Python's own words
                raise raised_at(target, exc) from None
        else:
            raise error_at(target, f"del {short_text(target)} is not supported; del is read "
                                   "of names and of items of lists and dicts")

    # ---- assignment -------------------------------------------------------------------
    def assign(self, target: ast.expr, value: Value, stmt: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value, stmt)
        elif isinstance(target, ast.Tuple | ast.List):
            items = self.items(value, stmt)
            if any(isinstance(t, ast.Starred) for t in target.elts):
                raise error_at(target, "* in an assignment is not supported; name each item")
            if len(items) != len(target.elts):
                expected = len(target.elts)
                text = (f"too many values to unpack (expected {expected})"
                        if len(items) > expected else
                        f"not enough values to unpack (expected {expected}, got {len(items)})")
                raise raised_at(stmt, ValueError(text))
            for sub, item in zip(target.elts, items, strict=True):
                self.assign(sub, item, stmt)
        elif isinstance(target, ast.Attribute) and target.attr == "requires_grad":
            flag = self.plain(value, stmt)
            if not isinstance(flag, bool):
                raise error_at(stmt, "requires_grad must be True or False")
            self.mark(self.expr(target.value), flag, target, how="attribute")
        elif isinstance(target, ast.Attribute) and self.module_path(target) is not None:
            # torch.pi = ... (d2l does this): the snippet's own name under torch
            self.module_values[str(self.module_path(target))] = value
        elif isinstance(target, ast.Attribute) and target.attr in ("grad", "data"):
            raise error_at(target, f"assigning to .{target.attr} is a training step (an "
                                   "update of a tensor in place), outside the computation "
                                   "Gradflow reads")
        elif isinstance(target, ast.Subscript):
            self.item_assign(target, value, stmt)
        elif isinstance(target, ast.Attribute) and shadowable(target.attr) and \
                isinstance(owner := self.expr(target.value), Pending | Ref):
            # `c.grdd = None` (a typo of c.grad), `w.retain_grad = True` (for the method):
            # Python sets an attribute of the tensor's own there
            self.own_tensor_attrs[(self.own_key(owner, target), target.attr)] = value
        elif isinstance(target, ast.Attribute) and isinstance(
                owner := self.expr(target.value), Py) and isinstance(
                owner.value, SimpleNamespace | argparse.Namespace):
            # cfg.lr = 0.1 (named_tuples.py); opt.niter = 1 on what parse_args() gave
            # (command_line.py), which holds plain values as argparse does
            held = value.value if isinstance(owner.value, argparse.Namespace) and \
                isinstance(value, Number | Py) else value
            setattr(owner.value, target.attr, held)
        elif not (isinstance(target, ast.Attribute) and self.parameter_assign(target, value)):
            raise error_at(target, f"assigning to {short_text(target)} is not supported; assign "
                                   "to a plain name")

    def parameter_assign(self, target: ast.Attribute, value: Value) -> bool:
        """`layer.weight = nn.Parameter(...)`: the layer computes with the new leaf from here
        on; a plain tensor there is torch's TypeError. `model.lmbda = nn.Parameter(...)` (a
        PINN's unknown coefficient) is a new parameter of the model, in its parameters()
        first, as torch files it. False when target is no parameter."""
        owner = self.expr(target.value)
        module = owner.value if isinstance(owner, Py) and isinstance(owner.value, Module) \
            else None
        if module is None or module.cls is not None:
            return False
        if target.attr not in module.params:  # a new parameter, as torch's __setattr__ files it
            if not (isinstance(value, Pending) and id(value) in self.parameter_ids) or \
                    target.attr in module.names or not target.attr.isidentifier():
                return False
            value.name = value.name or self.unique(
                f"{module.bound}_{target.attr}" if module.bound else target.attr)
            module.params[target.attr] = value
            return True
        if not (isinstance(value, Pending) and (id(value) in self.parameter_ids or
                                                self.module_parameter(value))):
            given = torch.typename(self.concrete(value, target)) if isinstance(
                value, Pending | Ref) else type(getattr(value, "value", value)).__name__
            raise raised_at(target, TypeError(f"cannot assign '{given}' as parameter "
                                              f"'{target.attr}' (torch.nn.Parameter or None "
                                              "expected)"))
        value.name = value.name or module.params[target.attr].name
        module.params[target.attr] = value
        return True

    def module_parameter(self, value: Pending) -> bool:
        """Whether a module the snippet names holds `value` as a parameter (`lm_head.weight
        = embedder.weight` ties two layers' weights: torch's Parameter is one object)."""
        seen: set[int] = set()
        todo = [v.value for v in self.env.values()
                if isinstance(v, Py) and isinstance(v.value, Module)]
        while todo:
            module = todo.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            if any(p is value for p in module.params.values()):
                return True
            todo.extend(c for c in module.children if isinstance(c, Module))
            todo.extend(a.value for a in module.attrs.values()
                        if isinstance(a, Py) and isinstance(a.value, Module))
        return False

    def item_assign(self, target: ast.Subscript, value: Value, stmt: ast.AST) -> None:
        target = self.one_index(target)
        base = self.expr(target.value)
        if isinstance(base, Py) and isinstance(base.value, list | dict):
            key = self.dict_key(self.expr(target.slice), target) if isinstance(
                base.value, dict) else self.index_key(target.slice)
            try:
                base.value[key] = value
            except Exception as exc:  # noqa: BLE001 - Python's own words
                raise raised_at(stmt, exc) from None
            return
        if isinstance(base, Pending) and base.no_graph and STALE in base.no_graph and \
                not isinstance(value, Py):
            # `losses[epoch] = loss` into numbers of a finished step: they stay numbers
            # that no graph may use (torch's graph through them is the old steps' own)
            numbers = self.concrete(base, stmt).clone()
            try:
                numbers[self.index_key(target.slice)] = self.concrete(value, stmt)
            except Exception as exc:  # noqa: BLE001 - torch's own words (shapes, index)
                raise raised_at(stmt, exc) from None
            base.value = numbers.tolist()
            return
        if isinstance(base, Pending | Ref) and not isinstance(value, Py):
            self.tensor_item_assign(target, base, value, stmt)
            return
        if isinstance(base, Py) and self.plain_item_assign(base, target, value, stmt):
            return  # a numpy array's item (numpy_reader.py)
        raise error_at(target, f"changing {short_text(target)} in place is not supported; build "
                               "a new tensor, e.g. with torch.where or torch.cat")

    def one_index(self, target: ast.Subscript) -> ast.Subscript:
        """`x[i][j] = v` with i a whole number is `x[i, j] = v` (torch writes into x through
        the view x[i]); any other chain is left as written (x[mask][j] writes into a copy)."""
        inner = target.value
        if not isinstance(inner, ast.Subscript) or isinstance(inner.slice, ast.Slice | ast.Tuple):
            return target
        inner = self.one_index(inner)
        root = inner.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or isinstance(inner.slice, ast.Tuple) and any(
                isinstance(e, ast.Slice) for e in inner.slice.elts):
            return target
        first = inner.slice.elts if isinstance(inner.slice, ast.Tuple) else [inner.slice]
        numbers = [self.expr(e) for e in first]
        if not all(isinstance(n, Number) and type(n.value) is int for n in numbers) or \
                not isinstance(self.expr(inner.value), Pending | Ref):
            return target
        rest = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        written = [ast.copy_location(ast.Constant(int(self.plain(n, e))), e)
                   for n, e in zip(numbers, first, strict=True)]
        index = ast.copy_location(ast.Tuple(elts=[*written, *rest], ctx=ast.Load()), target)
        return ast.copy_location(ast.Subscript(value=inner.value, slice=index,
                                               ctx=target.ctx), target)

    def tensor_item_assign(self, target: ast.Subscript, base: Pending | Ref, value: Value,
                           stmt: ast.AST) -> None:
        raise NotImplementedError  # inplace.py

    def plain_item_assign(self, base: Py, target: ast.Subscript, value: Value,
                          stmt: ast.AST) -> bool:
        """True when the item of a plain value was set (numpy_reader.py)."""
        return False

    def bind(self, name: str, value: Value, stmt: ast.AST) -> None:
        if isinstance(value, Py):
            if isinstance(value.value, Module):
                value.value.bound = value.value.bound or name
                self.name_parameters(value.value, name)
            self.env[name] = value
            return
        super().bind(name, value, stmt)


_GRAD_CHANGING_CALLS = ("backward", "zero_", "zero_grad", "step", "grad")


def _environment_key(target: ast.expr) -> bool:
    """`os.environ["NAME"]` as an assignment's target."""
    return isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) \
        and target.value.attr == "environ" and isinstance(target.slice, ast.Constant) \
        and isinstance(target.slice.value, str)


def _changes_gradients(stmt: ast.stmt) -> bool:
    """Whether a statement may change .grad or call backward again."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in _GRAD_CHANGING_CALLS:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if \
            isinstance(node, ast.AugAssign) else []
        if any(isinstance(t, ast.Attribute) and t.attr in ("grad", "data") for t in targets):
            return True
    return False



__all__ = ["ImportError_", "ReadWatch", "StatementRunner"]


def _backward_call(node: ast.expr) -> bool:
    """`t.backward(...)` or `torch.autograd.backward(...)`."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr == "backward"
