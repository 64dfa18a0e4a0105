"""Edits re-run the document at once, and the newest edit's numbers win."""

from __future__ import annotations

import pytest
import torch

from gui.canvas.commands import UpdateNodeCommand, push


def torch_grad(x_value, seed):
    x = torch.tensor(x_value, requires_grad=True)
    (x * x).backward(gradient=torch.tensor(seed))
    return x.grad.tolist()


def test_rapid_edits_and_undo_end_on_the_latest_document(qtbot, window):
    doc, stack = window.doc, window.undo_stack
    x, loss = doc.node_by_name("x").id, doc.node_by_name("loss").id
    for value in ([1.0, 1.0], [5.0, -2.0], [0.5, 7.0]):
        push(stack, UpdateNodeCommand(doc, x, "value", value=value))
    push(stack, UpdateNodeCommand(doc, loss, "seed", seed=[2.0, 1.0]))
    expected = torch_grad([0.5, 7.0], [2.0, 1.0])
    qtbot.waitUntil(lambda: window.bars_heights() == pytest.approx(expected), timeout=30_000)
    qtbot.wait(100)  # no late, stale result may overwrite it
    assert window.bars_heights() == pytest.approx(expected)

    stack.undo()
    stack.undo()
    expected = torch_grad([5.0, -2.0], [1.0, 0.5])
    qtbot.waitUntil(lambda: window.bars_heights() == pytest.approx(expected), timeout=30_000)
    # the canvas card shows the same gradient as the chart
    card = window.scene.nodes[x]
    assert any(role == "grad" and "[10, -2]" in text for text, role in card.lines)
