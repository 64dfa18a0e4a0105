"""What torch.func's transforms have in common as the reader reads them
(func_transforms.py): f read on copies of the inputs it is differentiated by, as
jacobian_call.py reads torch.autograd.functional's f, and the answer nested as torch nests it."""

from __future__ import annotations

import ast
import warnings
from collections import ChainMap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import torch

from engine.autograd_functional import too_large
from engine.limits import CALL_DEPTH
from engine.snippets.custom_functions import Apply
from engine.snippets.func_functions import torch_refuses, transforms_named
from engine.snippets.function_check import FunctionClass
from engine.snippets.jacobian_call import JacobianReader
from engine.snippets.program import GradAnswer
from engine.snippets.safety import error_at, raised_at
from engine.snippets.valuecalls import RANDOM_FUNCTIONS
from engine.snippets.values import Function, Module, Pending, Py, Ref, TorchFunction, Value


@dataclass(frozen=True)
class Transform:
    """`torch.func.<name>(f, ...)` before it is applied to inputs."""

    name: str
    fn: Value
    argnums: int | tuple[int, ...] = 0
    has_aux: bool = False
    in_dims: Any = 0  # vmap only
    out_dims: int = 0  # vmap only


@dataclass(frozen=True)
class FuncPartial:
    """`functools.partial(f, *args, **kwargs)`: f called with these arguments first."""

    fn: Value
    args: tuple[Value, ...]
    kwargs: dict[str, Value]


# torch's words for a random draw inside vmap, and the creations that draw
_VMAP_RANDOM = ("vmap: called random operation while in randomness error mode. Please either "
                "use the 'same' or 'different' randomness flags on vmap or perform the "
                "randomness operation out of vmap")
_RANDOM_CREATIONS = ("rand", "randn", "randint", "rand_like", "randn_like", "randint_like")


