"""Shared by the lens and chart legibility tests: the four examples a new user looked at, their
Jacobians and grads in plain torch, the first-start window at a given screen size, and how to
read a number back off a label to the precision it shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import torch
from PySide6.QtCore import QRect

from engine.examples import example_path
from engine.fileformat import load

SCREENS = [(1366, 768), (1920, 1080)]


@dataclass
class Reference:
    """outputs = f(*leaves) in plain torch, the seed v, and the leaves' names in order."""

    names: list[str]
    leaves: list[torch.Tensor]
    f: Callable[..., torch.Tensor]
    v: torch.Tensor

    def jacobian(self) -> torch.Tensor:
        """J as the lens lays it out: output elements × (leaf elements, leaf after leaf)."""
        parts = torch.autograd.functional.jacobian(self.f, tuple(self.leaves))
        rows = self.f(*self.leaves).numel()
        return torch.cat([p.reshape(rows, -1) for p in parts], dim=1)

    def grads(self) -> dict[str, list[float]]:
        """The leaves' .grad after out.backward(gradient=v), flattened."""
        leaves = [t.clone().requires_grad_(True) for t in self.leaves]
        self.f(*leaves).backward(self.v.reshape(self.f(*self.leaves).shape))
        return {n: t.grad.reshape(-1).tolist() for n, t in zip(self.names, leaves, strict=True)}


def _linear(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return w @ torch.tensor([1.0, 2.0, 3.0]) + b


EXAMPLES = {
    "tour_06_softmax_jacobian": Reference(
        ["z"], [torch.tensor([1.0, 2.0, 0.5])], lambda z: torch.softmax(z, dim=-1),
        torch.tensor([0.0, 1.0, 0.0])),
    "tour_07_linear_layer": Reference(
        ["W", "b"], [torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]),
                     torch.tensor([0.1, -0.2])], _linear, torch.tensor([1.0, -2.0])),
    "tour_08_broadcasting": Reference(
        ["x", "s"], [torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
                     torch.tensor([0.5, 1.0, 2.0])], lambda x, s: x * s, torch.ones(6)),
    "seed_3_tensor_loss_with_gradient": Reference(
        ["x"], [torch.tensor([2.0, 3.0])], lambda x: x * x, torch.tensor([1.0, 0.5])),
}


def open_window(qtbot, monkeypatch, stem: str, screen: tuple[int, int]):
    """The app's first-start window for `stem` as it lays itself out on a `screen`-sized
    display (the offscreen platform has one fixed screen, so its size is what we replace)."""
    from gui.main_window import MainWindow

    class Screen:
        def availableGeometry(self) -> QRect:  # noqa: N802
            return QRect(0, 0, *screen)

    monkeypatch.setattr(MainWindow, "screen", lambda self: Screen())
    win = MainWindow(load(example_path(stem)))
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    qtbot.wait(20)
    return win


def shown(text: str) -> Decimal:
    """A label's number as written (a typographic minus read as '-')."""
    return Decimal(text.replace("\u2212", "-").replace("⚠ ", ""))


def assert_shows(text: str, expected: float) -> None:
    """`text` is `expected` to the digits it shows, sign included."""
    value = shown(text)
    last_digit = Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
    assert abs(float(value) - expected) <= float(last_digit) / 2 + 1e-6 * abs(expected), \
        (text, expected)
    if expected < 0:
        assert text[0] in "−-", (text, expected)
