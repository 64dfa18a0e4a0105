"""In-place updates of a tensor the graph already uses: `y += 1`, `w *= 2`, `y.add_(1)`,
`out[0] = v` (a setitem node).

The document reads `y += 1` as a new node that every name of y then means, which gives
torch's values. What it cannot show is torch's version counter: an op that saved y for its
backward (sigmoid saves its output, `x * w` saves w) finds y changed and the backward that
reaches it raises "one of the variables needed for gradient computation has been modified by
an inplace operation". So each such update is replayed on a small real torch graph (the
tensor's own op and the ops that used it, on the same numbers), and a backward call whose
outputs reach one of those ops raises torch's own error there, versions included. An
in-place update of a view (`x[0]`, `x.view(...)`, `x.t()`, `x.detach()`) would change the
tensor viewed, which the document cannot hold: that is refused.
"""

from __future__ import annotations

import ast
import copy
from typing import Any

import torch

from engine.ops import CONSTANT, LEAF, format_index
from engine.snippets.detached_writes import IN_PLACE_METHODS_OF, DetachedWrites
from engine.snippets.detached_writes import VIEW_OPS as VIEW_OPS  # re-exported
from engine.snippets.safety import (
    error_at,
    leaf_in_place_error,
    raised_at,
    short_text,
    view_of_leaf_in_place_error,
)
from engine.snippets.tensorcalls import IN_PLACE_METHODS
from engine.snippets.torchcalls import FUNCTIONAL_IN_PLACE
from engine.snippets.values import Number, Pending, Ref, Value

_OUT_OF_PLACE = {"resize_": "reshape"}  # Tensor.resize is deprecated


