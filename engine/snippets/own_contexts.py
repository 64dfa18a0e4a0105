"""`with Recorder(model) as rec:` of a class of the snippet's own that has __enter__ and
__exit__: a context that registers hooks on entry and removes them on exit (activation
statistics, a NaN sentry). Read as Python runs it: __enter__ is called and its answer bound
to the `as` name, the body runs, then __exit__ is called with the exception the body raised
(its type, message and no traceback) or three Nones; a true answer from __exit__ swallows
the exception, as Python does."""

from __future__ import annotations

import ast

from engine.snippets.bare_modules import BareModules
from engine.snippets.blocks import EXCEPTIONS
from engine.snippets.classes import ModelClass
from engine.snippets.safety import TorchRaised
from engine.snippets.values import Module, Number, Py, Value


class OwnContexts(BareModules):
    def with_block(self, stmt: ast.With) -> None:
        context = stmt.items[0].context_expr if len(stmt.items) == 1 else None
        if context is None or not self.own_context(context):
            super().with_block(stmt)
            return
        manager = self.expr(context)
        assert isinstance(manager, Py) and isinstance(manager.value, Module)
        model = manager.value
        assert model.cls is not None
        entered = self.method_call(model, model.cls.methods["__enter__"], [], {},
                                   _call_at(context))
        target = stmt.items[0].optional_vars
        if target is not None:
            self.assign(target, entered, stmt)
        try:
            self.run_block(stmt.body)
        except TorchRaised as exc:
            kind = EXCEPTIONS.get(exc.error_type, RuntimeError)
            given: list[Value] = [Py(kind), Py(kind(exc.torch_message)), Py(None)]
            if self.truth(self.exit_of(model, given, context), context):
                return  # __exit__ said the exception is handled
            raise
        self.exit_of(model, [Py(None), Py(None), Py(None)], context)

    def exit_of(self, model: Module, given: list[Value], context: ast.expr) -> Value:
        assert model.cls is not None
        answer = self.method_call(model, model.cls.methods["__exit__"], given, {},
                                  _call_at(context))
        return Number(False) if isinstance(answer, Py) and answer.value is None else answer

    def own_context(self, context: ast.expr) -> bool:
        """Whether the context is an object of the snippet's own class with __enter__ and
        __exit__ (made in the with line, `with Sentry(model):`, or held by a name)."""
        func = context.func if isinstance(context, ast.Call) else context
        held = self.env.get(func.id) if isinstance(func, ast.Name) else None
        cls = None
        if isinstance(context, ast.Call) and isinstance(held, Py) and \
                isinstance(held.value, ModelClass):
            cls = held.value
        elif isinstance(context, ast.Name) and isinstance(held, Py) and \
                isinstance(held.value, Module):
            cls = held.value.cls
        return cls is not None and {"__enter__", "__exit__"} <= set(cls.methods)


def _call_at(where: ast.expr) -> ast.Call:
    """A call node at the with line, for the messages of the methods' reading."""
    return ast.copy_location(ast.Call(func=where, args=[], keywords=[]), where)


__all__ = ["OwnContexts"]
