"""A node whose memory a snippet changed after forward (`x.data *= 100` after `y = x * x`)
says so in the inspector, beside the numbers its memory holds now, and the run's .grad is
plain torch's (x.grad = 2·100)."""

from __future__ import annotations

import torch

from engine.snippets.reader import import_snippet

SNIPPET = """import torch
x = torch.ones(1, requires_grad=True)
y = x * x
x.data *= 100
y.backward()
"""


def test_the_inspector_says_the_memory_changed_after_forward(qtbot, window) -> None:
    win = window
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.doc.replace_with(import_snippet(SNIPPET))
    x = win.doc.node_by_name("x")
    y = win.doc.node_by_name("y")
    assert x is not None and y is not None
    qtbot.waitUntil(lambda: win.inspector.run is not None  # this document's run
                    and win.inspector.run.names.get(y.id) == "y", timeout=30_000)
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
