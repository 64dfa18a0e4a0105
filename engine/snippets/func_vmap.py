"""`vmap(grad(f))`, `vmap(jacrev(f))`, `vmap(jacfwd(f))`: one derivative per sample (the
"per-sample gradients" and "batched jacobians" of torch.func's tutorials), read as ONE
jacobian call whose answer is the stacked per-sample derivatives, computed by torch:

- f is read on each sample as vmap reads a plain f (func_vjp.py), the results stacked;
- a differentiated input vmap does not map (`in_dims=None`: the weights every sample
  shares) is the jacobian call's input: J of the stacked outputs by it has one block per
  sample, exactly vmap's answer;
- a differentiated input vmap maps (`in_dims=0`: the samples themselves) gets a zero shift
  of one sample's shape, added to every sample (`x[i] + x_shift`): the jacobian by the shift
  is the stack of each sample's derivative by itself (sample i reads only row i), the same
  numbers as vmap's, computed by torch's jacobian on the graph.

Other transforms under vmap (a hessian per sample, vmap(grad(grad(f)))) are applied to each
sample on its own (func_transforms.py).
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine import calls
from engine.autograd_functional import too_large
from engine.snippets.func_functions import transforms_named
from engine.snippets.func_reading import Transform, dict_keys
from engine.snippets.func_vjp import VjpVmapReader
from engine.snippets.jacobian_call import jacobian_answer
from engine.snippets.safety import error_at
from engine.snippets.tables import dtype_name
from engine.snippets.values import Pending, Py, Ref, Value

_PER_SAMPLE = ("grad", "grad_and_value", "jacrev", "jacfwd")


def read_as_one_call(inner: Transform) -> bool:
    """vmap of a first-order transform of a plain f: one jacobian call for all samples."""
    return inner.name in _PER_SAMPLE and not (isinstance(inner.fn, Py) and isinstance(
        inner.fn.value, Transform))


class VmapDerivativeReader(VjpVmapReader):
    def vmapped(self, t: Transform, args: list[Value], kwargs: dict[str, Value],
                node: ast.Call) -> Value:
        inner = t.fn.value if isinstance(t.fn, Py) else None
        if not isinstance(inner, Transform):
            return super().vmapped(t, args, kwargs, node)
        what = f"torch.func.vmap(torch.func.{inner.name}(...))"
        if not read_as_one_call(inner):  # func_transforms.py makes one call per sample
            raise error_at(node, f"{what} is not read as one call")
        dims = self.vmap_dims(t, args, node)
        positions = list(inner.argnums) if isinstance(inner.argnums, tuple) \
            else [inner.argnums]
        if any(not -len(args) <= p < len(args) for p in positions):  # torch's own words
            self.stand_in_check(node, lambda: torch.func.jacrev(
                lambda *a: torch.zeros(()), argnums=tuple(positions))(*args))
        positions = [p % len(args) for p in positions]
        # a dict of tensors by name every sample shares (the model's parameters)
        keys = dict_keys(args[positions[0]]) if isinstance(inner.argnums, int) and \
            dims[positions[0]] is None else None
        if keys is None and (len(set(positions)) != len(positions) or not all(
                isinstance(args[p], Pending | Ref) for p in positions)):
            raise error_at(node, f"{what} differentiates tensors: each input its argnums "
                                 "names must be a tensor, named once (or one dict of "
                                 "tensors by name, not mapped)")
        count = self.vmap_count(args, dims, node)
        before = set(self.doc.graph.nodes)
        made = len(self.program)
        shared = list(args[positions[0]].value.values()) if keys is not None else [  # type: ignore[union-attr]
            args[p] if dims[p] is None else self.zero_shift(args[p], node) for p in positions]
        originals = [self.node_of(v, node) for v in shared]
        if len(set(originals)) != len(originals):
            raise error_at(node, "the same tensor is given twice as an input; give each "
                                 "input once (or a copy: x.clone())")
        stacked, aux, copies = self.rows_read(inner, args, kwargs, dims, positions,
                                              originals, count, node, keys)
        if len(self.program) != made:
            raise error_at(node, f"{what}'s f makes a call of its own (a backward, a grad or "
                                 "a transform): Gradflow reads f as a plain computation")
        tuple_outputs = isinstance(stacked, Py) and isinstance(stacked.value, tuple)
        items: list[Value] = list(stacked.value) if isinstance(stacked, Py) and \
            isinstance(stacked.value, tuple) else [stacked]
        if not all(isinstance(v, Pending | Ref) for v in items):
            raise error_at(node, f"{what}'s f must return a tensor or a tuple of tensors")
        outputs = [self.node_of(v, node) for v in items]
        inputs, outputs = self._settle(originals, copies, outputs, before)
        sizes = [sum(m.numel() for m in (self.meta.get(i) for i in ids)
                     if isinstance(m, torch.Tensor)) for ids in (outputs, inputs)]
        why = too_large("jacobian", *sizes)
        if why is not None:
            raise error_at(node, why)
        if keys is not None and tuple_outputs:
            raise error_at(node, f"{what} by a dict of tensors is read for an f with one "
                                 "output")
        tuple_inputs = isinstance(inner.argnums, tuple) or keys is not None
        self.add_call(calls.jacobian(outputs, inputs, tuple_inputs=tuple_inputs,
                                     tuple_outputs=tuple_outputs), node)
        result = jacobian_answer(len(self.program), "torch.func.vmap", outputs, inputs,
                                 tuple_inputs, tuple_outputs, keys)
        aux_value = self.vmap_stacked(aux, node) if inner.has_aux else None
        if inner.name == "grad_and_value":  # (gradients, f's value), with its aux
            out = Ref(outputs[0])
            return Py((result, out if aux_value is None else Py((out, aux_value))))
        return result if aux_value is None else Py((result, aux_value))

    def zero_shift(self, mapped: Value, node: ast.Call) -> Value:
        """Zeros of one sample's shape, added to every sample: what the derivative of each
        sample by itself is taken by."""
        sample = self.concrete(mapped, node)[0]
        base = self.doc.node(mapped.node_id).name if isinstance(mapped, Ref) else \
            (mapped.name if isinstance(mapped, Pending) and mapped.name else "x")
        return Pending(torch.zeros_like(sample).tolist(), dtype_name(sample.dtype), None,
                       name=self.unique(f"{base}_shift"), origin=node)

    def rows_read(self, inner: Transform, args: list[Value], kwargs: dict[str, Value],
                  dims: list[Any], positions: list[int], originals: list[str], count: int,
                  node: ast.Call, keys: list[str] | None
                  ) -> tuple[Value, list[Value], list[str]]:
        """f read on each sample, on copies of the differentiated inputs (as func_reading.py
        reads f), with grad mode on, and its results stacked while the copies still count
        as differentiated: (the stacked outputs, each sample's aux, the copies)."""
        what = f"torch.func.vmap(torch.func.{inner.name}(...))"
        saved, saved_grad = set(self.differentiated), self.grad_enabled
        saved_transforms = list(self.func_transforms)
        self.grad_enabled = True
        try:
            self.func_transforms += transforms_named(what)
            copies = [self.node_of(self.op_node("detach", [Ref(o)], {}, node), node)
                      for o in originals]
            self.differentiated |= set(copies)
            self.flags_changed()
            rows: list[Value] = []
            aux: list[Value] = []
            for i in range(count):
                row = [self.index_value(a, (i,), node) if d == 0 else a
                       for a, d in zip(args, dims, strict=True)]
                if keys is not None:
                    row[positions[0]] = Py(dict(zip(keys, (Ref(c) for c in copies),
                                                    strict=True)))
                for p, copy in zip(positions if keys is None else [], copies, strict=False):
                    row[p] = Ref(copy) if dims[p] is None else \
                        self.op_node("add", [row[p], Ref(copy)], {}, node)
                returned = self.call_with(inner.fn, row, kwargs, node)
                if inner.has_aux:
                    pair = returned.value if isinstance(returned, Py) else None
                    if not (isinstance(pair, tuple) and len(pair) == 2):
                        raise error_at(node, f"{what} with has_aux=True needs f to return a "
                                             "pair (output, aux)")
                    returned = pair[0]
                    aux.append(pair[1])
                if inner.name in ("grad", "grad_and_value") and not rows:
                    self.scalar_output(returned, node)
                rows.append(returned)
            return self.vmap_stacked(rows, node), aux, copies
        finally:
            self.differentiated, self.grad_enabled = saved, saved_grad
            self.func_transforms = saved_transforms
            self.flags_changed()
