"""A teacher builds a second derivative on an empty canvas: x → x³ → Σ, the ∂ op from the
palette's "gradients" group (output y, input x, seed 1), then Σ of it as the output. The chart
shows d²(x³)/dx² = 6x, as torch computes it with create_graph=True."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QPointF

from engine.document import Document
from engine.grad_op import GRAD_OP
from gui.canvas.commands import UpdateNodeCommand, push


@pytest.fixture
def empty_window(qtbot):
    from gui.main_window import MainWindow

    win = MainWindow(Document())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.runner.shutdown()


def test_second_derivative_built_from_the_palette(qtbot, empty_window) -> None:
    win = empty_window
    editor, doc, stack = win.editor, win.doc, win.undo_stack
    palette = win.editing.palette
    entry = palette.item_for(GRAD_OP)
    assert entry.parent() is palette.groups["gradients"]
    assert "create_graph=True" in entry.toolTip(0)

    x = editor.add_node("leaf", QPointF(0, 0))
    three = editor.add_node("constant", QPointF(0, 200))
    cube = editor.add_node("pow", QPointF(250, 0))
    y = editor.add_node("sum", QPointF(500, 0))
    v = editor.add_node("constant", QPointF(500, 200))
    g = editor.add_node(GRAD_OP, QPointF(750, 0))
    o = editor.add_node("sum", QPointF(1000, 0))
    assert None not in (x, three, cube, y, v, g, o)
    for node_id, value in ((x, [2.0, -1.0]), (three, 3.0), (v, 1.0)):
        assert push(stack, UpdateNodeCommand(doc, node_id, "Set value", value=value)) is None
    for source, target, port in ((x, cube, "input"), (three, cube, "exponent"),
                                 (cube, y, "input"), (y, g, "output"), (x, g, "input"),
                                 (v, g, "seed"), (g, o, "input")):
        assert editor.connect_ports(source, target, port)
    editor.set_output(o, True)

    t = torch.tensor([2.0, -1.0], requires_grad=True)
    (first,) = torch.autograd.grad((t ** 3).sum(), t, create_graph=True)
    first.sum().backward()
    assert t.grad.tolist() == [12.0, -6.0]
    qtbot.waitUntil(lambda: win.bars_heights() == pytest.approx(t.grad.tolist()),
                    timeout=30_000)
