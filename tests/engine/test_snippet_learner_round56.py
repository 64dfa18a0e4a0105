"""Forms met in unseen learner code, each against plain torch in a subprocess: gradcheck
inside print(), which runs the check (a float32 check with eps=1e-4 fails with torch's
GradcheckError there, as a learner's notes show on purpose); a dict keyed by parameters
(`{p: torch.zeros_like(p) for p in model.parameters()}`), a momentum optimizer written by
hand: Python hashes a tensor by identity, so each parameter keys its own buffer; a course
notebook's `try: import google.colab` to tell where it runs (ModuleNotFoundError here, so the
except branch); a context manager of the snippet's own (__enter__ registers forward hooks
that raise on a non-finite output, __exit__ removes them), its hooks counted by
len(m._forward_hooks)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'gradchecks_printed_the_float32_one_failing': """import torch
torch.manual_seed(0)

class Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        output = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        output, = ctx.saved_tensors
        return output * (1 - output) * grad_output

test_input = torch.randn(4, requires_grad=True, dtype=torch.float64)
print(torch.autograd.gradcheck(Sigmoid.apply, (test_input,), eps=1e-6))
test_input = torch.randn(4, requires_grad=True)
print(torch.autograd.gradcheck(torch.sigmoid, (test_input,), eps=1e-3))
print(torch.autograd.gradcheck(Sigmoid.apply, (test_input,), eps=1e-4))
print("not reached")
""",
    'momentum_buffers_in_a_dict_keyed_by_parameters': """import torch
torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
bufs = {p: torch.zeros_like(p) for p in model.parameters()}
names = {model.weight: "w", model.bias: "b"}
x = torch.tensor([[1.0, 2.0]])
for step in range(3):
    loss = (model(x) - 1).pow(2).sum()
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            bufs[p].mul_(0.9).add_(p.grad)
            p.sub_(0.1 * bufs[p])
for p, b in bufs.items():
    print(names[p], b)
print(model.weight, len(bufs), model.weight in bufs)
""",
    'a_colab_check_by_an_import_in_a_try': """try:
    import google.colab
    COLAB = True
except ImportError:
    COLAB = False
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * (3 if COLAB else 5)).sum().backward()
print(COLAB, x.grad)
""",
    'a_sentry_context_of_forward_hooks': """import torch
import torch.nn as nn
torch.manual_seed(0)

class Sentry:
    def __init__(self, model):
        self.model = model
        self.handles = []

    def __enter__(self):
        for name, m in self.model.named_modules():
            if isinstance(m, nn.Linear):
                self.handles.append(m.register_forward_hook(self._check(name)))
        return self

    @staticmethod
    def _check(name):
        def hook(module, args, output):
            bad = (~torch.isfinite(output)).sum().item()
            if bad:
                raise RuntimeError(f"layer {name}: {bad} values not finite")
        return hook

    def __exit__(self, *exc):
        for h in self.handles:
            h.remove()

net = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1))
with torch.no_grad():
    net[1].weight[0, 0] = float("inf")
x = torch.randn(2, 3)
try:
    with Sentry(net) as s:
        net(x)
except RuntimeError as e:
    print("caught:", e)
print(all(len(m._forward_hooks) == 0 for m in net.modules()), len(s.handles))
with torch.no_grad():
    net[1].weight[0, 0] = 1.0
with Sentry(net):
    loss = net(x).pow(2).sum()
loss.backward()
print(net[0].weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    checked = reference["gradchecks_printed_the_float32_one_failing"]
    assert checked["stdout"] == "True\nTrue\n"
    assert checked["error"]["type"] == "GradcheckError"
    keyed = reference["momentum_buffers_in_a_dict_keyed_by_parameters"]["stdout"]
    assert keyed.startswith("w tensor([[") and keyed.rstrip().endswith("2 True")
    assert reference["a_colab_check_by_an_import_in_a_try"]["stdout"] == \
        "False tensor([5., 5.])\n"
    assert reference["a_sentry_context_of_forward_hooks"]["stdout"].startswith(
        "caught: layer 1: 2 values not finite\nTrue 2\n")
