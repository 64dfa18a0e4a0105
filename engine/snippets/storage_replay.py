"""The real torch tensors behind a snippet's in-place updates (engine/snippets/inplace.py):
each updated tensor is made again by its own op on leaves holding its inputs' numbers, and
the ops that used it before the update are replayed on it, so torch's version counter sees
the update. A backward call whose outputs reach one of those ops then raises torch's own
"modified by an inplace operation" error, at that call.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import torch

from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.snippets.safety import raised_at
from engine.snippets.statements import StatementRunner

_VIEW_DEPTH = 8  # views of views followed (x[0][1:].t() ...)


@dataclass
class Storage:
    """The real tensor standing for one tensor of the snippet across its in-place updates
    (one version counter), and the ops that saved it: (doc node, their output, leaves)."""

    tensor: torch.Tensor
    leaves: list[torch.Tensor] = field(default_factory=list)
    savers: list[tuple[str, torch.Tensor, list[torch.Tensor]]] = field(default_factory=list)
    probed: set[str] = field(default_factory=set)  # consumers already replayed


class StorageReplay(StatementRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storages: dict[str, Storage] = {}  # doc node id → its storage

    def new_storage(self, node_id: str, where: ast.AST) -> Storage:
        """The tensor made again by its own op, from leaves holding its inputs' numbers."""
        node = self.doc.node(node_id)
        value = self.evaluate(node_id, where)
        plain = value.clone() if isinstance(value, torch.Tensor) else torch.tensor(value)
        if node.op in (LEAF, CONSTANT):
            return Storage(plain)
        try:
            inputs, leaves = self.inputs_of(node_id, {}, where)
            with torch.enable_grad():
                tensor = get_op(node.op).call(*inputs, **node.params)
        except Exception:  # noqa: BLE001 - not replayable: its numbers, nothing saved
            return Storage(plain)
        if not isinstance(tensor, torch.Tensor):
            return Storage(plain)
        if node_id in self.fresh_tensors:  # torch's tensor of its own, not a view of a leaf
            tensor = tensor.clone()
        storage = Storage(tensor, leaves)
        if tensor.grad_fn is not None:
            storage.savers.append((node_id, tensor, leaves))  # sigmoid saves its output
        return storage

    def replay_consumers(self, storage: Storage, node_id: str, where: ast.AST,
                         tensor: torch.Tensor | None = None, depth: int = 0) -> None:
        """The ops that used the tensor before this update, on the storage's tensor; the
        ops that used a view of it (`f[0] * x` saves the view f[0]) on that view, which
        shares the storage's version counter, as torch's does."""
        given = storage.tensor if tensor is None else tensor
        for edge in self.doc.out_edges(node_id):
            if edge.target in storage.probed:
                continue
            storage.probed.add(edge.target)
            spec = get_op(self.doc.node(edge.target).op)
            ports = {e.port for e in self.doc.in_edges(edge.target).values()
                     if e.source == node_id}
            try:
                inputs, leaves = self.inputs_of(edge.target, dict.fromkeys(ports, given), where)
                with torch.enable_grad():
                    out = spec.call(*inputs, **self.doc.node(edge.target).params)
            except Exception:  # noqa: BLE001 - the run reports it; no saved tensor here
                continue
            if isinstance(out, torch.Tensor) and out.grad_fn is not None:
                storage.savers.append((edge.target, out, [*storage.leaves, *leaves]))
            if isinstance(out, torch.Tensor) and depth < _VIEW_DEPTH and out._is_view() and \
                    out.untyped_storage().data_ptr() == \
                    storage.tensor.untyped_storage().data_ptr():
                self.replay_consumers(storage, edge.target, where, out, depth + 1)

    def inputs_of(self, node_id: str, given: dict[str, torch.Tensor], where: ast.AST
                  ) -> tuple[list[Any], list[torch.Tensor]]:
        """node's inputs as real values: `given` at their ports, the rest as fresh leaves
        (requiring grad as the graph's do) holding the numbers the graph computes."""
        spec = get_op(self.doc.node(node_id).op)
        edges = self.doc.in_edges(node_id)
        inputs: list[Any] = []
        leaves: list[torch.Tensor] = []
        for port in spec.inputs:
            if port in given:
                inputs.append(given[port])
                continue
            source = edges[port].source
            value = self.evaluate(source, where)
            if isinstance(value, torch.Tensor) and self.node_needs_grad(source) and \
                    not self.doc.node(source).params.get(NUMBER):
                value = value.detach().clone().requires_grad_()
                leaves.append(value)
            inputs.append(value)
        return inputs, leaves

    def check_in_place(self, outputs: list[str], where: ast.AST) -> None:
        """Raise torch's error where a backward from `outputs` reaches an op whose saved
        tensor an in-place update changed."""
        if not self.storages:
            return
        reached: set[str] = set(outputs)
        for output in outputs:
            reached |= nx.ancestors(self.doc.graph, output)
        savers = {id(s): s for s in self.storages.values()}
        # torch's engine runs the later-made ops first: the first to find its saved tensor
        # changed raises
        for saver, out, leaves in sorted((s for st in savers.values() for s in st.savers),
                                         key=lambda s: -int(s[0]) if s[0].isdigit() else 0):
            wanted = [t for t in leaves if t.requires_grad]
            if saver not in reached or not wanted or out.grad_fn is None:
                continue
            try:
                torch.autograd.grad(out, wanted, torch.ones_like(out), retain_graph=True,
                                    allow_unused=True)
            except RuntimeError as exc:
                if "modified by an inplace operation" in str(exc):
                    raise raised_at(where, exc) from None


__all__ = ["Storage", "StorageReplay"]
