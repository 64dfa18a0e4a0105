"""Random edit sequences with undo/redo: the document stays acyclic and always equals a plain
replay (document API only) of the commands currently in effect."""

from __future__ import annotations

from typing import Any

import networkx as nx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from engine.document import Document
from engine.fileformat import dumps
from engine.layout import layered_positions
from engine.ops import get_op
from gui.canvas.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    DuplicateCommand,
    LayoutCommand,
    MoveNodesCommand,
    RemoveNodesCommand,
    UpdateNodeCommand,
    push,
)

OPS = ["leaf", "constant", "add", "mul", "exp", "sum"]
NAMES = ["a", "b", "x", "loss"]
VALUES = [1.5, [1.0, 2.0], [[1, 2], [3, 4]]]


def replay(actions: list[tuple[str, Any]]) -> Document:
    doc = Document()
    for kind, data in actions:
        if kind == "add":
            node_id, op, name, position = data
            doc.add_node(op, name, node_id=node_id, position=position)
        elif kind == "remove":
            for node_id in data:
                doc.remove_node(node_id)
        elif kind == "connect":
            doc.add_edge(*data)
        elif kind == "disconnect":
            doc.remove_edge(*data)
        elif kind == "positions":
            for node_id, pos in data.items():
                doc.update_node(node_id, position=pos)
        elif kind == "update":
            node_id, fields = data
            doc.update_node(node_id, **fields)
        elif kind == "duplicate":
            nodes, edges = data
            for node in nodes:
                doc.insert_node(node)
            for edge in edges:
                doc.add_edge(edge.source, edge.target, edge.port)
    return doc


class EditSequence(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        QApplication.instance() or QApplication([])
        self.doc = Document()
        self.stack = QUndoStack()
        self.done: list[tuple[str, Any]] = []
        self.undone: list[tuple[str, Any]] = []

    def _ids(self) -> list[str]:
        return sorted(self.doc.graph.nodes)

    def _pick(self, index: int) -> str:
        ids = self._ids()
        return ids[index % len(ids)]

    def _applied(self, action: tuple[str, Any]) -> None:
        self.done.append(action)
        self.undone.clear()  # a new command drops the redo history, as QUndoStack does

    @rule(op=st.sampled_from(OPS), x=st.integers(-500, 500), y=st.integers(-500, 500))
    def add(self, op: str, x: int, y: int) -> None:
        command = AddNodeCommand(self.doc, op, (float(x), float(y)))
        assert push(self.stack, command) is None
        assert command.node is not None
        self._applied(("add", (command.node.id, op, command.node.name, (float(x), float(y)))))

    @precondition(lambda self: len(self.doc) > 0)
    @rule(picks=st.lists(st.integers(0, 50), min_size=1, max_size=3))
    def remove(self, picks: list[int]) -> None:
        ids = sorted({self._pick(i) for i in picks})
        assert push(self.stack, RemoveNodesCommand(self.doc, ids)) is None
        self._applied(("remove", ids))

    @precondition(lambda self: len(self.doc) > 1)
    @rule(s=st.integers(0, 50), t=st.integers(0, 50), p=st.integers(0, 1))
    def connect(self, s: int, t: int, p: int) -> None:
        source, target = self._pick(s), self._pick(t)
        ports = get_op(self.doc.node(target).op).inputs
        port = ports[p % len(ports)] if ports else "input"
        expected = self.doc.can_connect(source, target, port)
        before, count = dumps(self.doc), self.stack.count()
        reason = push(self.stack, ConnectCommand(self.doc, source, target, port))
        assert reason == expected
        if reason is None:
            self._applied(("connect", (source, target, port)))
        else:  # refused: nothing changed, nothing to undo
            assert dumps(self.doc) == before and self.stack.count() == count

    @precondition(lambda self: self.doc.graph.number_of_edges() > 0)
    @rule(i=st.integers(0, 50))
    def disconnect(self, i: int) -> None:
        edges = sorted(self.doc.edges(), key=lambda e: (e.target, e.port))
        edge = edges[i % len(edges)]
        assert push(self.stack, DisconnectCommand(self.doc, edge.target, edge.port)) is None
        self._applied(("disconnect", (edge.target, edge.port)))

    @precondition(lambda self: len(self.doc) > 0)
    @rule(picks=st.lists(st.integers(0, 50), min_size=1, max_size=3),
          dx=st.integers(-100, 100), dy=st.integers(-100, 100))
    def move(self, picks: list[int], dx: int, dy: int) -> None:
        moves = {}
        for node_id in {self._pick(i) for i in picks}:
            x, y = self.doc.node(node_id).position
            moves[node_id] = ((x, y), (x + dx, y + dy))
        assert push(self.stack, MoveNodesCommand(self.doc, moves)) is None
        self._applied(("positions", {k: new for k, (_, new) in moves.items()}))

    @precondition(lambda self: len(self.doc) > 0)
    @rule(i=st.integers(0, 50), name=st.sampled_from(NAMES), value=st.sampled_from(VALUES),
          output=st.booleans())
    def update(self, i: int, name: str, value: Any, output: bool) -> None:
        node_id = self._pick(i)
        fields: dict[str, Any] = {"is_output": output}
        if self.doc.node(node_id).op in ("leaf", "constant"):
            fields["value"] = value
        if self.doc.node_by_name(name) is None:
            fields["name"] = name
        assert push(self.stack, UpdateNodeCommand(self.doc, node_id, "edit", **fields)) is None
        self._applied(("update", (node_id, fields)))

    @precondition(lambda self: len(self.doc) > 0)
    @rule(picks=st.lists(st.integers(0, 50), min_size=1, max_size=3))
    def duplicate(self, picks: list[int]) -> None:
        ids = sorted({self._pick(i) for i in picks})
        command = DuplicateCommand(self.doc, ids)
        assert push(self.stack, command) is None
        self._applied(("duplicate", ([n.copy() for n in command.copies], list(command.edges))))

    @precondition(lambda self: len(self.doc) > 0)
    @rule()
    def layout(self) -> None:
        command = LayoutCommand(self.doc)
        if not command.moves:
            return
        assert push(self.stack, command) is None
        self._applied(("positions", layered_positions(self.doc)))

    @precondition(lambda self: self.stack.canUndo())
    @rule()
    def undo(self) -> None:
        self.stack.undo()
        self.undone.append(self.done.pop())

    @precondition(lambda self: self.stack.canRedo())
    @rule()
    def redo(self) -> None:
        self.stack.redo()
        self.done.append(self.undone.pop())

    @invariant()
    def acyclic_and_equal_to_replay(self) -> None:
        assert nx.is_directed_acyclic_graph(self.doc.graph)
        assert self.stack.index() == len(self.done)
        assert dumps(self.doc) == dumps(replay(self.done))


EditSequence.TestCase.settings = settings(max_examples=30, stateful_step_count=25,
                                          deadline=None)
test_edit_sequences = EditSequence.TestCase
