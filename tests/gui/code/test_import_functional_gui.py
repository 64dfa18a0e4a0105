"""A snippet with torch.autograd.functional.vjp and hessian, imported in the real window
through File → Import PyTorch code…: each call's section says what it is and shows what torch
returned, the lens shows J, v and vᵀJ of the vjp checked against its answer, the chart says no
.grad changed, and the step list says calmly there is nothing to replay."""

from __future__ import annotations

import torch
from test_import_jacobian_gui import import_through_the_menu

from engine.calls import FUNCTIONAL
from engine.format import preview

SNIPPET = """import torch
from torch.autograd.functional import vjp, hessian
def f(x):
    return x ** 3 - 2 * x
x = torch.tensor([1., 2., 3.])
out, g = vjp(f, x, torch.tensor([1., 0.5, -1.]))
H = hessian(lambda t: f(t).sum(), x)
"""


def test_the_calls_show_torchs_answers(qtbot, window, monkeypatch):
    import_through_the_menu(qtbot, window, monkeypatch, SNIPPET)
    assert [(c.kind, c.function) for c in window.doc.calls[:2]] == [
        (FUNCTIONAL, "vjp"), (FUNCTIONAL, "hessian")]
    x = torch.tensor([1., 2., 3.])
    f = lambda t: t ** 3 - 2 * t  # noqa: E731 - the snippet's f, written apart
    out, g = torch.autograd.functional.vjp(f, x, torch.tensor([1., 0.5, -1.]))
    h = torch.autograd.functional.hessian(lambda t: f(t).sum(), x)
    vjp_section, hessian_section = window.program.sections[:2]
    assert vjp_section.heading_text.startswith("call 1: torch.autograd.functional.vjp(")
    assert vjp_section.result.text() == (f"returns (f(inputs) = {preview(out)}, vᵀJ = "
                                         f"{preview(g)})  ·  .grad untouched")
    assert hessian_section.result.text() == f"returns H = {preview(h)}  ·  .grad untouched"
    assert "call 1: vjp, no .grad" in window.chart.legend.text()
    # nothing is marked: the lens shows the vjp, its vᵀJ checked against torch's answer
    lens = window.jacobian
    assert lens.lens.call == 0 and lens.check_text.endswith("✓"), lens.check_text
    assert torch.allclose(lens.lens.vjp, g)
    steps = window.backward_replay.controls.steps
    texts = [steps.item(i).text() for i in range(steps.count())]
    assert any("no steps: torch.autograd.functional works on copies" in t for t in texts)


def test_the_vjps_v_is_edited_like_a_gradient_and_the_answer_follows(qtbot, window,
                                                                      monkeypatch):
    """The vjp's v has the seed form's block: a pasted v is one undoable edit, the call's
    answer becomes torch's vjp with that v, and the lens's vᵀJ still checks against it."""
    from PySide6.QtCore import Qt

    import_through_the_menu(qtbot, window, monkeypatch, SNIPPET)
    (block,) = window.program.sections[0].blocks
    assert block.title() == "sub  ·  v= in call 1"
    depth = window.undo_stack.count()
    block.paste.setText("[2, 0, 0.25]")
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        qtbot.keyClick(block.paste, Qt.Key.Key_Return)
    assert window.undo_stack.count() == depth + 1
    assert window.doc.calls[0].seeds == ([2.0, 0.0, 0.25],)
    x = torch.tensor([1., 2., 3.])
    out, g = torch.autograd.functional.vjp(lambda t: t ** 3 - 2 * t, x,
                                           torch.tensor([2., 0., 0.25]))
    assert g.tolist() == [2.0, 0.0, 6.25]  # v · (3x² − 2), by hand too
    section = window.program.sections[0]
    assert section.result.text().startswith(f"returns (f(inputs) = {preview(out)}, vᵀJ = "
                                            f"{preview(g)})")
    lens = window.jacobian
    assert lens.lens.call == 0 and lens.check_text.endswith("✓")
    assert torch.allclose(lens.lens.vjp, g)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.undo_stack.undo()
    assert window.doc.calls[0].seeds == ([1.0, 0.5, -1.0],)


def test_add_call_makes_a_vjp_of_the_marked_output_by_every_leaf(qtbot, window):
    """The default example (loss = x * x at x = [2, 3]): + Add call → vjp gives torch's
    vjp with v of ones, in one undoable step, and the lens checks its vᵀJ."""
    doc = window.doc
    depth = window.undo_stack.count()
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.program.add(FUNCTIONAL)
    assert window.undo_stack.count() == depth + 1
    assert window.undo_stack.undoText() == "Add vjp call"
    index = next(i for i, c in enumerate(doc.calls) if c.kind == FUNCTIONAL)
    call = doc.calls[index]
    assert call.function == "vjp" and call.seeds == ([1.0, 1.0],)
    out, g = torch.autograd.functional.vjp(lambda x: x * x, torch.tensor([2.0, 3.0]),
                                           torch.ones(2))
    assert g.tolist() == [4.0, 6.0]
    section = window.program.sections[index]
    assert section.result.text().startswith(f"returns (f(inputs) = {preview(out)}, vᵀJ = "
                                            f"{preview(g)})")
    window.chart.pick(index)
    assert window.jacobian.lens.call == index and window.jacobian.check_text.endswith("✓")
    window.undo_stack.undo()
    assert all(c.kind != FUNCTIONAL for c in doc.calls)
