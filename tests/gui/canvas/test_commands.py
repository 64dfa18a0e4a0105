"""Each command's undo puts the document back exactly; redo re-applies it exactly."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from engine.document import Document
from engine.examples import example_path
from engine.fileformat import dumps, load
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


def rich_doc() -> Document:
    """x, W leaves; h = W @ x; y = h * x... a graph with fan-out, an output and options."""
    doc = Document()
    x = doc.add_node("leaf", "x", value=[1.0, 2.0], position=(0, 0)).id
    c = doc.add_node("constant", "c", value=[3.0, 4.0], position=(0, 200)).id
    m = doc.add_node("mul", "m", position=(300, 0)).id
    s = doc.add_node("sum", "s", position=(600, 0), is_output=True).id
    doc.add_edge(x, m, "input")
    doc.add_edge(c, m, "other")
    doc.add_edge(m, s, "input")
    doc.set_options(inputs=[x])
    return doc


def ids(doc: Document) -> dict[str, str]:
    return {n.name: n.id for n in doc.nodes()}


CASES = {
    "add": lambda d: AddNodeCommand(d, "exp", (50.0, 60.0)),
    "add_named_leaf": lambda d: AddNodeCommand(d, "leaf", (1.0, 2.0), "w", value=[[1, 2]]),
    "remove_one": lambda d: RemoveNodesCommand(d, [ids(d)["m"]]),
    "remove_many": lambda d: RemoveNodesCommand(d, [ids(d)["x"], ids(d)["m"], ids(d)["s"]]),
    "move": lambda d: MoveNodesCommand(d, {ids(d)["x"]: ((0.0, 0.0), (10.0, 20.0)),
                                           ids(d)["s"]: ((600.0, 0.0), (5.0, 5.0))}),
    "connect": lambda d: ConnectCommand(d, ids(d)["x"], ids(d)["m"], "other"),
    "disconnect": lambda d: DisconnectCommand(d, ids(d)["m"], "other"),
    "rename": lambda d: UpdateNodeCommand(d, ids(d)["x"], "Rename", name="inp"),
    "value": lambda d: UpdateNodeCommand(d, ids(d)["c"], "Value", value=[[1, 2], [3, 4]]),
    "params": lambda d: UpdateNodeCommand(d, ids(d)["s"], "Params",
                                          params={"dim": 0, "keepdim": True}),
    "flags": lambda d: UpdateNodeCommand(d, ids(d)["x"], "Flags", requires_grad=False,
                                         dtype="float64"),
    "output_seed": lambda d: UpdateNodeCommand(d, ids(d)["m"], "Out", is_output=True,
                                               seed=[1.0, 0.5], seed_enabled=True),
    "duplicate": lambda d: DuplicateCommand(d, [ids(d)["x"], ids(d)["m"]]),
    "layout": lambda d: LayoutCommand(d),
}


@pytest.mark.parametrize("name", list(CASES))
def test_undo_redo_restores_exactly(qapp, name):
    doc = rich_doc()
    if name == "connect":
        doc.remove_edge(ids(doc)["m"], "other")
    stack = QUndoStack()
    before = dumps(doc)
    assert push(stack, CASES[name](doc)) is None
    after = dumps(doc)
    assert after != before
    stack.undo()
    assert dumps(doc) == before
    stack.redo()
    assert dumps(doc) == after
    stack.undo()
    assert dumps(doc) == before


def test_remove_restores_edges_and_backward_inputs(qapp):
    doc = rich_doc()
    stack = QUndoStack()
    x = ids(doc)["x"]
    push(stack, RemoveNodesCommand(doc, [x]))
    assert doc.options.inputs == [] and len(list(doc.edges())) == 2
    stack.undo()
    assert doc.options.inputs == [x] and len(list(doc.edges())) == 3


def test_duplicate_copies_inner_edges_only_under_fresh_names(qapp):
    doc = rich_doc()
    stack = QUndoStack()
    command = DuplicateCommand(doc, [ids(doc)["x"], ids(doc)["m"]])
    push(stack, command)
    x2, m2 = command.copy_ids
    assert doc.node(x2).name == "x1" and doc.node(m2).name == "m1"
    assert doc.in_edges(m2) == {"input": doc.in_edges(m2)["input"]}
    assert doc.in_edges(m2)["input"].source == x2
    assert doc.node(x2).position == (40.0, 40.0)


def test_refused_update_changes_nothing_and_is_not_on_the_stack(qapp):
    doc = load(example_path())
    stack = QUndoStack()
    before = dumps(doc)
    x = ids(doc)["x"]
    reason = push(stack, UpdateNodeCommand(doc, x, "Rename", name="loss"))
    assert reason == "the name 'loss' is already used by another node"
    reason = push(stack, UpdateNodeCommand(doc, x, "int", dtype="int64"))
    assert "Only Tensors of floating point and complex dtype can require gradients" in reason
    reason = push(stack, ConnectCommand(doc, x, ids(doc)["loss"], "input"))
    assert "already fed by x" in reason
    assert dumps(doc) == before and stack.count() == 0
