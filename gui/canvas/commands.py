"""Undoable edits. Each command calls the document API only; views redraw from its events.

Push with `push(stack, command)`: it applies the command first and only puts it on the
stack if the document accepted it, returning the document's reason otherwise. (A bare
`QUndoStack.push` of a refused command also changes no document — the command marks itself
obsolete — but Qt has already dropped the redo history by then.)
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoStack

from engine.document import Document, Edge, GraphError, Node
from engine.layout import layered_positions
from gui.undo import AtomicCommand

Position = tuple[float, float]


class DocCommand(AtomicCommand):
    """Base: runs `_do` once, catching the document's refusal (anything else: AtomicCommand
    puts the document back)."""

    def __init__(self, doc: Document, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.error: str | None = None
        self._done_once = False
        self._applied_by_push = False

    def redo(self) -> None:
        if self._applied_by_push:  # push() already applied it; QUndoStack.push calls redo
            self._applied_by_push = False
            return
        if self._done_once:
            self._redo()
            return
        self._done_once = True
        try:
            self._first()
        except GraphError as exc:
            self.error = str(exc)
            self.setObsolete(True)

    def _first(self) -> None:
        self._redo()

    def _redo(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


def push(stack: QUndoStack, command: DocCommand) -> str | None:
    """Apply `command` and put it on the stack; if the document refuses, return its reason
    and leave both the document and the stack (redo history included) untouched."""
    command.redo()
    if command.error is not None:
        return command.error
    command._applied_by_push = True
    stack.push(command)
    return None


class AddNodeCommand(DocCommand):
    def __init__(self, doc: Document, op: str, position: Position, name: str | None = None,
                 **fields: Any) -> None:
        super().__init__(doc, f"Add {name or op}")
        self.op, self.name, self.fields = op, name, {**fields, "position": position}
        self.node: Node | None = None

    @property
    def node_id(self) -> str | None:
        return self.node.id if self.node else None

    def _first(self) -> None:
        self.node = self.doc.add_node(self.op, self.name, **self.fields).copy()
        self.setText(f"Add {self.node.name}")

    def _redo(self) -> None:
        assert self.node is not None
        self.doc.insert_node(self.node)

    def undo(self) -> None:
        assert self.node is not None
        self.doc.remove_node(self.node.id)


class RemoveNodesCommand(DocCommand):
    """Delete nodes and every edge touching them; undo puts both back."""

    def __init__(self, doc: Document, node_ids: list[str]) -> None:
        names = [doc.node(i).name for i in node_ids]
        text = f"Delete {names[0]}" if len(names) == 1 else f"Delete {len(names)} nodes"
        super().__init__(doc, text)
        self.node_ids = list(node_ids)
        self.removed: list[tuple[Node, list[Edge]]] = []
        self.old_inputs: list[str] | None = None

    def _redo(self) -> None:
        self.old_inputs = list(self.doc.options.inputs) if self.doc.options.inputs else None
        self.removed = [self.doc.remove_node(i) for i in self.node_ids]

    def undo(self) -> None:
        # reverse order: edges between two deleted nodes belong to the one deleted first
        for node, edges in reversed(self.removed):
            self.doc.insert_node(node, edges)
        if self.doc.options.inputs != self.old_inputs:
            self.doc.set_options(inputs=self.old_inputs)


class MoveNodesCommand(DocCommand):
    """One step for a drag of one or many nodes (or a whole layout)."""

    def __init__(self, doc: Document, moves: dict[str, tuple[Position, Position]],
                 text: str | None = None) -> None:
        if text is None:
            text = (f"Move {doc.node(next(iter(moves))).name}" if len(moves) == 1
                    else f"Move {len(moves)} nodes")
        super().__init__(doc, text)
        self.moves = dict(moves)

    def _redo(self) -> None:  # one document change, however many nodes move
        self.doc.move_nodes({node_id: new for node_id, (_, new) in self.moves.items()})

    def undo(self) -> None:
        self.doc.move_nodes({node_id: old for node_id, (old, _) in self.moves.items()})


class LayoutCommand(MoveNodesCommand):
    def __init__(self, doc: Document) -> None:
        moves = {i: (doc.node(i).position, pos) for i, pos in layered_positions(doc).items()
                 if doc.node(i).position != pos}
        super().__init__(doc, moves, "Auto-layout")


class ConnectCommand(DocCommand):
    def __init__(self, doc: Document, source: str, target: str, port: str) -> None:
        super().__init__(doc, f"Connect {doc.node(source).name} → "
                              f"{doc.node(target).name}.{port}")
        self.edge = Edge(source, target, port)

    def _redo(self) -> None:
        self.doc.add_edge(self.edge.source, self.edge.target, self.edge.port)

    def undo(self) -> None:
        self.doc.remove_edge(self.edge.target, self.edge.port)


class DisconnectCommand(DocCommand):
    def __init__(self, doc: Document, target: str, port: str) -> None:
        edge = doc.in_edges(target).get(port)
        source = doc.node(edge.source).name if edge else "?"
        super().__init__(doc, f"Disconnect {source} → {doc.node(target).name}.{port}")
        self.target, self.port = target, port
        self.edge: Edge | None = None

    def _redo(self) -> None:
        self.edge = self.doc.remove_edge(self.target, self.port)

    def undo(self) -> None:
        assert self.edge is not None
        self.doc.add_edge(self.edge.source, self.edge.target, self.edge.port)


class UpdateNodeCommand(DocCommand):
    """Change any node fields (name, value, params, requires_grad, dtype, is_output, seed,
    seed_enabled, ...) in one step: `UpdateNodeCommand(doc, id, "Rename x", name="a")`."""

    def __init__(self, doc: Document, node_id: str, text: str, **fields: Any) -> None:
        super().__init__(doc, text)
        self.node_id = node_id
        self.fields = fields
        self.old: dict[str, Any] = {}

    def _redo(self) -> None:
        self.old = self.doc.update_node(self.node_id, **self.fields)

    def undo(self) -> None:
        self.doc.update_node(self.node_id, **self.old)


class DuplicateCommand(DocCommand):
    """Copy nodes (with the edges among them) beside the originals, under fresh names."""

    OFFSET = (40.0, 40.0)

    def __init__(self, doc: Document, node_ids: list[str]) -> None:
        super().__init__(doc, "Duplicate")
        self.source_ids = list(node_ids)
        self.copies: list[Node] = []
        self.edges: list[Edge] = []

    def _first(self) -> None:
        try:
            self._copy()
        except GraphError:
            self.undo()  # leave nothing half-copied
            raise

    def _copy(self) -> None:
        mapping: dict[str, str] = {}
        for source_id in self.source_ids:
            original = self.doc.node(source_id)
            fresh = self.doc.add_node(
                original.op, self.doc.unique_name(original.name),
                params=dict(original.params), value=original.value,
                requires_grad=original.requires_grad, dtype=original.dtype,
                position=(original.position[0] + self.OFFSET[0],
                          original.position[1] + self.OFFSET[1]),
                is_output=original.is_output, seed=original.seed,
                seed_enabled=original.seed_enabled, grad=original.grad)
            mapping[source_id] = fresh.id
            self.copies.append(fresh.copy())
        for source_id in self.source_ids:
            for port, edge in self.doc.in_edges(source_id).items():
                if edge.source in mapping:
                    self.edges.append(self.doc.add_edge(mapping[edge.source],
                                                        mapping[source_id], port))
        names = [c.name for c in self.copies]
        self.setText(f"Duplicate as {names[0]}" if len(names) == 1
                     else f"Duplicate {len(names)} nodes")

    def _redo(self) -> None:
        for node in self.copies:
            self.doc.insert_node(node)
        for edge in self.edges:
            self.doc.add_edge(edge.source, edge.target, edge.port)

    def undo(self) -> None:
        for node in reversed(self.copies):
            if node.id in self.doc.graph:
                self.doc.remove_node(node.id)

    @property
    def copy_ids(self) -> list[str]:
        return [n.id for n in self.copies]
