"""The statements that open a block or check one: `with torch.no_grad():` (and
enable_grad, set_grad_enabled, inference_mode), `try`/`except` around a call torch refuses,
`assert`, and torch's anomaly mode (`set_detect_anomaly(True)`, `with detect_anomaly():`).
Read by the importer on concrete values, as Python would run them (statements.py runs the
blocks' bodies).
"""

from __future__ import annotations

import ast
import warnings
from typing import Any

import torch

from engine.ops import get_op
from engine.snippets.safety import ImportError_, TorchRaised, error_at, raised_at, short_text
from engine.snippets.setup_calls import SetupCalls
from engine.snippets.values import Pending, Py, Value
from engine.trace import RunError

GRAD_MODES = {"torch.no_grad": False, "torch.enable_grad": True,
              "torch.inference_mode": False, "torch.autograd.no_grad": False,
              "torch.autograd.enable_grad": True}
EXCEPTIONS = {"Exception": Exception, "RuntimeError": RuntimeError, "TypeError": TypeError,
               "ValueError": ValueError, "IndexError": IndexError,
               "AttributeError": AttributeError, "ZeroDivisionError": ZeroDivisionError,
               "AssertionError": AssertionError, "KeyError": KeyError,
               "NotImplementedError": NotImplementedError, "ImportError": ImportError,
               "ModuleNotFoundError": ModuleNotFoundError, "RecursionError": RecursionError,
               "OverflowError": OverflowError, "ArithmeticError": ArithmeticError,
               "LookupError": LookupError, "StopIteration": StopIteration}

# torch's profilers: contexts that time the body and change no number (blocks.profiled)
PROFILERS = frozenset({"torch.autograd.profiler.profile", "torch.profiler.profile",
                       "torch.autograd.profiler.record_function",
                       "torch.profiler.record_function"})


class Profiler:
    """What `with torch.profiler.profile() as prof` binds: its report is torch's timing,
    shown by a print only."""


ANOMALY_MODES = ("torch.autograd.set_detect_anomaly", "torch.autograd.detect_anomaly",
                 "torch.autograd.anomaly_mode.set_detect_anomaly",
                 "torch.autograd.anomaly_mode.detect_anomaly")

# torch raises this one while the backward runs, after other branches may have accumulated
_IN_PLACE_ERROR = "one of the variables needed for gradient computation has been modified"


def caught_half_way(line: int, col: int, error_type: str, message: str) -> ImportError_:
    """A backward caught by `except` after part of its gradients may have accumulated: which
    part depends on torch's order of work, so Gradflow refuses instead of guessing."""
    return ImportError_(f"this call raised inside try after changing some .grad or while it "
                        f"could have ({error_type}: {message.splitlines()[0][:120]}); Gradflow "
                        "shows calls that succeed or raise before any gradient accumulates: "
                        "remove the try to see torch's error, then fix the call", line, col)


