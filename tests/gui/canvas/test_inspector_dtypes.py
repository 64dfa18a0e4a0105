"""The inspector offers every dtype a document holds (float16, bfloat16 and the narrow
integers among them): picking one is one undo step and the run computes in it as torch does;
an int dtype on a leaf that requires grad is refused in torch's words and the combo goes back;
the `to` op's target dtype is picked from the same list, and the inspector names the dtype
the run gave an op."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QCheckBox, QComboBox

from engine.dtypes import DTYPES
from engine.ops import LEAF
from engine.run import run


def _combo(win, key: str) -> QComboBox:
    editor = win.inspector.fields[key].editor
    assert isinstance(editor, QComboBox)
    return editor


def test_the_dtype_combo_offers_float16_and_the_run_computes_in_it(win) -> None:
    doc = win.doc
    x = doc.add_node(LEAF, "x", value=[0.1, -2.5, 3.3], requires_grad=True).id
    y = win.editor.add_node("mul", QPointF(300, 0))
    doc.add_edge(x, y, "input")
    doc.add_edge(x, y, "other")
    doc.update_node(y, is_output=True, seed=[1.0, 0.5, 2.0])
    win.inspector.set_node(x)
    combo = _combo(win, "dtype")
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert offered == list(DTYPES) and "float16" in offered
    steps = win.undo_stack.count()

    combo.setCurrentText("float16")
    assert doc.node(x).dtype == "float16" and win.undo_stack.count() == steps + 1
    xs = torch.tensor([0.1, -2.5, 3.3], dtype=torch.float16, requires_grad=True)
    (xs * xs).backward(torch.tensor([1.0, 0.5, 2.0]))
    grad = run(doc).leaf_grads[x]
    assert grad.dtype == torch.float16 and torch.equal(grad, xs.grad)
    assert grad.tolist() != pytest.approx([0.2, -2.5, 13.2], abs=1e-6)  # float16's rounding

    combo.setCurrentText("int32")  # the leaf requires grad: torch refuses that dtype
    message = win.inspector.fields["dtype"].message.text()
    assert "Only Tensors of floating point and complex dtype can require gradients" in message
    assert doc.node(x).dtype == "float16" and combo.currentText() == "float16"

    win.undo_stack.undo()
    assert doc.node(x).dtype == "float32" and combo.currentText() == "float32"


def test_requires_grad_can_be_ticked_on_every_float_dtype_only(win) -> None:
    doc = win.doc
    x = doc.add_node(LEAF, "x", value=[1, 2], dtype="int32", requires_grad=False).id
    win.inspector.set_node(x)
    box = win.inspector.fields["requires_grad"].editor
    assert isinstance(box, QCheckBox) and not box.isEnabled()
    _combo(win, "dtype").setCurrentText("bfloat16")
    assert doc.node(x).dtype == "bfloat16" and box.isEnabled()
    box.setChecked(True)
    assert doc.node(x).requires_grad


def test_the_to_op_picks_its_dtype_from_the_same_list(qtbot, win) -> None:
    doc = win.doc
    x = doc.add_node(LEAF, "x", value=[0.7, 1.9], requires_grad=True).id
    cast = win.editor.add_node("to", QPointF(300, 0))
    doc.add_edge(x, cast, "input")
    win.inspector.set_node(cast)
    combo = _combo(win, "param:dtype")
    assert [combo.itemText(i) for i in range(combo.count())] == list(DTYPES)
    assert combo.currentText() == "float64"
    combo.setCurrentText("bfloat16")
    assert doc.node(cast).params["dtype"] == "bfloat16"
    assert run(doc).values[cast].dtype == torch.bfloat16
    # the window's own run reaches the inspector, which says the op's dtype
    qtbot.waitUntil(lambda: "dtype: bfloat16" in win.inspector.result.text(), timeout=15_000)
