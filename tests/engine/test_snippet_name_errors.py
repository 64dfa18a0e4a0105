"""A sketch that names what it never defines (`model`, `epochs()`, `loader`) raises Python's
NameError where the script reaches the name, after the statements before it ran, as plain
Python does; a Python builtin outside the computation (`open`) is still refused up front."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    "loop_over_an_undefined_call": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 2).sum()
y.backward()
for epoch in epochs():
    pass
""",
    "undefined_model_after_a_backward": """import torch
w = torch.tensor([3.0], requires_grad=True)
(w * w).sum().backward()
out = model(w)
""",
    "name_used_before_it_is_assigned": """import torch
a = torch.ones(2, requires_grad=True)
b = a * later
later = 2.0
""",
}
# id() tells the same object apart from another, as Python's does (a layer used twice)
SHARED = """import torch
from torch import nn
torch.manual_seed(0)
linear = nn.Linear(1, 1, bias=False)
net = nn.Sequential(linear, linear)
same = id(net[0].weight) == id(net[1].weight)
other = id(net[0]) == id(nn.Linear(1, 1))
if same and not other:
    y = net(torch.ones(1, 1)).sum()
    y.backward()
w = net[0].weight
"""


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", SNIPPETS)
def test_read_as_plain_python_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])
    assert reference[name]["error"]["type"] == "NameError"


def test_id_tells_the_same_object_apart() -> None:
    theirs = by_name({"shared": SHARED})["shared"]
    assert theirs["grads"]["w"] is not None
    assert agrees(engine_side(SHARED), theirs) is None


def test_a_builtin_outside_the_computation_is_still_refused() -> None:
    ours = engine_side("import torch\nx = torch.ones(2)\nf = open('data.txt')\n")
    assert ours["refused"].startswith("line 3, column 5: name 'open' is not defined in the "
                                      "snippet")


def test_code_run_from_text_is_refused_saying_what_it_does() -> None:
    ours = engine_side("import torch\nx = torch.ones(2, requires_grad=True)\n"
                       "y = eval('torch.' + 'sin(x)')\n")
    assert ours["refused"].startswith("line 3, column 5: name 'eval' is not defined in the "
                                      "snippet: eval() runs a text as Python code, outside "
                                      "the computation Gradflow reads")