class BlockReader(SetupCalls):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_tries: list[ast.Try] = []  # the try statements around the one being read
        # where the snippet turned torch's anomaly mode on: a backward computing NaN then
        # raises, which the reader checks once the document is whole (check_anomaly)
        self.anomaly_at: ast.AST | None = None

    def run_block(self, body: list[ast.stmt]) -> None:
        raise NotImplementedError  # statements.py

    def assert_statement(self, stmt: ast.Assert) -> None:
        """`assert cond, message`: nothing when cond holds, else Python's AssertionError
        (with the message's text) at this line, as the script stops there."""
        if self.truth(self.expr(stmt.test), stmt.test):
            return
        if stmt.msg is None:
            raise raised_at(stmt, AssertionError())
        raise raised_at(stmt, AssertionError(self.text_of(stmt.msg)))

    def profiled(self, stmt: ast.With, context: ast.Call) -> None:
        """`with torch.autograd.profiler.profile() as prof:` times what its body runs, which
        changes no number: the body is read as it is, and `prof` may be printed only."""
        self.arguments(context)
        target = stmt.items[0].optional_vars
        if target is not None:
            if not isinstance(target, ast.Name):
                raise error_at(target, "a profiler is read bound to one name: as prof")
            self.env[target.id] = Py(Profiler())
        self.run_block(stmt.body)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, Profiler):
            raise error_at(node, f"{short_text(node)}: a profile's report is torch's timing of "
                                 "the code, outside the computation Gradflow reads; it may "
                                 "be printed only")
        return super().method(receiver, attr, node)

    def raise_statement(self, stmt: ast.Raise) -> None:
        """`raise ValueError("...")` reached (an input check whose condition held): the
        script stops there with that error, as Python does; an except around it takes it."""
        made = stmt.exc
        kind = made.func if isinstance(made, ast.Call) else made
        if not isinstance(kind, ast.Name) or kind.id not in EXCEPTIONS or \
                kind.id in self.env or isinstance(made, ast.Call) and (made.keywords or any(
                    isinstance(a, ast.Starred) for a in made.args)):
            raise error_at(stmt, f"{short_text(stmt)} is read with one of Python's errors "
                                 f"({', '.join(EXCEPTIONS)}) and its message: "
                                 "raise ValueError('...')")
        args = made.args if isinstance(made, ast.Call) else []
        raise raised_at(stmt, EXCEPTIONS[kind.id](*(self.text_of(a) for a in args)))

    def other_expr(self, node: ast.expr) -> Value:
        if isinstance(node, ast.JoinedStr):  # f"fc{i}": a name, a key, a message
            return Py(self.text_of(node))
        return super().other_expr(node)

    def text_of(self, node: ast.expr) -> str:
        """The text of an assert's message: a string, or an f-string of numbers and strings
        (a tensor in it is shown as its numbers, without torch's grad_fn suffix)."""
        if not isinstance(node, ast.JoinedStr):
            return str(self.plain(self.expr(node), node))
        parts: list[str] = []
        for piece in node.values:
            if isinstance(piece, ast.Constant):
                parts.append(str(piece.value))
                continue
            assert isinstance(piece, ast.FormattedValue)
            value = self.concrete(self.expr(piece.value), piece)
            value = {-1: value, 115: str(value), 114: repr(value), 97: ascii(value)}[
                piece.conversion]
            spec = self.text_of(piece.format_spec) if piece.format_spec is not None else ""
            try:
                parts.append(format(value, spec))
            except (TypeError, ValueError) as exc:
                raise raised_at(piece, exc) from None
        return "".join(parts)

    # ---- with / try -------------------------------------------------------------------
    def with_block(self, stmt: ast.With) -> None:
        context = stmt.items[0].context_expr if len(stmt.items) == 1 else None
        if isinstance(context, ast.Call) and self.module_path(context.func) in PROFILERS:
            self.profiled(stmt, context)
            return
        if len(stmt.items) != 1 or stmt.items[0].optional_vars is not None:
            raise error_at(stmt, "only `with torch.no_grad():` and `with torch.enable_grad():` "
                                 "are read; files and other contexts are outside the "
                                 "computation Gradflow reads")
        context = stmt.items[0].context_expr
        func = context.func if isinstance(context, ast.Call) else context
        path = self.module_path(func)
        if path in ANOMALY_MODES and isinstance(context, ast.Call):
            self.anomaly_mode(context)
            self.run_block(stmt.body)
            return
        inference = path == "torch.inference_mode"
        if inference and isinstance(context, ast.Call) and (context.args or context.keywords):
            given = context.args[0] if context.args else context.keywords[0].value
            inference = self.plain(self.expr(given), given) is not False
            mode = not inference
        elif path == "torch.set_grad_enabled" and isinstance(context, ast.Call):
            flag = self.plain(self.expr(context.args[0]), context) if context.args else None
            if not isinstance(flag, bool):
                raise error_at(context, "torch.set_grad_enabled takes True or False")
            mode = flag
        elif path in GRAD_MODES:
            mode = GRAD_MODES[path]
        else:
            raise error_at(stmt, f"with {short_text(context)} is not supported; only "
                                 "torch.no_grad() and torch.enable_grad() are read (files and "
                                 "other contexts are outside the computation Gradflow reads)")
        saved = self.grad_enabled, self.inference
        self.grad_enabled, self.inference = mode, inference
        try:
            self.run_block(stmt.body)
        finally:
            self.grad_enabled, self.inference = saved

    def torch_call(self, path: str, node: ast.Call) -> Value:
        if path in ANOMALY_MODES:
            self.anomaly_mode(node)
            return Py(None)
        return super().torch_call(path, node)

    def anomaly_mode(self, node: ast.Call) -> None:
        """Anomaly mode changes no number: only a backward that computes NaN raises in it."""
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.get("mode", Py(True))
        on = self.plain(given, node)
        if not isinstance(on, bool) or len(args) > 2 or set(kwargs) - {"mode", "check_nan"}:
            raise error_at(node, f"{short_text(node)}: anomaly mode is read as "
                                 "set_detect_anomaly(True) or set_detect_anomaly(False)")
        if "check_nan" in kwargs or len(args) == 2:
            on = on and self.plain(kwargs.get("check_nan", args[-1]), node) is not False
        if on and self.anomaly_at is None:
            self.anomaly_at = node

    def anomaly_error(self) -> RunError | None:
        """With anomaly mode on: torch's error at the first backward that computes NaN
        (naming the backward function), where the script stops (reader.py reads it again
        stopping there); None when none does."""
        if self.anomaly_at is None:
            return None
        from engine.run import run  # only here: reading a snippet needs no run otherwise

        with warnings.catch_warnings():  # torch's notes on stderr say nothing to the user
            warnings.simplefilter("ignore")
            with torch.autograd.detect_anomaly(check_nan=True):
                error = run(self.doc).error
        return error if error is not None and "returned nan values" in error.message \
            else None

    def check_anomaly(self) -> None:
        """Refuse a snippet whose backward computes NaN with anomaly mode on where the call
        that raises is not one the script makes (reader.py stops the script at those)."""
        error = self.anomaly_error()
        if error is not None:
            assert self.anomaly_at is not None
            raise error_at(self.anomaly_at, f"{short_text(self.anomaly_at)} makes torch raise "
                                            f"at a backward that computes NaN ({error.message}"
                                            "); Gradflow shows the NaN gradients only with "
                                            "anomaly mode off: remove this line to see them")

    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                where: ast.AST) -> Value:
        """A tensor made under torch.inference_mode() may enter a graph only where the op
        does not save it for backward (x + z, not x * z): asked of torch on the values."""
        if self.grad_enabled and any(isinstance(v, Pending) and v.inference for v in inputs) \
                and any(self.needs_grad(v) for v in inputs):
            self.try_with_inference_tensors(op, inputs, params, where)
        return super().op_node(op, inputs, params, where)

    def try_with_inference_tensors(self, op: str, inputs: list[Value], params: dict[str, Any],
                                   where: ast.AST) -> None:
        args: list[Any] = []
        for value in inputs:
            t = self.concrete(value, where)
            if isinstance(value, Pending) and value.inference and isinstance(t, torch.Tensor):
                with torch.inference_mode():
                    t = t.clone()
            elif isinstance(t, torch.Tensor):
                t = t.detach().requires_grad_(self.needs_grad(value))
            args.append(t)
        try:
            get_op(op).call(*args, **params)
        except RuntimeError as exc:
            if "Inference tensors" in str(exc):
                raise raised_at(where, exc) from None

    def try_block(self, stmt: ast.Try) -> None:
        try:
            self.open_tries.append(stmt)
            try:
                self.run_block(stmt.body)
            finally:
                self.open_tries.pop()
        except TorchRaised as exc:
            handler = self.handler_for(stmt, exc.error_type)
            if handler is None:
                raise
            if exc.torch_message.startswith(_IN_PLACE_ERROR):  # raised during a backward
                raise caught_half_way(exc.line, exc.col, exc.error_type,
                                      exc.torch_message) from None
            if handler.name:
                self.env[handler.name] = Py(exc.torch_message)
            self.run_block(handler.body)
        else:
            self.run_block(stmt.orelse)
        finally:
            pass
        self.run_block(stmt.finalbody)

    def handler_for(self, stmt: ast.Try, error_type: str) -> ast.ExceptHandler | None:
        for handler in stmt.handlers:
            if handler.type is None:
                return handler
            names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for name in names:
                if not isinstance(name, ast.Name) or name.id not in EXCEPTIONS:
                    raise error_at(name, f"except {short_text(name)} is not supported; use "
                                         f"{', '.join(EXCEPTIONS)}")
                kind = EXCEPTIONS.get(error_type)
                if kind is not None and issubclass(kind, EXCEPTIONS[name.id]):
                    return handler
                if kind is None and name.id in ("Exception", "RuntimeError"):
                    return handler
        return None

