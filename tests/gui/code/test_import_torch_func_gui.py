"""A snippet written with torch.func (jacrev, vjp) and forward-mode AD, imported in the real
window through File → Import PyTorch code…: each transform is the call whose numbers it is,
its section shows torch's answer, and the Jacobian lens opens on it (J checked against the
jacobian's and the vjp's answers; forward mode's J is the one its Jv comes from)."""

from __future__ import annotations

import torch
from test_import_jacobian_gui import import_through_the_menu

from engine.calls import FUNCTIONAL, JACOBIAN
from engine.format import preview

SNIPPET = """import torch
import torch.autograd.forward_ad as fwAD
from torch.func import jacrev, vjp
def f(x):
    return x.sin() * x
x = torch.tensor([0.5, 1.0, 2.0])
J = jacrev(f)(x)
out, pull = vjp(f, x)
(g,) = pull(torch.tensor([1.0, -1.0, 0.5]))
with fwAD.dual_level():
    d = fwAD.make_dual(x, torch.tensor([0.0, 1.0, 0.0]))
    tangent = fwAD.unpack_dual(f(d)).tangent
"""


def test_torch_func_calls_open_in_the_panel_and_the_lens(qtbot, window, monkeypatch):
    import_through_the_menu(qtbot, window, monkeypatch, SNIPPET)
    kinds = [(c.kind, c.function) for c in window.doc.calls[:3]]
    assert kinds == [(JACOBIAN, ""), (FUNCTIONAL, "vjp"), (FUNCTIONAL, "jvp")]
    x = torch.tensor([0.5, 1.0, 2.0])

    def f(t: torch.Tensor) -> torch.Tensor:
        return t.sin() * t

    j = torch.func.jacrev(f)(x)
    out, pull = torch.func.vjp(f, x)
    (g,) = pull(torch.tensor([1.0, -1.0, 0.5]))
    _, jv = torch.func.jvp(f, (x,), (torch.tensor([0.0, 1.0, 0.0]),))
    jacobian_section, vjp_section, jvp_section = window.program.sections[:3]
    assert jacobian_section.heading_text.startswith(
        "call 1: torch.autograd.functional.jacobian(")
    assert vjp_section.result.text().startswith(
        f"returns (f(inputs) = {preview(out)}, vᵀJ = ({preview(g)},))")
    assert jvp_section.result.text().startswith("returns (f(inputs) = ")
    assert f"Jv = {preview(jv)}" in jvp_section.result.text()
    lens = window.jacobian
    window.chart.pick(0)
    assert lens.lens.call == 0 and lens.check_text.endswith("✓"), lens.check_text
    assert torch.allclose(torch.tensor(lens.matrix()), j)
    window.chart.pick(1)
    assert lens.lens.call == 1 and lens.check_text.endswith("✓"), lens.check_text
    assert torch.allclose(lens.lens.vjp, g)
    window.chart.pick(2)  # forward mode's jvp: the lens shows the J that Jv is made from
    assert lens.lens.call == 2 and torch.allclose(torch.tensor(lens.matrix()), j)
    assert torch.allclose(j @ torch.tensor([0.0, 1.0, 0.0]), jv)
