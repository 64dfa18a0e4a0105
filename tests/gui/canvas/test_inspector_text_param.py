"""The inspector edits a text param (einsum's equation) as the text typed, one undo step
each; a text the registry refuses keeps the last equation and says why; the run that follows
is torch's einsum of the new equation."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from engine.document import Document
from engine.ops import CONSTANT, LEAF
from engine.run import run


@pytest.fixture
def win(qtbot):
    from gui.main_window import MainWindow

    window = MainWindow(Document())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.runner.shutdown()


def test_einsum_equation_is_edited_as_text(qtbot, win) -> None:
    doc = win.doc
    a = doc.add_node(LEAF, "a", value=[[1.0, 2.0], [3.0, 4.0]], requires_grad=True).id
    b = doc.add_node(CONSTANT, "b", value=[[0.5, -1.0], [2.0, 1.0]]).id
    e = win.editor.add_node("einsum", QPointF(300, 0))
    doc.add_edge(a, e, "input")
    doc.add_edge(b, e, "other")
    win.inspector.set_node(e)
    field = win.inspector.fields["param:equation"]
    assert field.editor.text() == "ij,jk->ik"
    steps = win.undo_stack.count()

    field.editor.setText("  ij,kj->ik ")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert doc.node(e).params["equation"] == "ij,kj->ik"
    assert win.undo_stack.count() == steps + 1 and not field.message.isVisibleTo(win.inspector)

    field.editor.setText("   ")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert "equation must be a text of 1 to 100 characters" in field.message.text()
    assert doc.node(e).params["equation"] == "ij,kj->ik"

    doc.update_node(e, is_output=True, seed=[[1.0, 0.0], [0.0, 2.0]])
    result = run(doc)
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    torch.einsum("ij,kj->ik", x, torch.tensor([[0.5, -1.0], [2.0, 1.0]])).backward(
        torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
    assert torch.equal(result.leaf_grads[a], x.grad)

    win.undo_stack.undo()  # the refused text made no step: one undo goes back to the start
    assert doc.node(e).params["equation"] == "ij,jk->ik"
    assert field.editor.text() == "ij,jk->ik"  # the form follows undo
