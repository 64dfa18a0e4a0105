"""A snippet where torch itself raises is imported up to that line, as python runs it, and
the run shows torch's error in the banner; the line is not marked as a refusal."""

from __future__ import annotations

from gui.code.import_dialog import ImportDialog, import_code

RAISES = """import torch
x = torch.ones(2, requires_grad=True)
y = x @ torch.ones(3)
if y > 0:
    print(y)
"""


def torch_says() -> str:
    import torch
    try:
        torch.ones(2) @ torch.ones(3)
    except RuntimeError as exc:
        return str(exc)
    raise AssertionError("torch accepted a size mismatch")


def test_torch_error_loads_the_graph_and_the_banner_shows_it(qtbot, window, monkeypatch):
    seen: list[ImportDialog] = []

    def accept(self):
        self.editor.setPlainText(RAISES)
        seen.append(self)
        return 1 if self.try_import() else 0

    monkeypatch.setattr(ImportDialog, "exec", accept)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        assert import_code(window, window.file_actions.open_untitled)
    dialog = seen[0]
    assert dialog.editor.extraSelections() == []  # not a refusal: no marked line
    assert dialog.raised is not None and torch_says() in dialog.raised
    assert sorted(n.name for n in window.doc.nodes()) == sorted(
        n.name for n in dialog.document.nodes())
    assert "x" in [n.name for n in window.doc.nodes()]
    assert window.banner.isVisibleTo(window) and torch_says() in window.banner.text()


SEVERAL_CALLS = """import torch
x = torch.arange(4.0, requires_grad=True)
y = 2 * torch.dot(x, x)
y.backward()
x.grad.zero_()
y = x.sum()
y.backward()
print(x.grad)
"""


def test_several_calls_import_and_the_bars_show_grad_after_the_last(qtbot, window,
                                                                     monkeypatch):
    import torch

    def accept(self):
        self.editor.setPlainText(SEVERAL_CALLS)
        return 1 if self.try_import() else 0

    monkeypatch.setattr(ImportDialog, "exec", accept)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        assert import_code(window, window.file_actions.open_untitled)
    assert [c.kind for c in window.doc.calls] == ["backward", "zero_grad", "backward"]
    x = torch.arange(4.0, requires_grad=True)  # the same calls in plain torch
    (2 * torch.dot(x, x)).backward()
    x.grad.zero_()
    x.sum().backward()
    assert window.bars_heights() == x.grad.tolist()
