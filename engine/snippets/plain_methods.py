"""Methods of the plain Python values a snippet holds, read as Python runs them: a list's
append, extend, pop and insert, text methods and `str.format`, a dict's
keys/values/items/get, a hook handle's remove() and a generator's manual_seed(); anything
else is refused by name.
"""

from __future__ import annotations

import ast
import datetime
import string
from typing import Any

import torch

from engine.snippets.pybuiltins import BuiltinCalls
from engine.snippets.python_random import PythonRandom
from engine.snippets.safety import ImportError_, error_at, raised_at
from engine.snippets.typecheck import method_refused
from engine.snippets.values import HookHandle, Number, PrettyPrinter, Py, Value

_STR_METHODS = frozenset({"split", "lower", "upper", "strip", "replace", "startswith",
                          "endswith", "find", "rfind", "count", "lstrip", "rstrip",
                          "isdigit", "title", "capitalize", "zfill", "rsplit", "partition",
                          "center", "ljust", "rjust", "splitlines"})


# a tensor's attributes that are values, not methods: calling one is Python's TypeError
NOT_CALLABLE = {"requires_grad": "bool", "is_leaf": "bool", "shape": "torch.Size",
                "dtype": "torch.dtype", "device": "torch.device", "ndim": "int",
                "data": "Tensor", "T": "Tensor", "mT": "Tensor", "is_cuda": "bool"}
# methods of Python's numbers, read on the number itself
_NUMBER_METHODS = frozenset({"is_integer", "conjugate", "bit_length", "as_integer_ratio",
                             "hex"})


