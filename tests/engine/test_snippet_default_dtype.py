"""`torch.set_default_dtype(torch.float64)` at the top of a course's notebook: every float tensor
made after it is float64 (creation calls, random draws, a layer's weights, integers promoted
by a division), each against plain torch in a subprocess. The numbers are chosen so float32
and float64 give other answers (16777217 is the first integer float32 cannot hold). The
switch lasts to the end of that reading only, and a run on another thread waits for it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

from engine.run import run
from engine.snippets.reader import import_snippet
from engine.torch_defaults import (
    DEFAULTS,
    restore_default_dtype,
    switch_default_dtype,
)

SNIPPETS = {
    'creation_after_the_switch': """import torch
torch.set_default_dtype(torch.float64)
x = torch.tensor([16777217.0, 3.0])
w = torch.ones(2, requires_grad=True)
y = ((x - 16777216.0) * w).sum()
y.backward()
print(w.grad, torch.get_default_dtype())
""",
    'layers_and_random_draws': """import torch
import torch.nn as nn
torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
X = torch.randn(5, 3) + 16777216.0
y = torch.rand(5, 1)
loss = nn.MSELoss()(model(X - 16777216.0), y)
loss.backward()
print(model[0].weight.grad.dtype)
""",
    'integers_divided_under_the_default': """import torch
torch.set_default_dtype(torch.float64)
k = torch.arange(4) + 16777216
w = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
third = k / 3 - 5592405
y = (w * third).sum() + (w * (k * 0.5)).sum()
y.backward()
print(w.grad, third.dtype)
""",
    'the_deprecated_tensor_type': """import torch
torch.set_default_tensor_type(torch.DoubleTensor)
x = torch.tensor([16777217.0, 0.2], requires_grad=True)
y = (x * x).sum()
y.backward()
print(x.grad, x.dtype)
""",
    'switched_back_to_float32': """import torch
torch.set_default_dtype(torch.float64)
a = torch.tensor([16777217.0], requires_grad=True)
torch.set_default_dtype(torch.float32)
b = torch.tensor([16777217.0], requires_grad=True)
((a - 16777216.0) * (b - 16777216.0 + 1)).sum().backward()
print(a.grad, b.grad, a.dtype, b.dtype)
""",
    'a_gradient_given_as_a_tensor': """import torch
torch.set_default_dtype(torch.float64)
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.backward(torch.tensor([0.1, 16777217.0]))
print(x.grad)
""",
    'an_integer_default_is_torchs_type_error': """import torch
torch.set_default_dtype(torch.int64)
x = torch.tensor([1.0], requires_grad=True)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_in_float64(reference: dict[str, dict[str, Any]]) -> None:
    assert reference["creation_after_the_switch"]["grads"]["w"] == [1.0, -16777213.0]
    assert reference["switched_back_to_float32"]["grads"]["a"] == [1.0]
    assert reference["a_gradient_given_as_a_tensor"]["grads"]["x"] == [
        pytest.approx(0.3, abs=1e-15), 50331651.0]
    assert "only floating-point types" in str(
        reference["an_integer_default_is_torchs_type_error"]["error"])


def test_the_numbers_are_float64_where_torch_makes_them_so() -> None:
    ours = engine_side(SNIPPETS["creation_after_the_switch"])
    assert ours["grads"]["w"] == [1.0, -16777213.0]  # float32 would hold 16777216: 0.0
    doc = import_snippet(SNIPPETS["integers_divided_under_the_default"])
    w = next(n for _, n in doc.graph.nodes(data="node") if n.name == "w")
    assert w.dtype == "float64"
    grads = run(doc).leaf_grads
    k = torch.arange(4, dtype=torch.float64) + 16777216
    assert grads[w.id].dtype == torch.float64
    assert torch.equal(grads[w.id], k / 3 - 5592405 + k * 0.5)
    assert "float tensors made after it are float64" in doc.description


def test_the_default_is_torchs_own_again_after_each_reading() -> None:
    for text in SNIPPETS.values():
        engine_side(text)
        assert torch.get_default_dtype() is torch.float32
    engine_side("import torch\ntorch.set_default_dtype(torch.float64)\nx = torch.nope(1)\n")
    assert torch.get_default_dtype() is torch.float32
    assert DEFAULTS.acquire(blocking=False)  # nothing holds it any more
    DEFAULTS.release()


def test_another_default_is_refused_by_name() -> None:
    refused = engine_side("import torch\ntorch.set_default_dtype(torch.float16)\n")["refused"]
    assert "is read with torch.float32 or torch.float64" in refused


def test_a_run_on_another_thread_waits_for_a_reading_under_its_own_default() -> None:
    doc = import_snippet("import torch\nk = torch.arange(3)\n"
                         "w = torch.ones(3, requires_grad=True)\n(w * (k / 3)).sum().backward()\n")
    holding, release = threading.Event(), threading.Event()
    dtypes: list[torch.dtype] = []

    def reading() -> None:
        switch_default_dtype(torch.float64)
        holding.set()
        release.wait(5)
        restore_default_dtype()

    def window_run() -> None:
        dtypes.extend(v.dtype for v in run(doc).values.values() if v.is_floating_point())

    reader = threading.Thread(target=reading)
    reader.start()
    holding.wait(5)
    runner = threading.Thread(target=window_run)
    runner.start()
    runner.join(0.3)  # it waits: had it run now, torch's default would make k / 3 float64
    release.set()
    reader.join(5)
    runner.join(5)
    assert dtypes and all(d is torch.float32 for d in dtypes)
    assert torch.get_default_dtype() is torch.float32
