"""The inspector's field for a norm's p takes inf and -inf as Python writes them (inf, -inf,
float('inf'), math.inf, torch.inf), shows them as inf / -inf, and says what it takes for any
other text, keeping the last p; the run that follows is torch's infinity norm."""

from __future__ import annotations

import math

import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from engine.ops import LEAF, get_op
from engine.run import run
from gui.canvas.inspector import param_text, parse_param

P = get_op("norm").param("p")


@pytest.mark.parametrize(("text", "value"), [
    ("inf", math.inf), (" -inf ", -math.inf), ("+inf", math.inf), ("Inf", math.inf),
    ("float('inf')", math.inf), ('float("-inf")', -math.inf), ("-float('inf')", -math.inf),
    ("math.inf", math.inf), ("-torch.inf", -math.inf), ("np.inf", math.inf),
    ("3", 3.0), ("-1.5", -1.5),
])
def test_the_ways_p_is_typed(text: str, value: float) -> None:
    assert parse_param(P, text) == value
    assert parse_param(P, param_text(value)) == value  # what the field shows reads back


@pytest.mark.parametrize("text", ["infinity", "nan", "--inf", "float('nan')", "abc", "",
                                  "[1]", "True", "None"])
def test_other_text_says_what_p_takes(text: str) -> None:
    with pytest.raises(ValueError, match=r"p must be a number, inf or -inf, not"):
        parse_param(P, text)


def test_p_is_set_to_infinity_in_the_field(qtbot, win) -> None:
    doc = win.doc
    values = [[1.0, -5.0, 2.0], [3.0, 0.5, -4.0]]
    x = doc.add_node(LEAF, "x", value=values, requires_grad=True).id
    n = win.editor.add_node("norm", QPointF(300, 0))
    doc.add_edge(x, n, "input")
    doc.update_node(n, is_output=True)
    win.inspector.set_node(n)
    field = win.inspector.fields["param:p"]
    assert field.editor.text() == "2.0"
    steps = win.undo_stack.count()

    field.editor.setText("float('inf')")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert doc.node(n).params["p"] == math.inf
    assert field.editor.text() == "inf" and not field.message.isVisibleTo(win.inspector)
    assert win.undo_stack.count() == steps + 1

    field.editor.setText("infinity")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert "p must be a number, inf or -inf, not 'infinity'" in field.message.text()
    assert doc.node(n).params["p"] == math.inf and win.undo_stack.count() == steps + 1

    t = torch.tensor(values, requires_grad=True)
    torch.norm(t, p=float("inf")).backward()
    assert torch.equal(run(doc).leaf_grads[x], t.grad)

    field.editor.setText("-inf")
    qtbot.keyClick(field.editor, Qt.Key.Key_Return)
    assert doc.node(n).params["p"] == -math.inf and field.editor.text() == "-inf"
    t = torch.tensor(values, requires_grad=True)
    torch.norm(t, p=float("-inf")).backward()
    assert torch.equal(run(doc).leaf_grads[x], t.grad)

    win.undo_stack.undo()
    win.undo_stack.undo()
    assert doc.node(n).params["p"] == 2.0 and field.editor.text() == "2.0"