class InPlaceReader(DetachedWrites):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id → (a tensor written in place before anything used it, how many such writes)
        self.unseen_writes: dict[int, tuple[Value, int]] = {}


    def in_place(self, stmt: ast.AST, op: ast.operator | None, current: Value, right: Value,
                 result: Value, key: Any = None, method_name: str | None = None,
                 unary: tuple[str, dict[str, Any]] | None = None) -> None:
        """Replay `current op= right`, or `current[key] = right` when op is None (result is
        the node the document made for it)."""
        if isinstance(current, Pending) and current.view_of is not None:
            raise error_at(stmt, f"{short_text(stmt)} changes a view of another tensor (as "
                                 "b = a[0] makes): torch changes that tensor too, which "
                                 "Gradflow does not follow; write on the tensor itself "
                                 "(a[0, 1] += 1) or take a copy first (b = a[0].clone())")
        if id(current) in self.data_copies and self.data_copies[id(current)][0] is current:
            data = self.data_copies[id(current)][1]
            raise error_at(stmt, f"this in-place update changes {data}, which shares "
                                 f"{data.removesuffix('.data')}'s memory behind autograd's "
                                 "back, outside the computation Gradflow reads; for numbers "
                                 "of your own write .detach().clone()")
        if not isinstance(current, Pending | Ref) or current.node_id is None:
            if isinstance(current, Pending) and isinstance(result, Pending | Ref):
                # nothing has used it yet: a new node is all it is, but torch's version
                # counter of the tensor counts the write (`f[0] = 1` before f[0] * x)
                kept = self.unseen_writes.pop(id(current), (current, 0))
                self.unseen_writes[id(result)] = (result, kept[1] + 1)
            return
        method = "__setitem__" if op is None else IN_PLACE_METHODS_OF.get(type(op))
        node = self.doc.node(current.node_id)
        if method is None or (node.op == LEAF and node.requires_grad):
            return
        if self.grad_enabled and _views_a_grad_leaf(self.doc, node.id):
            raise raised_at(stmt, view_of_leaf_in_place_error())
        if node.op in VIEW_OPS and node.id not in self.fresh_tensors \
                and not self.sole_detach(node.id) and not self.sole_view(node.id):
            raise error_at(stmt, f"this in-place update changes a view ({node.op} of another "
                                 "tensor) and so the tensor it views; Gradflow reads in-place "
                                 "updates of a tensor of its own, and of x.detach() while x "
                                 "is used by nothing else: write a new name, e.g. y = y + 1")
        storage = self.storages.get(node.id)
        if storage is None:
            storage = self.new_storage(node.id, stmt)
            held, writes = self.unseen_writes.get(id(current), (None, 0))
            with torch.no_grad():
                for _ in range(writes if held is current else 0):
                    storage.tensor.add_(0)  # the writes torch counted before any use
        if isinstance(result, Pending | Ref) and result.node_id is not None:
            storage.probed.add(result.node_id)  # the update itself, not a use before it
        self.replay_consumers(storage, node.id, stmt)
        other = self.concrete(right, stmt)
        if isinstance(other, torch.Tensor) and isinstance(right, Pending | Ref) and \
                self.needs_grad(right):
            other = other.detach().requires_grad_()
            storage.leaves.append(other)
        try:
            with torch.set_grad_enabled(self.grad_enabled):
                if unary is not None:
                    _unary_in_place(storage.tensor, *unary)
                elif method_name == "zero_":
                    storage.tensor.zero_()  # torch names this op in its error: Zero
                elif method_name == "fill_":
                    storage.tensor.fill_(other)
                elif op is None:
                    storage.tensor[key] = other
                else:
                    getattr(storage.tensor, method)(other)
        except RuntimeError as exc:  # broadcasting into a smaller tensor, int by float...
            raise raised_at(stmt, exc) from None
        if isinstance(result, Pending | Ref) and result.node_id is not None:
            self.storages[result.node_id] = storage
        else:  # new numbers without a node yet (`m[1] = 2.` of a constant): the ops that
            # saved m before still find it changed at the backward (check_in_place)
            self.storages[f"before:{len(self.storages)}"] = storage

    def in_place_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        """`y.add_(b)` as `y += b`; `a.zero_()`, `a.fill_(v)` as `a[...] = 0 / v`; each
        returns the tensor itself."""
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Subscript):
            refuse_write_through_a_copy(node.func.value.value, receiver, node)
        if attr in ("zero_", "fill_"):
            if not isinstance(receiver, Pending | Ref):
                raise error_at(node, f".{attr}() needs a tensor")
            if self.is_grad_leaf(receiver) and self.grad_enabled:
                raise raised_at(node, leaf_in_place_error())
            fill = self.expr(node.args[0]) if attr == "fill_" else Number(0)
            target = node.func.value if isinstance(node.func, ast.Attribute) else None
            if isinstance(target, ast.Subscript) and isinstance(receiver, Pending) and \
                    receiver.node_id is None and not receiver.requires_grad and \
                    basic_index(self.index_key(target.slice)):  # x[[0, 2]]: a copy
                self.item_assign(target, fill, node)  # x[:, 0].zero_() is x[:, 0] = 0
                return self.expr(target)
            source = self.detached_from_computed(receiver)
            if source is not None and isinstance(receiver, Pending | Ref):
                # c = out.detach(); c.zero_(): out's numbers are zeros
                return self.through_detach(node, "fill_", receiver, source, fill)
            return self.set_places(node, receiver, (Ellipsis,), fill, node, method_name=attr)
        if attr == "copy_":  # z.copy_(v) of z = y.detach(), y computed: y's numbers are v
            right = self.expr(node.args[0])
            source = self.detached_from_computed(receiver)
            if source is not None and isinstance(receiver, Pending | Ref) and \
                    not (isinstance(right, Pending | Ref) and self.needs_grad(right)):
                return self.through_detach(node, "copy_", receiver, source, right)
            if not isinstance(receiver, Pending | Ref):
                raise error_at(node, ".copy_() needs a tensor")
            if self.is_grad_leaf(receiver) and self.grad_enabled:
                raise raised_at(node, leaf_in_place_error())
            # torch's copy_ is `z[...] = v`: v broadcast and cast into z's memory, the
            # gradient of z passed back to v (summed over the broadcast dims)
            return self.set_places(node, receiver, (Ellipsis,), right, node,
                                   method_name=attr)
        op = IN_PLACE_METHODS[attr]()
        if isinstance(receiver, Pending | Ref) and self.is_grad_leaf(receiver) \
                and not self.grad_enabled and isinstance(node.func, ast.Attribute) \
                and plain_path(node.func.value) and len(node.args) == 1 \
                and not node.keywords:
            # `a.sub_(lr * a.grad)` under torch.no_grad() is `a -= lr * a.grad`, and
            # `m.weight.mul_(2.5)` is `m.weight *= 2.5`
            target = copy.deepcopy(node.func.value)
            assert isinstance(target, ast.Name | ast.Attribute)  # plain_path
            target.ctx = ast.Store()
            stmt = ast.copy_location(ast.AugAssign(target=target, op=op,
                                                   value=node.args[0]), node)
            self.aug_assign(stmt)
            return self.expr(node.func.value)
        right = self.expr(node.args[0])
        if not isinstance(receiver, Pending | Ref):
            raise error_at(node, f".{attr}() needs a tensor")
        if self.is_grad_leaf(receiver):
            if self.grad_enabled:
                raise raised_at(node, leaf_in_place_error())
            raise error_at(node, f"the in-place .{attr}() of a leaf is read as `x += ...` "
                                 "under torch.no_grad(); write it that way")
        if self.detached_in_place(node, op, receiver, right):
            return receiver
        result = self.binop(op, receiver, right, node)
        self.in_place(node, op, receiver, right, result)
        return self.relabel(receiver, result, node) if isinstance(result, Pending | Ref) \
            else result

    def numbers_in_place(self, receiver: Pending | Ref, attr: str, node: ast.Call) -> Value:
        """`y.scatter_(1, i, 1)` (any in-place method) of a tensor without gradient, with
        arguments without gradient: torch's own method on y's numbers gives the new numbers,
        read as `y[...] = those numbers` (so what used y before keeps its old numbers)."""
        args, kwargs = self.arguments(node)
        if any(isinstance(v, Pending | Ref) and self.needs_grad(v)
               for v in [*args, *kwargs.values()]):
            raise error_at(node, f"the in-place .{attr}() of a tensor with a value that "
                                 "carries a gradient is not supported; write a new name, e.g. "
                                 f"y = y.{attr.removesuffix('_')}(...)")
        def plain(v: Value) -> Any:
            return self.concrete(v, node) if isinstance(v, Pending | Ref) else v.value

        numbers = self.concrete(receiver, node).clone()
        shape = numbers.shape
        try:
            getattr(numbers, attr)(*map(plain, args), **{k: plain(v) for k, v in kwargs.items()})
        except Exception as exc:  # noqa: BLE001 - torch's own words (shapes, dtypes, index)
            raise raised_at(node, exc) from None
        if numbers.shape != shape:  # images.resize_(64, 784): y itself has a new shape now
            return self.reshaped_in_place(receiver, attr, numbers, node)
        return self.set_places(node, receiver, (Ellipsis,), self.from_tensor(numbers, node),
                               node)

    def reshaped_in_place(self, receiver: Pending | Ref, attr: str, numbers: torch.Tensor,
                          node: ast.Call) -> Value:
        """`y.resize_(...)`, `y.unsqueeze_(0)` of a tensor without gradient: every name of y
        names the new numbers (not `y[...] = numbers`, which would broadcast them into y's old
        shape). Refused once an op with a gradient or a view used y: torch's version counter
        or the shared memory would then decide (other ops without a gradient keep the numbers
        they computed, as in torch)."""
        if receiver.node_id is not None and any(
                self.node_needs_grad(e.target) or self.doc.node(e.target).op in VIEW_OPS
                for e in self.doc.out_edges(receiver.node_id)):
            raise error_at(node, f"the in-place .{attr}() changes the shape of a tensor the "
                                 "graph already uses; write a new name, e.g. "
                                 f"y = y.{_OUT_OF_PLACE.get(attr, attr.removesuffix('_'))}(...)")
        flag = receiver.requires_grad if isinstance(receiver, Pending) else None
        return self.relabel(receiver, self.from_tensor(numbers, node, flag), node)

    def detached_from_computed(self, value: Value) -> str | None:
        """The node id of y when value is y.detach() of a computed (not leaf, not view) y."""
        if not isinstance(value, Pending | Ref) or value.node_id is None or \
                self.doc.node(value.node_id).op != "detach":
            return None
        source = self.doc.in_edges(value.node_id)["input"].source
        return None if self.doc.node(source).op in (LEAF, CONSTANT, *VIEW_OPS) else source

    def unary_in_place(self, receiver: Value, op: str, params: dict[str, Any],
                       node: ast.Call) -> Value:
        """`h.relu_()`, `F.relu(h, inplace=True)`, `nn.ReLU(inplace=True)(h)`: the op's node,
        which every name of h then means, with torch's version counter followed as for
        `h += 1` (an op that saved h finds it changed; the op's own backward saves its
        output, so a later update of h breaks it too)."""
        if not isinstance(receiver, Pending | Ref):
            raise error_at(node, f"the in-place {op} needs a tensor")
        if self.is_grad_leaf(receiver):
            if self.grad_enabled:
                raise raised_at(node, leaf_in_place_error())
            raise error_at(node, f"the in-place {op} of a leaf under torch.no_grad() changes "
                                 "the leaf itself, an update step outside the computation "
                                 f"Gradflow reads; write a new name, e.g. y = torch.{op}(x)")
        result = self.op_node(op, [receiver], params, node)
        self.in_place(node, None, receiver, Number(0), result, unary=(op, params))
        return self.relabel(receiver, result, node) if isinstance(result, Pending | Ref) \
            else result

    def tensor_item_assign(self, target: ast.Subscript, base: Pending | Ref, value: Value,
                           stmt: ast.AST) -> None:
        """`out[0] = x[0] * 2`: torch writes into out in place; the document holds a
        setitem node (a copy of out with those places set), which every name of out then
        means, and torch's version counter is followed as for `out += ...` (inplace.py)."""
        refuse_write_through_a_copy(target.value, base, stmt)
        key = self.index_key(target.slice)
        self.set_places(target, base, key if isinstance(key, tuple) else (key,), value, stmt)

    def leaf_item_update(self, target: ast.Subscript, stmt: ast.AST) -> None:
        """`c[:] += 1`, `c[0] -= x` on a leaf that requires grad: Python takes c[key] (a view
        for ints and slices), updates it in place, then sets it back; torch refuses at the
        first step that touches the leaf, and its words differ (a view of a leaf, or the leaf
        itself for a mask), so the same steps are asked of torch on a probe."""
        base = self.expr(target.value)
        if not (isinstance(base, Pending | Ref) and self.is_grad_leaf(base) and
                self.grad_enabled):
            return
        key = self.index_key(target.slice)
        probe = torch.zeros(self.concrete(base, stmt).shape, requires_grad=True)
        try:
            part = probe[key]
            part.add_(0)
            probe[key] = part
        except RuntimeError as exc:
            raise raised_at(stmt, exc) from None
        except (IndexError, TypeError):
            return  # a bad index: the steps that follow give torch's own error

    def set_places(self, target: ast.expr, base: Pending | Ref, key: tuple[Any, ...],
                   value: Value, stmt: ast.AST, method_name: str | None = None) -> Value:
        """base[key] = value, in place; `target` names it in a refusal."""
        def put(numbers: torch.Tensor) -> None:
            numbers[key] = self.concrete(value, stmt)

        if self.renumber_detached_leaf(stmt, base, put):  # y = x.detach(); y[0] = 2.
            return base
        numbers = self.concrete(base, stmt).clone()
        if self.is_grad_leaf(base) and self.grad_enabled:
            probe = torch.zeros(numbers.shape, dtype=numbers.dtype, requires_grad=True)
            try:  # torch's words for it ("a view of a leaf Variable...")
                probe[key] = self.concrete(value, stmt)
            except RuntimeError as exc:
                raise raised_at(stmt, exc) from None
        try:
            numbers[key] = self.concrete(value, stmt)
        except Exception as exc:  # noqa: BLE001 - torch's own words (shapes, dtypes)
            raise raised_at(stmt, exc) from None
        graph = self.grad_enabled and (self.needs_grad(base) or self.needs_grad(value))
        if not graph and self.is_grad_leaf(base):  # c[:, 0] += 1 under torch.no_grad()
            self.set_leaf_numbers(stmt, base, numbers, short_text(target))
            return base
        text = format_index(key)
        if not graph or text is None:
            if self.needs_grad(base) or (self.grad_enabled and self.needs_grad(value)):
                raise error_at(target, f"setting {short_text(target)} is read with integers, "
                                       "slices, integer lists and boolean masks, e.g. "
                                       "out[0] = ..., out[1:3] = ... or y[y < 0] = 0")
            result: Value = self.from_tensor(numbers, stmt)
        else:
            if isinstance(value, Number):
                value = self.from_tensor(torch.tensor(value.value, dtype=numbers.dtype), stmt)
            result = self.op_node("setitem", [base, value], {"index": text}, stmt)
        self.in_place(stmt, None, base, value, result, key=key, method_name=method_name)
        return self.relabel(base, result, stmt)

    def set_leaf_numbers(self, stmt: ast.AST, leaf: Pending | Ref, numbers: torch.Tensor,
                         name: str) -> None:
        raise NotImplementedError  # program.py



