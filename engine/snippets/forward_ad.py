"""Forward-mode AD (torch.autograd.forward_ad) read onto torch.autograd.functional.jvp, whose
numbers are the same: inside `with fwAD.dual_level():`, `fwAD.make_dual(x, t)` is a tensor of
x's numbers (a `clone` node of the graph, as make_dual's result is a view of x for reverse
mode) carrying the tangent t; `fwAD.unpack_dual(y)` of a y computed from duals gives
(primal, tangent), the tangent being torch's answer to a jvp call from those duals to y with
their tangents as v (J·t summed over the duals, as forward mode gives it). Outside the level
unpack_dual gives no tangent, as torch does. What a tangent holds is shown with its call,
never computed with."""

from __future__ import annotations

import ast
import warnings
from typing import Any, NamedTuple

import torch.autograd.forward_ad as fwad

from engine import calls
from engine.snippets.func_names import FORWARD_AD
from engine.snippets.func_reading import relabelled
from engine.snippets.func_transforms import FuncTransformReader
from engine.snippets.jacobian_call import answer_of
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Pending, Py, Ref, Value

_WHAT = "torch.autograd.forward_ad.unpack_dual"


class Unpacked(NamedTuple):
    """What unpack_dual returns: a pair with .primal and .tangent, as torch's namedtuple."""

    primal: Any
    tangent: Any


class ForwardADReader(FuncTransformReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # per open dual level: each dual's node id → (the primal given, its tangent)
        self.dual_levels: list[dict[str, tuple[Value, Value]]] = []

    def with_block(self, stmt: ast.With) -> None:
        context = stmt.items[0].context_expr if len(stmt.items) == 1 else None
        if not (isinstance(context, ast.Call) and self.module_path(context.func) ==
                f"{FORWARD_AD}.dual_level"):
            super().with_block(stmt)
            return
        if context.args or context.keywords or stmt.items[0].optional_vars is not None:
            raise error_at(stmt, "fwAD.dual_level() is read as `with fwAD.dual_level():`")
        saved = set(self.differentiated)
        self.dual_levels.append({})
        try:
            self.run_block(stmt.body)
        finally:
            self.dual_levels.pop()
            self.differentiated = saved
            self.flags_changed()

    def torch_call(self, path: str, node: ast.Call) -> Value:
        if not path.startswith(f"{FORWARD_AD}."):
            return super().torch_call(path, node)
        name = path.removeprefix(f"{FORWARD_AD}.")
        if name == "make_dual":
            return self.make_dual(node)
        if name == "unpack_dual":
            return self.unpack_dual(node)
        raise error_at(node, f"{path} is not read; torch.autograd.forward_ad is read as "
                             "`with fwAD.dual_level():`, make_dual and unpack_dual")

    def make_dual(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        if len(args) != 2 or kwargs or not all(isinstance(a, Pending | Ref) for a in args):
            raise error_at(node, "make_dual is read as make_dual(tensor, tangent), both tensors")
        primal, tangent = args
        p, t = self.concrete(primal, node), self.concrete(tangent, node)
        try:  # torch's own checks, and whether it keeps the tangent itself or a copy
            with warnings.catch_warnings():  # torch's notes on its internals, not the snippet's
                warnings.simplefilter("ignore")
                if not self.dual_levels:
                    fwad.make_dual(p, t)  # raises: no level
                with fwad.dual_level():
                    kept = fwad.unpack_dual(fwad.make_dual(p, t)).tangent is t
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        saved = self.grad_enabled
        self.grad_enabled = True  # forward mode works under no_grad too
        try:
            dual = self.node_of(self.op_node("clone", [primal], {}, node), node)
        finally:
            self.grad_enabled = saved
        self.differentiated.add(dual)  # what is computed from it stays in the graph
        self.flags_changed()
        self.dual_levels[-1][dual] = (primal, tangent if kept else self.from_tensor(t, node))
        return Ref(dual)

    def unpack_dual(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        if len(args) != 1 or kwargs:
            raise error_at(node, "unpack_dual is read as unpack_dual(tensor)")
        value = args[0]
        if not isinstance(value, Pending | Ref):
            raise error_at(node, "unpack_dual takes a tensor")
        level = self.dual_levels[-1] if self.dual_levels else {}
        node_id = value.node_id
        if node_id is None or not level:
            return Py(Unpacked(value, Py(None)))
        if node_id in level:
            return Py(Unpacked(*level[node_id]))
        duals = [d for d in level if self.reaches(d, [node_id])]
        if not duals:
            return Py(Unpacked(value, Py(None)))
        vectors = [self.concrete(level[d][1], node).detach().tolist() for d in duals]
        self.add_call(calls.functional("jvp", [node_id], duals, vectors,
                                       tuple_inputs=len(duals) > 1), node)
        answer = relabelled(answer_of("jvp", len(self.program), len(duals), 1,
                                      len(duals) > 1, False), _WHAT)
        assert isinstance(answer.value, tuple)
        return Py(Unpacked(value, answer.value[1]))

    def attribute(self, node: ast.Attribute) -> Value:
        if node.attr not in ("primal", "tangent"):
            return super().attribute(node)
        owner = self.expr(node.value)
        if isinstance(owner, Py) and isinstance(owner.value, Unpacked):
            found = getattr(owner.value, node.attr)
            assert isinstance(found, Pending | Ref | Number | Py)
            return found
        raise error_at(node, f"the attribute .{node.attr} is read on what "
                             "fwAD.unpack_dual returns")

    def compare(self, node: ast.Compare) -> Value:
        """`unpack_dual(d).tangent is t`: `is` on tensors asks whether they are the same
        tensor, which the reader knows from its values, not from their numbers."""
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Is | ast.IsNot):
            return super().compare(node)
        left, right = self.expr(node.left), self.expr(node.comparators[0])
        if isinstance(left, Pending | Ref) and isinstance(right, Pending | Ref):
            same = left is right or (left.node_id is not None and left.node_id == right.node_id)
        else:
            same = self.concrete(left, node) is self.concrete(right, node)
        return Number(same if isinstance(node.ops[0], ast.Is) else not same)


__all__ = ["ForwardADReader", "Unpacked"]