class PlainMethods(BuiltinCalls):
    def number_method(self, receiver: Number, attr: str, node: ast.Call) -> Value:
        """`loss.item().is_integer()` as Python gives it; a method numbers lack is Python's
        AttributeError (`loss.item().backward()`)."""
        number = receiver.value
        if attr in _NUMBER_METHODS and hasattr(number, attr):
            args, kwargs = self.arguments(node)
            return self.wrap(getattr(number, attr)(*(self.plain(a, node) for a in args),
                                                    **{k: self.plain(v, node)
                                                       for k, v in kwargs.items()}), node)
        if not hasattr(number, attr):
            raise raised_at(node, AttributeError(f"'{type(number).__name__}' object has no "
                                                 f"attribute '{attr}'"))
        raise error_at(node, "a plain number has no tensor methods; make it a tensor with "
                             "torch.tensor(...)")

    def sort_in_place(self, held: list[Value], node: ast.Call) -> Value:
        """`parts.sort(key=..., reverse=...)`: the list put in sorted()'s order, in place."""
        self.env["_sorting"] = Py(held)
        try:
            ordered = self.applying("sorted", ast.copy_location(ast.Call(
                func=ast.Name("sorted", ast.Load()),
                args=[ast.copy_location(ast.Name("_sorting", ast.Load()), node)],
                keywords=node.keywords), node))
        finally:
            del self.env["_sorting"]
        assert isinstance(ordered, Py) and isinstance(ordered.value, list)
        held[:] = ordered.value
        return Py(None)

    def plain_search(self, held: list[Value], attr: str, item: Value, node: ast.Call) -> Value:
        """remove, index and count of a list of plain numbers or texts, as Python's."""
        plain, wanted = [self.plain(v, node) for v in held], self.plain(item, node)
        try:
            found = getattr(list(plain), attr)(wanted)
        except ValueError as exc:  # Python's own words: x not in list
            raise raised_at(node, exc) from None
        if attr == "remove":
            del held[plain.index(wanted)]
            return Py(None)
        return Number(found)

    def list_method(self, receiver: Py, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver.value, HookHandle) and attr == "remove":
            return self.remove_hook(receiver.value, node)
        if isinstance(receiver.value, torch.Generator) and attr == "manual_seed":
            seed = self.plain(self.expr(node.args[0]), node) if len(node.args) == 1 else None
            if not isinstance(seed, int) or isinstance(seed, bool) or node.keywords:
                raise error_at(node, "Generator.manual_seed takes one whole number")
            receiver.value.manual_seed(seed)
            return receiver  # torch returns the generator itself
        if isinstance(receiver.value, PrettyPrinter) and attr == "pprint":
            return Py(None)  # output of the script, as print's is
        if isinstance(receiver.value, PythonRandom):  # rng = random.Random(0); rng.uniform()
            return self.random_call(attr, node, receiver.value)
        if isinstance(receiver.value, list) and attr == "sort" and not node.args:
            return self.sort_in_place(receiver.value, node)
        args, kwargs = self.arguments(node)
        if isinstance(receiver.value, list) and attr == "reverse" and not args and not kwargs:
            receiver.value.reverse()
            return Py(None)
        if isinstance(receiver.value, list) and attr in ("remove", "index", "count") and \
                len(args) == 1 and not kwargs and all(
                    isinstance(v, Number) or isinstance(v, Py) and isinstance(
                        v.value, str | int | float) for v in [*receiver.value, args[0]]):
            return self.plain_search(receiver.value, attr, args[0], node)
        if isinstance(receiver.value, datetime.date) and attr in ("strftime", "isoformat") \
                and not kwargs and all(isinstance(a, Py) and isinstance(a.value, str)
                                       for a in args):  # a time stamp, shown only
            return Py(getattr(receiver.value, attr)(*(a.value for a in args)))  # type: ignore[union-attr]
        if isinstance(receiver.value, str) and attr == "format":
            return Py(formatted(receiver.value, [self.concrete(a, node) for a in args],
                                {k: self.concrete(v, node) for k, v in kwargs.items()}, node))
        if isinstance(receiver.value, list | dict) and attr == "clear" and not args and \
                not kwargs:  # grads.clear() at the top of an epoch
            receiver.value.clear()
            return Py(None)
        if isinstance(receiver.value, set) and attr in ("add", "discard") and len(args) == 1 \
                and not kwargs:  # visited.add(v): a number, a text, an object of the snippet's
            getattr(receiver.value, attr)(self.plain(args[0], node))
            return Py(None)
        if isinstance(receiver.value, list) and attr in ("append", "extend") and len(args) == 1:
            if attr == "append":
                receiver.value.append(args[0])
            else:
                receiver.value.extend(self.items(args[0], node))
            return Py(None)
        if isinstance(receiver.value, list) and attr in ("pop", "insert") and not kwargs:
            # queue.pop(), queue.insert(0, item): the list's own items, as Python moves them
            where = [self.plain(a, node) for a in args[:len(args) - (attr == "insert")]]
            try:
                if attr == "pop":
                    return receiver.value.pop(*where)  # type: ignore[no-any-return]
                if len(args) != 2:
                    raise TypeError(f"insert expected 2 arguments, got {len(args)}")
                receiver.value.insert(where[0], args[1])
                return Py(None)
            except (IndexError, TypeError) as exc:  # Python's own words
                raise raised_at(node, exc) from None
        if isinstance(receiver.value, str) and attr in _STR_METHODS and \
                all(isinstance(a, Py) and isinstance(a.value, str) for a in args):
            # "a b".split(): plain text methods, on strings only
            texts = [a.value for a in args if isinstance(a, Py)]
            return self.wrap(getattr(receiver.value, attr)(*texts), node)
        if isinstance(receiver.value, str) and attr == "join" and len(args) == 1:
            parts = [self.plain(v, node) for v in self.items(args[0], node)]
            try:  # " ".join(info): Python's TypeError for an item that is no str
                return Py(receiver.value.join(parts))
            except TypeError as exc:
                raise raised_at(node, exc) from None
        if isinstance(receiver.value, dict) and attr in ("keys", "values", "items") and not args:
            found = receiver.value
            listed = {"keys": lambda: [self.wrap(k, node) for k in found],
                      "values": lambda: list(found.values()),
                      "items": lambda: [Py((self.wrap(k, node), v)) for k, v in found.items()]}
            return Py(listed[attr]())
        if isinstance(receiver.value, dict) and attr == "get" and len(args) in (1, 2):
            key = self.plain(args[0], node)  # opts.get("square", False)
            try:
                return receiver.value.get(key, args[1] if len(args) == 2 else Py(None))
            except TypeError as exc:  # an unhashable key: Python's own words
                raise raised_at(node, exc) from None
        if isinstance(receiver.value, list | dict) and attr == "copy" and not args and \
                not kwargs:  # a new list (or dict) of the same items, as Python's
            return Py(receiver.value.copy())
        if receiver.value is None:
            raise raised_at(node, AttributeError(f"'NoneType' object has no attribute '{attr}'"))
        raise method_refused(receiver, attr, node)



def formatted(template: str, args: list[Any], kwargs: dict[str, Any], where: ast.AST) -> str:
    """`"{}: {:.4f}".format(step, loss)` as Python gives it, field by field: a field that
    reaches into its value (`{0.grad}`, `{0[1]}`) or a nested one is refused, as str.format
    would then read attributes of whatever it is given."""
    out: list[str] = []
    automatic = 0  # the next automatic field's number; -1 once one is numbered by hand
    try:
        for literal, field, spec, conversion in string.Formatter().parse(template):
            out.append(literal)
            if field is None:
                continue
            if "." in field or "[" in field or (spec and "{" in spec):
                raise error_at(where, f"str.format with the field {{{field}}} is not "
                                      "supported; write the value itself, e.g. {} or {0}")
            if field == "" and automatic < 0 or field.isdigit() and automatic > 0:
                raise ValueError("cannot switch from " + (
                    "manual field specification to automatic field numbering" if field == ""
                    else "automatic field numbering to manual field specification"))
            if field == "":
                field, automatic = str(automatic), automatic + 1
            elif field.isdigit():
                automatic = -1  # numbered by hand from here on
            value = args[int(field)] if field.isdigit() else kwargs[field]
            value = {None: value, "s": str(value), "r": repr(value), "a": ascii(value)}[
                conversion]
            out.append(format(value, spec or ""))
    except ImportError_:
        raise
    except (IndexError, KeyError, ValueError, TypeError) as exc:
        raise raised_at(where, exc) from None  # Python's own words, where the script stops
    return "".join(out)
