"""Python's own modules as learners import them, read as plain Python runs them (in a
subprocess): `from math import pi, sqrt` binds math's names, and `time`'s clocks time a
training loop (no number of the computation depends on them; time.sleep waits for
nothing), `itertools.count` counts a loop until it breaks, float("inf") and overflow to inf
are Python's, str.format is Python's own (a field reaching into its value is refused), and a
keyword torch's function does not have is Python's TypeError where the script stops."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    "from_math_import_names": """import torch
from math import pi, sqrt, exp as e_to
x = torch.tensor([0.25, 2.0], requires_grad=True)
y = (torch.sin(x * pi) * sqrt(2) + x * e_to(1.0)).sum()
y.backward()
""",
    "a_loop_over_itertools_count": """import torch
from itertools import count
w = torch.tensor([1.0, -2.0], requires_grad=True)
for step in count(1):
    loss = (w ** 2).sum() * step
    loss.backward()
    with torch.no_grad():
        w -= 0.05 * w.grad
        w.grad.zero_()
    if loss.item() < 1.0:
        break
loss = (w ** 3).sum()
loss.backward()
""",
    "early_stopping_from_infinity": """import torch
torch.manual_seed(0)
w = torch.nn.Parameter(torch.randn(3))
x = torch.arange(1., 7.).reshape(2, 3)
best = float("inf")
patience = 0
for epoch in range(100):
    loss = ((x @ w) - 1).pow(2).mean()
    if loss.item() < best - 1e-4:
        best = loss.item()
        patience = 0
    else:
        patience += 1
        if patience > 3:
            break
    w.grad = None
    loss.backward()
    with torch.no_grad():
        w.sub_(0.01 * w.grad)
big = 1e308 * 10
z = (w * (big - big)).sum()
z.backward()
""",
    "str_format_of_numbers_and_tensors": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (x ** 2).sum()
loss.backward()
title = "loss={:.4f} step {} {name!r}".format(loss.item(), 3, name="a")
again = "{1} {0} {1}".format(2, 1)
assert again == "1 2 1"
shown = "{:.3f} / {}".format(loss, x.grad)
assert title == "loss=5.0000 step 3 'a'", title
assert shown == "5.000 / tensor([2., 4.])", shown
bad = "{:.3f}".format(x.grad)
""",
    "os_and_sys_imported_and_warnings_silenced": """import math, sys, os
import warnings
warnings.filterwarnings("ignore")
warnings.simplefilter("ignore", category=UserWarning)
import torch
x = torch.tensor([0.5, 1.0], requires_grad=True)
(torch.sin(x * math.pi)).sum().backward()
""",
    "a_keyword_backward_no_longer_has": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * 3).sum()
y.backward(retain_variables=True)
""",
    "a_timed_training_loop": """import time
import torch
from time import perf_counter
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
X = torch.randn(8, 3)
t0 = time.time()
start = perf_counter()
for step in range(5):
    loss = (X @ w - 1).pow(2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
    time.sleep(0.01)
print(f"took {time.time() - t0:.3f} s", perf_counter() - start >= 0)
loss = (X @ w - 1).pow(2).mean()
loss.backward()
""",
}


reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    import math

    grad = reference["from_math_import_names"]["grads"]["x"]
    want = [math.cos(v * math.pi) * math.pi * math.sqrt(2) + math.e for v in (0.25, 2.0)]
    assert grad == pytest.approx(want, rel=1e-6)
    assert reference["a_timed_training_loop"]["grads"]["w"] is not None
    assert reference["a_loop_over_itertools_count"]["grads"]["w"] is not None
    assert all(str(g) in ("NaN", "nan")  # inf - inf, as Python computes it
               for g in reference["early_stopping_from_infinity"]["every_leaf_grad"][0])
    assert reference["str_format_of_numbers_and_tensors"]["error"] == {
        "type": "TypeError", "message": "unsupported format string passed to Tensor.__format__"}
    assert reference["a_keyword_backward_no_longer_has"]["error"] == {
        "type": "TypeError",
        "message": "Tensor.backward() got an unexpected keyword argument 'retain_variables'"}


def test_a_format_field_that_reaches_into_its_value_is_refused() -> None:
    refused = engine_side("import torch\nx = torch.ones(2)\ns = '{0.grad}'.format(x)\n")
    assert "str.format with the field {0.grad} is not supported" in refused["refused"]


def test_a_use_of_os_is_refused_as_outside() -> None:
    refused = engine_side("import os\nimport torch\np = os.path.join('a', 'b')\n")["refused"]
    assert "os.path.join('a', 'b'): the operating system" in refused
    assert "outside the computation" in refused


def test_other_names_of_time_are_refused_by_name() -> None:
    refused = engine_side("import time\nimport torch\nt = time.localtime()\n")["refused"]
    assert "time.localtime is not supported" in refused
