"""The lens in the window with several calls: the first backward call's J by default, the
call the chart shows once one is picked there; its check names what it compared with."""

from __future__ import annotations

import torch

from tests.gui.replay.test_animation import open_window


def test_lens_follows_the_call_picked_on_the_chart(qtbot):
    win = open_window(qtbot, "tour_13_grad_vs_backward")
    try:
        lens = win.jacobian
        x = torch.tensor([1.5, -0.5, 0.25], requires_grad=True)
        (answer,) = torch.autograd.grad((x * x).sum(), x)
        assert lens.lens.call == 1  # the first backward call: call 2
        assert lens.check_text == "vᵀJ = call 2's own share of .grad  ✓"
        win.chart.pick(0)  # the autograd.grad call
        assert lens.lens.call == 0
        assert lens.lens.vjp.tolist() == answer.tolist()
        assert lens.check_text == "vᵀJ = what call 1's autograd.grad returned  ✓"
        assert lens.status_text.startswith("call 1: torch.autograd.grad([loss], [x]")
    finally:
        win.runner.shutdown()


def test_tour_12_lens_checks_call_1(qtbot):
    win = open_window(qtbot, "tour_12_retain_graph_error")
    try:
        lens = win.jacobian
        x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        assert lens.lens.vjp.tolist() == x.grad.tolist()
        assert lens.check_text == "vᵀJ = call 1's own share of .grad  ✓"
        win.chart.pick(1)  # the call that raised: its J and v, nothing to compare
        assert lens.lens.call == 1 and lens.check_text == ""
        assert "call 2 raised RuntimeError" in lens.status_text
    finally:
        win.runner.shutdown()
