"""`torch.nn.Module()` itself: an empty module a script fills by hand (register_parameter,
add_module, attributes) to hand its parameters to an optimizer. It is read as an instance of
an empty class of the snippet's own deriving from nn.Module (classes.py), which is what it is
to torch."""

from __future__ import annotations

import ast

from engine.snippets.classes import ClassReader, ModelClass
from engine.snippets.values import Value


class BareModules(ClassReader):
    def module(self, kind: str, node: ast.Call) -> Value:
        if kind != "Module":
            return super().module(kind, node)
        empty = ast.parse("class Module:\n    pass\n").body[0]
        assert isinstance(empty, ast.ClassDef)
        return self.instantiate(ModelClass(ast.copy_location(empty, node), scope=self.env),
                                node)


__all__ = ["BareModules"]
