"""torch.func.vjp, torch.func.jvp and torch.func.vmap (func_transforms.py says what each is
read as): vjp_fn(v) and jvp are torch.autograd.functional's vjp and jvp calls of the graph of
f; vmap of a plain f is f read on each row, the rows stacked."""

from __future__ import annotations

import ast
from collections import ChainMap
from dataclasses import dataclass
from typing import Any

import torch

from engine import calls
from engine.snippets.func_params import ParamDictReader
from engine.snippets.func_reading import Transform, relabelled
from engine.snippets.jacobian_call import answer_of
from engine.snippets.safety import error_at
from engine.snippets.values import Function, Number, Pending, Py, Ref, Value


@dataclass(frozen=True)
class VjpFunction:
    """The vjp_fn torch.func.vjp returns: each call of it is a vjp call of the program."""

    outputs: tuple[str, ...]
    inputs: tuple[str, ...]
    tuple_outputs: bool


class VjpVmapReader(ParamDictReader):
    # ---- vjp and jvp ---------------------------------------------------------------------
    def vjp_or_jvp(self, name: str, path: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        has_aux = bool(self.plain(kwargs.pop("has_aux", Number(False)), node))
        strict = kwargs.pop("strict", Number(False))
        if kwargs or not args or self.plain(strict, node):
            raise error_at(node, f"{path} is read as {name}(f, "
                                 f"{'*primals' if name == 'vjp' else 'primals, tangents'}"
                                 "[, has_aux=...])")
        fn, rest = args[0], args[1:]
        if name == "jvp":
            if len(rest) != 2:
                raise error_at(node, f"{path} takes f, primals and tangents")
            primals, tangents = (self.tuple_of(v, node, f"{path}'s {w}")
                                 for v, w in zip(rest, ("primals", "tangents"), strict=True))
            if len(primals) != len(tangents):
                raise error_at(node, f"{path}: give one tangent per primal")
            rest = primals
        positions = list(range(len(rest)))
        inputs, outputs, returned, aux = self.read_f(fn, rest, {}, positions, has_aux,
                                                     f"torch.func.{name}", node, name)
        tuple_outputs = isinstance(returned, Py)
        extra = (aux,) if has_aux else ()
        if name == "vjp":
            made = VjpFunction(tuple(outputs), tuple(inputs), tuple_outputs)
            return Py((returned, Py(made), *extra))
        given = [self.concrete(t, node) for t in tangents]
        at = [torch.zeros_like(self.concrete(Ref(i), node)) for i in inputs]
        self.stand_in_check(node, lambda: torch.func.jvp(lambda *p: p[0], tuple(at), tuple(given)))
        vectors = [t.detach().tolist() for t in given]
        self.add_call(calls.functional("jvp", outputs, inputs, vectors, tuple_inputs=True,
                                       tuple_outputs=tuple_outputs), node)
        answer = relabelled(answer_of("jvp", len(self.program), len(inputs), len(outputs),
                                       True, tuple_outputs), "torch.func.jvp")
        assert isinstance(answer.value, tuple)
        return Py((returned, answer.value[1], *extra))

    def vjp_fn_call(self, fn: VjpFunction, node: ast.Call) -> Value:
        """vjp_fn(v): torch.autograd.functional.vjp of the graph vjp read, at v; its answer
        is one gradient per primal, always a tuple, as torch.func gives it."""
        args, kwargs = self.arguments(node)
        if len(args) != 1 or kwargs:
            raise error_at(node, "vjp_fn is read as vjp_fn(v): v a tensor, or a tuple of "
                                 "them as f's outputs are")
        given = self.tuple_of(args[0], node, "v") if fn.tuple_outputs else [args[0]]
        if len(given) != len(fn.outputs) or not all(isinstance(v, Pending | Ref) for v in given):
            raise error_at(node, "vjp_fn's v is a tensor per output of f, given as f's "
                                 "outputs are (a tuple when they are a tuple)")
        vs = [self.concrete(v, node) for v in given]
        outs = [torch.zeros_like(self.concrete(Ref(o), node)) for o in fn.outputs]

        def same_check() -> Any:  # torch.func's own check of v against f's outputs
            pull = torch.func.vjp(lambda *o: o if fn.tuple_outputs else o[0], *outs)[1]
            return pull(tuple(vs) if fn.tuple_outputs else vs[0])
        self.stand_in_check(node, same_check)
        vectors = [v.detach().tolist() for v in vs]
        self.add_call(calls.functional("vjp", fn.outputs, fn.inputs, vectors, tuple_inputs=True,
                                       tuple_outputs=fn.tuple_outputs), node)
        answer = relabelled(answer_of("vjp", len(self.program), len(fn.inputs),
                                       len(fn.outputs), True, fn.tuple_outputs), "torch.func.vjp")
        assert isinstance(answer.value, tuple)
        return answer.value[1]

    # ---- vmap ------------------------------------------------------------------------------
    def vmapped(self, t: Transform, args: list[Value], kwargs: dict[str, Value],
                node: ast.Call) -> Value:
        """f read on each row of the mapped inputs, the results stacked: the numbers vmap
        gives, as a graph of plain ops (vmap of a derivative: func_vmap.py)."""
        dims = self.vmap_dims(t, args, node)
        rows = []
        for i in range(self.vmap_count(args, dims, node)):
            row = [self.vmap_row(a, i, node) if d == 0 else a
                   for a, d in zip(args, dims, strict=True)]
            with self.transformed("torch.func.vmap"):
                rows.append(self.call_with(t.fn, row, kwargs, node))
        return self.vmap_stacked(rows, node)

    def vmap_dims(self, t: Transform, args: list[Value], node: ast.Call) -> list[Any]:
        """in_dims per input, each 0 or None (torch's own check of them first)."""
        self.stand_in_check(node, lambda: torch.func.vmap(
            _stand_in(t.fn), tuple(t.in_dims) if isinstance(t.in_dims, list) else t.in_dims)(
                *(self.concrete(a, node) for a in args)))  # a tuple of tensors: its tensors
        dims = list(t.in_dims) if isinstance(t.in_dims, list | tuple) else \
            [t.in_dims] * len(args)
        if len(dims) != len(args) or any(d not in (0, None) for d in dims) or t.out_dims != 0:
            raise error_at(node, "torch.func.vmap is read with in_dims of 0 or None per input "
                                 "and out_dims=0; move the mapped dimension first")
        return dims

    def vmap_row(self, mapped: Value, i: int, node: ast.Call) -> Value:
        """Sample i of a mapped input: of each tensor in a tuple or list (vmap maps the
        tensors of a pytree)."""
        if isinstance(mapped, Py) and isinstance(mapped.value, tuple | list):
            return Py(type(mapped.value)(self.vmap_row(v, i, node) for v in mapped.value))
        return self.index_value(mapped, (i,), node)

    def vmap_count(self, args: list[Value], dims: list[Any], node: ast.Call) -> int:
        """The common size of the mapped inputs along dimension 0."""
        mapped = [leaf for a, d in zip(args, dims, strict=True) if d == 0
                  for leaf in _tensors_in(a)]
        if not mapped or not all(isinstance(a, Pending | Ref) for a in mapped):
            raise error_at(node, "torch.func.vmap maps tensors: give at least one tensor "
                                 "with in_dims 0")
        sizes = {self.concrete(a, node).shape[0] if self.concrete(a, node).dim() else -1
                 for a in mapped}
        if len(sizes) != 1 or -1 in sizes:
            raise error_at(node, "torch.func.vmap's mapped inputs need one common size "
                                 "along dimension 0")
        return sizes.pop()

    def vmap_stacked(self, rows: list[Value], node: ast.Call) -> Value:
        first = rows[0]
        if isinstance(first, Py) and isinstance(first.value, tuple):
            width = len(first.value)
            return Py(tuple(self.vmap_stacked([r.value[k] for r in rows if isinstance(r, Py)], node)
                            for k in range(width)))
        if not all(isinstance(r, Pending | Ref | Number) for r in rows):
            raise error_at(node, "torch.func.vmap's f must return tensors")
        saved = self.env
        names = [f"row{i}" for i in range(len(rows))]
        self.env = ChainMap(dict(zip(names, rows, strict=True)), saved)
        call = ast.Call(func=ast.Name("stack", ast.Load()),
                        args=[ast.List([ast.Name(n, ast.Load()) for n in names], ast.Load())],
                        keywords=[])
        for part in ast.walk(call):
            ast.copy_location(part, node)
        try:
            return self.joined("stack", call)
        finally:
            self.env = saved




def _tensors_in(value: Value) -> list[Value]:
    """The leaves of a tuple or list of tensors (itself, for anything else)."""
    if isinstance(value, Py) and isinstance(value.value, tuple | list):
        return [leaf for v in value.value for leaf in _tensors_in(v)]
    return [value]


def _stand_in(fn: Value) -> Any:
    """A function of f's name for torch's own checks of vmap's inputs (its words name f)."""
    def stand_in(*args: Any) -> torch.Tensor:
        return torch.zeros(())
    name = fn.value.name if isinstance(fn, Py) and isinstance(fn.value, Function) else \
        getattr(getattr(fn, "value", None), "path", "f").rsplit(".", 1)[-1]
    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in
