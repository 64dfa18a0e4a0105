"""Forms met in unseen learner code, each against plain torch in a subprocess: weights tied
between two layers (`lm_head.weight = embedder.weight`, which was torch's TypeError for a
plain tensor); torch.div(1., t) and its kin with a number first; optimizer classes held as
values (a dict of them, functools.partial(torch.optim.SGD, momentum=0.9)) and called later;
a numpy integer array indexing a tensor that requires grad; a .grad updated with Python's
in-place operators (`a.grad /= len(X)` before optimizer.step(), `w.grad[0] += 10`), and
Python's TypeError where that .grad is None; `x0[0].data *= 0.0` on an element of a leaf or
of a tensor computed from one (a view sharing its memory);
`x.grad.data.set_(torch.Tensor([0]))`, which leaves the .grad as it is (the new memory goes
to the tensor .data returned); `'x_np' not in locals()` and globals(); np.set_printoptions;
torch's other distributions on numbers (StudentT noise, Bernoulli labels, Categorical
draws and log_prob, Exponential's mean) drawn from the script's random stream, the draws
after them too; a function set as a tensor's own attribute and called (`result.back()`)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'weights_tied_between_embedding_and_head': """import torch
import torch.nn as nn
torch.manual_seed(0)
emb = nn.Embedding(10, 4)
head = nn.Linear(4, 10)
head.weight = emb.weight
ids = torch.tensor([[1, 2, 3]])
logits = head(emb(ids))
loss = nn.functional.cross_entropy(logits.transpose(1, 2), torch.tensor([[2, 3, 4]]))
loss.backward()
print(emb.weight.grad, head.bias.grad, head.weight is emb.weight)
print(sum(p.numel() for p in head.parameters()))
""",
    'torch_functions_with_a_number_first': """import torch
t = torch.tensor([2., 4.], requires_grad=True)
y = torch.div(1., 2 * t) + torch.sub(3, t) * torch.mul(2, t) + torch.pow(2, t) \\
    + torch.add(1, t, alpha=2) + torch.true_divide(1, t)
y.sum().backward()
print(y, t.grad)
""",
    'optimizer_classes_held_as_values': """import torch
from functools import partial

def train(opt_func, learning_rate, num_epochs=5):
    W = torch.tensor([[1.5, 1.0]], requires_grad=True)
    optimizer = opt_func([W], lr=learning_rate)
    for epoch in range(num_epochs):
        loss = torch.exp(-(W ** 2).sum(dim=1) / 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return W.detach(), loss.item()

opt_funcs = {
    "SGD": torch.optim.SGD,
    "SGD+Momentum": partial(torch.optim.SGD, momentum=0.9),
    "Adam": torch.optim.Adam,
}
for name in opt_funcs:
    print(name, train(opt_funcs[name], 0.1))
""",
    'a_numpy_index_into_a_tensor_requiring_grad': """import numpy as np
import torch
torch.manual_seed(42)
idx = np.arange(10)
x = torch.rand((10, 1))
w = torch.randn(1, requires_grad=True)
y = x * w
train_y = y[idx[:7]]
train_y.sum().backward()
print(w.grad)
""",
    # a FER Zagreb lab: the gradient of a sum made a mean by hand before the step
    'grads_divided_in_place_before_the_step': """import torch
import torch.optim as optim
torch.manual_seed(0)
a = torch.randn(1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
X = torch.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9])
Y = torch.tensor([3, 5, 7, 9, 11, 13, 15, 17, 19])
optimizer = optim.SGD([a, b], lr=1e-2)
for i in range(5):
    Y_ = a * X + b
    diff = (Y - Y_)
    loss = torch.sum(diff ** 2)
    loss.backward()
    a.grad /= len(X)
    b.grad /= len(X)
    optimizer.step()
    print(f'{i=}, {loss=}, {a=}, {b=}')
    with torch.no_grad():
        a_man_grad = -2 * torch.sum(diff * X) / len(X)
        print(a.grad - a_man_grad)
    optimizer.zero_grad()
""",
    'a_grad_updated_with_in_place_operators': """import torch
w = torch.ones(2, 3, requires_grad=True)
(w * 2).sum().backward()
w.grad *= 0.5
w.grad.data -= 3
w.grad[0] += 10
w.grad[1][2] **= 2
print(w.grad)
""",
    'a_none_grad_divided_in_place': """import torch
