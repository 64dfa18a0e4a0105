"""torch.func's transforms (and functorch's older names) read onto the calls a document
already makes, where torch's numbers are the same:

| snippet | the document's call |
| --- | --- |
| `grad(f, argnums)(x)`, `grad_and_value` | jacobian of f by x (J of a 0-dim f: the gradient) |
| `jacrev(f, argnums)(x)`, `jacfwd` | jacobian, nested per output and argnum as torch nests it |
| `hessian(f, argnums)(x)` | torch.autograd.functional.hessian |
| `grad(grad(f))(x)`, `jacrev(jacrev(f))(x)`... of a 0-dim f | hessian (H, as torch nests it) |
| `out, vjp_fn = vjp(f, x)`; `vjp_fn(v)` | torch.autograd.functional.vjp, one per vjp_fn call |
| `jvp(f, (x,), (v,))` | torch.autograd.functional.jvp |
| `vmap(f)(xs)` of a plain f | f read on each row, the rows stacked: a forward graph |
| `vmap(grad(f))(xs)`, `vmap(jacrev(f))(xs)` | one jacobian of the stacked rows (func_vmap.py) |
| `vmap(hessian(f))(xs)`, `vmap(grad(grad(f)))(xs)` | the transform's call per sample, stacked |

f is read as jacobian_call.py reads it (inlined on copies of the differentiated inputs);
what the transform returns is torch's answer to that call, shown, and computed with as the
numbers torch returned. Deeper nesting is refused with where and why.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine import calls
from engine.snippets.func_names import TRANSFORM_MODULES, TRANSFORMS, transform_name
from engine.snippets.func_reading import Transform, dict_keys, relabelled
from engine.snippets.func_vjp import VjpFunction
from engine.snippets.func_vmap import VmapDerivativeReader, read_as_one_call
from engine.snippets.jacobian_call import answer_of, jacobian_answer
from engine.snippets.program import GradAnswer
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Pending, Py, Ref, Value

_FIRST_ORDER = ("grad", "grad_and_value", "jacrev", "jacfwd")
_ANSWERS = ("torch.func", "torch.autograd.forward_ad", "torch.autograd.functional")  # their makers
# the options each transform takes besides f; the ones changing only how torch computes
# the same numbers are accepted (chunk_size), the others refused where they are
_OPTIONS = {"grad": ("argnums", "has_aux"), "grad_and_value": ("argnums", "has_aux"),
            "jacrev": ("argnums", "has_aux", "chunk_size"),
            "jacfwd": ("argnums", "has_aux", "randomness"), "hessian": ("argnums",),
            "vmap": ("in_dims", "out_dims", "randomness", "chunk_size")}
SECOND_ORDER = ("is a derivative of a derivative; Gradflow reads two nested transforms of a "
                "function with a 0-dim output as its Hessian (torch.autograd.functional."
                "hessian) and refuses other nestings: write torch.func.hessian(f)(x), or "
                "take each derivative on its own")


class FuncTransformReader(VmapDerivativeReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_early: dict[int, Value] = {}  # transforms of an assert, read before it

    # ---- hooks into the reader ----------------------------------------------------------
    def torch_call(self, path: str, node: ast.Call) -> Value:
        name = transform_name(path)
        module, _, short = path.rpartition(".")
        if module in TRANSFORM_MODULES and short == "functional_call":
            return self.functional_call(path, node)
        if path == "functorch.make_functional":
            return self.make_functional(path, node)
        if path == "torch.utils.checkpoint.checkpoint":
            return self.checkpointed(path, node)
        if path == "torch.utils.checkpoint.checkpoint_sequential":
            return self.checkpointed_sequence(path, node)
        if name is None and module in TRANSFORM_MODULES:
            raise error_at(node, f"{path} is not read; of torch.func, Gradflow reads "
                                 f"{', '.join(TRANSFORMS)}")
        if name is None:
            return super().torch_call(path, node)
        if name in ("vjp", "jvp"):
            cached = self.read_early.get(id(node))  # read already, before its assert
            return cached if cached is not None else self.vjp_or_jvp(name, path, node)
        args, kwargs = self.arguments(node)
        if not args and "func" not in kwargs:
            raise raised_at(node, TypeError(f"{name}() missing 1 required positional argument: "
                                            "'func'"))
        fn = args[0] if args else kwargs.pop("func")
        options = dict(zip(_OPTIONS[name], args[1:], strict=False))
        for key, value in kwargs.items():
            if key not in _OPTIONS[name] or key in options:
                raise error_at(node, f"{path} has no argument {key}= that Gradflow reads; it "
                                     f"takes f and {', '.join(_OPTIONS[name])}")
            options[key] = value
        plain = {k: self.plain(v, node) for k, v in options.items()}
        if plain.get("randomness", "error") != "error":
            raise error_at(node, f"{path}'s randomness= is not read; remove it")
        argnums = plain.get("argnums", 0)
        if isinstance(argnums, list):
            argnums = tuple(argnums)
        if not isinstance(argnums, int | tuple) or isinstance(argnums, bool) or (
                isinstance(argnums, tuple) and not all(isinstance(a, int) for a in argnums)):
            raise error_at(node, f"{path}'s argnums is an int or a tuple of ints")
        out_dims = plain.get("out_dims", 0)
        if not isinstance(out_dims, int):
            raise error_at(node, "vmap's out_dims is read as one int")
        return Py(Transform(name, fn, argnums, bool(plain.get("has_aux", False)),
                            plain.get("in_dims", 0), out_dims))

    def call_value(self, target: Value, node: ast.Call) -> Value:
        if isinstance(target, Py) and isinstance(target.value, Transform):
            cached = self.read_early.get(id(node))  # kept: the assert may read it twice
            return cached if cached is not None else self.transform_applied(target.value, node)
        if isinstance(target, Py) and isinstance(target.value, VjpFunction):
            return self.vjp_fn_call(target.value, node)
        return super().call_value(target, node)

    def statement(self, stmt: ast.stmt) -> None:
        """`assert torch.allclose(g, grad(f)(x))`: the transform inside an assert is made as
        the script makes it, even when the assert itself is checked only after the run."""
        if not isinstance(stmt, ast.Assert):  # f's own statements keep the assert's reads
            super().statement(stmt)
            return
        saved = dict(self.read_early)
        try:
            for inner in ast.walk(stmt.test):
                if isinstance(inner, ast.Call) and self.is_transform_call(inner):
                    self.read_early[id(inner)] = self.expr(inner)
            super().statement(stmt)
        finally:
            self.read_early = saved

    def has_effects(self, call: ast.Call) -> bool:
        """`print(jacrev(f)(x))` shows J and still makes the call, as for jacobian."""
        return self.is_transform_call(call) or super().has_effects(call)

    def is_transform_call(self, node: ast.Call) -> bool:
        """A transform applied (`grad(f)(x)`), or torch.func.vjp / jvp itself."""
        if isinstance(node.func, ast.Call):
            return transform_name(self.module_path(node.func.func) or "") is not None
        if isinstance(node.func, ast.Name) and node.func.id not in self.modules:
            held = self.env.get(node.func.id)  # d2f = jacfwd(grad(f)); print(d2f(a, b))
            if isinstance(held, Py) and isinstance(held.value, Transform):
                return True
        return transform_name(self.module_path(node.func) or "") in ("vjp", "jvp")

    def reading_grad(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        """An assert on what a transform returned is left unchecked, as one on what
        torch.autograd.grad returned is: the transform inside it was read already."""
        if isinstance(stmt, ast.Assert) and "reads what torch.func" in exc.reason:
            return
        super().reading_grad(stmt, exc)

    def concrete(self, value: Value, where: ast.AST) -> Any:
        """What a transform returned, used in a computation with no name in between
        (`torch.allclose(grad(f)(x), c)`): read as a use of the named answer is."""
        return super().concrete(self.answer_used(value, where), where)

    def node_of(self, value: Value | None, where: ast.AST | None) -> str:
        return super().node_of(self.answer_used(value, where), where)

    def answer_used(self, value: Value | None, where: ast.AST | None) -> Any:
        """A transform's or torch.autograd.functional's answer used in a computation
        (`torch.squeeze(jacobian(f, x))`): the numbers torch returned, from the run of the
        calls so far; AfterBackward where the run cannot tell them."""
        if isinstance(value, Py) and isinstance(value.value, GradAnswer) and \
                value.value.what.startswith(_ANSWERS):
            return self.answer_numbers(value, where or ast.Pass())
        return value

    def training_step(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        if "torch.func" in exc.reason or "forward_ad" in exc.reason:
            raise error_at(stmt, f"{short_text(stmt)} computes with what a torch.func "
                                 "transform or forward-mode AD returned: Gradflow shows that "
                                 "answer with its call but does not compute with it") from exc
        super().training_step(stmt, exc)

    # ---- applying a transform ------------------------------------------------------------
    def transform_applied(self, t: Transform, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        return self.transform_on(t, args, kwargs, node)

    def transform_on(self, t: Transform, args: list[Value], kwargs: dict[str, Value],
                     node: ast.Call) -> Value:
        if t.name == "vmap" and isinstance(t.fn, Py) and isinstance(t.fn.value, Transform) \
                and not read_as_one_call(t.fn.value):
            return self.vmapped_each(t, t.fn.value, args, kwargs, node)
        if t.name == "vmap":
            return self.vmapped(t, args, kwargs, node)
        if isinstance(t.fn, Py) and isinstance(t.fn.value, Transform):
            return self.nested(t, t.fn.value, args, kwargs, node)
        positions = list(t.argnums) if isinstance(t.argnums, tuple) else [t.argnums]
        what = f"torch.func.{t.name}"
        keys = dict_keys(args[positions[0]]) if isinstance(t.argnums, int) and \
            -len(args) <= t.argnums < len(args) else None
        inputs, outputs, returned, aux = self.read_f(
            t.fn, args, kwargs, positions, t.has_aux, what, node,
            "hessian" if t.name == "hessian" else "jacobian", dicts=keys is not None)
        tuple_outputs = isinstance(returned, Py) and isinstance(returned.value, tuple)
        if keys is not None and tuple_outputs:
            raise error_at(node, f"{what} by a dict of tensors is read for an f with one "
                                 "output")
        tuple_inputs = isinstance(t.argnums, tuple) or keys is not None
        if t.name in ("grad", "grad_and_value"):
            self.scalar_output(returned, node)
        if t.name == "hessian":
            self.scalar_output(returned, node, hessian=True)
            self.add_call(calls.functional("hessian", outputs, inputs, None,
                                           tuple_inputs=tuple_inputs), node)
            answer = answer_of("hessian", len(self.program), len(inputs), 1, tuple_inputs, False)
            return relabelled(answer if keys is None else _by_name(answer, keys), what)
        self.add_call(calls.jacobian(outputs, inputs, tuple_inputs=tuple_inputs,
                                     tuple_outputs=tuple_outputs), node)
        result = jacobian_answer(len(self.program), what, outputs, inputs, tuple_inputs,
                                 tuple_outputs, keys)
        if t.name == "grad_and_value":
            value = returned if not t.has_aux else Py((returned, aux))
            return Py((result, value))
        return Py((result, aux)) if t.has_aux else result

    def vmapped_each(self, t: Transform, inner: Transform, args: list[Value],
                     kwargs: dict[str, Value], node: ast.Call) -> Value:
        """`vmap(hessian(f))(xs)`, `vmap(grad(grad(f)))(xs)`: the transform applied to each
        sample on its own (one call per sample, as a loop over the samples makes them), its
        answers' numbers stacked: vmap's numbers, computed by torch one sample at a time."""
        dims = self.vmap_dims(t, args, node)
        rows: list[Value] = []
        for i in range(self.vmap_count(args, dims, node)):
            row = [self.index_value(a, (i,), node) if d == 0 else a
                   for a, d in zip(args, dims, strict=True)]
            rows.append(self.answer_used(self.transform_on(inner, row, kwargs, node), node))
        return self.vmap_stacked(rows, node)

    def nested(self, outer: Transform, inner: Transform, args: list[Value],
               kwargs: dict[str, Value], node: ast.Call) -> Value:
        """Two first-order transforms of a function with a 0-dim output, by one input: H."""
        what = f"torch.func.{outer.name}(torch.func.{inner.name}(...))"
        plain_fn = not (isinstance(inner.fn, Py) and isinstance(inner.fn.value, Transform))
        if outer.name not in _FIRST_ORDER or inner.name not in _FIRST_ORDER or not plain_fn \
                or outer.has_aux or inner.has_aux or "value" in outer.name + inner.name \
                or not isinstance(inner.argnums, int) or outer.argnums != inner.argnums:
            if plain_fn and outer.argnums != inner.argnums:
                raise error_at(node, f"{what} by argnums {inner.argnums} inside and "
                                     f"{outer.argnums} outside is a mixed second derivative, "
                                     "one block of the Hessian; Gradflow reads the whole of it: "
                                     "hessian(f, argnums=(i, j))(...) gives every block")
            raise error_at(node, f"{what} {SECOND_ORDER}")
        inputs, outputs, returned, _ = self.read_f(inner.fn, args, kwargs, [inner.argnums],
                                                   False, what, node, "hessian")
        if inner.name == "grad":
            self.scalar_output(returned, node)
        out = self.concrete(returned, node) if isinstance(returned, Pending | Ref) else None
        if isinstance(out, torch.Tensor) and out.dim() != 0:
            raise error_at(node, f"{what} of an f whose output has shape {list(out.shape)} is "
                                 "a Hessian per output element, which no call Gradflow makes "
                                 "gives (torch.autograd.functional.hessian takes a function of "
                                 "one number): differentiate one element, f(...)[i], or the "
                                 "sum of them")
        if not isinstance(out, torch.Tensor):
            raise error_at(node, f"{what} {SECOND_ORDER}")
        if outer.name == "grad":  # torch's grad of the inner gradient, shaped as x
            self.scalar_output(Ref(inputs[0]), node)
        self.add_call(calls.functional("hessian", outputs, inputs, None), node)
        return relabelled(answer_of("hessian", len(self.program), 1, 1, False, False), what)



def _by_name(answer: Value, keys: list[str]) -> Py:
    """A hessian by a dict of tensors: H[name][name], as torch nests it."""
    rows = answer.value if isinstance(answer, Py) else None
    assert isinstance(rows, tuple)
    return Py({k: Py(dict(zip(keys, row.value, strict=True)))
               for k, row in zip(keys, rows, strict=True) if isinstance(row, Py)})
