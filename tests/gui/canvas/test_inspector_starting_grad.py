"""A leaf that starts with a .grad (the last step of an imported training loop) shows it in
the inspector: it can be edited as numbers or cleared, each one undo step; turning
requires_grad off drops it in the same step; the run adds backward's gradient to it, as
torch does."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt

from engine.ops import LEAF
from engine.run import run


def test_starting_grad_is_shown_edited_cleared_and_undone(qtbot, win) -> None:
    doc = win.doc
    w = doc.add_node(LEAF, "w", value=[1.0, -2.0], requires_grad=True, grad=[0.5, 0.25]).id
    y = doc.add_node("sum", "y").id
    doc.add_edge(w, y, "input")
    doc.update_node(y, is_output=True)
    win.inspector.set_node(w)
    field = win.inspector.fields["grad"]
    assert field.editor.text() == "[0.5, 0.25]"
    steps = win.undo_stack.count()

    field.editor.setText("[1.0, 2.0]")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert doc.node(w).grad == [1.0, 2.0] and win.undo_stack.count() == steps + 1
    result = run(doc)
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    x.grad = torch.tensor([1.0, 2.0])
    x.sum().backward()
    assert torch.equal(result.leaf_grads[w], x.grad)  # [2, 3]: backward adds to it

    field.editor.setText("[1, oops]")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert field.message.text() and doc.node(w).grad == [1.0, 2.0]

    field.editor.setText("")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert doc.node(w).grad is None

    win.undo_stack.undo()
    assert doc.node(w).grad == [1.0, 2.0] and field.editor.text() == "[1.0, 2.0]"


def test_requires_grad_off_drops_the_starting_grad_in_one_step(qtbot, win) -> None:
    doc = win.doc
    w = doc.add_node(LEAF, "w", value=[1.0], requires_grad=True, grad=[3.0]).id
    win.inspector.set_node(w)
    steps = win.undo_stack.count()
    win.inspector.fields["requires_grad"].editor.click()
    node = doc.node(w)
    assert (node.requires_grad, node.grad) == (False, None)
    assert win.undo_stack.count() == steps + 1
    win.undo_stack.undo()
    node = doc.node(w)
    assert (node.requires_grad, node.grad) == (True, [3.0])