w = torch.ones(2, 3, requires_grad=True)
v = torch.ones(1, requires_grad=True)
v.sum().backward()
w.grad /= torch.tensor(3.)
""",
    # greydanus.github.io, the path of least action: the ends of a random path pinned
    'elements_changed_through_the_data_of_a_view': """import torch
torch.manual_seed(0)
x0 = 1.5 * torch.randn(5, requires_grad=True)
x0[0].data *= 0.0 ; x0[-1].data *= 0.0
x0[-1].data += 3.0
x = x0.clone()
g = torch.autograd.grad((x ** 2).sum(), x)[0]
w = torch.randn(4, requires_grad=True)
w[1:3].data *= -1
(w * x0[:4]).sum().backward()
print(x0, g, w.grad)
""",
    # an NYU lab: gradient descent by hand, the .grad reset with set_
    'a_grad_reset_with_set_': """import torch
x = torch.tensor([5.], requires_grad=True)
learning_rate = 0.1
x_values = []
for i in range(5):
    y = x ** 2
    y.backward()
    x.data.sub_(x.grad.data * learning_rate)
    x.grad.data.set_(torch.Tensor([0]))
    x_values.append(x.item())
y = 3 * x
y.backward()
print(x_values, x.grad)
""",
    'names_asked_of_locals_and_globals': """import numpy as np
import torch
np.set_printoptions(precision=3, suppress=True)
x = torch.tensor([1.0, 2.0], requires_grad=True)
if 'x_np' not in locals(): x_np = x.detach().numpy()
if 'y_np' in globals(): x = x * 100
def f(t):
    k = 2
    return sorted(locals().keys())
print(f(x), len(x_np))
(x * 2).sum().backward()
print(x.grad)
""",
    'distributions_of_numbers': """import torch
torch.manual_seed(0)
x = torch.rand(20)
noise = torch.distributions.studentT.StudentT(2.0).sample(x.shape)
labels = torch.distributions.Bernoulli(probs=torch.full((20,), 0.3)).sample()
cat = torch.distributions.Categorical(logits=torch.tensor([0.1, 0.5, 1.0]))
k = cat.sample((4,))
print(cat.log_prob(k), cat.entropy())
e = torch.distributions.Exponential(torch.tensor([2.0]))
print(e.mean, e.variance, e.sample())
w = torch.tensor(1.0, requires_grad=True)
loss = ((w * x + noise - labels) ** 2).mean()
loss.backward()
print(w.grad, torch.rand(2))
""",
    # Calvin cs344 lab: layers with a backward written by hand, kept on the tensors
    'a_function_kept_as_a_tensor_attribute': """import torch
x = torch.tensor([1., 2.], requires_grad=True)
class Lin:
    def forward(self, x):
        result = 3 * x
        def back():
            x.g = result.g * 3
        result.back = back
        return result
y = Lin().forward(x)
y.g = torch.ones(2)
y.back()
y.sum().backward()
print(x.g, x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    tied = reference["weights_tied_between_embedding_and_head"]["stdout"]
    assert "True\n50\n" in tied  # one weight (40) and the head's bias (10)
    assert reference["torch_functions_with_a_number_first"]["grads"]["t"][0] != 0
    assert reference["optimizer_classes_held_as_values"]["stdout"].count("\n") == 3
    assert reference["a_numpy_index_into_a_tensor_requiring_grad"]["grads"]["w"] != [0.0]
    assert reference["grads_divided_in_place_before_the_step"]["stdout"].count("i=") == 5
    assert reference["a_grad_updated_with_in_place_operators"]["grads"]["w"] == [
        [8.0, 8.0, 8.0], [-2.0, -2.0, 4.0]]
    # set_ on what .data returned gives that new tensor the zeros: the .grad keeps adding
    assert reference["a_grad_reset_with_set_"]["grads"]["x"][0] > 3.0
    assert reference["names_asked_of_locals_and_globals"]["grads"]["x"] == [2.0, 2.0]
    assert reference["distributions_of_numbers"]["grads"]["w"] != 0.0
    assert reference["a_function_kept_as_a_tensor_attribute"]["stdout"] == \
        "tensor([3., 3.]) tensor([3., 3.])\n"
    printed = reference["elements_changed_through_the_data_of_a_view"]["stdout"]
    assert printed.startswith("tensor([ 0.0000,") and "3.0000]" in printed
    assert reference["a_none_grad_divided_in_place"]["error"] == {
        "type": "TypeError",
        "message": "unsupported operand type(s) for /=: 'NoneType' and 'Tensor'"}
