"""The inspector edits a text param (einsum's equation, a hook's gradient expression) as the
text typed, one undo step each; a text the registry refuses keeps the last one and says why
(naming what a gradient expression may not use); the run that follows is torch's einsum of
the new equation, or torch's own hook of the new expression."""

from __future__ import annotations

import torch
from PySide6.QtCore import QPointF, Qt

from engine.ops import CONSTANT, LEAF
from engine.run import run


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


def test_a_hooks_gradient_expression_is_shown_and_edited_as_text(qtbot, win) -> None:
    doc = win.doc
    a = doc.add_node(LEAF, "a", value=[1.0, -2.0, 3.0], requires_grad=True).id
    h = win.editor.add_node("grad_hook", QPointF(300, 0))
    doc.add_edge(a, h, "input")
    doc.update_node(h, params={**doc.node(h).params, "gradient": "g.clamp(-1, 1)"})
    win.inspector.set_node(h)
    field = win.inspector.fields["param:gradient"]
    assert field.editor.text() == "g.clamp(-1, 1)"
    # The call window's fields say what they mean, not their keyword names.
    labels = {key: win.inspector.form.labelForField(win.inspector.fields[key]).text()
              for key in ("param:added_at_call", "param:removed_at_call")}
    assert labels == {"param:added_at_call": "acts from call",
                      "param:removed_at_call": "removed before call"}
    steps = win.undo_stack.count()

    field.editor.setText(" g * 3 + 1 ")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert doc.node(h).params["gradient"] == "g * 3 + 1"
    assert win.undo_stack.count() == steps + 1 and not field.message.isVisibleTo(win.inspector)

    field.editor.setText("g.numpy()")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert "gradient may not use .numpy()" in field.message.text()
    assert doc.node(h).params["gradient"] == "g * 3 + 1"

    doc.update_node(h, is_output=True, seed=[1.0, 0.5, -2.0])
    result = run(doc)
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: g * 3 + 1)
    x.clone().backward(torch.tensor([1.0, 0.5, -2.0]))
    assert torch.equal(result.leaf_grads[a], x.grad)
