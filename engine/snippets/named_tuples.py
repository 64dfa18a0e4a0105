"""`collections.namedtuple('Transition', ['state', 'action'])`: the record class Python's
collections makes (given plain texts only), its instances holding the snippet's values as a
tuple does: unpacked, indexed, iterated, and read by field (`t.state`); and
`types.SimpleNamespace(lr=0.1, model=net)`, a bag of the snippet's values by name, read and
set as attributes (`cfg.lr`, `cfg.lr = 0.2`: statements.py)."""

from __future__ import annotations

import ast
import collections
from types import SimpleNamespace
from typing import Any

from engine.snippets.attributes import AttributeReader
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Pending, Py, Ref, Value


def is_record_class(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields")


class NamedTuples(AttributeReader):
    def named_tuple_class(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args]
        options = {k: self.plain(v, node) for k, v in kwargs.items()}
        if set(options) - {"field_names", "typename", "defaults", "rename"} or not all(
                isinstance(v, str | list | tuple) for v in plain):
            raise error_at(node, "namedtuple is read with a name, its field names and "
                                 "defaults= of plain values")
        try:
            return Py(collections.namedtuple(*plain, **options))  # type: ignore[misc]
        except (TypeError, ValueError) as exc:  # Python's own words
            raise raised_at(node, exc) from None

    def record(self, cls: type, node: ast.Call) -> Value:
        """An instance: the values themselves in its fields."""
        args, kwargs = self.arguments(node)
        try:
            made = cls(*args, **kwargs)
        except TypeError as exc:
            raise raised_at(node, exc) from None
        # a field left to its default holds that plain value: as the snippet's value
        return Py(cls(*(v if isinstance(v, Pending | Ref | Number | Py) else self.wrap(v, node)
                        for v in made)))

    def namespace(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        if args:
            raise error_at(node, "SimpleNamespace is read with keyword arguments: "
                                 "SimpleNamespace(lr=0.1, epochs=3)")
        return Py(SimpleNamespace(**kwargs))

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        if isinstance(value.value, SimpleNamespace):
            if not hasattr(value.value, attr):  # Python's own words
                raise raised_at(node, AttributeError(f"'types.SimpleNamespace' object has no "
                                                     f"attribute '{attr}'"))
            found: Value = getattr(value.value, attr)
            return found
        if is_record_class(type(value.value)) and attr in type(value.value)._fields:
            field: Value = getattr(value.value, attr)
            return field
        return super().plain_attribute(value, attr, node)


__all__ = ["NamedTuples", "is_record_class"]
