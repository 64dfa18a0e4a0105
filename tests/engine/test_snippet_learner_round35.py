"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`sys.stdout.write(...)` and `sys.stdout.flush()` on a line of their own are prints without the
newline (an RNN tutorial writes its predicted string so); sys used otherwise stays refused.
`with torch.autograd.profiler.profile() as prof:` (and record_function) times its body and
changes no number: the body is read, and the report may be printed only. A time stamp made
with datetime (`datetime.datetime.now().strftime(...)`, a book's printbar()) is shown only.
Two models trained side by side, each with its optimizer, both backward calls before both
steps (a tutorial comparing optimizers or dropout): the second step changes leaves whose graph
the backward went through already."""

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
    'the_autograd_profiler_around_a_backward': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.autograd.profiler.profile(record_shapes=True) as prof:
    with torch.autograd.profiler.record_function("forward"):
        y = (x * 2).sin()
    loss = y.sum()
    loss.backward()
print(prof.key_averages().table(sort_by="cpu_time_total"))
print(x.grad)
""",
    'a_time_stamp_printed_above_each_epoch': """import datetime
from datetime import datetime as dt
import torch
def printbar():
    nowtime = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print("\n" + "=" * 10 + "%s" % nowtime)
x = torch.tensor([1.0, 2.0], requires_grad=True)
for i in range(2):
    printbar()
    (x * x).sum().backward()
print(dt.now().isoformat()[:4], x.grad)
""",
    'two_models_each_with_its_optimizer': """import torch
torch.manual_seed(0)
x = torch.linspace(-1, 1, 8).unsqueeze(1)
y = x ** 2 + 0.1
nets = [torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
        for _ in range(2)]
opts = [torch.optim.SGD(nets[0].parameters(), lr=0.1),
        torch.optim.Adam(nets[1].parameters(), lr=0.01)]
for t in range(5):
    p0 = nets[0](x)
    p1 = nets[1](x)
    l0 = ((p0 - y) ** 2).mean()
    l1 = ((p1 - y) ** 2).mean()
    opts[0].zero_grad()
    opts[1].zero_grad()
    l0.backward()
    l1.backward()
    opts[0].step()
    opts[1].step()
print(l0.item(), l1.item())
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["the_console_written_to_directly"]["grads"]["w"][0] != [0.0] * 5
    assert reference["the_autograd_profiler_around_a_backward"]["grads"]["x"] != [0.0, 0.0]


def test_sys_used_otherwise_is_refused() -> None:
    refused = engine_side("import sys\nimport torch\nsys.exit(0)\n")["refused"]
    assert "the interpreter itself (sys" in refused


def test_a_profile_report_computed_with_is_refused() -> None:
    refused = engine_side("import torch\nx = torch.ones(2, requires_grad=True)\n"
                          "with torch.profiler.profile() as prof:\n"
                          "    (x * 2).sum().backward()\nt = prof.key_averages()\n")["refused"]
    assert refused.startswith("line 5") and "a profile's report is torch's timing" in refused


def test_datetime_beyond_its_clock_is_refused_saying_what_is_read() -> None:
    refused = engine_side("import datetime\nimport torch\n"
                          "d = datetime.timedelta(days=1)\n")["refused"]
    assert "datetime.timedelta is not supported; of datetime" in refused
