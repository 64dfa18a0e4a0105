"""Numbers written through `.data` after the graph used a tensor and before any backward on
it: `x.data *= 100` after `y = x * x`, `out.data.zero_()`, `c = out.data; c.zero_()`.

torch changes the memory without bumping its version counter: the values forward computed
stay, `print(x)` shows the new numbers, and each autograd node that saved x reads the new
ones at backward (x.grad = 200 for x * x, 2 for 2 * x, which saves no x). The document holds
it as it happened: the node keeps the numbers forward used and the numbers written
(Node.written), which the runner copies into its tensor after forward and before the calls
(engine/memory_writes.py), so backward reads them from real autograd's saved tensors.

An op the script computes after the write reads the new numbers: it takes an `overwritten`
node of them (the tensor holding them, its gradient passed through to x), so x's name stays
the leaf's. A write after a backward on the graph is a training step (training.py) for a
leaf, and refused for any other tensor; a tensor that shares memory with another node of the
graph (a view of it, or viewed by one) is refused, since the write would change both.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import networkx as nx
import torch

from engine import calls
from engine.ops import CONSTANT, LEAF
from engine.snippets.module_kinds import named_parameters_of
from engine.snippets.safety import ImportError_, TorchRaised, error_at, raised_at, short_text
from engine.snippets.training import TrainingReader
from engine.snippets.values import Module, Pending, Ref, Value

_STEP = "a training step, outside the computation Gradflow reads"


class MemoryWrites(TrainingReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id of what `t.data` gave → (it, t): both name one memory
        self.data_sources: dict[int, tuple[Value, Pending | Ref]] = {}
        # written node id → the overwritten node the ops computed after the write take
        self.after_write: dict[str, str] = {}
        self.aliases: dict[str, list[str]] = {}  # written node id → its overwritten nodes
        # the nodes a backward (or grad) call so far went back through (set_leaf_numbers)
        self.nodes_reached: set[str] = set()
        # a write through .data is being read: no version bump (an in-place update under
        # torch.no_grad() bumps it, and training.py reads or refuses that one)
        self.through_data = False

    # ---- where the memory is named -----------------------------------------------------
    def attribute(self, node: ast.Attribute) -> Value:
        made = super().attribute(node)
        if node.attr == "data" and id(made) in self.data_copies:
            holder = self.expr(node.value) if _named(node.value) else None
            if isinstance(holder, Pending | Ref):
                self.data_sources[id(made)] = (made, self.data_source(holder) or holder)
        return made

    def state_dict(self, module: Module, node: ast.Call) -> dict[str, Value]:
        """model.state_dict()'s tensors share each parameter's memory, as t.data does:
        `model.state_dict()['fc.weight'][:] = w` writes the parameter's numbers."""
        out = super().state_dict(module, node)
        for name, param in named_parameters_of(module):
            if isinstance(param, Pending | Ref):
                self.data_sources[id(out[name])] = (out[name], param)
        return out

    def data_source(self, value: Value | None) -> Pending | Ref | None:
        """t, when value is what `t.data` gave (it shares t's memory), else None."""
        held = self.data_sources.get(id(value))
        return held[1] if held is not None and held[0] is value else None

    def written_through(self, value: Value | None, where: ast.AST) -> Pending | Ref | None:
        """t, for an in-place update of what `t.data` gave, or None. Once the graph used
        that name, torch counts the update in its own version counter (an op that saved it
        raises at backward): refused."""
        source = self.data_source(value)
        if source is not None and isinstance(value, Pending) and value.node_id is not None:
            raise error_at(where, f"{short_text(where)} changes a name that .data gave after "
                                  "the graph used it: torch counts that in the name's own "
                                  "version (an op that saved it raises at backward), which "
                                  "Gradflow does not follow; write through t.data itself")
        return source

    def updated_leaf(self, target: ast.Attribute, where: ast.AST) -> Pending | Ref:
        """`t` of `t.data` (or of `c.data` with c = t.data): any tensor with memory."""
        holder = self.expr(target.value)
        holder = self.data_source(holder) or holder
        if isinstance(holder, Pending | Ref):
            return holder
        return super().updated_leaf(target, where)

    # ---- writes through .data -------------------------------------------------------------
    def data_method(self, calls: list[ast.Call], data: ast.Attribute) -> None:
        with self.writing_data():
            super().data_method(calls, data)

    def assign(self, target: ast.expr, value: Value, stmt: ast.AST) -> None:
        if isinstance(target, ast.Attribute) and target.attr == "data":
            with self.writing_data():
                super().assign(target, value, stmt)
            return
        super().assign(target, value, stmt)

    @contextmanager
    def writing_data(self) -> Iterator[None]:
        before, self.through_data = self.through_data, True
        try:
            yield
        finally:
            self.through_data = before

    def tensor_follows_array(self, tensor: Value, holder: ast.expr | None,
                             numbers: torch.Tensor, how: str, where: ast.AST) -> None:
        """An array sharing a tensor's memory (`w.detach().numpy()`, torch.from_numpy) was
        changed in place: the tensor holds its new numbers, as `w.data = ...` gives them."""
        assert isinstance(tensor, Pending | Ref)  # (numpy_reader.py shares tensors only)
        old = self.concrete(tensor, where)
        numbers = numbers.reshape(old.shape).to(old.dtype)
        try:
            if holder is not None:
                data = ast.copy_location(ast.Attribute(holder, "data", ast.Store()), where)
                self.assign(data, self.from_tensor(numbers, where), where)
                return
            with self.writing_data():
                self.set_leaf_numbers(where, tensor, numbers, short_text(where))
        except TorchRaised:
            raise
        except ImportError_ as exc:  # said of the array's write, which is the script's line
            raise error_at(where, f"{short_text(where)} writes into a tensor's memory ({how}), "
                                  f"as a write through .data: {exc.reason}") from None

    # ---- writes through a name that `t.data` gave ------------------------------------------
    def tensor_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if attr.endswith("_") and self.written_through(receiver, node) is not None \
                and isinstance(node.func, ast.Attribute):  # c.zero_() of c = out.data
            data = ast.copy_location(ast.Attribute(node.func.value, "data", ast.Load()), node)
            call = ast.copy_location(ast.Call(ast.copy_location(
                ast.Attribute(data, attr, ast.Load()), node), node.args, node.keywords), node)
            self.data_method([call], data)
            return receiver
        return super().tensor_method(receiver, attr, node)

    def aug_assign(self, stmt: ast.AugAssign) -> None:
        if isinstance(stmt.target, ast.Name) and \
                self.written_through(self.env.get(stmt.target.id), stmt) is not None:  # c *= 0
            data = ast.copy_location(ast.Attribute(ast.Name(stmt.target.id, ast.Load()),
                                                   "data", ast.Store()), stmt.target)
            stmt = ast.copy_location(ast.AugAssign(data, stmt.op, stmt.value), stmt)
        if isinstance(stmt.target, ast.Attribute) and stmt.target.attr == "data":
            with self.writing_data():  # x.data *= 100
                super().aug_assign(stmt)
            return
        super().aug_assign(stmt)

    def tensor_item_assign(self, target: ast.Subscript, base: Pending | Ref, value: Value,
                           stmt: ast.AST) -> None:
        source = self.written_through(base, stmt)
        if source is None:  # x.data[0] = 5, c[0] = 5 of c = x.data: the numbers of x
            super().tensor_item_assign(target, base, value, stmt)
            return
        numbers = self.concrete(base, stmt).clone()
        try:
            numbers[self.index_key(target.slice)] = self.concrete(value, stmt)
        except Exception as exc:  # noqa: BLE001 - torch's own words (shapes, dtypes)
            raise raised_at(stmt, exc) from None
        with self.writing_data():
            self.set_leaf_numbers(stmt, source, numbers, short_text(target.value))

    # ---- the write ------------------------------------------------------------------------
    def set_leaf_numbers(self, stmt: ast.AST, leaf: Pending | Ref, numbers: torch.Tensor,
                         name: str) -> None:
        if not self.through_data:  # an in-place update under torch.no_grad()
            super().set_leaf_numbers(stmt, leaf, numbers, name)
            return
        if isinstance(leaf, Pending) and leaf.node_id is None and not leaf.requires_grad:
            leaf.value = numbers.tolist()  # numbers nothing has used: simply these
            self.copies_follow(leaf, numbers, stmt)
            return
        node_id = self.node_of(leaf, stmt)
        node = self.doc.node(node_id)
        used = bool(self.doc.out_edges(node_id))
        source = self.detached_leaf(node_id) if node.op == "detach" else None
        # no call went back through it yet (one on another graph leaves its forward as it is)
        before_backward = node_id not in self.nodes_reached
        if node.op == LEAF and node.requires_grad and not (used and before_backward):
            super().set_leaf_numbers(stmt, leaf, numbers, name)  # its start, or a step
            # a step ends the graph its ops (and a name .data gave, used there) belong to
            self.copies_follow(leaf, numbers, stmt, unused_only=True)
            return
        elif node.op in (LEAF, CONSTANT) and not used and not node.requires_grad:
            self.doc.update_node(node_id, value=numbers.tolist())
            self.values.pop(node_id, None)
            if isinstance(leaf, Pending):
                leaf.value = numbers.tolist()
        elif before_backward:
            self.write_after_forward(stmt, node_id, numbers, name)
        elif source is not None:
            # w.detach() shares the leaf's memory: the write is a step of w (its next graph
            # starts from these numbers), and the name held by the detach reads them too
            super().set_leaf_numbers(stmt, Ref(source), numbers, name)
            self.values[node_id] = numbers.clone()
            return
        else:
            raise error_at(stmt, f"{name} changes the numbers of {node.name} after a backward "
                                 f"on its graph: {_STEP}; change them before the backward")
        self.copies_follow(leaf, numbers, stmt)

    def add_call(self, call: calls.Call, where: ast.AST) -> None:
        super().add_call(call, where)
        if call.kind != calls.ZERO_GRAD:  # the document's own call: reader.py tells
            self.reached_by(list(call.outputs))

    def reached_by(self, outputs: list[str]) -> None:
        """A call's outputs and every node they were computed from are reached by it, kept
        by id when the call is made (a training step's graph leaves the document later)."""
        for output in outputs:
            if output in self.doc.graph:
                self.nodes_reached |= nx.ancestors(self.doc.graph, output) | {output}

    def detached_leaf(self, node_id: str) -> str | None:
        """The leaf requiring grad that a detach node was taken from, or None."""
        sources = list(self.doc.graph.predecessors(node_id))
        if len(sources) == 1 and self.doc.node(sources[0]).op == LEAF and \
                self.doc.node(sources[0]).requires_grad:
            return sources[0]
        return None

    def write_after_forward(self, stmt: ast.AST, node_id: str, numbers: torch.Tensor,
                            name: str) -> None:
        """The node keeps its forward numbers and holds `numbers` from then on."""
        node = self.doc.node(node_id)
        old = self.evaluate(node_id, stmt)
        if not isinstance(old, torch.Tensor) or old.shape != numbers.shape \
                or old.dtype != numbers.dtype:
            raise error_at(stmt, f"{name} gives {node.name} numbers of another shape or dtype "
                                 "after the graph used it; Gradflow reads a .data write of "
                                 "the same shape and dtype there")
        for later in nx.descendants(self.doc.graph, node_id):  # their forward numbers, fixed
            self.evaluate(later, stmt)
        near = (*self.doc.graph.predecessors(node_id), *self.doc.graph.successors(node_id))
        shared = [n for n in dict.fromkeys(near) if _same_memory(self.values.get(n), old)]
        partial = [n for n in shared if not _alias(self.values[n], old)]
        if partial:
            raise error_at(stmt, f"{name} writes into memory {node.name} shares with "
                                 f"{self.doc.node(partial[0]).name} (a view of part of it): "
                                 "torch changes both, which Gradflow does not follow; write "
                                 "into a tensor of its own")
        # x.detach() is x's memory, and so is what ops computed after an earlier write read
        memory = (node_id, *shared, *self.aliases.get(node_id, []))
        for target in memory[1:]:
            for later in nx.descendants(self.doc.graph, target):
                self.evaluate(later, stmt)
        for target in memory:
            self.doc.update_node(target, written=numbers.tolist())
            self.values[target] = numbers.clone()
        self.after_write.pop(node_id, None)  # the next op takes the new numbers

    def copies_follow(self, source: Pending | Ref, numbers: torch.Tensor,
                      stmt: ast.AST, unused_only: bool = False) -> None:
        """What `t.data` gave shares t's memory: it holds the new numbers too."""
        for copy, held in list(self.data_sources.values()):
            same = held is source or (held.node_id is not None
                                      and held.node_id == source.node_id)
            if same and isinstance(copy, Pending):
                if copy.node_id is None:
                    copy.value = numbers.tolist()
                elif not unused_only:
                    self.set_leaf_numbers(stmt, copy, numbers.clone(), short_text(stmt))

    # ---- ops computed after the write ------------------------------------------------------
    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                where: ast.AST) -> Value:
        if self.grad_enabled:
            inputs = [self.as_written(v, where) for v in inputs]
        return super().op_node(op, inputs, params, where)

    def as_written(self, value: Value, where: ast.AST) -> Value:
        """A tensor whose memory was written: the numbers it holds now, its gradient going
        to it (an `overwritten` node, made once per write)."""
        node_id = value.node_id if isinstance(value, Pending | Ref) else None
        if node_id is None or node_id not in self.doc.graph or \
                self.doc.node(node_id).written is None:
            return value
        alias = self.after_write.get(node_id)
        if alias is None or alias not in self.doc.graph:
            numbers = self.from_tensor(self.evaluate(node_id, where), where)
            made = super().op_node("overwritten", [value, numbers], {}, where)
            alias = self.node_of(made, where)
            self.after_write[node_id] = alias
            self.aliases.setdefault(node_id, []).append(alias)
        return Ref(alias)

    # ---- the end of a step, the end of the snippet ---------------------------------------------
    def next_step(self, stmt: ast.AST) -> None:
        """A leaf whose memory was written starts the next step with those numbers."""
        updated = set(self.updates)
        super().next_step(stmt)
        for leaf in self.doc.leaves():
            if leaf.written is not None:
                fields: dict[str, Any] = {"written": None}
                if leaf.id not in updated:
                    fields["value"] = leaf.written
                self.doc.update_node(leaf.id, **fields)
        self.after_write = {k: v for k, v in self.after_write.items() if v in self.doc.graph}
        self.aliases = {k: [a for a in v if a in self.doc.graph]
                        for k, v in self.aliases.items() if k in self.doc.graph}

    def describe_memory_writes(self) -> None:
        """"About this graph" says whose memory changed after forward."""
        from engine.memory_writes import written_note

        note = written_note(self.doc)
        if note:
            self.doc.description = f"{self.doc.description} {note}".strip()


def _alias(value: torch.Tensor, t: torch.Tensor) -> bool:
    """The same numbers in the same places of one memory (x.detach() of x)."""
    return value.shape == t.shape and value.stride() == t.stride() and \
        value.storage_offset() == t.storage_offset() and value.dtype == t.dtype


def _same_memory(value: Any, t: torch.Tensor) -> bool:
    return isinstance(value, torch.Tensor) and value.numel() > 0 and t.numel() > 0 and \
        value.untyped_storage().data_ptr() == t.untyped_storage().data_ptr()


def _named(node: ast.expr) -> bool:
    """`w` or `model.fc.weight`: a name or its attributes, read again without side effects."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


__all__ = ["MemoryWrites"]
