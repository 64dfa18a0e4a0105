"""Walking and changing a module's tree as torch does: named_children() and named_modules()
(torch's names and order: '' for the root, then dotted names depth first, each module once),
a ModuleDict's own methods (module_dicts.py), `md[key] = m` and `seq[i] = m`, and
`copy.deepcopy` of a leaf or of a model (copies.py)."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.limits import CALL_DEPTH
from engine.snippets import module_dicts
from engine.snippets.copies import Copies
from engine.snippets.module_kinds import child_names
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Module, Py, Value

# the tree walks read, for every kind of module (a model of the snippet's class too)
TREE_METHODS = ("named_children", "named_modules")


class ModuleTree(Copies):
    def module_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        if module.kind == "ModuleDict" and module.cls is None:
            if attr in module_dicts.DICT_METHODS:
                return self.dict_method(module, attr, node)
            if attr in ("append", "extend", "insert"):  # a list's, not a ModuleDict's
                raise raised_at(node, AttributeError(
                    f"'ModuleDict' object has no attribute '{attr}'"))
        if attr in TREE_METHODS:
            return self.tree_walk(module, attr, node)
        if module.cls is None and attr in module.names:  # heads.cls(x), seq.fc1(x)
            return self.call_value(Py(module.children[module.names.index(attr)]), node)
        return super().module_method(module, attr, node)

    def call(self, node: ast.Call) -> Value:
        """`grads.clear()` of a list a hook fills while backward runs (hooks.py): torch
        empties it and the next backward fills it again; the reader's stays empty and
        still refuses being computed with, so clearing it changes nothing read."""
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "clear" and isinstance(
                func.value, ast.Name) and not node.args and not node.keywords:
            found = self.env.get(func.value.id)
            if isinstance(found, Py) and id(found.value) in self.hook_filled:
                return Py(None)
        return super().call(node)

    def call_function(self, fn: Function, node: ast.Call) -> Value:
        """`hook_backward(name, grads)`, `get_grads(grads)`: a list a hook fills, passed as it
        is to a def of the snippet, is no computing with it; the def's own uses of it are
        still refused (hooks.py), as they would read what backward put there."""
        given = [*node.args, *(kw.value for kw in node.keywords)]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                kw.arg is None for kw in node.keywords) or not any(
                self.filled_by_hooks(a) for a in given):
            return super().call_function(fn, node)
        if CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.name} calls nest {CALL_DEPTH.message()} (recursion?)")

        def value(arg: ast.expr) -> Value:
            return self.env[arg.id] if isinstance(arg, ast.Name) and self.filled_by_hooks(
                arg) else self.expr(arg)

        return self.inline(fn, [value(a) for a in node.args],
                           {str(kw.arg): value(kw.value) for kw in node.keywords}, node)

    def filled_by_hooks(self, arg: ast.expr) -> bool:
        found = self.env.get(arg.id) if isinstance(arg, ast.Name) else None
        return isinstance(found, Py) and id(found.value) in self.hook_filled

    def dict_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        found = module_dicts.method(module, attr, args, kwargs, node)
        if attr in ("update", "add_module"):
            self.name_new_leaves(module)
        return found

    def tree_walk(self, module: Module, attr: str, node: ast.Call) -> Value:
        """named_children(): (name, child) of each direct child, a child met twice once;
        named_modules(prefix=''): (name, module) of the module and every descendant."""
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args]
        plain_kw = {k: self.plain(v, node) for k, v in kwargs.items()}
        if attr == "named_children" and (plain or plain_kw):
            raise raised_at(node, TypeError(f"Module.named_children() takes 1 positional "
                                            f"argument but {len(plain) + 1} were given"))
        named = dict(zip(("memo", "prefix", "remove_duplicate"), plain, strict=False))
        named |= plain_kw
        if set(named) - {"prefix", "remove_duplicate"} or named.get("memo") is not None:
            raise error_at(node, ".named_modules() is read with prefix= and remove_duplicate=")
        if attr == "named_children":
            found, seen = [], set()
            for name, child in zip(child_names(module), module.children, strict=True):
                if id(child) not in seen:
                    seen.add(id(child))
                    found.append((name, child))
        else:
            found = _named_modules(module, str(named.get("prefix", "")),
                                   bool(named.get("remove_duplicate", True)), set())
        return Py([Py((Py(name), Py(m))) for name, m in found])

    def plain_item_assign(self, base: Py, target: ast.Subscript, value: Value,
                          stmt: ast.AST) -> bool:
        """md[key] = m of a ModuleDict; seq[i] = m of a Sequential or ModuleList."""
        module = base.value
        if not isinstance(module, Module) or module.cls is not None or \
                module.kind not in ("ModuleDict", "Sequential", "ModuleList"):
            return super().plain_item_assign(base, target, value, stmt)
        key = self.index_key(target.slice)
        if module.kind == "ModuleDict":
            module_dicts.put(module, key, value, stmt)
        else:
            self.listed_item_assign(module, key, value, stmt)
        self.name_new_leaves(module)
        return True

    def listed_item_assign(self, module: Module, key: Any, value: Value,
                           stmt: ast.AST) -> None:
        """seq[i] = m: torch's own checks (an index in range, a module), then in its place."""
        new = value.value if isinstance(value, Py) else None
        stand = getattr(torch.nn, module.kind)(*[torch.nn.Identity()
                                                 for _ in module.children])
        given = torch.nn.Identity() if isinstance(new, Module) else \
            (new if new is not None else 0.0)
        try:
            stand[key] = given
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(stmt, exc) from None
        if not isinstance(new, Module) or not isinstance(key, int):
            raise error_at(stmt, f"{module.kind}[i] = m is read with a whole number and a "
                                 "module")
        module.children[key] = new

    def name_new_leaves(self, module: Module) -> None:
        """A module added to a container bound to a name: its leaves named after it."""
        for bound, value in list(self.env.items()):
            if isinstance(value, Py) and value.value is module:
                self.name_parameters(module, bound)


def _named_modules(module: Module, prefix: str, remove_duplicate: bool,
                   seen: set[int]) -> list[tuple[str, Module]]:
    """torch's Module.named_modules: the module under prefix, then each child's subtree
    under prefix.child (a module met before is left out when remove_duplicate)."""
    if remove_duplicate and id(module) in seen:
        return []
    seen.add(id(module))
    out = [(prefix, module)]
    for name, child in zip(child_names(module), module.children, strict=True):
        out.extend(_named_modules(child, f"{prefix}.{name}" if prefix else name,
                                  remove_duplicate, seen))
    return out


__all__ = ["TREE_METHODS", "ModuleTree"]
