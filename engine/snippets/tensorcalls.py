"""Calls on tensors beyond the op registry's plain spellings: casts, torch calls read by
name (`torch.where`, `torch.t`, joins), and the methods that read values (`.item()`,
`.size()`, `.norm()`) instead of building the graph (`Variable`, the typed constructors,
`torch.randint` and random fills: made_tensors.py).

A call whose result carries no gradient is computed on concrete values (it becomes a
constant, as it has no history in torch either); one that carries a gradient becomes a
registry op (`to`; indexing.py: `index`) so its backward is torch's own.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.calls import FUNCTIONS
from engine.ops import get_op
from engine.snippets.made_tensors import MadeTensors
from engine.snippets.safety import error_at, leaf_in_place_error, raised_at, short_text
from engine.snippets.selecting import SELECTING
from engine.snippets.tables import (
    CREATION,
    METHODS,
    POSITIONAL_PARAMS,
    TORCH_FUNCTIONS,
)
from engine.snippets.torchcalls import FUNCTIONAL_IN_PLACE, IN_PLACE_UNARY
from engine.snippets.valuecalls import CASTS, JOINING, RANDOM_FUNCTIONS, TYPED_TENSORS
from engine.snippets.values import (
    Number,
    Pending,
    Py,
    Ref,
    Value,
)

# Methods computed on concrete values when the tensor carries no gradient.
VALUE_METHODS = frozenset({
    "norm", "max", "min", "argmax", "argmin", "all", "any", "sign", "floor", "ceil", "round",
    "clone", "std", "var", "prod", "cumsum", "numel", "eq", "ne", "gt", "lt", "ge", "le",
    "allclose", "equal", "isclose", "clamp", "sort", "topk", "median", "squeeze", "unsqueeze",
    "expand", "flip", "nonzero", "count_nonzero", "cpu", "scatter", "scatter_add", *SELECTING,
    "unique", "argsort", "bincount",  # class counts and orders a script takes of its labels
    "isfinite", "isnan", "isinf",  # checks of a loss or a gradient
    *("logical_not", "logical_and", "logical_or", "logical_xor"),  # masks
})
# views read as a reshape to the shape torch gives
RESHAPING = ("unsqueeze", "squeeze")
# y.add_(b) and friends: read as y += b (statements.py)
IN_PLACE_METHODS = {"add_": ast.Add, "sub_": ast.Sub, "mul_": ast.Mult, "div_": ast.Div,
                    "pow_": ast.Pow}
# torch functions computed on concrete values when no argument carries a gradient.
VALUE_FUNCTIONS = RANDOM_FUNCTIONS | frozenset({
    "acos", "asin", "atan", "sinh", "cosh", "tan", "log2", "log10", "log1p", "expm1",
    "erf", "reciprocal", "rsqrt", "full_like", "empty_like",
    "max", "min", "argmax", "argmin", "norm", "all", "any", "allclose", "equal", "isclose",
    "numel", "sign", "floor", "ceil", "round", "clamp", "where", "cat", "stack", "squeeze",
    "unsqueeze", "flatten", "cumsum", "prod", "sort", "topk", "median", "zeros_like",
    "ones_like",
    "is_tensor", "is_floating_point", "from_numpy", *SELECTING,
    # grids, counts and lookups a script makes for plots and labels
    "meshgrid", "cartesian_prod", "histc", "bincount", "unique", "searchsorted",
    "bucketize", "tril_indices", "triu_indices", "argsort", "argwhere", "nonzero",
    "count_nonzero", "isin", "diff",
    "eq", "ne", "gt", "lt", "ge", "le",  # torch.eq(a, b).all() in an assert
    "isfinite", "isnan", "isinf",  # `if not torch.isfinite(loss).all():`
    "logical_not", "logical_and", "logical_or", "logical_xor",  # masks
})




class TensorCalls(MadeTensors):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grads_retained: set[str] = set()  # node ids of t.retain_grad()

    def parameters_to_vector(self, node: ast.Call) -> Value:
        """torch.nn.utils.parameters_to_vector(params): torch.cat of each param.view(-1), as
        torch writes it, so the gradient flows back into every parameter."""
        params = self.items(self.expr(node.args[0]), node)
        if not params:
            try:  # torch's own error for no parameter at all
                torch.nn.utils.parameters_to_vector([])
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        flat = [self.op_node("reshape", [p], {"shape": [-1]}, node) for p in params]
        return self.cat_chain(flat, 0, params, node)

    def autograd_grad(self, node: ast.Call) -> Value:
        raise NotImplementedError  # the program reader records it as a call

    def functional_jacobian(self, node: ast.Call) -> Value:
        raise NotImplementedError  # the program reader records it as a call (jacobian_call.py)

    # ---- torch.<fn>(...) --------------------------------------------------------------
    def torch_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if path == "torch.autograd.Variable":
            return self.variable(node)
        if short in TYPED_TENSORS:
            return self.typed_tensor(short, node)
        if short == "randint":
            return self.randint(node)
        if short == "Generator" and not node.args and not node.keywords:
            return Py(torch.Generator())  # karpathy's g = torch.Generator().manual_seed(n)
        if short == "set_grad_enabled" and len(node.args) == 1 and not node.keywords:
            flag = self.plain(self.expr(node.args[0]), node)
            if not isinstance(flag, bool):
                raise error_at(node, "torch.set_grad_enabled takes True or False")
            self.grad_enabled = flag  # as a call, it holds for the statements after it
            return Py(None)
        if short == "device":
            return Py(self.device_of(node))
        if short == "cuda.is_available" and not node.args and not node.keywords:
            return Number(False)  # Gradflow computes on the CPU, whatever the machine has
        if short == "set_printoptions":
            self.arguments(node)
            return Py(None)  # how torch prints; the computation is the same
        if short == "set_grad_enabled" and len(node.args) == 1 and not node.keywords:
            flag = self.plain(self.expr(node.args[0]), node)
            if not isinstance(flag, bool):
                raise error_at(node, "torch.set_grad_enabled takes True or False")
            self.grad_enabled = flag  # called as a function: grad mode from here on
            return Py(None)
        if short in ("no_grad", "enable_grad", "inference_mode") and not node.args and \
                not node.keywords:
            return Py(None)  # a context made and dropped: nothing changes outside a `with`
        if short in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode"):
            raise error_at(node, f"torch.{short}() is read as a with-block: "
                                 f"with torch.{short}(): ...")
        if short == "autograd.grad":
            return self.autograd_grad(node)
        if short.removeprefix("autograd.functional.") in ("jacobian", *FUNCTIONS):
            return self.functional_jacobian(node)  # jacobian_call.py: each as a call
        if short.startswith("autograd.functional."):
            raise error_at(node, f"torch.{short} is not read; torch.autograd.functional."
                                 "jacobian, vjp, jvp, vhp, hvp and hessian are")
        if short == "manual_seed":  # `_ = torch.manual_seed(0)` seeds all the same
            self.manual_seed(node)
            return Py(None)  # torch's Generator; nothing computes with it
        if short in ("add", "sub") and len(node.args) == 2 and [k.arg for k in node.keywords] \
                == ["alpha"]:  # torch.add(a, b, alpha=k) is a + k * b
            return self.expr(_with_alpha(node, node.args[0], node.args[1], short))
        if short == "where":
            return self.where(node)
        if short == "t" and len(node.args) == 1 and not node.keywords:  # torch.t(x) is x.t()
            method = ast.copy_location(ast.Call(func=ast.copy_location(ast.Attribute(
                value=node.args[0], attr="t", ctx=ast.Load()), node), args=[], keywords=[]), node)
            return self.expr(method)
        fn = short.removeprefix("nn.functional.")
        if fn.endswith("_") and fn[:-1] in IN_PLACE_UNARY and node.args:
            return self.in_place_call(fn[:-1], path, node)  # torch.relu_(h), F.elu_(h)
        if short == "meshgrid" and node.args:
            return self.meshgrid(node)
        if short in JOINING and (node.args or node.keywords):
            return self.joined(short, node)
        if short == "nn.utils.parameters_to_vector" and len(node.args) == 1 and \
                not node.keywords:
            return self.parameters_to_vector(node)
        if short in RESHAPING and node.args:
            args, kwargs = self.arguments(node)
            if self.needs_grad(args[0]) and self.grad_enabled:
                return self.reshaped(short, args[0], args[1:], kwargs, node)
            return self.value_call(getattr(torch, short), f"torch.{short}", node,
                                   evaluated=(args, kwargs))
        if short in SELECTING and node.args and self.grad_enabled:
            args, kwargs = self.arguments(node)
            if self.needs_grad(args[0]):  # torch.gather(x, 1, idx) of a tensor with grad
                return self.selecting(short, args[0], args[1:], kwargs, node)
            return self.value_call(getattr(torch, short), path, node, evaluated=(args, kwargs))
        if short in ("sort", "topk", "median") and node.args and self.grad_enabled:
            args, kwargs = self.arguments(node)
            if self.needs_grad(args[0]):  # torch.sort(x, 1) of a tensor with grad
                return self.picks_along(short, args[0], args[1:], kwargs, node)
            return self.value_call(getattr(torch, short), path, node, evaluated=(args, kwargs))
        if short in ("max", "min") and 1 <= len(node.args) + len(node.keywords) and \
                len(node.args) <= 2 and _dim_keywords(node):
            return self.max_or_min(short, None, node, f"torch.{short}")
        if short in CREATION or short in TORCH_FUNCTIONS or not short.startswith("nn"):
            if short not in CREATION and short not in TORCH_FUNCTIONS and short in VALUE_FUNCTIONS:
                return self.value_call(getattr(torch, short), f"torch.{short}", node)
        return self.torch_path_call(path, node)

    def in_place_call(self, op: str, path: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        names = POSITIONAL_PARAMS.get(op, ())
        params = {**{n: self.plain(a, node) for n, a in zip(names, args[1:], strict=False)},
                  **{k: self.plain(v, node) for k, v in kwargs.items()}}
        if len(args) - 1 > len(names) or set(params) - {p.name for p in get_op(op).params}:
            raise error_at(node, f"{path} is read with the tensor and "
                                 f"{', '.join(names) or 'nothing else'}")
        return self.unary_in_place(args[0], op, params, node)

    # ---- methods ----------------------------------------------------------------------
    def kept_with_grad(self, value: Value) -> bool:
        """A finished training step's tensor kept as numbers that torch still holds with
        its graph (kept_graphs.py): torch's refusals of a tensor that requires grad hold."""
        return False

    def registry_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        func = node.func
        assert isinstance(func, ast.Attribute)
        if attr == "requires_grad_":
            args, kwargs = self.arguments(node)
            flag = self.plain(args[0] if args else kwargs.get("requires_grad", Number(True)),
                              node)
            if not isinstance(flag, bool):
                raise error_at(node, "requires_grad_ takes True or False")
            return self.mark(receiver, flag, node)
        if attr == "t" and not node.args and not node.keywords:
            return self.transpose_value(receiver, node, strict=False)
        if attr in ("expand", "expand_as"):
            return self.expanded(receiver, attr, node)
        out = self.op_call(METHODS[attr], receiver, node, f"{short_text(func.value)}.{attr}")
        if attr == "detach" and _of_a_clone(func.value) and isinstance(out, Pending | Ref) and \
                out.node_id is not None:  # x.clone().detach(): memory no name can reach
            self.fresh_tensors.add(out.node_id)
        shape = self.doc.node(out.node_id).params.get("shape") \
            if attr == "view" and isinstance(out, Ref) else None
        if shape is not None:  # (a view computed under no_grad is numbers: a constant)
            try:  # a view needs memory laid out for it: x.t().view(6) raises in torch
                self.concrete(receiver, node).view(*shape)
            except RuntimeError as exc:
                raise raised_at(node, exc) from None
        return out

    def expanded(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        """x.expand(2, -1), x.expand_as(y): the expand op to the size torch gives (a -1
        keeps that dim), so the document holds the size itself."""
        args, kwargs = self.arguments(node)
        t = self.concrete(receiver, node)
        try:
            if attr == "expand_as":
                shaped = t.expand_as(*[self.concrete(a, node) for a in args],
                                     **{k: self.concrete(v, node) for k, v in kwargs.items()})
            else:
                shaped = t.expand(*[self.plain(a, node) for a in args],
                                  **{k: self.plain(v, node) for k, v in kwargs.items()})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return self.op_node("expand", [receiver], {"size": list(shaped.shape)}, node)

    def item_assign(self, target: ast.Subscript, value: Value, stmt: ast.AST) -> None:
        raise NotImplementedError  # statements.py: x[key] = value

    def method_through_index(self, receiver: Value, attr: str, node: ast.Call) -> Value | None:
        return None  # view_writes.py: w[7:].clamp_(0)

    def manual_seed(self, node: ast.Call) -> None:
        """Set the seed of the numbers drawn next (reader.py)."""
        raise error_at(node, "call torch.manual_seed(n) on a line of its own")

    def detached_in_place_of(self, receiver: Pending | Ref, node: ast.Call) -> Value:
        """`x.detach_()`: every name of x names x.detach() from here (what used x keeps its
        graph); a tensor without gradient is unchanged. A leaf that requires grad is refused:
        torch keeps its .grad and clears its flag, which Gradflow does not follow."""
        if not self.needs_grad(receiver):
            return receiver
        if self.is_grad_leaf(receiver):
            raise error_at(node, ".detach_() of a leaf that requires grad is not supported; "
                                 "write a new name, e.g. y = x.detach()")
        return self.relabel(receiver, self.op_node("detach", [receiver], {}, node), node)

    def tensor_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if attr == "backward":
            raise error_at(node, "call backward on a line of its own")
        if attr == "item" or attr == "tolist":
            t = self.concrete(receiver, node)
            try:
                return self.wrap(getattr(t, attr)(), node)
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        if attr in ("size", "dim", "ndimension", "numel", "nelement"):
            return self.shape_query(receiver, attr, node)
        if attr in CASTS or attr in ("to", "type"):
            return self.cast(receiver, attr, node)
        if attr in ("random_", "uniform_", "normal_"):
            return self.random_fill(receiver, attr, node)
        if attr == "retain_grad":
            if not self.needs_grad(receiver):
                try:  # torch's own words for a tensor outside the graph
                    torch.zeros(1).retain_grad()
                except RuntimeError as exc:
                    raise raised_at(node, exc) from None
            if isinstance(receiver, Pending | Ref) and receiver.node_id is not None:
                self.grads_retained.add(receiver.node_id)  # t.retains_grad says so
            return Py(None)  # the app shows every node's gradient anyway
        if attr == "register_hook":
            return self.register_hook(receiver, node)
        if attr == "register_post_accumulate_grad_hook":
            raise error_at(node, f".{attr}() is not supported; Gradflow shows every leaf's "
                                 ".grad without hooks")
        if attr == "numpy" and not node.args and not node.keywords:
            if self.needs_grad(receiver) or self.kept_with_grad(receiver):
                try:  # torch's own refusal, with its advice (detach first); under no_grad
                    with torch.set_grad_enabled(self.grad_enabled):  # torch allows it
                        torch.zeros(1, requires_grad=True).numpy()
                except RuntimeError as exc:
                    raise raised_at(node, exc) from None
            return self.from_tensor(self.concrete(receiver, node), node)  # its numbers
        if attr in ("cpu", "cuda") and not node.args and not node.keywords:
            self.cpu_only(Py(attr), node)  # .cpu() of a CPU tensor is the tensor itself
            return receiver
        if attr.endswith("_") and attr not in _DRAWS:
            through = self.method_through_index(receiver, attr, node)  # w[7:].clamp_(0)
            if through is not None:
                return through
        if (attr in IN_PLACE_METHODS and len(node.args) == 1 or attr == "zero_" and not node.args
                or attr in ("fill_", "copy_") and len(node.args) == 1) and not node.keywords:
            return self.in_place_method(receiver, attr, node)
        if attr == "detach_" and not node.args and not node.keywords and \
                isinstance(receiver, Pending | Ref):
            return self.detached_in_place_of(receiver, node)
        if attr.endswith("_") and attr[:-1] in IN_PLACE_UNARY and not node.args and \
                not node.keywords and attr[:-1] not in FUNCTIONAL_IN_PLACE:
            return self.unary_in_place(receiver, attr[:-1], {}, node)  # h.relu_()
        if attr.endswith("_") and hasattr(torch.Tensor, attr) and self.grad_enabled and \
                isinstance(receiver, Pending | Ref) and self.is_grad_leaf(receiver):
            for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                self.expr(arg)  # Python reads the arguments (random ones too) first
            raise raised_at(node, leaf_in_place_error())  # torch refuses before it computes
        if attr.endswith("_") and hasattr(torch.Tensor, attr) and attr not in _DRAWS and \
                isinstance(receiver, Pending | Ref) and not self.needs_grad(receiver):
            return self.numbers_in_place(receiver, attr, node)  # y_onehot.scatter_(1, i, 1)
        if attr.endswith("_") or attr in ("zero_", "fill_", "copy_"):
            raise error_at(node, f"the in-place .{attr}() is not supported; write a new name, "
                                 f"e.g. y = ... ")
        if attr in RESHAPING and self.needs_grad(receiver) and self.grad_enabled:
            args, kwargs = self.arguments(node)
            return self.reshaped(attr, receiver, args, kwargs, node)
        if attr == "contiguous" and not node.args and not node.keywords:
            t = self.concrete(receiver, node)
            if t.is_contiguous():
                return receiver  # torch gives the tensor itself
            if not (self.needs_grad(receiver) and self.grad_enabled):
                return self.from_tensor(t.contiguous(), node)
            return self.op_node("contiguous", [receiver], {}, node)
        if attr in ("new", "new_tensor", "new_zeros", "new_ones", "new_full"):
            return self.made_like(attr, receiver, node)
        if attr in SELECTING and self.needs_grad(receiver) and self.grad_enabled:
            return self.selecting(attr, receiver, *self.arguments(node), node)
        if attr in ("sort", "topk", "median") and self.needs_grad(receiver) and \
                self.grad_enabled:
            return self.picks_along(attr, receiver, *self.arguments(node), node)
        if attr in ("max", "min") and len(node.args) <= 1 and _dim_keywords(node):
            return self.max_or_min(attr, receiver, node, f".{attr}()")
        if attr in VALUE_METHODS:
            t = self.concrete(receiver, node)
            return self.value_call(getattr(t, attr), f".{attr}()", node, receiver=receiver)
        raise error_at(node, f".{attr}() is not in Gradflow's op list; use one of: "
                             f"{', '.join(sorted(METHODS))}")

    def shape_query(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        args, _ = self.arguments(node)
        t = self.concrete(receiver, node)
        try:
            result = getattr(t, attr)(*[self.plain(a, node) for a in args])
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return self.wrap(tuple(result) if isinstance(result, torch.Size) else result, node)

    def register_hook(self, receiver: Value, node: ast.Call) -> Value:
        raise NotImplementedError  # hooks.py

    def in_place_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        raise NotImplementedError  # statements.py, as `y += 1`

    def numbers_in_place(self, receiver: Pending | Ref, attr: str, node: ast.Call) -> Value:
        raise NotImplementedError  # inplace.py



# in-place methods that draw random numbers: torch's generator would not be followed
_DRAWS = frozenset({"bernoulli_", "exponential_", "geometric_", "cauchy_", "log_normal_",
                    "random_", "uniform_", "normal_"})



def _of_a_clone(node: ast.expr) -> bool:
    """`x.clone()` or `torch.clone(x)` written in place: its result has no name."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr == "clone"


def _dim_keywords(node: ast.Call) -> bool:
    """torch.max(x, dim=1, keepdim=True), torch.max(input=x, other=y): only the keywords of
    a reduction along a dim or of the elementwise form."""
    return all(kw.arg in ("dim", "keepdim", "input", "other") for kw in node.keywords)


def _with_alpha(node: ast.Call, first: ast.expr, second: ast.expr, op: str) -> ast.expr:
    """`a + alpha * b` (or `a - alpha * b`) for torch.add/sub(a, b, alpha=alpha)."""
    alpha = node.keywords[0].value
    scaled = ast.copy_location(ast.BinOp(left=alpha, op=ast.Mult(), right=second), node)
    return ast.copy_location(ast.BinOp(left=first, op=ast.Add() if op == "add" else ast.Sub(),
                                       right=scaled), node)
