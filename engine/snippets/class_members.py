"""@property, @staticmethod and @classmethod on a model class's methods (classes.py), read
as Python binds them: reading `model.n_params` calls the getter with self bound to the model;
a static method is called without self, a class method with the class first, on a model or
on the class itself (`Net.build(3)`, where `cls(...)` makes a model as `Net(...)` does). A
property's setter or deleter (`@n_params.setter`) is refused where the class is used."""

from __future__ import annotations

import ast
import copy

from engine.limits import CALL_DEPTH
from engine.snippets.module_tree import ModuleTree
from engine.snippets.optimizers import OUTSIDE
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Module, Py, Value

PROPERTY, STATIC, CLASS = "property", "staticmethod", "classmethod"


class ClassMembers(ModuleTree):
    def member_kind(self, decorator: ast.expr) -> str | None:
        """PROPERTY, STATIC or CLASS for Python's own decorator (not a name the snippet
        gave another value), else None."""
        if isinstance(decorator, ast.Name) and decorator.id in (PROPERTY, STATIC, CLASS) \
                and decorator.id not in self.env:
            return decorator.id
        return None

    def decorator_refusal(self, item: ast.FunctionDef,
                          class_name: str) -> tuple[ast.AST, str] | None:
        """Where and why a method's decorators are not read: one binding of Python's and
        @torch.no_grad() are."""
        bindings = [d for d in item.decorator_list if self.member_kind(d) is not None]
        for decorator in item.decorator_list:
            path = self.module_path(decorator.func if isinstance(decorator, ast.Call)
                                    else decorator)
            if (path is None or not path.endswith("no_grad")) and (
                    decorator not in bindings or len(bindings) > 1):
                return decorator, (f"{ast.unparse(decorator)} on {class_name}.{item.name} is "
                                   f"{OUTSIDE}; a model's methods are read plain or with one "
                                   "of @property (a getter), @staticmethod, @classmethod, "
                                   "and @torch.no_grad()")
        return None

    def plain_def(self, item: ast.FunctionDef, kinds: dict[str, str]) -> ast.FunctionDef:
        """The method without Python's binding decorator (the def functions.py reads, with
        @torch.no_grad() kept); `kinds` learns which binding it had."""
        found = [k for d in item.decorator_list if (k := self.member_kind(d)) is not None]
        if not found:
            return item
        kinds[item.name] = found[0]
        plain = copy.copy(item)
        plain.decorator_list = [d for d in item.decorator_list if self.member_kind(d) is None]
        return plain

    def property_value(self, model: Module, attr: str, node: ast.AST) -> Value:
        assert model.cls is not None
        return self.bound_call(model.cls.methods[attr], [Py(model)], {}, node)

    def member_call(self, model: Module, attr: str, node: ast.Call) -> Value:
        """`model.method(...)` as Python binds it: self first, the class first, nothing
        first; a property's answer called."""
        assert model.cls is not None
        kind = model.cls.kinds.get(attr)
        if kind == PROPERTY:
            return self.call_value(self.property_value(model, attr, node), node)
        args, kwargs = self.arguments(node)
        return self.bound_call(model.cls.methods[attr],
                               [*self.first_arguments(model, attr), *args], kwargs, node)

    def first_arguments(self, model: Module, attr: str) -> list[Value]:
        """What Python passes before the call's own arguments: self, the class, nothing."""
        assert model.cls is not None
        kind = model.cls.kinds.get(attr)
        return [] if kind == STATIC else [Py(model.cls)] if kind == CLASS else [Py(model)]

    def bound_call(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
                   node: ast.AST) -> Value:
        if CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.name} calls nest {CALL_DEPTH.message()} (recursion?)")
        return self.inline(fn, args, kwargs, node)  # type: ignore[arg-type]

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        """`Net.build(3)`: a static or class method called on the class itself; any other
        function of the class taken from it is a plain function, self passed by hand."""
        from engine.snippets.model_classes import ModelClass  # it builds on this module

        cls = receiver.value if isinstance(receiver, Py) else None
        if isinstance(cls, ModelClass) and attr in cls.methods:
            kind = cls.kinds.get(attr)
            if kind == PROPERTY:
                raise raised_at(node, TypeError("'property' object is not callable"))
            args, kwargs = self.arguments(node)
            first: list[Value] = [receiver] if kind == CLASS else []
            return self.bound_call(cls.methods[attr], [*first, *args], kwargs, node)
        return super().method(receiver, attr, node)


__all__ = ["CLASS", "PROPERTY", "STATIC", "ClassMembers"]
