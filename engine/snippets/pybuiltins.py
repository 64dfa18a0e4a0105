"""Python's builtins (len, range, min, max, sum, zip, ...), `type`/`isinstance`, `math`,
`time`'s clocks, `random` (python_random.py), `itertools.product`, and
what `for v in value` visits. Each is evaluated by the importer on concrete values with a
fixed table of allowed functions; nothing is handed to Python's eval.
"""

from __future__ import annotations

import ast
import builtins
import datetime
import itertools
import math
import time
from collections import ChainMap
from collections.abc import Callable
from types import GeneratorType
from typing import Any

from engine.limits import LOOP_ITERATIONS
from engine.snippets import param_containers
from engine.snippets.module_kinds import CONTAINERS, members
from engine.snippets.param_containers import PARAM_CONTAINERS
from engine.snippets.python_random import PythonRandom
from engine.snippets.recurrent import RecurrentLayers
from engine.snippets.safety import TorchRaised, error_at, raised_at
from engine.snippets.typecheck import is_instance, kinds_of, type_of
from engine.snippets.values import Function, Module, Number, Pending, Py, Ref, TorchFunction, Value

MATH_FUNCTIONS = frozenset({
    "sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan", "tanh", "atan", "asin",
    "acos", "floor", "ceil", "fabs", "pow", "isclose", "isfinite", "isnan", "factorial",
    "erf", "sinh", "cosh", "radians", "degrees", "hypot", "prod", "fsum", "gcd", "copysign",
})
# datetime's clocks: what a notebook stamps its prints with
_DATETIME_CLOCKS = {"datetime.datetime.now": datetime.datetime.now,
                    "datetime.datetime.today": datetime.datetime.today,
                    "datetime.date.today": datetime.date.today}
CLOCKS = frozenset({"time", "perf_counter", "monotonic", "process_time", "time_ns",
                    "perf_counter_ns", "monotonic_ns", "process_time_ns"})
_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len, "range": range, "abs": abs, "min": min, "max": max, "float": float,
    "int": int, "round": round, "bool": bool, "str": str, "repr": repr, "divmod": divmod,
    "pow": pow, "set": set, "chr": chr, "ord": ord, "hex": hex, "bin": bin, "oct": oct,
    "format": format, "slice": slice}
BUILTIN_FUNCTIONS = frozenset({"len", "range", "abs", "min", "max", "float", "int", "round", "sum",
                               "bool", "list", "tuple", "enumerate", "zip", "reversed", "str",
                               "repr", "map", "filter", "any", "all", "sorted", "dict",
                               "divmod", "pow", "set", "chr", "ord", "hex", "bin", "oct", "format",
                               "slice", "getattr", "hasattr", "setattr"})
# the builtins that call a function of the snippet (a def, a lambda) or one of the above
_APPLYING = ("map", "filter", "sorted")


