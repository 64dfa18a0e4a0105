"""A seeded random family of PyTorch snippets over the op registry, for the import tests.

Every tensor variable of one snippet has the same shape (a scalar, a vector or a square
matrix), so any op can follow any other; the spelling of each op is drawn from the forms the
importer accepts (`a * b`, `torch.mul(a, b)`, `a.mul(b)`, `F.relu(a)`, ...).
"""

from __future__ import annotations

import random


def _number(rng: random.Random) -> str:
    return repr(round(rng.uniform(-2, 2), 2))


def _literal(rng: random.Random, shape: tuple[int, ...]) -> str:
    if not shape:
        return _number(rng)
    return "[" + ", ".join(_literal(rng, shape[1:]) for _ in range(shape[0])) + "]"


def _size(shape: tuple[int, ...]) -> str:
    return ", ".join(str(n) for n in shape) if shape else "()"


class _Snippet:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.shape: tuple[int, ...] = rng.choice([(), (3,), (4,), (2, 2), (3, 3)])
        self.dtype = rng.choice(["", "", "", ", dtype=torch.float64"])
        self.lines = ["import torch", "import torch.nn.functional as F", ""]
        self.vars: list[str] = []
        self.count = 0

    def new(self, prefix: str = "h") -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def leaf(self, name: str) -> None:
        rng, shape = self.rng, self.shape
        kind = rng.choice(["tensor", "tensor", "rand", "randn", "grad_later"])
        if kind == "tensor" or (kind != "tensor" and not shape):
            self.lines.append(f"{name} = torch.tensor({_literal(rng, shape)}{self.dtype}, "
                              "requires_grad=True)")
        elif kind == "grad_later":
            self.lines.append(f"{name} = torch.tensor({_literal(rng, shape)}{self.dtype})")
            self.lines.append(f"{name}.requires_grad_()")
        else:
            self.lines.append(f"torch.manual_seed({rng.randrange(1000)})")
            self.lines.append(f"{name} = torch.{kind}({_size(shape)}{self.dtype}, "
                              "requires_grad=True)")
        self.vars.append(name)

    def positive(self, a: str) -> str:
        return self.rng.choice([f"{a} * {a} + 1", f"torch.exp(torch.tanh({a}))",
                                f"torch.sigmoid({a}) + 0.5"])

    def step(self) -> None:
        rng = self.rng
        a, b = rng.choice(self.vars), rng.choice(self.vars)
        matrix = len(self.shape) == 2
        vector = len(self.shape) == 1
        choices = [
            f"{a} + {b}", f"{a} - {b}", f"{a} * {b}", f"torch.add({a}, {b})",
            f"{a}.sub({b})", f"torch.mul({a}, {b})", f"{a}.mul({b})",
            f"{a} / ({self.positive(b)})", f"torch.div({a}, {self.positive(b)})",
            f"{a} ** 2", f"{a}.pow(3)", f"torch.pow({self.positive(a)}, 0.5)",
            f"{_number(rng)} * {a}", f"{a} - {_number(rng)}", f"2 - {a}", f"-{a}",
            f"torch.exp(torch.tanh({a}))", f"torch.log({self.positive(a)})", f"torch.sin({a})",
            f"{a}.cos()", f"torch.tanh({a})", f"torch.sigmoid({a})", f"F.relu({a})",
            f"{a}.relu()", f"torch.sqrt({self.positive(a)})", f"torch.abs({a})",
            f"torch.square({a})", f"{a}.detach() * {b}", f"torch.neg({a})",
            f"torch.nn.functional.sigmoid({a})", f"{a} * {a}",
        ]
        if self.shape:
            choices += [f"torch.softmax({a}, dim=-1)", f"F.log_softmax({a}, dim=-1)",
                        f"{a}.softmax(-1)", f"{a}.view(-1).reshape({_size(self.shape)})"]
        if matrix:
            choices += [f"{a} @ {b}", f"torch.mm({a}, {b})", f"{a}.t()", f"{a}.T",
                        f"torch.matmul({a}, {b}.T)", f"torch.transpose({a}, 0, 1)",
                        f"{a}.sum(dim=0, keepdim=True) * {b}", f"torch.mean({a}, 1, True) + {b}"]
        if vector:
            choices += [f"torch.dot({a}, {b}) * {b}", f"{a}.t() + {b}", f"{a}.sum() * {b}"]
        name = self.new()
        self.lines.append(f"{name} = {rng.choice(choices)}")
        self.vars.append(name)

    def finish(self) -> None:
        rng = self.rng
        y = self.vars[-1]
        if self.shape and rng.random() < 0.35:
            target = _literal(rng, self.shape)
            kind = rng.choice(["mse", "bce", "ce"] if len(self.shape) == 2 else ["mse", "bce"])
            reduction = rng.choice(["", ", reduction='sum'", ", reduction='mean'"])
            if kind == "mse":
                self.lines.append(f"target = torch.tensor({target}{self.dtype})")
                self.lines.append(f"loss = F.mse_loss({y}, target{reduction})")
            elif kind == "bce":
                probs = _literal(rng, self.shape).replace("-", "")
                self.lines.append(f"target = torch.tensor({probs}{self.dtype}) / 2")
                self.lines.append(f"loss = F.binary_cross_entropy_with_logits({y}, target"
                                  f"{reduction})")
            else:
                classes = [rng.randrange(self.shape[1]) for _ in range(self.shape[0])]
                self.lines.append(f"labels = torch.tensor({classes})")
                self.lines.append(f"loss = F.cross_entropy({y}, labels{reduction})")
            y = "loss"
            scalar = True  # every reduction offered above gives a scalar
        else:
            scalar = not self.shape
        if rng.random() < 0.3 and self.shape and y != "loss":
            self.lines.append(f"total = {y}.sum()" if rng.random() < 0.5 else
                              f"total = torch.mean({y})")
            y, scalar = "total", True
        self._backward(y, scalar)
        self.lines.append("")
        for v in self.vars[: self.leaves]:
            self.lines.append(f"print({v}.grad)")

    def _backward(self, y: str, scalar: bool) -> None:
        rng = self.rng
        retain = rng.choice(["", "", ", retain_graph=True"])
        if scalar and rng.random() < 0.5:
            self.lines.append(f"{y}.backward({retain.lstrip(', ')})")
            return
        form = rng.choice(["method", "keyword", "autograd", "ones_like", "variable"])
        seed = "torch.ones_like({y})" if form == "ones_like" else (
            f"torch.tensor({_literal(rng, self.shape if not scalar else ())})")
        seed = seed.format(y=y)
        if form == "variable":
            self.lines.append(f"v = {seed}")
            seed = "v"
        if form == "autograd":
            self.lines.append(f"torch.autograd.backward({y}, grad_tensors={seed}{retain})")
        elif form == "method":
            self.lines.append(f"{y}.backward({seed}{retain})")
        else:
            self.lines.append(f"{y}.backward(gradient={seed}{retain})")

    leaves = 0


def make_snippet(seed: int) -> str:
    rng = random.Random(seed)
    s = _Snippet(rng)
    s.leaves = rng.randint(1, 3)
    for name in ("x", "w", "b")[: s.leaves]:
        s.leaf(name)
    s.lines.append("")
    for _ in range(rng.randint(2, 6)):
        s.step()
    s.finish()
    return "\n".join(s.lines) + "\n"