class FuncReading(JacobianReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.func_transforms: list[str] = []  # the transforms f is read inside, outermost first

    def torch_call(self, path: str, node: ast.Call) -> Value:
        """A random draw inside vmap (randomness='error', the default): torch's error."""
        if "vmap" in self.func_transforms and path.removeprefix("torch.") in (
                *_RANDOM_CREATIONS, *RANDOM_FUNCTIONS):
            raise raised_at(node, RuntimeError(_VMAP_RANDOM))
        return super().torch_call(path, node)

    @contextmanager
    def transformed(self, what: str) -> Iterator[None]:
        """f is read inside the transforms `what` names (torch.func.vmap(torch.func.grad...))."""
        saved = list(self.func_transforms)
        self.func_transforms += transforms_named(what)
        try:
            yield
        finally:
            self.func_transforms = saved

    def apply_function(self, cls: FunctionClass, node: ast.Call) -> Value:
        """A custom autograd.Function applied inside a transform: torch's own error where
        torch refuses it there (func_functions.py), else read as anywhere."""
        if self.func_transforms:
            refused = torch_refuses(cls, self.func_transforms)
            if refused is not None:
                raise raised_at(node, refused)
        # the importer's next class reading it is CustomFunctions (reader.py's _Importer)
        return super().apply_function(cls, node)  # type: ignore[misc]

    def read_f(self, fn: Value, args: list[Value], kwargs: dict[str, Value],
               positions: list[int], has_aux: bool, what: str, node: ast.Call,
               answer: str = "jacobian", dicts: bool = False
               ) -> tuple[list[str], list[str], Value, Value]:
        """f read on copies of the inputs at `positions`, counted as requiring grad (as
        jacobian_call.py reads f): (the inputs' ids, f's output ids, what f returned
        without its aux, the aux or Py(None))."""
        if any(not -len(args) <= p < len(args) for p in positions):  # torch's own words
            self.stand_in_check(node, lambda: torch.func.jacrev(
                lambda *a: torch.zeros(()), argnums=tuple(positions))(*args))
        chosen = [args[p] for p in positions]
        if dicts and len(chosen) == 1 and dict_keys(chosen[0]) is not None:
            chosen = list(chosen[0].value.values())  # type: ignore[union-attr]
        if not all(isinstance(v, Pending | Ref) for v in chosen):
            raise error_at(node, f"{what} differentiates tensors: each input its argnums "
                                 "names must be a tensor" + (" (or one dict of tensors by "
                                                             "name)" if dicts else ""))
        inputs = [self.node_of(v, node) for v in chosen]
        if len(set(inputs)) != len(inputs):
            raise error_at(node, "the same tensor is given twice as an input; give each "
                                 "input once (or a copy: x.clone())")
        before = set(self.doc.graph.nodes)
        made = len(self.program)
        with self.transformed(what):
            copies, returned = self.on_copies(fn, args, kwargs, positions, node)
        if len(self.program) != made:
            raise error_at(node, f"{what}'s f makes a call of its own (a backward, a grad or "
                                 "a transform of torch.func: a derivative of a derivative "
                                 "when it differentiates what f computes): "
                                 "Gradflow reads f as a plain computation")
        aux: Value = Py(None)
        if has_aux:
            pair = returned.value if isinstance(returned, Py) else None
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise error_at(node, f"{what} with has_aux=True needs f to return a pair "
                                     "(output, aux)")
            returned, aux = pair
        items = list(returned.value) if isinstance(returned, Py) and isinstance(
            returned.value, tuple) else [returned]
        if not items or not all(isinstance(v, Pending | Ref) for v in items):
            raise error_at(node, f"{what}'s f must return a tensor or a tuple of tensors")
        outputs = [self.node_of(v, node) for v in items]
        if len(set(outputs)) != len(outputs):
            raise error_at(node, "f returns the same tensor twice; return each output once")
        originals = list(inputs)
        inputs, outputs = self._settle(inputs, copies, outputs, before)
        # the aux may hold a copy that went away again: it is the input itself then
        gone = {c: o for c, o, kept in zip(copies, originals, inputs, strict=True) if kept != c}
        aux = _remapped(aux, gone)
        sizes = [sum(m.numel() for m in (self.meta.get(i) for i in ids)
                     if isinstance(m, torch.Tensor)) for ids in (outputs, inputs)]
        why = too_large(answer, *sizes)  # J or H before torch computes it
        if why is not None:
            raise error_at(node, why)
        settled = [Ref(o) for o in outputs]
        shown = Py(tuple(settled)) if isinstance(returned, Py) else settled[0]
        return inputs, outputs, shown, aux

    def on_copies(self, fn: Value, args: list[Value], kwargs: dict[str, Value],
                  positions: list[int], node: ast.Call) -> tuple[list[str], Value]:
        """f called with the inputs at `positions` replaced by copies that require grad
        while f is read (as torch's transforms wrap them), with grad mode on."""
        if isinstance(fn, Py) and isinstance(fn.value, Function) and \
                CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.value.name} calls nest {CALL_DEPTH.message()}")
        saved, saved_grad = set(self.differentiated), self.grad_enabled
        self.grad_enabled = True
        try:
            given = list(args)
            copies = []
            for p in positions:
                given[p], made = self.detached_copies(given[p], node)
                copies += made
            self.differentiated |= set(copies)
            self.flags_changed()
            return copies, self.call_with(fn, given, kwargs, node)
        finally:
            self.differentiated, self.grad_enabled = saved, saved_grad
            self.flags_changed()

    def detached_copies(self, value: Value, node: ast.Call) -> tuple[Value, list[str]]:
        """A detached copy of the tensor (of each tensor of a dict by name), and the copies'
        node ids in order."""
        keys = dict_keys(value)
        if keys is None:
            copy = self.node_of(self.op_node("detach", [value], {}, node), node)
            return Ref(copy), [copy]
        assert isinstance(value, Py)
        copies = [self.node_of(self.op_node("detach", [v], {}, node), node)
                  for v in value.value.values()]
        return Py(dict(zip(keys, (Ref(c) for c in copies), strict=True))), copies

    def call_with(self, fn: Value, args: list[Value], kwargs: dict[str, Value],
                  node: ast.Call) -> Value:
        """fn(*args, **kwargs) for a def, a lambda, an nn module, a torch function or a
        custom Function's apply."""
        target = fn.value if isinstance(fn, Py) else None
        if isinstance(target, FuncPartial):
            return self.call_with(target.fn, [*target.args, *args],
                                  {**target.kwargs, **kwargs}, node)
        if isinstance(target, Function):
            return self.inline(target, args, kwargs, node)
        if isinstance(target, Module):
            return self.module_on(target, args, kwargs, node)
        if isinstance(target, TorchFunction | Apply):  # torch.sin, MyFn.apply
            names = [f"arg{i}" for i in range(len(args))]
            call = ast.Call(func=ast.Name("fn", ast.Load()),
                            args=[ast.Name(n, ast.Load()) for n in names],
                            keywords=[ast.keyword(k, ast.Name(f"kw_{k}", ast.Load()))
                                      for k in kwargs])
            ast.fix_missing_locations(ast.copy_location(call, node))
            for part in ast.walk(call):
                ast.copy_location(part, node)
            saved = self.env
            self.env = ChainMap({"fn": fn, **dict(zip(names, args, strict=True)),
                                 **{f"kw_{k}": v for k, v in kwargs.items()}}, saved)
            try:
                return self.call_value(fn, call)
            finally:
                self.env = saved
        raise error_at(node, "a torch.func transform's f must be a def, a lambda, an nn "
                             "module, a torch function, a custom Function's apply or a "
                             "functools.partial of one, so Gradflow can read what it computes")

    def scalar_output(self, returned: Value, node: ast.Call, hessian: bool = False) -> None:
        """torch.func.grad needs f to return one 0-dim tensor: torch's own error otherwise
        (asked of torch on a stand-in of the same dims); hessian is read for that case."""
        if isinstance(returned, Py):
            probe: Any = lambda t: (t,)  # noqa: E731 - a stand-in of f's kind of output
            dims = 0
        else:
            dims = self.concrete(returned, node).dim()
            probe = lambda t: t.expand([1] * dims)  # noqa: E731
        if dims == 0 and not isinstance(returned, Py):
            return
        if hessian:
            raise error_at(node, "torch.func.hessian is read for a function with one 0-dim "
                                 "output (Gradflow computes H with torch.autograd.functional."
                                 "hessian); take the sum of the output, or one element")
        try:
            torch.func.grad(probe)(torch.zeros(()))
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None

    def stand_in_check(self, node: ast.AST, check: Callable[[], Any]) -> None:
        """Raise torch's own error, at the line, when torch refuses the stand-in `check`."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check()
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None

    def tuple_of(self, value: Value, node: ast.AST, what: str) -> list[Value]:
        if isinstance(value, Py) and isinstance(value.value, tuple | list):
            return list(value.value)
        raise error_at(node, f"{what} must be a tuple of tensors, as torch.func takes them")


def _remapped(value: Value, gone: dict[str, str]) -> Value:
    if isinstance(value, Ref) and value.node_id in gone:
        return Ref(gone[value.node_id])
    if isinstance(value, Py) and isinstance(value.value, tuple | list):
        items = [_remapped(v, gone) for v in value.value]
        return Py(tuple(items) if isinstance(value.value, tuple) else items)
    return value


def relabelled(answer: Value, what: str) -> Py:
    """The answer nested as answer_of gives it, each item saying which transform made it."""
    def walk(v: Value) -> Value:
        if isinstance(v, Py) and isinstance(v.value, tuple):
            return Py(tuple(walk(i) for i in v.value))
        if isinstance(v, Py) and isinstance(v.value, dict):
            return Py({k: walk(i) for k, i in v.value.items()})
        if isinstance(v, Py) and isinstance(v.value, GradAnswer):
            return Py(replace(v.value, what=what))
        return v
    out = walk(answer)
    assert isinstance(out, Py)
    return out


def dict_keys(value: Value) -> list[str] | None:
    """The names of a dict of tensors by name (`dict(model.named_parameters())`), else None."""
    if isinstance(value, Py) and isinstance(value.value, dict) and value.value and all(
            isinstance(k, str) and isinstance(v, Pending | Ref) for k, v in value.value.items()):
        return list(value.value)
    return None
