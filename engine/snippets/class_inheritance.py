"""Inheritance between the snippet's own classes (classes.py), read as Python reads it:
`class Lin(Module)` of a plain base (fast.ai's `Module` with its `__call__`), or
`class Child(Parent)` of an nn.Module model, holds the base's methods and constants under
its own (model_classes.py), and isinstance answers for every class it derives from.

`super()` in a method is super(the class defining the method, its first argument), as
Python's `__class__` cell makes it: `super().__init__(...)`, `super(Child, self).__init__(...)`
and `Parent.__init__(self, ...)` read the next class's __init__ with the arguments given
(past the snippet's classes, torch's nn.Module.__init__ or object's); `super().forward(x)`
and `super().method(...)` the next class's method, bound to the same object; `super().X` a
property's answer or a constant of the next class.
One base of the snippet's own is read; more than one (multiple inheritance) is refused."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.class_members import CLASS, PROPERTY, STATIC
from engine.snippets.model_attributes import ModelAttributes
from engine.snippets.model_classes import ModelClass, is_class
from engine.snippets.optimizers import OUTSIDE
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Module, Py, Value


class ClassInheritance(ModelAttributes):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the functions being inlined, each with its first argument: what super() binds
        self.running: list[tuple[Function, Value | None]] = []

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        first = args[0] if args else None
        if first is None and isinstance(fn.node, ast.FunctionDef) and fn.node.args.args:
            first = kwargs.get(fn.node.args.args[0].arg)
        self.running.append((fn, first))
        try:
            return super().inline(fn, args, kwargs, node)
        finally:
            self.running.pop()

    # ---- the class statement -----------------------------------------------------------
    def own_base(self, stmt: ast.ClassDef) -> ModelClass | None:
        """The snippet's own class this one derives from (its only base), or None."""
        if len(stmt.bases) != 1 or not isinstance(stmt.bases[0], ast.Name):
            return None
        held = self.env.get(stmt.bases[0].id)
        return _class_of(held) if held is not None else None

    def inheritance_refusal(self, stmt: ast.ClassDef) -> tuple[ast.AST, str] | None:
        """More than one base with one of the snippet's own among them."""
        own = [b for b in stmt.bases if isinstance(b, ast.Name) and is_class(self.env.get(b.id))]
        if not own or len(stmt.bases) == 1:
            return None
        others = ", ".join(ast.unparse(b) for b in stmt.bases if b is not own[0])
        return own[0], (f"the class {stmt.name} inherits from the snippet's own class "
                        f"{ast.unparse(own[0])} and from {others}: multiple inheritance is "
                        f"{OUTSIDE}; Gradflow reads a class deriving from one class (its own "
                        "or nn.Module)")

    # ---- super() and Parent.__init__(self, ...) ----------------------------------------
    def call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute) and _is_super(func.value) and \
                "super" not in self.env:
            assert isinstance(func.value, ast.Call)
            after, model = self.super_of(func.value)
            if func.attr == "__init__":
                return self.next_init(after, model, node, by_path=False)
            return self.next_method(after, model, func.attr, node)
        if isinstance(func, ast.Attribute) and func.attr == "__init__":
            return self.explicit_init(func, node)
        if _is_super(func) and "super" not in self.env:  # super().attribute, or alone
            raise error_at(node, "super() is read as the receiver of a call in a method "
                                 "(super().__init__(...), super().forward(x), "
                                 f"super().method(...)); otherwise it is {OUTSIDE}")
        return super().call(node)

    def attribute(self, node: ast.Attribute) -> Value:
        """`super().double` of a @property, `super().SCALE` of a constant: the next class's."""
        if not _is_super(node.value) or "super" in self.env:
            return super().attribute(node)
        assert isinstance(node.value, ast.Call)
        after, model = self.super_of(node.value)
        base = after.base
        if base is not None and base.kinds.get(node.attr) == PROPERTY:
            return self.bound_call(base.methods[node.attr], [Py(model)], {}, node)
        if base is not None and node.attr in base.constants:
            return base.constants[node.attr]
        if base is not None and node.attr in base.methods:
            raise error_at(node, f"super().{node.attr} taken without its call is {OUTSIDE}; "
                                 f"call it (super().{node.attr}(...))")
        if _root(after).plain:
            raise raised_at(node, AttributeError(f"'super' object has no attribute "
                                                 f"'{node.attr}'"))
        raise error_at(node, f"super().{node.attr} reaches torch's own nn.Module, {OUTSIDE}; "
                             f"read self.{node.attr}")

    def super_of(self, call: ast.Call) -> tuple[ModelClass, Module]:
        """The class super() looks past and the object it binds."""
        if call.keywords or len(call.args) not in (0, 2):
            raise error_at(call, "super() is read with no arguments or as super(Class, self)")
        if call.args:
            named, obj = _class_of(self.expr(call.args[0])), self.expr(call.args[1])
            if named is None:
                raise error_at(call.args[0], f"super({ast.unparse(call.args[0])}, ...) is "
                                             "read with a class of the snippet's own first")
            owner = named
        else:
            fn, first = self.running[-1] if self.running else (None, None)
            if fn is None or not isinstance(fn.owner, ModelClass) or first is None:
                raise raised_at(call, RuntimeError("super(): no arguments"))
            owner, obj = fn.owner, first
        model = obj.value if isinstance(obj, Py) and isinstance(obj.value, Module) else None
        if model is None or model.cls is None:
            if is_class(obj):
                raise error_at(call, f"super() in a class method is {OUTSIDE}; call the "
                                     "base's method through the class itself")
            raise raised_at(call, TypeError("super(type, obj): obj must be an instance or "
                                            "subtype of type"))
        if not model.cls.derives_from(owner):
            raise raised_at(call, TypeError("super(type, obj): obj must be an instance or "
                                            "subtype of type"))
        return owner, model

    def explicit_init(self, func: ast.Attribute, node: ast.Call) -> Value:
        """`Parent.__init__(self, ...)` of the snippet's own class, or nn.Module.__init__(self)."""
        cls = _class_of(self.expr(func.value)) if self.module_path(func.value) is None \
            else None
        if cls is not None:
            if not node.args or isinstance(node.args[0], ast.Starred):
                raise error_at(node, f"{cls.name}.__init__ is read given the object first "
                                     f"({cls.name}.__init__(self, ...))")
            obj = self.expr(node.args[0])
            if not (isinstance(obj, Py) and isinstance(obj.value, Module) and
                    obj.value.cls is not None and obj.value.cls.derives_from(cls)):
                raise raised_at(node, TypeError(f"descriptor '__init__' requires a "
                                                f"'{cls.name}' object"))
            rest = ast.copy_location(ast.Call(func=func, args=node.args[1:],
                                              keywords=node.keywords), node)
            init = cls.methods.get("__init__")
            if init is not None:
                args, kwargs = self.arguments(rest)
                return self.bound_call(init, [obj, *args], kwargs, node)
            return self.next_init(_root(cls), obj.value, rest, by_path=False)
        by_path = self.module_path(func.value) == "torch.nn.Module" and len(node.args) == 1
        if not by_path or not self.building:
            raise error_at(node, "__init__ is read only as super().__init__() or "
                                 "Parent.__init__(self, ...) inside a class's __init__")
        return self.next_init(None, self.building[-1], node, by_path=True)

    def next_init(self, after: ModelClass | None, model: Module, node: ast.Call,
                  by_path: bool) -> Value:
        """The __init__ of the class after `after` in the model's line of classes."""
        base = after.base if after is not None else None
        init = base.methods.get("__init__") if base is not None else None
        if init is not None:
            args, kwargs = self.arguments(node)
            return self.bound_call(init, [Py(model), *args], kwargs, node)
        assert model.cls is not None
        if model.cls.plain:  # object.__init__
            args, kwargs = self.arguments(node)
            if args or kwargs:
                raise raised_at(node, TypeError("object.__init__() takes exactly one argument "
                                                "(the instance to initialize)"))
            model.ready = True
            return Py(None)
        return self.module_init(model, node, by_path)

    def module_init(self, model: Module, node: ast.Call, by_path: bool) -> Value:
        """torch's nn.Module.__init__ (or Dataset's): the model takes layers from now on."""
        spread = [kw for kw in node.keywords if kw.arg is None]  # (**kwargs) of an __init__
        passed = {k: v for kw in spread for k, v in self.spread_dict(kw.value, node).items()}
        if passed:  # torch's own words for what nn.Module.__init__ does not take
            _ask_module_init(passed, node)
        starred = [a for a in node.args if isinstance(a, ast.Starred)]  # (*args) of one
        given = sum(len(self.items(self.expr(a.value), a)) for a in starred) \
            if len(starred) == len(node.args) and not by_path else 0
        if given:  # torch's own words
            raise raised_at(node, TypeError(f"{model.kind}.__init__() takes 1 positional "
                                            f"argument but {given + 1} were given"))
        if (node.args and not by_path and len(starred) != len(node.args)) or \
                len(spread) != len(node.keywords):
            raise error_at(node, "nn.Module.__init__() is read without arguments (the "
                                 "snippet's own base classes take theirs)")
        model.ready = True
        return Py(None)

    def next_method(self, after: ModelClass, model: Module, attr: str,
                    node: ast.Call) -> Value:
        """`super().forward(x)`, `super().method(...)`: the next class's method, bound to
        the model as Python binds it."""
        base = after.base
        if base is not None and attr in base.methods:
            kind = base.kinds.get(attr)
            fn = base.methods[attr]
            if kind == PROPERTY:
                return self.call_value(self.bound_call(fn, [Py(model)], {}, node), node)
            args, kwargs = self.arguments(node)
            first: list[Value] = [] if kind == STATIC else \
                [Py(model.cls)] if kind == CLASS else [Py(model)]
            return self.bound_call(fn, [*first, *args], kwargs, node)
        root = _root(after)
        if attr == "forward" and root.is_module:  # nn.Module's own forward
            raise raised_at(node, NotImplementedError(
                f'Module [{model.kind}] is missing the required "forward" function'))
        if root.plain:
            raise raised_at(node, AttributeError(f"'super' object has no attribute '{attr}'"))
        raise error_at(node, f"super().{attr}() reaches torch's own {attr}, {OUTSIDE}; call "
                             f"self.{attr}() or a method of the snippet's own classes")


def _is_super(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "super"


def _class_of(value: Value) -> ModelClass | None:
    return value.value if isinstance(value, Py) and isinstance(value.value, ModelClass) \
        else None


def _root(cls: ModelClass) -> ModelClass:
    """The first class of the line, which derives from torch's class or from object."""
    while cls.base is not None:
        cls = cls.base
    return cls


def _ask_module_init(passed: dict[str, Value], where: ast.AST) -> None:
    """nn.Module.__init__(**kwargs) with keywords: torch's own TypeError."""
    try:
        torch.nn.Module.__init__(torch.nn.Module(), **dict.fromkeys(passed))
    except TypeError as exc:
        raise raised_at(where, exc) from None


__all__ = ["ClassInheritance"]
