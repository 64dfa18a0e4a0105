"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`sys.stdout.write(...)` and `sys.stdout.flush()` on a line of their own are prints without the
newline (an RNN tutorial writes its predicted string so); sys used otherwise stays refused."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'the_console_written_to_directly': """import sys
import torch
torch.manual_seed(0)
chars = ['h', 'i', 'e', 'l', 'o']
w = torch.randn(5, 5, requires_grad=True)
x = torch.eye(5)[[0, 1, 0, 2, 3]]
logits = x @ w
loss = torch.nn.functional.cross_entropy(logits, torch.tensor([1, 0, 2, 3, 3]))
loss.backward()
_, idx = logits.max(1)
sys.stdout.write("predicted string: ")
for i in idx:
    sys.stdout.write(chars[i.item()])
sys.stdout.flush()
print(", epoch: 1, loss: %1.3f" % loss.item())
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["the_console_written_to_directly"]["grads"]["w"][0] != [0.0] * 5


def test_sys_used_otherwise_is_refused() -> None:
    refused = engine_side("import sys\nimport torch\nsys.exit(0)\n")["refused"]
    assert "the interpreter itself (sys" in refused
