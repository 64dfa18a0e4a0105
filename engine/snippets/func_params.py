"""What torch.func code passes around besides tensors, read as plain values:

- `torch.func.functional_call(model, params, args)`: the model applied with the tensors of
  `params` (a dict by torch's names, or a tuple of such dicts) in place of its own, as
  torch swaps them in for the call and back after it; names the model does not have are
  set and unused, as torch's are;
- `model.named_buffers()`: the (name, tensor) pairs of a model with no buffers is empty; a
  model with tensor attributes is refused (which are buffers is torch's bookkeeping);
- `functools.partial(f, *args, **kwargs)`: f with those arguments first, called (or
  transformed) as f is, where Python would call it;
- functorch's older `fmodel, params = make_functional(model)`: params are new parameters
  with the model's numbers (torch copies them), and `fmodel(params, x)` is the model applied
  with them, as functional_call applies a dict by the same names.

A dict of tensors as the input a transform differentiates (`grad(loss)(params, x)`) is a
tuple of inputs to the jacobian call, the answer a dict by the same names (func_transforms.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from engine.snippets.func_reading import FuncPartial, FuncReading
from engine.snippets.module_kinds import child_names, named_parameters_of
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Module, Pending, Py, Ref, Value

_FUNCTIONAL_CALL = ("module", "parameter_and_buffer_dicts", "args", "kwargs")


@dataclass(frozen=True)
class FunctionalModel:
    """What functorch.make_functional returns first: the model, called with a tuple of
    tensors in the order of its parameters' names."""

    module: Module
    names: tuple[str, ...]


