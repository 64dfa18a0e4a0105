"""A snippet with torch.autograd.functional.jacobian, imported in the real window through File
→ Import PyTorch code…: the lens shows that call's J (torch's own numbers, checked against
what the call returned), its section says what the call is and edits it undoably, the chart
shows no .grad change, and the step list says calmly that it has nothing to replay."""

from __future__ import annotations

import torch
from PySide6.QtGui import QAction

from engine.calls import JACOBIAN
from gui.code.import_dialog import ImportDialog

SNIPPET = """import torch
def f(x, w):
    return (x * w).tanh() + 3 * x
x = torch.tensor([1., 2., 3.])
w = torch.tensor([0.5, -1., 2.], requires_grad=True)
J = torch.autograd.functional.jacobian(f, (x, w))
print(J)
loss = (w * x).sum()
loss.backward()
"""


def import_through_the_menu(qtbot, window, monkeypatch, text: str) -> None:
    def accept(self: ImportDialog) -> int:
        self.editor.setPlainText(text)
        return 1 if self.try_import() else 0

    monkeypatch.setattr(ImportDialog, "exec", accept)
    action = next(a for a in window.file_menu.actions()
                  if isinstance(a, QAction) and a.text().startswith("&Import PyTorch code"))
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        action.trigger()


def torch_j() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.tensor([1., 2., 3.])
    w = torch.tensor([0.5, -1., 2.], requires_grad=True)
    jx, jw = torch.autograd.functional.jacobian(lambda a, b: (a * b).tanh() + 3 * a, (x, w))
    assert w.grad is None
    return jx, jw


def test_the_lens_shows_the_jacobian_calls_j(qtbot, window, monkeypatch):
    import_through_the_menu(qtbot, window, monkeypatch, SNIPPET)
    assert [c.kind for c in window.doc.calls] == [JACOBIAN, "backward"]
    jx, jw = torch_j()
    window.chart.pick(0)  # the jacobian call
    lens = window.jacobian
    assert lens.lens.call == 0
    shown = torch.tensor(lens.matrix())
    assert torch.allclose(shown, torch.cat([jx, jw], dim=1))
    assert lens.check_text == ("J = what call 1's torch.autograd.functional.jacobian "
                               "returned  ✓")
    assert "no v, no vᵀJ" in lens.status_text
    # the chart: call 1 left .grad as it was (None), call 2 gave w.grad = x, as torch
    assert "call 1: jacobian, no .grad" in window.chart.legend.text()
    window.chart.pick(1)
    assert window.bars_heights() == [1.0, 2.0, 3.0]
    # the lens picks call 2 now: J of the backward, vᵀJ = its share of .grad
    assert lens.lens.call == 1 and lens.check_text.endswith("✓")


def test_the_calls_section_step_list_and_an_undoable_edit(qtbot, window, monkeypatch):
    import_through_the_menu(qtbot, window, monkeypatch, SNIPPET)
    section = window.program.sections[0]
    assert section.heading_text.startswith("call 1: torch.autograd.functional.jacobian("
                                           "lambda x, w:")
    assert "returns J: " in section.result.text() and ".grad untouched" in \
        section.result.text()
    steps = window.backward_replay.controls.steps  # the import's first run is traced
    texts = [steps.item(i).text() for i in range(steps.count())]
    assert any("no steps: torch.autograd.functional.jacobian" in t for t in texts), texts
    note = next(steps.item(i) for i in range(steps.count()) if "no steps:" in texts[i])
    assert note.toolTip() == "its J is in the Jacobian lens"  # the app has one; the page not
    # untick the input x: one undoable edit, and the lens's J loses x's columns
    inputs = section.fields["inputs"]
    x_box = next(b for b in inputs.boxes if b.text() == "x")
    depth = window.undo_stack.count()
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        x_box.setChecked(False)
    assert window.undo_stack.count() == depth + 1
    w = window.doc.node_by_name("w").id
    assert window.doc.calls[0].inputs == (w,)
    window.chart.pick(0)
    _, jw = torch_j()
    assert torch.allclose(torch.tensor(window.jacobian.matrix()), jw)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.undo_stack.undo()
    assert len(window.doc.calls[0].inputs or ()) == 2


def test_add_call_makes_a_jacobian_call_by_every_leaf(qtbot, window):
    """The default example (loss = x * x): + Add call → jacobian gives J of the marked output
    by x, equal to torch's functional.jacobian, in one undoable step."""
    doc = window.doc
    depth = window.undo_stack.count()
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.program.add(JACOBIAN)
    assert window.undo_stack.count() == depth + 1
    index = next(i for i, c in enumerate(doc.calls) if c.kind == JACOBIAN)
    call = doc.calls[index]
    (out,) = call.outputs
    window.chart.pick(index)
    lens = window.jacobian
    assert lens.lens.call == index and lens.check_text.endswith("✓")
    # the example is `loss = x * x` at x = [2, 3]: plain torch's J of it
    assert doc.node(out).name == "loss" and [doc.node(i).name for i in call.inputs] == ["x"]
    expected = torch.autograd.functional.jacobian(lambda x: x * x, torch.tensor([2.0, 3.0]))
    assert torch.tensor(lens.matrix()).tolist() == expected.tolist() == [[4.0, 0.0],
                                                                        [0.0, 6.0]]
    window.undo_stack.undo()
    assert all(c.kind != JACOBIAN for c in doc.calls)


ONLY_JACOBIAN = """import torch
from torch.autograd.functional import jacobian
def func(x):
    return x**3 + 4*x - 10
J = jacobian(func, torch.tensor([2., 3.]))
"""


def test_a_program_of_only_a_jacobian_call_replays_nothing_calmly(qtbot, window, monkeypatch):
    import_through_the_menu(qtbot, window, monkeypatch, ONLY_JACOBIAN)
    lens = window.jacobian  # nothing is marked: the lens shows the jacobian call by itself
    assert lens.lens.call == 0 and lens.matrix() == [[16.0, 0.0], [0.0, 31.0]]
    assert not window.banner.isVisibleTo(window)
    animator = window.backward_replay.animator
    animator.play()  # nothing to play: no error, no step
    animator.go_to(0)
    assert animator.steps() == 0
    steps = window.backward_replay.controls.steps
    texts = [steps.item(i).text() for i in range(steps.count())]
    assert any("no steps: torch.autograd.functional.jacobian" in t for t in texts), texts
    assert window.bars_heights() == []  # no leaf, no .grad: no bar


ONLY_J = """import torch
def f(x):
    return x ** 2 + 3 * x
x = torch.tensor([1., 2., 3.])
J = torch.autograd.functional.jacobian(f, x)
"""


def test_a_graph_with_no_leaf_says_why_its_chart_is_empty(qtbot, window, monkeypatch):
    assert not window.chart.no_leaves.isVisibleTo(window.chart)  # the example has leaf x
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    import_through_the_menu(qtbot, window, monkeypatch, ONLY_J)
    assert window.chart.slots == [] and window.chart.no_leaves.isVisibleTo(window.chart)
    assert "No leaf in this graph" in window.chart.no_leaves.text()
    assert "torch.autograd.functional.jacobian ran" in messages  # not "backward ran"
    assert "backward ran" not in messages[-1:]
    x = torch.tensor([1., 2., 3.])
    j = torch.autograd.functional.jacobian(lambda t: t ** 2 + 3 * t, x)
    assert torch.allclose(torch.tensor(window.jacobian.matrix()), j)