def _unary_in_place(tensor: torch.Tensor, op: str, params: dict[str, Any]) -> None:
    """torch's own in-place form of the op on the stand-in tensor (its version counter)."""
    if op in FUNCTIONAL_IN_PLACE:
        getattr(torch.nn.functional, op)(tensor, inplace=True, **params)
    else:
        getattr(tensor, f"{op}_")()



def refuse_write_through_a_copy(base: ast.expr, value: Value, where: ast.AST) -> None:
    """`x[0][1] = 3`, `x.t()[0].mul_(3)` on a tensor outside the graph: torch writes into x
    through views of views, while the reader's x[0] or x.t() is a copy of the numbers; rather
    than change the copy, the write is refused with the form that is read."""
    chained = isinstance(base, ast.Subscript | ast.Call) or (
        isinstance(base, ast.Attribute) and base.attr in ("T", "mT", "H", "mH"))
    if chained and isinstance(value, Pending) and value.node_id is None \
            and not value.requires_grad:
        raise error_at(where, f"{short_text(where)} writes into a tensor through a view of a "
                              "view; write the places on the tensor's own name, e.g. "
                              "x[0, 1] = 3 for x[0][1] = 3")


def basic_index(key: Any) -> bool:
    """An index that gives a view: integers, slices, None and ..., alone or in a tuple."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, slice) or
               isinstance(p, int) and not isinstance(p, bool) for p in parts)


def plain_path(node: ast.expr) -> bool:
    """`w` or `m.weight`: a name or attributes of one, which reading again changes nothing."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _views_a_grad_leaf(doc: Any, node_id: str) -> bool:
    """Whether the node is a view (index, reshape, transpose, permute) of a leaf requiring
    grad."""
    node = doc.node(node_id)
    while node.op in ("reshape", "transpose", "permute") or node.op == "index" and "[" not in \
            str(node.params.get("index")):  # x[1:, 0], not x[[1, 0]]: a copy in torch
        node = doc.node(doc.in_edges(node.id)["input"].source)
    return node.id != node_id and node.op == LEAF and node.requires_grad