class ParamDictReader(FuncReading):
    def make_functional(self, path: str, node: ast.Call) -> Value:
        """functorch.make_functional(model): (fmodel, params), params a tuple of new
        parameters of the model's numbers."""
        args, kwargs = self.arguments(node)
        if len(args) != 1 or set(kwargs) - {"disable_autograd_tracking"} or not (
                isinstance(args[0], Py) and isinstance(args[0].value, Module)):
            raise error_at(node, f"{path} is read with an nn module of the snippet")
        track = not self.plain(kwargs.get("disable_autograd_tracking", Py(False)), node)
        module = args[0].value
        named = named_parameters_of(module)
        copies: list[Value] = []
        for _, param in named:
            copy = self.from_tensor(self.concrete(param, node).detach(), node,
                                    requires_grad=track)
            self.leaves_pending.append(copy)
            copies.append(copy)
        return Py((Py(FunctionalModel(module, tuple(n for n, _ in named))), Py(tuple(copies))))

    def checkpointed(self, path: str, node: ast.Call) -> Value:
        """torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False): fn(*args), whose
        forward torch runs again at backward to save memory (the same numbers, the same
        gradients). The reentrant checkpoint refuses autograd.grad and backward(inputs=)."""
        args, kwargs = self.arguments(node)
        reentrant = self.reentrant(kwargs, node)
        if not args:
            raise error_at(node, f"{path} takes the function first")
        return self.checkpoint_part(path, reentrant, lambda: self.call_with(
            args[0], args[1:], kwargs, node), args[1:], node)

    def reentrant(self, kwargs: dict[str, Value], node: ast.Call) -> bool:
        """use_reentrant as given (torch's default, with its warning, is the reentrant one);
        the options that change nothing computed are dropped."""
        given = kwargs.pop("use_reentrant", None)
        for key in ("preserve_rng_state", "determinism_check", "debug"):
            kwargs.pop(key, None)
        return given is None or self.plain(given, node) is not False

    def checkpoint_part(self, path: str, reentrant: bool, compute: Callable[[], Value],
                        inputs: list[Value], node: ast.Call) -> Value:
        """The reentrant checkpoint is a Function of its tensor inputs only: when none
        requires grad its answer has no graph (the layers inside get no gradient, torch's
        warning says so). With one that does, it refuses torch.autograd.grad: read then with
        use_reentrant=False only."""
        if not reentrant:
            return compute()
        if any(self.needs_grad(v) for v in inputs if isinstance(v, Pending | Ref)):
            raise error_at(node, f"{path} is read with use_reentrant=False (torch's advice; "
                                 "the reentrant one refuses torch.autograd.grad)")
        saved = self.grad_enabled
        self.grad_enabled = False
        try:
            return compute()
        finally:
            self.grad_enabled = saved

    def checkpointed_sequence(self, path: str, node: ast.Call) -> Value:
        """checkpoint_sequential(model, segments, input): the model's layers in `segments`
        runs, each but the last checkpointed, as torch splits them."""
        args, kwargs = self.arguments(node)
        reentrant = self.reentrant(kwargs, node)
        named = dict(zip(("functions", "segments", "input"), args, strict=False)) | kwargs
        functions, segments, current = (named.get(k) for k in ("functions", "segments",
                                                                  "input"))
        layers = self.items(functions, node) if functions is not None else []
        count = self.plain(segments, node) if segments is not None else None
        if not layers or not isinstance(count, int) or count < 1 or current is None or \
                set(named) - {"functions", "segments", "input"}:
            raise error_at(node, f"{path} is read as {path.rsplit('.', 1)[-1]}(model, "
                                 "segments, input)")
        size = len(layers) // count
        end = -1
        for start in range(0, size * (count - 1), size):
            end = start + size - 1
            current = self.checkpoint_part(path, reentrant, partial(
                self.run_layers, layers[start:end + 1], current, node), [current], node)
        return self.run_layers(layers[end + 1:], current, node)

    def run_layers(self, layers: list[Value], value: Value, node: ast.Call) -> Value:
        for layer in layers:
            value = self.call_with(layer, [value], {}, node)
        return value

    def readable_f(self, fn: Value) -> bool:
        """jacobian(partial(f, i=3), x): f with those arguments, on the inputs first."""
        return isinstance(fn, Py) and isinstance(fn.value, FuncPartial) or \
            super().readable_f(fn)

    def f_on(self, fn: Value, given: list[Value], node: ast.Call) -> Value:
        if isinstance(fn, Py) and isinstance(fn.value, FuncPartial):
            return self.call_with(fn, given, {}, node)
        return super().f_on(fn, given, node)

    def call(self, node: ast.Call) -> Value:
        if self.module_path(node.func) == "functools.partial":
            args, kwargs = self.arguments(node)
            if not args:  # Python's own words
                raise raised_at(node, TypeError("partial expected at least 1 argument, got 0"))
            return Py(FuncPartial(args[0], tuple(args[1:]), kwargs))
        return super().call(node)

    def call_value(self, target: Value, node: ast.Call) -> Value:
        if isinstance(target, Py) and isinstance(target.value, FuncPartial):
            args, kwargs = self.arguments(node)
            return self.call_with(target, args, kwargs, node)
        if isinstance(target, Py) and isinstance(target.value, FunctionalModel):
            model = target.value
            args, kwargs = self.arguments(node)
            params = self.items(args[0], node) if args else []
            if len(params) != len(model.names) or not all(isinstance(p, Pending | Ref)
                                                          for p in params):
                raise error_at(node, f"the functional model takes a tuple of its "
                                     f"{len(model.names)} parameters first")
            with _swapped_in(model.module, dict(zip(model.names, params, strict=True))):
                return self.call_with(Py(model.module), args[1:], kwargs, node)
        return super().call_value(target, node)

    def module_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        if attr == "named_buffers" and not node.args and not node.keywords:
            tensors = [name for name, v in _attributes(module) if isinstance(v, Pending | Ref)]
            tensors += [f"{name}running_mean" for name, m in _modules(module)
                        if m.options.get("running_mean") is not None]  # a norm's statistics
            if tensors:
                raise error_at(node, f"named_buffers() of a model with tensor attributes "
                                     f"({', '.join(tensors)}) is not read; pass its "
                                     "parameters alone (dict(model.named_parameters()))")
            return Py([])
        return super().module_method(module, attr, node)

    def functional_call(self, path: str, node: ast.Call) -> Value:
        """torch.func.functional_call(module, params, args, kwargs=None)."""
        given, kwargs = self.arguments(node)
        named = dict(zip(_FUNCTIONAL_CALL, given, strict=False))
        for key, value in kwargs.items():
            if key not in (*_FUNCTIONAL_CALL, "tie_weights", "strict") or key in named:
                raise error_at(node, f"{path} has no argument {key}= that Gradflow reads; it "
                                     "takes the module, the dict of tensors, the args "
                                     "and kwargs")
            named[key] = value
        if any(self.plain(named[k], node) for k in ("strict",) if k in named) or \
                self.plain(named.get("tie_weights", Py(True)), node) is not True:
            raise error_at(node, f"{path} is read with strict=False and tie_weights=True "
                                 "(the defaults)")
        module = named.get("module")
        if not (isinstance(module, Py) and isinstance(module.value, Module)):
            raise error_at(node, f"{path} takes an nn module of the snippet first")
        swapped = self.tensors_by_name(named.get("parameter_and_buffer_dicts"), path, node)
        args = named.get("args", Py(()))
        given_args = list(args.value) if isinstance(args, Py) and isinstance(
            args.value, tuple) else [args]
        extra = named.get("kwargs", Py(None))
        if not (isinstance(extra, Py) and isinstance(extra.value, dict | type(None))):
            raise error_at(node, f"{path}'s kwargs is a dict")
        with _swapped_in(module.value, swapped):
            return self.call_with(module, given_args, dict(extra.value or {}), node)

    def tensors_by_name(self, value: Value | None, path: str, node: ast.Call
                        ) -> dict[str, Value]:
        items = value.value if isinstance(value, Py) and isinstance(value.value, tuple) \
            else (value,)
        dicts: list[dict[str, Value]] = [d.value for d in items
                                         if isinstance(d, Py) and isinstance(d.value, dict)]
        if not dicts or len(dicts) != len(items):
            raise error_at(node, f"{path} takes a dict of tensors by name (or a tuple of "
                                 "such dicts) second")
        merged: dict[str, Value] = {}
        for d in dicts:
            twice = sorted(set(d) & set(merged))
            if twice:  # torch's own words
                raise raised_at(node, ValueError(f"{twice} appeared in multiple "
                                                 "dictionaries; behavior of functional call "
                                                 "is ambiguous"))
            merged.update(d)
        if not all(isinstance(k, str) and isinstance(v, Pending | Ref)
                   for k, v in merged.items()):
            raise error_at(node, f"{path}'s dicts map names to tensors")
        return merged


