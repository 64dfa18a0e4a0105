"""The inspector shows a hook's gradient expression as its text and edits it as typed, one
undo step; an expression the whitelist refuses keeps the last one and names what it refused;
the run that follows applies the new expression as torch's own hook does."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from engine.document import Document
from engine.ops import LEAF
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


def test_a_hooks_gradient_expression_is_shown_and_edited_as_text(qtbot, win) -> None:
    doc = win.doc
    a = doc.add_node(LEAF, "a", value=[1.0, -2.0, 3.0], requires_grad=True).id
    h = win.editor.add_node("grad_hook", QPointF(300, 0))
    doc.add_edge(a, h, "input")
    doc.update_node(h, params={**doc.node(h).params, "gradient": "g.clamp(-1, 1)"})
    win.inspector.set_node(h)
    field = win.inspector.fields["param:gradient"]
    assert field.editor.text() == "g.clamp(-1, 1)"
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
