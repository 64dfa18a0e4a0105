"""A class statement of the snippet as the importer holds it (classes.py reads it): its
constants, methods and their bindings, what it derives from, and the Python type an
isinstance check of its instances answers with."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.snippets.safety import ImportError_
from engine.snippets.values import Function, Py, Value


@dataclass
class ModelClass:
    """A class statement of the snippet; `refusal` says where and why it cannot be used.
    Deriving from another class of the snippet's (`base`), its methods, constants and
    bindings hold the base's too, overridden by its own, as Python looks them up."""

    node: ast.ClassDef
    scope: Any  # the names its methods see: where the class is defined
    refusal: ImportError_ | None = None  # raised where the class is used
    constants: dict[str, Value] = field(default_factory=dict)
    methods: dict[str, Function] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # @property...: class_members.py
    dataset: bool = False  # derives from torch.utils.data.Dataset: own_datasets.py
    plain: bool = False  # derives from nothing (or object): a Python object holding tensors
    made_type: type | None = field(default=None, repr=False)
    base: ModelClass | None = None  # the snippet's own class it derives from

    @property
    def is_module(self) -> bool:
        """An nn.Module (not a Dataset or a plain object): torch's methods are its."""
        return not (self.plain or self.dataset)

    @property
    def python_type(self) -> type:
        """What type() gives for an instance: a class of this name deriving from what it
        derives from, made empty (its name, isinstance and issubclass read from it)."""
        if self.made_type is None:
            base = self.base.python_type if self.base is not None else \
                torch.utils.data.Dataset if self.dataset else object if self.plain else \
                torch.nn.Module
            self.made_type = type(self.name, (base,), {})
        return self.made_type

    @property
    def name(self) -> str:
        return self.node.name

    def derives_from(self, other: ModelClass) -> bool:
        """This class is `other` or one of its subclasses."""
        found: ModelClass | None = self
        while found is not None and found is not other:
            found = found.base
        return found is other

    def inherit(self) -> None:
        """After the body ran: the base's members this class does not define, its own
        winning as Python's attribute lookup finds them first."""
        base = self.base
        if base is None:
            return
        own = {*self.methods, *self.constants}
        self.methods = {**{k: v for k, v in base.methods.items() if k not in own},
                        **self.methods}
        self.constants = {**{k: v for k, v in base.constants.items() if k not in own},
                          **self.constants}
        self.kinds = {**{k: v for k, v in base.kinds.items() if k not in own}, **self.kinds}
        if self.refusal is None:
            self.refusal = base.refusal  # what cannot be used in the base cannot here


def is_class(value: Value | None) -> bool:
    return isinstance(value, Py) and isinstance(value.value, ModelClass)


__all__ = ["ModelClass", "is_class"]
