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
