"""torch spellings read into the graph: `torch.f(...)`, `F.f(...)` and the registry's tensor
methods become op nodes (`op_call`); creation calls (`torch.rand(3)`) are evaluated with real
torch into tensors of numbers (`creation`, in tensor_creation.py, the base of this reader);
`requires_grad` flags follow torch's rules, and torch's refusals are asked of torch itself
(`probe_requires_grad`) so their words are its own.
"""

from __future__ import annotations

import ast
from collections import ChainMap
from typing import Any

import torch

from engine.loss_ops import NUMBER_INPUTS
from engine.ops import CONSTANT, LEAF, check_param, get_op
from engine.science_ops import NUMBER_INPUTS as SCIENCE_NUMBER_INPUTS
from engine.snippets.clamp_bounds import ClampBounds
from engine.snippets.loss_weights import TENSOR_OPTIONS, legacy_reduction
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.tables import (
    CREATION,
    FUNCTIONAL,
    KEYWORD_ALIASES,
    ONE_BOUND,
    POSITIONAL_PARAMS,
    TORCH_FUNCTIONS,
)
from engine.snippets.tensor_creation import CreationReader, probe_requires_grad
from engine.snippets.values import Number, Pending, Py, Ref, Value, same_tensor, swap_held

# Ops torch also computes in place: x.relu_(), torch.exp_(x), F.relu(x, inplace=True).
IN_PLACE_UNARY = frozenset({"relu", "leaky_relu", "elu", "sigmoid", "tanh", "exp", "log",
                            "sqrt", "abs", "neg", "sin", "cos", "square", "reciprocal",
                            "hardtanh", "relu6"})
# F.<op>(x, ..., inplace=True): the activations whose functional form takes inplace=
_INPLACE_KEYWORD = ("relu", "leaky_relu", "elu", "hardtanh", "relu6")
# of these, the ones torch computes in place only through F.<op>(x, inplace=True)
FUNCTIONAL_IN_PLACE = ("leaky_relu", "elu", "hardtanh", "relu6")

# binary ops whose torch function takes a number as its first operand
_NUMBER_FIRST = frozenset({"add", "sub", "mul", "div", "pow", "true_divide"})
# torch.f(..., out=t) names the aten function in its refusal: these spellings are aliases
_OUT_NAMES = {"multiply": "mul", "subtract": "sub", "divide": "div", "true_divide": "div"}

CREATION_HINT = ("torch.tensor([...]), torch.zeros, torch.ones, torch.full, torch.rand, "
                 "torch.randn, torch.randint, torch.arange, torch.linspace, torch.eye, "
                 "torch.FloatTensor([...])")


