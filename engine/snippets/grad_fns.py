"""`y.grad_fn` and the backward graph a learner walks by hand: `.next_functions`, `.name()`,
`type(g)`, an AccumulateGrad's `.variable`, `g is h`.

Every answer comes from torch's own autograd nodes: the document read so far is run forward
with real torch, from the tensor's ancestors, and each node it builds is known by the
document node whose op built it (its place among that op's autograd nodes) or, for an
AccumulateGrad, by its leaf. A learner's name for a node is one object per such key, so
`is` and `==` answer as torch's do; an AccumulateGrad's `.variable` is the snippet's own
leaf. An op whose autograd nodes the document does not build as the script does (a custom
Function, a hook on a gradient, a write through a view or into memory) is refused at the line
that reads its grad_fn, never answered with other nodes."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import networkx as nx
import torch

from engine.document import Document
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.pure_forward import make_tensor
from engine.snippets.grad_fn_values import GradFn, Key
from engine.snippets.inplace import VIEW_OPS
from engine.snippets.pyexpr import PythonReader
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.typecheck import method_refused
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value

# ops whose autograd nodes the document builds otherwise than the script's own call
_NOT_AS_WRITTEN = {"custom_backward": "a custom autograd.Function",
                   "grad": "a gradient kept as a graph (create_graph=True)",
                   "grad_hook": "a hook on a gradient", "overwritten": "an in-place write",
                   "setitem": "a write into part of a tensor (out[0] = v)"}
_ACCUMULATE = "torch::autograd::AccumulateGrad"
_IN_PLACE = ("setitem", "overwritten")
_VIEWS = (*VIEW_OPS, "permute", "expand")
# the document's op of a spelling that calls torch's own function of that op: the same
# backward nodes (checked against torch: x.t() is TBackward0, not transpose's, x.T a
# permute, clamp_min its own node, bmm a view of matmul's, a 1-D flatten no node at all)
_SAME_NODES = {"matmul": ("mm", "mv", "dot"), "reshape": ("view",),
               "transpose": ("mT", "swapaxes", "swapdims"), "clamp": ("clip",),
               "expand": ("expand_as",), "outer": ("ger",), "sub": ("subtract",),
               "mul": ("multiply",), "div": ("divide", "true_divide"), "neg": ("negative",),
               "atan": ("arctan",), "asin": ("arcsin",), "acos": ("arccos",)}
_OPERATOR_OPS = ("add", "sub", "mul", "div", "pow", "matmul", "neg")
# nn layers whose forward is the one functional the document calls for them
_LAYER_OPS = {"Linear": "linear", "MSELoss": "mse_loss", "CrossEntropyLoss": "cross_entropy",
              "NLLLoss": "nll_loss", "L1Loss": "l1_loss", "BCELoss": "binary_cross_entropy",
              "BCEWithLogitsLoss": "binary_cross_entropy_with_logits", "ReLU": "relu",
              "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax",
              "LogSoftmax": "log_softmax"}


@dataclass
class _Forward:
    tensors: dict[str, torch.Tensor]
    keys: dict[Any, Key]  # torch's autograd node → its key
    leaves: dict[int, str]  # id() of a leaf tensor → its node id


def _forward(doc: Document, node_id: str) -> _Forward:
    """The node's value with autograd on, from its ancestors alone, each op called as the
    run calls it (engine/forward.py), every autograd node it builds given its key."""
    wanted = nx.ancestors(doc.graph, node_id) | {node_id}
    values: dict[str, Any] = {}
    out = _Forward({}, {}, {})
    for node in doc.topological_nodes():
        if node.id not in wanted:
            continue
        if node.op in (LEAF, CONSTANT):
            assert node.value is not None
            if node.params.get(NUMBER):
                values[node.id] = node.value
                continue
            t = make_tensor(node.value, node.dtype, node.op == LEAF and node.requires_grad)
            out.leaves[id(t)] = node.id
        else:
            edges = doc.in_edges(node.id)
            spec = get_op(node.op)
            with torch.enable_grad():
                t = spec.call(*(values[edges[p].source] for p in spec.inputs), **node.params)
            stack, place = [t.grad_fn], 0
            while stack:  # the autograd nodes this op built: down to those of its inputs
                fn = stack.pop()
                if fn is None or fn in out.keys or fn.name() == _ACCUMULATE:
                    continue
                out.keys[fn] = (node.id, place)
                place += 1
                stack.extend(nxt for nxt, _ in reversed(fn.next_functions))
        values[node.id] = out.tensors[node.id] = t
    return out


class GradFns(PythonReader):  # first in the importer's chain: its overrides come first
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grad_fns: dict[Key, GradFn] = {}
        # op node id → how the script spelled what made it, when torch builds other
        # backward nodes for that spelling than for the document's op
        self.spelled_otherwise: dict[str, str] = {}
        self.layers_called: list[tuple[ast.AST, str | None]] = []  # (call, nn layer kind)
        self.written_in_place = False
        self.cats_made: dict[str, ast.AST] = {}  # a cat node → the call that made it

    # ---- how each op node was written ---------------------------------------------------
    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                where: ast.AST) -> Value:
        made = super().op_node(op, inputs, params, where)
        if isinstance(where, ast.AugAssign) or isinstance(where, ast.Call) and isinstance(
                where.func, ast.Attribute) and where.func.attr.endswith("_"):
            self.written_in_place = True  # y += 1, y.add_(1): torch rebuilds y's views' nodes
        node_id = made.node_id if isinstance(made, Ref) else None
        if node_id is None or node_id not in self.doc.graph or self.doc.node(node_id).op != op:
            return made
        if not self._as_written(op, where):
            self.spelled_otherwise.setdefault(node_id, short_text(where))
        if op == "cat":  # torch.cat of three tensors is one CatBackward0, read as two cats
            self.cats_made[node_id] = where
            for value in inputs:
                if isinstance(value, Ref | Pending) and value.node_id is not None and \
                        self.cats_made.get(value.node_id) is where:
                    self.spelled_otherwise.setdefault(node_id, short_text(where))
                    self.spelled_otherwise.setdefault(value.node_id, short_text(where))
        return made

    def module_on(self, module: Module, args: list[Value], kwargs: dict[str, Value],
                  node: ast.Call) -> Value:
        self.layers_called.append((node, module.kind if module.cls is None else None))
        try:
            return super().module_on(module, args, kwargs, node)
        finally:
            self.layers_called.pop()

    def _as_written(self, op: str, where: ast.AST) -> bool:
        """Does torch build the document's op's backward nodes for what the script wrote?"""
        if self.layers_called and self.layers_called[-1][0] is where:
            return _LAYER_OPS.get(self.layers_called[-1][1] or "") == op
        if isinstance(where, ast.BinOp | ast.UnaryOp | ast.AugAssign):
            return op in _OPERATOR_OPS
        if isinstance(where, ast.Subscript):
            return op == "index"
        spelled = where.attr if isinstance(where, ast.Attribute) else None
        if isinstance(where, ast.Call):
            func = where.func
            spelled = func.attr if isinstance(func, ast.Attribute) else \
                func.id if isinstance(func, ast.Name) else None
        return spelled is not None and (spelled == op or spelled in _SAME_NODES.get(op, ()))

    def grad_fn_of(self, value: Value, node: ast.Attribute) -> Value:
        """`t.grad_fn`: None for a leaf or a tensor without gradient, else torch's node."""
        if isinstance(value, Pending) and value.no_graph is not None:
            raise error_at(node, f"{short_text(node)}: {value.no_graph}; its grad_fn is "
                                 "not read here")
        if self.is_leaf(value) or not self.needs_grad(value):
            return Py(None)
        node_id = self.node_of(value, node)
        forward = self.trusted_forward(node_id, node)
        fn = forward.tensors[node_id].grad_fn
        if fn is None:  # torch and the reading disagree: no answer is trusted
            raise error_at(node, f"{short_text(node)}: the backward graph of this tensor is "
                                 "not read here")
        return self.grad_fn_value(fn, forward, node_id, node)

    def trusted_forward(self, node_id: str, where: ast.AST) -> _Forward:
        reached = nx.ancestors(self.doc.graph, node_id) | {node_id}
        # custom_functions.py's record (later in the chain than PythonReader, this base)
        applications: list[Any] = getattr(self, "custom_applications", [])
        inlined = {i for app in applications for i in app.inside}
        rewritten = self.written_in_place or any(n.op in _IN_PLACE for n in self.doc.nodes())
        for ancestor in sorted(reached):
            found = self.doc.node(ancestor)
            kind = _NOT_AS_WRITTEN.get(found.op) or (
                "a write into its memory" if found.written is not None else
                "a custom autograd.Function" if ancestor in inlined else None)
            if kind is None and rewritten and found.op in _VIEWS:
                kind = "a view, with a tensor written in place in the script (torch then " \
                       "rebuilds a view's backward node: CopySlices, AsStridedBackward0)"
            why = f"{kind} ({found.name})" if kind is not None else \
                f"{self.spelled_otherwise[ancestor]} (read as {found.op})" \
                if ancestor in self.spelled_otherwise else None
            if why is not None:
                raise error_at(where, f"{short_text(where)}: the graph reaches {why}, whose "
                                      "backward nodes torch builds otherwise than Gradflow's "
                                      "document; its grad_fn is not read")
        try:
            return _forward(self.doc, node_id)
        except Exception as exc:  # noqa: BLE001 - no graph to answer from
            raise error_at(where, f"{short_text(where)}: the backward graph could not be "
                                  f"built again ({type(exc).__name__}); its grad_fn is "
                                  "not read") from None

    def grad_fn_value(self, fn: Any, forward: _Forward, owner: str, where: ast.AST) -> Py:
        """The snippet's one object for torch's node `fn` of `forward`."""
        if fn is None:
            return Py(None)
        if fn.name() == _ACCUMULATE:
            leaf = forward.leaves.get(id(fn.variable))
            key: Key | None = None if leaf is None else (leaf, -1)
        else:
            key = forward.keys.get(fn)
        if key is None:
            raise error_at(where, f"{short_text(where)} reaches a backward node the document "
                                  "does not hold; it is not read")
        held = self.grad_fns.get(key)
        if held is None or held.owner not in self.doc.graph:
            held = self.grad_fns[key] = GradFn(key, fn, owner)
        return Py(held)

    def walked(self, g: GradFn, where: ast.AST) -> tuple[Any, _Forward]:
        """torch's node of `g` from a forward of the document as it stands now."""
        if g.owner not in self.doc.graph:
            raise error_at(where, f"{short_text(where)}: this backward node belongs to a "
                                  "graph the document no longer holds (a finished training "
                                  "step); it is not read")
        forward = self.trusted_forward(g.owner, where)
        for fn, key in forward.keys.items():
            if key == g.key:
                return fn, forward
        if g.key[1] == -1 and g.key[0] in forward.tensors:
            return _accumulate_grad(forward.tensors[g.key[0]]), forward
        raise error_at(where, f"{short_text(where)}: this backward node is not read here")

    # ---- attributes and methods ---------------------------------------------------------
    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        if isinstance(value.value, type) and attr == "__name__":
            return Py(value.value.__name__)  # type(g).__name__
        if not isinstance(value.value, GradFn):
            return super().plain_attribute(value, attr, node)
        g = value.value
        fn, forward = self.walked(g, node)
        if attr == "next_functions":
            return Py(tuple(Py((self.grad_fn_value(nxt, forward, g.owner, node), Number(nr)))
                            for nxt, nr in fn.next_functions))
        if attr == "variable" and fn.name() == _ACCUMULATE:
            return Ref(g.key[0])  # the snippet's own leaf: `x_leaf.variable is x`
        if not hasattr(fn, attr):  # Python's own error, as the script raises it
            raise raised_at(node, AttributeError(f"'{type(fn).__name__}' object has no "
                                                 f"attribute '{attr}'"))
        raise error_at(node, f"{short_text(node)}: .{attr} of a backward node is not read; "
                             "read are .next_functions, .name(), an AccumulateGrad's "
                             ".variable, type(), str() and is/==")

    def list_method(self, receiver: Py, attr: str, node: ast.Call) -> Value:
        if not isinstance(receiver.value, GradFn):
            return super().list_method(receiver, attr, node)
        if attr == "name" and not node.args and not node.keywords:
            return Py(self.walked(receiver.value, node)[0].name())
        raise method_refused(receiver, attr, node)


def _accumulate_grad(leaf: torch.Tensor) -> Any:
    """A leaf's AccumulateGrad, as torch holds it (the same object every time it is asked)."""
    return leaf.view_as(leaf).grad_fn.next_functions[0][0]  # type: ignore[union-attr]


__all__ = ["GradFn", "GradFns"]