@contextmanager
def _swapped_in(module: Module, tensors: dict[str, Value]) -> Iterator[None]:
    """The module's parameters (and tensor attributes) named in `tensors` replaced for the
    call, as torch's functional_call reparametrizes it, and put back after it."""
    saved: list[tuple[dict[str, Any], str, Any]] = []
    try:
        for name, value in tensors.items():
            owner, _, key = _owner(module, name)
            if owner is None:
                continue  # torch sets it as an attribute nothing reads
            table: dict[str, Any] = owner.params if key in owner.params else owner.attrs
            if key in table:
                saved.append((table, key, table[key]))
                table[key] = value
        yield
    finally:
        for table, key, old in reversed(saved):
            table[key] = old


def _owner(module: Module, name: str) -> tuple[Module | None, str, str]:
    """The module a dotted name ('fc1.weight') lives in, and its own name there."""
    *path, key = name.split(".")
    owner: Module | None = module
    for part in path:
        children = dict(zip(child_names(owner), owner.children, strict=True)) \
            if owner is not None else {}
        owner = children.get(part)
    return owner, name, key


def _attributes(module: Module) -> Iterator[tuple[str, Any]]:
    yield from module.attrs.items()
    for name, child in zip(child_names(module), module.children, strict=True):
        for key, value in _attributes(child):
            yield f"{name}.{key}", value


def _modules(module: Module, prefix: str = "") -> Iterator[tuple[str, Module]]:
    yield prefix, module
    for name, child in zip(child_names(module), module.children, strict=True):
        yield from _modules(child, f"{prefix}{name}.")