class TorchCallReader(CreationReader, ClampBounds):
    def set_requires_grad(self, target: ast.expr, flag: bool, how: str = "method") -> Value:
        return self.mark(self.expr(target), flag, target, how)

    def mark(self, value: Value, flag: bool, target: ast.AST, how: str = "method") -> Value:
        """t.requires_grad_(flag) (how="method") or t.requires_grad = flag ("attribute") on a
        value already read; torch's own error where torch would raise one."""
        if isinstance(value, Pending) and value.node_id is None:
            probe_requires_grad(target, value.dtype, flag, how, leaf=True)
            value.requires_grad = flag
            if value not in self.leaves_pending:
                self.leaves_pending.append(value)
            if value.name is not None:
                self.node_of(value, target)  # a leaf is a node even if nothing uses it
            return value
        if isinstance(value, Ref | Pending) and not self.carries_grad(value):
            node = self.doc.node(self.node_of(value, target))
            if node.op != LEAF:
                # a tensor computed without grad becomes a leaf of its own, as in torch;
                # what was computed from it before keeps the old values without a graph
                probe_requires_grad(target, node.dtype, flag, how, leaf=True)
                fresh = self.fresh_leaf(value, target, flag)
                self.leaf_replaced(node.id, fresh, target)  # a .grad kept while it was off
                return self.relabel(value, fresh, target)
        if isinstance(value, Ref | Pending):
            node = self.doc.node(self.node_of(value, target))
            if node.op == LEAF:
                probe_requires_grad(target, node.dtype, flag, how, leaf=True)
                if node.requires_grad != flag and self.doc.out_edges(node.id):
                    # the ops made before keep the flag they saw, as torch recorded them:
                    # from here on the name holds a leaf of its own with the new flag
                    fresh = self.fresh_leaf(value, target, flag)
                    self.leaf_replaced(node.id, fresh, target)
                    return self.relabel(value, fresh, target)
                restored = self.flag_restored(node.id, value, target) if flag else None
                if restored is not None:
                    return restored
                if not flag and node.grad is not None:
                    # a frozen weight keeps its .grad in torch until zero_grad drops it; the
                    # document holds a .grad on a leaf that requires grad only
                    self.doc.update_node(node.id, grad=None)
                self.doc.update_node(node.id, requires_grad=flag)
                if flag:
                    self.flag_turned_on(node.id)
                self.flags_changed()
                return value
            if node.op != CONSTANT:
                probe_requires_grad(target, node.dtype, flag, how, leaf=False)
                return value  # requires grad already: torch allows saying so again
        raise error_at(target, f"set requires_grad on {short_text(target)} where it is made, "
                               "before using it: torch.tensor([...], requires_grad=True)")

    def leaf_replaced(self, old_id: str, fresh: Pending, where: ast.AST) -> None:
        """flag_grads.py: the .grad torch keeps on the tensor goes with its new leaf."""

    def flag_restored(self, node_id: str, value: Value, where: ast.AST) -> Value | None:
        """flag_grads.py: the leaf its graph used, when the flag comes back untouched."""
        return None

    def flag_turned_on(self, node_id: str) -> None:
        """flag_grads.py: a .grad kept while the leaf did not require grad is held again."""

    def carries_grad(self, value: Value) -> bool:
        """Overridden where requires_grad is followed (concrete.py)."""
        return True

    def fresh_leaf(self, value: Value, where: ast.AST, flag: bool) -> Pending:
        raise error_at(where, "requires_grad_ on a computed tensor is not supported here")

    def relabel(self, old: Value, new: Value, where: ast.AST) -> Value:
        """Every name bound to `old` now names `new` (t.requires_grad_() changes t itself),
        and so does every list, tuple or dict holding it."""
        seen: set[int] = set()
        # a function's names and the script's: a tensor given as an argument is the
        # caller's tensor too (pde_loss(net, points) setting points.requires_grad)
        scopes = self.env.maps if isinstance(self.env, ChainMap) else [self.env]
        for scope in scopes:
            for name, bound in list(scope.items()):
                if same_tensor(bound, old):
                    scope[name] = new
                    self.claim(self.node_of(new, where), name)
                elif isinstance(bound, Py):
                    swap_held(bound, lambda held: same_tensor(held, old), new, seen)
        return new

    def flags_changed(self) -> None:
        """Overridden by the reader that caches which tensors require grad."""

    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if path is None:
            raise error_at(node, f"{short_text(node.func)}(...) is not supported here; call "
                                 "torch functions or tensor methods")
        return self.torch_path_call(path, node)

    def torch_path_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if short in CREATION:
            return self.creation(short, node)
        if short in TORCH_FUNCTIONS:
            return self.op_call(TORCH_FUNCTIONS[short], None, node, path)
        fn = path.removeprefix("torch.nn.functional.")
        if fn != path and fn in FUNCTIONAL:
            return self.op_call(FUNCTIONAL[fn], None, node, path)
        if short == "jit.script" and len(node.args) == 1 and not node.keywords:
            return self.expr(node.args[0])  # TorchScript runs the same function (or model)
        if short.startswith(("jit.", "compile")):  # torch.jit.trace(f, x), torch.compile(f)
            raise error_at(node, f"{path} compiles a function into another program that "
                                 "torch runs, outside the computation Gradflow reads; call "
                                 "the function itself")
        missing = _missing_attribute(path)
        if missing is not None:  # torch.not_a_function: Python's own words
            raise raised_at(node, AttributeError(missing))
        raise error_at(node, f"{path} is not in Gradflow's op list; use one of: "
                             f"{', '.join(sorted(TORCH_FUNCTIONS))} (torch.), "
                             f"{', '.join(sorted(FUNCTIONAL))} (F.); tensors are made with "
                             f"{CREATION_HINT}")

    def op_call(self, op: str, receiver: Value | None, node: ast.Call, what: str) -> Value:
        if op == "trapezoid" and (len(node.args) > 1 or any(kw.arg == "x" for kw in
                                                              node.keywords)):
            op = "trapezoid_x"  # torch.trapezoid(y, x): at sample points, a tensor
        spec = get_op(op)
        args: list[ast.expr] = list(node.args)
        tensors: list[Value | None] = [receiver] if receiver is not None else []
        while len(tensors) < len(spec.inputs) and args:
            tensors.append(self.expr(args.pop(0)))
        first = tensors[0] if tensors else None
        if op == "reshape" and what.endswith("flatten") and not args and not node.keywords \
                and isinstance(first, Pending | Ref):
            meta = self.meta.get(self.node_of(first, node))
            if isinstance(meta, torch.Tensor) and meta.dim() == 1:
                return first  # torch gives the 1-d tensor itself: x.flatten() is x
        params: dict[str, Any] = {}
        positional = POSITIONAL_PARAMS.get(op, ())
        bound = ONE_BOUND.get(what.rsplit(".", 1)[-1])
        if bound is not None:  # x.clamp_min(0) is x.clamp(min=0); its other bound is none
            positional = (bound,)
        if op == "clamp" and first is not None:  # bounds that are tensors: their own op
            bounded = self.tensor_bounds(first, args, node, positional, what.rsplit(".", 1)[-1],
                                         receiver is not None)
            if not isinstance(bounded, ast.Call):
                return bounded
            node, args = bounded, list(bounded.args[len(bounded.args) - len(args):])
        functional = what.startswith(("torch.nn.functional.", "F.", "nn.functional."))
        if op in _INPLACE_KEYWORD and functional:  # F.relu(x, inplace=True), F.elu(x, 1.0, True)
            positional = (*positional, "inplace")
        if op == "reshape" and args:
            shape = [self.literal(a) for a in args]
            params["shape"] = shape[0] if len(shape) == 1 and isinstance(shape[0], list) else shape
        elif op == "reshape" and what.endswith("flatten"):
            params["shape"] = [-1]
        elif op in ("permute", "repeat") and args:  # x.permute(2, 0, 1), x.repeat((2, 1))
            dims = [self.literal(a) for a in args]
            params["dims" if op == "permute" else "repeats"] = \
                dims[0] if len(dims) == 1 and isinstance(dims[0], list) else dims
        elif op == "flip" and args and receiver is not None:  # x.flip(0), x.flip([0, 1])
            dims = [self.literal(a) for a in args]
            params["dims"] = dims[0] if len(dims) == 1 and isinstance(dims[0], list) else dims
        else:
            if len(args) > len(positional):
                raise error_at(node, f"{what} takes at most {len(positional)} arguments after "
                                     "its tensors; name the others, e.g. dim=0")
            for name, arg in zip(positional, args, strict=False):
                params[name] = self.literal(arg)
            if op == "flip" and args and not isinstance(params["dims"], list):
                try:  # torch.flip(x, 0): torch's own words, which name the position
                    torch.flip(torch.zeros(1), params["dims"])
                except TypeError as exc:
                    raise raised_at(node, exc) from None
        out: ast.keyword | None = None
        legacy: dict[str, Value] = {}  # F.l1_loss(a, b, size_average=False): old tutorials
        for kw in node.keywords:
            keyword = KEYWORD_ALIASES.get(kw.arg or "", kw.arg or "")
            if kw.arg == "out":
                out = kw
                continue
            if kw.arg in ("size_average", "reduce") and "reduction" in {
                    p.name for p in spec.params}:
                legacy[kw.arg] = Py(self.literal(kw.value))
                continue
            if op in ("var", "std") and kw.arg == "unbiased":  # the older spelling
                params["correction"] = 1 if self.literal(kw.value) else 0
                continue
            if keyword == TENSOR_OPTIONS.get(op):  # weight=torch.tensor([...]): read apart
                params[keyword] = self.expr(kw.value)
            elif kw.arg in spec.inputs:
                index = spec.inputs.index(kw.arg)
                tensors.extend([None] * (index + 1 - len(tensors)))
                tensors[index] = self.expr(kw.value)
            elif keyword in {p.name for p in spec.params} and keyword not in params or \
                    keyword == "inplace" and op in _INPLACE_KEYWORD and functional:
                params[keyword] = self.literal(kw.value)
            else:
                raise error_at(kw, f"{what} has no supported argument {kw.arg}=")
        if legacy:  # torch's own mapping to reduction=, which they override
            params["reduction"] = _py_value(legacy_reduction(legacy, _py_value)["reduction"])
        if len(tensors) != len(spec.inputs) or any(t is None for t in tensors):
            raise error_at(node, f"{what} needs {len(spec.inputs)} tensor(s): "
                                 f"{', '.join(spec.inputs)}")
        # torch.div(1., t): torch takes a number first where the other operand is a tensor
        number_first = op in _NUMBER_FIRST and any(
            not isinstance(t, Number) for t in tensors[1:])
        for i, t in enumerate(tensors):
            if isinstance(t, Number) and (i == 0 and not number_first or spec.operator in (
                    "", "matmul")) and (op, i) not in NUMBER_INPUTS | SCIENCE_NUMBER_INPUTS:
                raise error_at(node, f"{what} needs a tensor, not the number {t.value}; "
                                     "write torch.tensor(...)")
        if out is not None:
            self.out_argument(what, tensors, out)
        if op == "cross" and "dim" not in params and not what.startswith("torch.linalg."):
            params["dim"] = self.size_three_dim(tensors[0], node)
        if op in TENSOR_OPTIONS:
            params = self.loss_options(op, [t for t in tensors if t is not None], params, node)
        if op in ("cumsum", "cumprod") and "dim" not in params:  # torch requires a dim
            try:  # torch's own words for the call without one (it refuses any tensor)
                getattr(torch, op)(torch.zeros(1))
            except TypeError as exc:
                raise raised_at(node, exc) from None
        if bound is not None and bound not in params:
            try:  # torch's own words for the call without its bound
                getattr(torch, what.rsplit(".", 1)[-1])(torch.zeros(1), **params)
            except TypeError as exc:
                raise raised_at(node, exc) from None
        if bound is not None and set(params) != {bound}:
            raise error_at(node, f"{what} takes the tensor and {bound}")
        if op == "clamp":  # a bound not given is None, not the palette's default min=0
            params = {"min": None, "max": None, **params}
        in_place = params.pop("inplace", False) if op in _INPLACE_KEYWORD and functional \
            else False
        for name, value in params.items():
            try:
                params[name] = check_param(spec.param(name), value)
            except ValueError as exc:
                raise error_at(node, f"{what}: {exc}") from None
        if in_place is True:
            assert tensors[0] is not None
            return self.unary_in_place(tensors[0], op, params, node)
        if in_place is not False:
            raise error_at(node, f"{what}: inplace must be True or False")
        return self.op_node(op, [t for t in tensors if t is not None], params, node)

    def size_three_dim(self, first: Value | None, node: ast.Call) -> int:
        """torch.cross(a, b) and a.cross(b) without dim: torch's deprecated default, the
        first dim of a of size 3 (torch.linalg.cross takes the last)."""
        meta = self.meta.get(self.node_of(first, node)) if first is not None else None
        sizes = list(meta.shape) if isinstance(meta, torch.Tensor) else []
        if 3 not in sizes:
            raise raised_at(node, RuntimeError("no dimension of size 3 in input"))
        return sizes.index(3)

    def out_argument(self, what: str, tensors: list[Value | None], kw: ast.keyword) -> None:
        """`torch.add(c, 1, out=c)`: torch refuses it when an argument requires grad (its
        words name the aten function); otherwise it writes into an existing tensor, which
        is an update in place Gradflow does not read."""
        name = what.removeprefix("torch.")
        if self.grad_enabled and "." not in name and any(
                t is not None and self.carries_grad(t) for t in tensors):
            name = _OUT_NAMES.get(name, name)
            raise raised_at(kw, RuntimeError(
                f"{name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad."))
        raise error_at(kw, f"{what}(..., out=...) writes into an existing tensor; write "
                           f"`result = {what}(...)` instead")

    def unary_in_place(self, receiver: Value, op: str, params: dict[str, Any],
                       node: ast.Call) -> Value:
        raise NotImplementedError  # inplace.py

    def loss_options(self, op: str, inputs: list[Value], params: dict[str, Any],
                     node: ast.AST) -> dict[str, Any]:
        raise NotImplementedError  # modules.py


def _missing_attribute(path: str) -> str | None:
    """Python's AttributeError text when torch has no such name (`torch.lstsq` of torch 1),
    looked up one public name at a time; None when it exists."""
    parts = path.split(".")
    found: Any = torch
    for depth, name in enumerate(parts[1:], 1):
        if name.startswith("_"):
            return None
        if not hasattr(found, name):
            return f"module '{'.'.join(parts[:depth])}' has no attribute '{name}'"
        found = getattr(found, name)
    return None


def _py_value(value: Value) -> Any:
    return value.value if isinstance(value, Py) else None
