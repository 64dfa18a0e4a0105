"""The statements that open a block or check one: `with torch.no_grad():` (and
enable_grad, set_grad_enabled), `try`/`except` around a call torch refuses, and `assert`.
Read by the importer on concrete values, as Python would run them (statements.py runs the
blocks' bodies).
"""

from __future__ import annotations

import ast

from engine.snippets.pyexpr import PythonReader
from engine.snippets.safety import TorchRaised, error_at, raised_at
from engine.snippets.values import Py

GRAD_MODES = {"torch.no_grad": False, "torch.enable_grad": True,
              "torch.inference_mode": False, "torch.autograd.no_grad": False,
              "torch.autograd.enable_grad": True}
_EXCEPTIONS = {"Exception": Exception, "RuntimeError": RuntimeError, "TypeError": TypeError,
               "ValueError": ValueError, "IndexError": IndexError,
               "AttributeError": AttributeError, "ZeroDivisionError": ZeroDivisionError,
               "AssertionError": AssertionError}


class BlockReader(PythonReader):
    def run_block(self, body: list[ast.stmt]) -> None:
        raise NotImplementedError  # statements.py

    def assert_statement(self, stmt: ast.Assert) -> None:
        """`assert cond, message`: nothing when cond holds, else Python's AssertionError
        (with the message's text) at this line, as the script stops there."""
        if self.truth(self.expr(stmt.test), stmt.test):
            return
        message = "" if stmt.msg is None else self.plain(self.expr(stmt.msg), stmt.msg)
        raise raised_at(stmt, AssertionError(message) if stmt.msg is not None
                        else AssertionError())

    # ---- with / try -------------------------------------------------------------------
    def with_block(self, stmt: ast.With) -> None:
        if len(stmt.items) != 1 or stmt.items[0].optional_vars is not None:
            raise error_at(stmt, "only `with torch.no_grad():` and `with torch.enable_grad():` "
                                 "are read; files and other contexts are outside the "
                                 "computation Gradflow reads")
        context = stmt.items[0].context_expr
        func = context.func if isinstance(context, ast.Call) else context
        path = self.module_path(func)
        if path == "torch.set_grad_enabled" and isinstance(context, ast.Call):
            flag = self.plain(self.expr(context.args[0]), context) if context.args else None
            if not isinstance(flag, bool):
                raise error_at(context, "torch.set_grad_enabled takes True or False")
            mode = flag
        elif path in GRAD_MODES:
            mode = GRAD_MODES[path]
        else:
            raise error_at(stmt, f"with {_short(context)} is not supported; only "
                                 "torch.no_grad() and torch.enable_grad() are read (files and "
                                 "other contexts are outside the computation Gradflow reads)")
        saved = self.grad_enabled
        self.grad_enabled = mode
        try:
            self.run_block(stmt.body)
        finally:
            self.grad_enabled = saved

    def try_block(self, stmt: ast.Try) -> None:
        try:
            self.run_block(stmt.body)
        except TorchRaised as exc:
            handler = self.handler_for(stmt, exc.error_type)
            if handler is None:
                raise
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
                if not isinstance(name, ast.Name) or name.id not in _EXCEPTIONS:
                    raise error_at(name, f"except {_short(name)} is not supported; use "
                                         f"{', '.join(_EXCEPTIONS)}")
                kind = _EXCEPTIONS.get(error_type)
                if kind is not None and issubclass(kind, _EXCEPTIONS[name.id]):
                    return handler
                if kind is None and name.id in ("Exception", "RuntimeError"):
                    return handler
        return None


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."