class BuiltinCalls(RecurrentLayers):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.py_random = PythonRandom(0)  # Python's random module (the importer seeds it)

    def own_class_type(self, node: ast.expr) -> type | None:
        """The type of a class of the snippet's own that `node` names (classes.py)."""
        return None

    def random_call(self, name: str, node: ast.Call, drawn_by: PythonRandom | None = None
                    ) -> Value:
        """random.<name>(...), or the method of a `random.Random(seed)` of the snippet's
        (`drawn_by`): its own generator, seeded as the script seeds it."""
        args, kwargs = self.arguments(node)
        if name == "Random" and drawn_by is None:
            if len(args) > 1 or set(kwargs) - {"x"}:
                raise error_at(node, "random.Random takes one seed")
            given = args[0] if args else kwargs.get("x")
            made = PythonRandom(0)  # no seed: one drawn from the reading's own generator
            made.generator.seed(self.py_random.generator.getrandbits(64) if given is None
                                else self.plain(given, node))
            return Py(made)
        return (drawn_by or self.py_random).call(name, args, kwargs,
                                                 lambda v: self.plain(v, node),
                                                 lambda v: self.items(v, node), node)

    @staticmethod
    def identity(value: Value) -> int:
        """What id() tells apart: the same module, list or tensor gives the same number
        (`id(net[0].weight) == id(net[1].weight)` of a layer used twice), others differ."""
        if isinstance(value, Py):
            return id(value.value)
        node_id = getattr(value, "node_id", None)
        return hash(("node", node_id)) if node_id is not None else id(value)

    def builtin(self, name: str, node: ast.Call) -> Value:
        if name == "print":
            return Py(None)  # output of the script; the app shows every value
        if name == "display":  # IPython's, in a notebook; a script has no such builtin
            raise raised_at(node, NameError("name 'display' is not defined"))
        if name == "breakpoint" and not node.args and not node.keywords:
            return Py(None)  # a debugger stop: the reading goes on
        if name == "id" and len(node.args) == 1 and not node.keywords:
            return Number(self.identity(self.expr(node.args[0])))
        if name == "type" and len(node.args) == 1 and not node.keywords:
            return Py(type_of(self.expr(node.args[0])))
        if name == "isinstance" and len(node.args) == 2 and not node.keywords:
            value = self.expr(node.args[0])
            return Py(is_instance(value, kinds_of(node.args[1], self.module_path,
                                                  self.own_class_type)))
        if name in ("locals", "globals") and not node.args and not node.keywords:
            # a copy of the snippet's names there: `if 'x' in locals()` reads them
            frames = self.env.maps if isinstance(self.env, ChainMap) else [self.env]
            frame = frames[0] if name == "locals" else frames[-1]
            return Py({k: v for k, v in frame.items() if k.isidentifier()})
        if name == "callable" and len(node.args) == 1 and not node.keywords:
            value = self.expr(node.args[0])  # a def, a model, torch's function: True
            return Number(isinstance(value, Py) and (isinstance(
                value.value, Function | Module | TorchFunction) or callable(value.value)))
        if name not in BUILTIN_FUNCTIONS and not hasattr(builtins, name):
            raise raised_at(node, NameError(f"name {name!r} is not defined"))  # as Python
        if name not in BUILTIN_FUNCTIONS:
            raise error_at(node, f"{name}(...) is not supported; the builtins read are "
                                 f"{', '.join(sorted(BUILTIN_FUNCTIONS | {'isinstance', 'type'}))}")
        if name in _APPLYING or name in ("min", "max") and any(
                kw.arg == "key" for kw in node.keywords):
            return self.applying(name, node)
        if name in ("getattr", "hasattr", "setattr"):
            return self.by_attribute_name(name, node)
        args, kwargs = self.arguments(node)
        if name in ("any", "all") and len(args) == 1 and not kwargs:
            truths = (self.truth(item, node) for item in self.items(args[0], node))
            return Number(any(truths) if name == "any" else all(truths))
        if name == "sum" and args:
            items = self.items(args[0], node)
            total = kwargs.get("start", args[1] if len(args) > 1 else Number(0))
            for item in items:
                total = self.binop(ast.Add(), total, item, node)
            return total
        if name == "abs" and len(args) == 1 and isinstance(args[0], Pending | Ref):
            return self.op_node("abs", args, {}, node)
        if name == "dict" and len(args) <= 1:  # dict(), dict(a=1), dict(pairs), dict(other)
            made: dict[Any, Value] = {}
            if args and isinstance(args[0], Py) and isinstance(args[0].value, dict):
                made.update(args[0].value)
            elif args:
                for pair in self.items(args[0], node):
                    key, value = self.items(pair, node)
                    made[self.plain(key, node)] = value
            made.update(kwargs)
            return Py(made)
        if name in ("list", "tuple", "enumerate", "zip", "reversed"):
            if name == "enumerate":  # enumerate(loader, 0): the start may be positional
                start = self.plain(args[1] if len(args) > 1 else
                                   kwargs.get("start", Number(0)), node)
                out: list[Value] = [Py((Number(i + start), v))
                                    for i, v in enumerate(self.items(args[0], node))]
                return Py(out)
            seqs = [self.items(a, node) for a in args]
            if name == "zip":
                out = [Py(tuple(group)) for group in zip(*seqs, strict=False)]
            elif name == "reversed":
                out = list(reversed(seqs[0]))
            else:
                out = seqs[0] if seqs else []
            return Py(tuple(out) if name == "tuple" else list(out))
        if name == "len" and len(args) == 1 and isinstance(args[0], Py) and isinstance(
                args[0].value, Module) and args[0].value.kind in CONTAINERS:
            return Number(len(args[0].value.children))
        if name == "len" and len(args) == 1 and isinstance(args[0], Py) and isinstance(
                args[0].value, Module) and args[0].value.kind in PARAM_CONTAINERS:
            return Number(len(args[0].value.params))
        if name == "len" and len(args) == 1 and isinstance(args[0], Py) and isinstance(
                args[0].value, Module) and args[0].value.cls is not None:
            return Number(self.own_length(args[0].value, node))
        if name in ("min", "max") and not kwargs and args:
            items = list(self.items(args[0], node)) if len(args) == 1 else args
            if any(isinstance(v, Pending | Ref) for v in items):
                return self.chosen(name, items, node)
        plain = [self.concrete(a, node) for a in args]
        plain_kw = {k: self.concrete(v, node) for k, v in kwargs.items()}
        fn = _BUILTINS[name]
        if name in ("min", "max") and len(plain) == 1:
            plain = [list(self.items(args[0], node))]
            plain = [[self.concrete(v, node) for v in plain[0]]]
        try:
            result = fn(*plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - Python's own words, at run time
            raise raised_at(node, exc) from None
        if isinstance(result, int) and not isinstance(result, bool):
            return Number(result)
        return self.wrap(result, node)

    def chosen(self, name: str, items: list[Value], node: ast.Call) -> Value:
        """max(v, 0) of a tensor v: Python compares the items and returns the one it picks,
        the tensor itself with its graph (a ReLU written with Python's max)."""
        numbers = [self.concrete(v, node) for v in items]
        try:
            picked = _BUILTINS[name](range(len(items)), key=numbers.__getitem__)
        except Exception as exc:  # noqa: BLE001 - Python's or torch's own words
            raise raised_at(node, exc) from None
        return items[picked]

    def own_length(self, model: Module, where: ast.AST) -> int:
        """len() of an instance of the snippet's class: nn.Module has no __len__ (a data set
        class's is read in own_datasets.py)."""
        raise raised_at(where, TypeError(f"object of type '{model.kind}' has no len()"))

    def by_attribute_name(self, name: str, node: ast.Call) -> Value:
        """getattr(obj, "weight"[, default]), hasattr(obj, "grad"), setattr(obj, "lr", 0.1):
        read as `obj.weight` and `obj.lr = 0.1` are, so the same attributes are reachable (a
        private or dunder name is refused there)."""
        takes = {"getattr": (2, 3), "hasattr": (2, 2), "setattr": (3, 3)}[name]
        if node.keywords or not takes[0] <= len(node.args) <= takes[1]:
            raise error_at(node, f"{name} takes {takes[0]} arguments"
                                 + (" and a default" if name == "getattr" else ""))
        attr = self.plain(self.expr(node.args[1]), node.args[1])
        if not isinstance(attr, str) or not attr.isidentifier() or attr.startswith("_"):
            raise error_at(node.args[1], f"{name} is read with a public attribute's name "
                                         "written as a string, e.g. getattr(model, 'fc')")
        reached = ast.copy_location(ast.Attribute(value=node.args[0], attr=attr,
                                                  ctx=ast.Load()), node)
        if name == "setattr":
            reached.ctx = ast.Store()
            stmt = ast.copy_location(ast.Assign(targets=[reached], value=node.args[2]), node)
            self.assign(reached, self.expr(node.args[2]), stmt)
            return Py(None)
        try:
            found = self.expr(reached)
        except TorchRaised as exc:
            if exc.error_type != "AttributeError":
                raise
            if name == "hasattr":
                return Number(False)
            if len(node.args) == 3:
                return self.expr(node.args[2])
            raise
        return Number(True) if name == "hasattr" else found

    def applying(self, name: str, node: ast.Call) -> Value:
        """map(f, xs, ...), filter(f, xs), sorted(xs, key=f, reverse=...): f a def or lambda
        of the snippet (read at each item, as Python calls it), a builtin read here, or None
        (filter's truth, sorted's own order); the result is a list, as list(...) gives it."""
        takes = {"map": 1, "filter": 1}.get(name, 0)
        given = [kw.arg for kw in node.keywords]
        ranked = name in ("sorted", "min", "max")
        if len(node.args) < takes + 1 or (name == "sorted" and len(node.args) != 1) or \
                (not ranked and given) or not set(given) <= {"key", "reverse", "default"}:
            raise error_at(node, f"{name}(...) is read as {name}(function, items) or "
                                 f"{name}(items, key=function)")
        keywords = {kw.arg: kw.value for kw in node.keywords}
        fn_node = node.args[0] if not ranked else keywords.get("key")
        if name in ("min", "max") and len(node.args) > 1:  # max(a, b, key=f)
            seqs = [[self.expr(a) for a in node.args]]
        else:
            seqs = [self.items(self.expr(a), node) for a in node.args[takes:]]

        def apply(values: list[Value]) -> Value:
            if fn_node is None or isinstance(fn_node, ast.Constant) and fn_node.value is None:
                return values[0]
            if isinstance(fn_node, ast.Name) and fn_node.id not in self.env and \
                    (fn_node.id in BUILTIN_FUNCTIONS or fn_node.id in ("id", "type")):
                call = ast.Call(func=fn_node, args=[ast.Name(id="_item", ctx=ast.Load())],
                                keywords=[])
                ast.copy_location(call, node)
                self.env["_item"] = values[0]
                try:
                    return self.builtin(fn_node.id, call)
                finally:
                    del self.env["_item"]
            fn = self.expr(fn_node)
            if not (isinstance(fn, Py) and isinstance(fn.value, Function)):
                raise error_at(fn_node, f"{name}(...) takes a def or lambda of the snippet here")
            return self.inline(fn.value, values, {}, node)

        if name == "map":
            return Py([apply(list(group)) for group in zip(*seqs, strict=False)])
        if name == "filter":
            return Py([item for item in seqs[0] if self.truth(apply([item]), node)])
        keys = [self.plain(apply([item]), node) for item in seqs[0]]
        if name in ("min", "max"):  # the first of the smallest (largest) keys, as Python
            if not keys and "default" in keywords:
                return self.expr(keywords["default"])
            try:
                pick = (min if name == "min" else max)(range(len(keys)), key=lambda i: keys[i])
            except (TypeError, ValueError) as exc:
                raise raised_at(node, ValueError(f"{name}() iterable argument is empty")
                                if not keys else exc) from None
            return seqs[0][pick]
        reverse = bool(self.plain(self.expr(keywords["reverse"]), node)) \
            if "reverse" in keywords else False
        try:
            order = sorted(range(len(keys)), key=lambda i: keys[i], reverse=reverse)
        except TypeError as exc:  # items Python cannot order, in its own words
            raise raised_at(node, exc) from None
        return Py([seqs[0][i] for i in order])

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        raise NotImplementedError  # functions.py

    def assign(self, target: ast.expr, value: Value, stmt: ast.AST) -> None:
        raise NotImplementedError  # statements.py

    def items(self, value: Value, where: ast.AST) -> list[Value]:
        """What `for v in value` visits, as snippet values."""
        if isinstance(value, Py):
            if isinstance(value.value, list | tuple):
                return list(value.value)
            if isinstance(value.value, Module) and value.value.kind in CONTAINERS:
                return members(value.value)  # a ModuleDict's keys
            if isinstance(value.value, Module) and value.value.kind in PARAM_CONTAINERS:
                return param_containers.members(value.value)
            if isinstance(value.value, dict):  # for k in d: its keys
                return [self.wrap(k, where) for k in value.value]
            if isinstance(value.value, GeneratorType):  # a generator's items (generators.py):
                return list(value.value)  # one pass, as Python's
            if isinstance(value.value, range | str | set | frozenset):  # a set: its order
                if LOOP_ITERATIONS.exceeded(len(value.value)):
                    raise error_at(where, f"this sequence is {LOOP_ITERATIONS.message()} "
                                          f"({len(value.value):,} items)")
                return [self.wrap(v, where) for v in value.value]
            raise error_at(where, f"cannot loop over {type(value.value).__name__}")
        if isinstance(value, Number):
            raise raised_at(where, TypeError(f"'{type(value.value).__name__}' object is not "
                                             "iterable"))
        t = self.concrete(value, where)
        if t.dim() == 0:
            raise raised_at(where, TypeError("iteration over a 0-d tensor"))
        return [self.index_value(value, (i,), where) for i in range(t.shape[0])]

    def math_call(self, name: str, node: ast.Call) -> Value:
        if name not in MATH_FUNCTIONS:
            raise error_at(node, f"math.{name} is not supported; use one of "
                                 f"{', '.join(sorted(MATH_FUNCTIONS))}")
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args]
        try:
            result = getattr(math, name)(*plain, **{k: self.plain(v, node)
                                                    for k, v in kwargs.items()})
        except Exception as exc:  # noqa: BLE001 - Python's own words, at run time
            raise raised_at(node, exc) from None
        return self.wrap(result, node)

    def time_call(self, name: str, node: ast.Call) -> Value:
        """time.time(), time.perf_counter(): the clock, as the script would print it (no
        number of the computation depends on it); time.sleep() waits for nothing."""
        if name not in CLOCKS and name != "sleep":
            raise error_at(node, f"time.{name} is not supported; time.sleep and the clocks "
                                 f"({', '.join(sorted(CLOCKS))}) are")
        args, kwargs = self.arguments(node)
        if name == "sleep":
            if len(args) != 1 or kwargs or not isinstance(self.plain(args[0], node), int | float):
                raise error_at(node, "time.sleep takes a number of seconds")
            return Py(None)
        if args or kwargs:
            raise raised_at(node, TypeError(f"time.{name}() takes no arguments "
                                            f"({len(args) + len(kwargs)} given)"))
        return Number(getattr(time, name)())

    def datetime_call(self, path: str, node: ast.Call) -> Value:
        """datetime.datetime.now() (a notebook's time stamp above each epoch's print): the
        clock, as the script would print it; no number of the computation depends on it."""
        if path not in _DATETIME_CLOCKS:
            raise error_at(node, f"{path} is not supported; of datetime, "
                                 f"{', '.join(sorted(_DATETIME_CLOCKS))} and strftime are")
        args, kwargs = self.arguments(node)
        if args or kwargs:
            raise error_at(node, f"{path}() is read without arguments")
        return Py(_DATETIME_CLOCKS[path]())

    def itertools_call(self, name: str, node: ast.Call) -> Value:
        """itertools.product(*ranges): the tuples it gives, as a list, bounded as a loop is;
        itertools.count(start, step): counted by a for loop, turn by turn, until it breaks."""
        if name == "count":
            args, kwargs = self.arguments(node)
            try:
                return Py(itertools.count(*(self.plain(a, node) for a in args),
                                          **{k: self.plain(v, node) for k, v in kwargs.items()}))
            except TypeError as exc:
                raise raised_at(node, exc) from None
        if name != "product":
            raise error_at(node, f"itertools.{name} is not supported; itertools.product and "
                                 "itertools.count are")
        starred = [a for a in node.args if isinstance(a, ast.Starred)]
        if starred:  # product(*ranges): each sequence of the list, as Python unpacks it
            args = [v for a in node.args for v in (
                self.items(self.expr(a.value), a) if isinstance(a, ast.Starred)
                else [self.expr(a)])]
            _, kwargs = self.arguments(ast.Call(func=node.func, args=[],
                                                keywords=node.keywords))
        else:
            args, kwargs = self.arguments(node)
        repeat = self.plain(kwargs.pop("repeat", Number(1)), node)
        if kwargs:
            raise error_at(node, f"itertools.product(..., {next(iter(kwargs))}=) is not "
                                 "supported; it takes sequences and repeat=")
        seqs = [self.items(a, node) for a in args]
        try:  # a repeat= that is no count: Python's own error, before any item is made
            itertools.product((), repeat=repeat)
        except Exception as exc:  # noqa: BLE001 - Python's own words, at run time
            raise raised_at(node, exc) from None
        count = math.prod(len(s) for s in seqs) ** repeat
        if LOOP_ITERATIONS.exceeded(count):
            raise error_at(node, f"this product is {LOOP_ITERATIONS.message()} ({count:,} items)")
        return Py([Py(tuple(group)) for group in itertools.product(*seqs, repeat=repeat)])
