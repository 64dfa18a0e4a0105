"""A node whose memory a snippet changed after forward (`x.data *= 100` after `y = x * x`)
says so in the inspector, beside the numbers its memory holds now, and the run's .grad is
plain torch's (x.grad = 2·100)."""

from __future__ import annotations

import pytest
import torch

from engine.document import Document
from engine.snippets.reader import import_snippet

SNIPPET = """import torch
x = torch.ones(1, requires_grad=True)
y = x * x
x.data *= 100
y.backward()
"""


@pytest.fixture
def win(qtbot):
    from gui.main_window import MainWindow

    window = MainWindow(Document())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.runner.shutdown()


def test_the_inspector_says_the_memory_changed_after_forward(qtbot, win) -> None:
    win.doc.replace_with(import_snippet(SNIPPET))
    x = win.doc.node_by_name("x")
    y = win.doc.node_by_name("y")
    assert x is not None and y is not None
    qtbot.waitUntil(lambda: win.inspector.run is not None
                    and x.id in win.inspector.run.leaf_grads
                    and win.inspector.run.leaf_grads[x.id] is not None, timeout=10000)
    plain = torch.ones(1, requires_grad=True)
    out = plain * plain
    plain.data *= 100
    out.backward()
    assert plain.grad is not None
    assert torch.equal(win.inspector.run.leaf_grads[x.id], plain.grad)  # [200]

    win.inspector.set_node(x.id)
    text = win.inspector.result.text()
    assert "value: [100]" in text and "written into its memory after forward" in text
    win.inspector.set_node(y.id)
    assert "written into its memory" not in win.inspector.result.text()
