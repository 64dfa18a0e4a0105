"""`y = (x > 0).float` without the call: Python binds the method itself, and torch fails
only later, where a tensor is needed (in the loss: 'builtin_function_or_method' object has
no attribute 'size'). The importer holds the method (called later, it is the call), but
cannot follow it into every consumer with torch's words: where a tensor is needed it
refuses, naming the line that holds the method and what is read instead."""

from __future__ import annotations

from test_corpus import agrees, engine_side
from torch_reference import by_name

UNCALLED = """import torch
import torch.nn as nn
torch.manual_seed(1)
x = torch.randn(8, 1)
y = (x > 0).float
model = nn.Linear(1, 1)
weight, bias = model.weight, model.bias
loss = nn.BCEWithLogitsLoss()(model(x), y)
loss.backward()
"""


def test_torch_fails_later_and_the_importer_names_the_line_that_causes_it() -> None:
    theirs = by_name({"uncalled": UNCALLED})["uncalled"]
    assert theirs["error"] == {"type": "AttributeError", "message":
                               "'builtin_function_or_method' object has no attribute 'size'"}
    message = engine_side(UNCALLED)["refused"]
    assert message.startswith("line 5, column 5: (x > 0).float without () is the method "
                              "itself, not a tensor")
    assert message.endswith("Gradflow reads the call, .float()")


def test_with_the_call_the_same_snippet_reads_as_torch_runs_it() -> None:
    called = UNCALLED.replace(".float\n", ".float()\n")
    theirs = by_name({"called": called})["called"]
    ours = engine_side(called)
    assert theirs["error"] is None and set(theirs["grads"]) == {"weight", "bias"}
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
