"""More torch functions and nn modules learners use, read as registry ops with torch's own
backward and compared with plain torch in a subprocess on the grads of the snippet's leaves,
over several shapes and options: F.cosine_similarity / torch.cosine_similarity and
nn.CosineSimilarity; F.kl_div and nn.KLDivLoss (each reduction, log_target, a target that
requires grad); F.pad in constant mode (negative counts too); nn.LayerNorm (its weight and
bias leaves, compared with the same lines run by torch here) and F.layer_norm. What torch
refuses is said in its words, and the modes not read are refused by name. torch.einsum of
one to three tensors (several equations, the list form)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.explain import explain
from engine.format import preview
from engine.run import run
from engine.snippets.reader import import_snippet

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

SNIPPETS = {
    # rows of a batch against one vector, and two batches along dim=1 (the default)
    "cosine_rows_against_a_vector": HEAD + """
a = torch.tensor([[1.0, 2.0, 2.0], [0.5, -1.0, 3.0]], requires_grad=True)
b = torch.tensor([0.3, -0.7, 1.1], requires_grad=True)
s = F.cosine_similarity(a, b, dim=-1)
(s * torch.tensor([1.0, -2.0])).sum().backward()
""",
    "cosine_default_dim_and_eps": HEAD + """
x = torch.tensor([[1.0, 0.0], [3.0, 4.0], [0.0, 0.0]], requires_grad=True)
y = torch.tensor([[2.0, 1.0], [-1.0, 2.0], [1.0, 1.0]], requires_grad=True)
s = F.cosine_similarity(x, y, 1, 1e-3) + torch.cosine_similarity(x, y)
s.pow(2).sum().backward()
""",
    "cosine_broadcast_pairs": HEAD + """
u = torch.tensor([[[1.0, 2.0, 0.5, -1.0]], [[0.2, 0.1, 0.9, 0.4]]], requires_grad=True)
v = torch.tensor([[0.5, 0.5, 0.5, 0.5], [1.0, -1.0, 2.0, 0.0], [3.0, 1.0, 0.0, 1.0]],
                 requires_grad=True)
sim = F.cosine_similarity(u, v, dim=2)
loss = (sim * torch.arange(6.0).reshape(2, 3)).sum()
loss.backward()
""",
    "cosine_module": HEAD + """
cos = nn.CosineSimilarity(dim=0, eps=1e-6)
p = torch.tensor([[1.0, 2.0], [3.0, -4.0], [0.5, 0.5]], requires_grad=True)
q = torch.tensor([[2.0, 2.0], [1.0, 0.0], [-1.0, 1.0]])
cos(p, q).sum().backward()
loss = (1 - nn.CosineSimilarity()(p, q * 2)).mean()
loss.backward()
""",
    # the usual distillation form: log-probabilities against probabilities, batchmean
    "kl_div_batchmean_of_log_softmax": HEAD + """
logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]], requires_grad=True)
target = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
loss = F.kl_div(F.log_softmax(logits, dim=1), target, reduction="batchmean")
loss.backward()
""",
    # torch's default reduction='mean' (it warns; the numbers are what it computes)
    "kl_div_module_default_and_sum": HEAD + """
x = torch.tensor([[-1.2, -0.4], [-0.7, -2.0], [-0.1, -3.0]], requires_grad=True)
t = torch.tensor([[0.3, 0.7], [0.5, 0.5], [0.9, 0.1]], requires_grad=True)
loss = nn.KLDivLoss()(x, t) + nn.KLDivLoss(reduction="sum")(x * 2, t)
loss.backward()
""",
    "kl_div_log_target_none": HEAD + """
p = torch.tensor([[-0.5, -1.5, -2.0]], requires_grad=True)
q = torch.log(torch.tensor([[0.25, 0.25, 0.5]])).requires_grad_()
terms = F.kl_div(p, q, reduction="none", log_target=True)
terms.backward(torch.tensor([[1.0, 2.0, 3.0]]))
m = nn.KLDivLoss(reduction="batchmean", log_target=True)(p, q)
m.backward()
""",
    "pad_last_dim_and_two_dims": HEAD + """
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
a = F.pad(x, (1, 2))
b = F.pad(x, [0, 1, 2, 0], "constant", 0.5)
c = F.pad(x, pad=(1, 1, 1, 1), mode="constant", value=-1.0)
(a * torch.arange(12.0).reshape(2, 6)).sum().backward(retain_graph=True)
(b.pow(2).sum() + c.exp().sum()).backward()
""",
    # a negative count cuts: the cut places get no gradient
    "pad_negative_crops_a_batch": HEAD + """
img = torch.arange(24.0).reshape(2, 3, 4).requires_grad_()
inner = F.pad(img, (-1, -1, 0, -1))
border = F.pad(inner, (2, 0), value=3.0)
(border * border).mean().backward()
""",
    "layer_norm_functional_forms": HEAD + """
x = torch.tensor([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]], requires_grad=True)
w = torch.tensor([1.5, -0.5, 0.8], requires_grad=True)
b = torch.tensor([0.1, 0.0, -0.3], requires_grad=True)
y = F.layer_norm(x, (3,), w, b) + F.layer_norm(x, [3], eps=1e-2) + F.layer_norm(x, (3,), weight=w)
(y * torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])).sum().backward()
""",
    "layer_norm_module_2d_shape": HEAD + """
torch.manual_seed(0)
x = torch.randn(2, 2, 3, requires_grad=True)
ln = nn.LayerNorm([2, 3], eps=1e-4)
z = ln(x)
(z * torch.arange(12.0).reshape(2, 2, 3)).sum().backward()
""",
    "layer_norm_without_affine_in_a_sequential": HEAD + """
torch.manual_seed(3)
net = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4, elementwise_affine=False), nn.Tanh())
x = torch.randn(5, 3, requires_grad=True)
net(x).pow(2).mean().backward()
""",
    "einsum_products": HEAD + """
a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
b = torch.tensor([[0.5, -1.0], [2.0, 0.0], [1.0, 3.0]], requires_grad=True)
v = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
m = torch.einsum("ij,jk->ik", a, b)
d = torch.einsum("i,i->", v, v)
o = torch.einsum("i,j->ij", v, v)
r = torch.einsum("ij,j->i", [a, v])
(m.sum() * 2 + d + (o * o).sum() + r.pow(2).sum()).backward()
""",
    "einsum_batched_and_elementwise": HEAD + """
torch.manual_seed(0)
q = torch.randn(2, 3, 4, requires_grad=True)
k = torch.randn(2, 5, 4, requires_grad=True)
scores = torch.einsum("bqd,bkd->bqk", q, k) / 2.0
both = torch.einsum("bqd,bqd->bqd", q, q)
(scores.softmax(dim=-1)[:, :, 0].sum() + both.mean()).backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # torch's
@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_matches_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert reference[name]["error"] is None, reference[name]["error"]
    assert reference[name]["grads"] and all(g is not None
                                            for g in reference[name]["grads"].values())
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


ERRORS = {
    # a vector has no dim 1: torch's IndexError
    "cosine_of_vectors_default_dim": HEAD + """
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
s = F.cosine_similarity(a, torch.tensor([1.0, 0.0, 1.0]))
s.backward()
""",
    "cosine_sizes_differ": HEAD + """
a = torch.ones(2, 3, requires_grad=True)
s = nn.CosineSimilarity()(a, torch.ones(2, 4))
s.sum().backward()
""",
    "kl_div_sizes_differ": HEAD + """
x = torch.zeros(2, 3, requires_grad=True)
loss = F.kl_div(x, torch.full((2, 4), 0.25), reduction="sum")
loss.backward()
""",
    "pad_odd_length": HEAD + """
x = torch.ones(2, 3, requires_grad=True)
y = F.pad(x, (1, 2, 3))
y.sum().backward()
""",
    "pad_longer_than_the_dims": HEAD + """
x = torch.ones(3, requires_grad=True)
y = F.pad(x, [1, 1, 1, 1])
y.sum().backward()
""",
    "pad_mode_torch_does_not_know": HEAD + """
x = torch.ones(1, 2, 3, requires_grad=True)
y = F.pad(x, (1, 1), mode="mirror")
y.sum().backward()
""",
    "layer_norm_shape_not_at_the_end": HEAD + """
x = torch.ones(2, 3, requires_grad=True)
y = nn.LayerNorm(2)(x)
y.sum().backward()
""",
    "layer_norm_shape_as_an_int": HEAD + """
x = torch.ones(2, 3, requires_grad=True)
y = F.layer_norm(x, 3)
y.sum().backward()
""",
    "layer_norm_weight_of_another_shape": HEAD + """
x = torch.ones(2, 3, requires_grad=True)
y = F.layer_norm(x, (3,), torch.ones(4))
y.sum().backward()
""",
    "einsum_sizes_differ": HEAD + """
a = torch.ones(2, 3, requires_grad=True)
y = torch.einsum("ij,jk->ik", a, torch.ones(4, 2))
y.sum().backward()
""",
    "einsum_equation_of_three": HEAD + """
a = torch.ones(2, 3, requires_grad=True)
y = torch.einsum("ij,jk,kl->il", a, torch.ones(3, 2))
y.sum().backward()
""",
}


@pytest.fixture(scope="module")
def refused_by_torch() -> dict[str, dict[str, Any]]:
    return by_name(ERRORS)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_what_torch_refuses_is_said_in_its_words(
        name: str, refused_by_torch: dict[str, dict[str, Any]]) -> None:
    theirs = refused_by_torch[name]
    assert theirs["error"] is not None
    ours = engine_side(ERRORS[name])
    assert "refused" not in ours, ours
    assert ours["error"] is not None, ours
    assert (ours["error"]["type"], ours["error"]["message"]) == (
        theirs["error"]["type"], theirs["error"]["message"])


def _explained(code: str, op: str) -> list[str]:
    doc = import_snippet(code)
    result = run(doc)
    node = next(n for n in doc.nodes() if n.op == op)
    return [line.text for line in explain(doc, result, node.id)]


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_explains_the_rule_of_its_target_form(log_target: bool) -> None:
    """The words and formula follow log_target, and the numbers after the last `=` are
    torch's own gradient."""
    x = torch.tensor([[-1.2, -0.4], [-0.7, -2.0]], requires_grad=True)
    t = torch.tensor([[0.3, 0.7], [0.5, 0.5]], requires_grad=True)
    torch.nn.functional.kl_div(x, t, reduction="sum", log_target=log_target).backward()
    texts = _explained(HEAD + f"""
x = torch.tensor([[-1.2, -0.4], [-0.7, -2.0]], requires_grad=True)
t = torch.tensor([[0.3, 0.7], [0.5, 0.5]], requires_grad=True)
loss = F.kl_div(x, t, reduction="sum", log_target={log_target})
loss.backward()
""", "kl_div")
    assert ("  = −grad_out · exp(t) / n" in texts) is log_target
    assert ("  = −grad_out · t / n" in texts) is not log_target
    assert f"  = {preview(x.grad)}" in texts and f"  = {preview(t.grad)}" in texts


def test_cosine_similarity_explains_both_vectors() -> None:
    a = torch.tensor([[1.0, 2.0]], requires_grad=True)
    b = torch.tensor([[3.0, 1.0]], requires_grad=True)
    torch.nn.functional.cosine_similarity(a, b).sum().backward()
    texts = _explained(HEAD + """
a = torch.tensor([[1.0, 2.0]], requires_grad=True)
b = torch.tensor([[3.0, 1.0]], requires_grad=True)
F.cosine_similarity(a, b).sum().backward()
""", "cosine_similarity")
    assert any("· (b / (‖a‖·‖b‖) − " in t for t in texts)
    assert any("· (a / (‖a‖·‖b‖) − " in t for t in texts)
    assert f"  = {preview(a.grad)}" in texts and f"  = {preview(b.grad)}" in texts


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_other_than_constant_are_refused_by_name(mode: str) -> None:
    ours = engine_side(HEAD + f"""
x = torch.arange(6.0).reshape(1, 2, 3).requires_grad_()
y = F.pad(x, (1, 1), mode="{mode}")
y.sum().backward()
""")
    assert ours.get("refused", "").endswith(
        "F.pad is read in mode='constant' only; its modes 'reflect', 'replicate', 'circular' "
        "are not read"), ours


@pytest.mark.parametrize(("options", "named"), [
    ("4", ["ln_bias", "ln_weight"]), ("4, bias=False", ["ln_weight"]),
    ("4, elementwise_affine=False", [])])
def test_layer_norm_parameters_are_leaves_named_by_torch(options: str,
                                                         named: list[str]) -> None:
    """ln.weight and ln.bias are the leaves ln_weight and ln_bias (not names of the script,
    so compared here with the same lines run by torch); the ones torch leaves out are none."""
    code = HEAD + f"""
torch.manual_seed(1)
x = torch.randn(3, 4, requires_grad=True)
ln = nn.LayerNorm({options})
y = ln(x * 2.0)
(y * torch.arange(12.0).reshape(3, 4)).sum().backward()
"""
    ours = engine_side(code)["grads"]
    torch.manual_seed(1)
    x = torch.randn(3, 4, requires_grad=True)
    ln = eval(f"torch.nn.LayerNorm({options})")  # noqa: S307 - the test's own text
    (ln(x * 2.0) * torch.arange(12.0).reshape(3, 4)).sum().backward()
    assert sorted(k for k in ours if k.startswith("ln_")) == named
    assert torch.allclose(torch.tensor(ours["x"]), x.grad, atol=1e-6)
    for name, param in ln.named_parameters():
        assert param.grad is not None
        assert torch.allclose(torch.tensor(ours[f"ln_{name}"]), param.grad, atol=1e-6), name


@pytest.mark.parametrize("call", [
    'torch.einsum("ii->", a)', 'torch.einsum("ij->ji", a * 2)', 'torch.einsum("ii->i", a)',
    'torch.einsum("ij,jk,kl->il", a, a.exp(), a)', 'torch.einsum("i,ij,j->", v, a, v)',
    'torch.einsum("bi,ij,jk->bk", [v.reshape(1, 3), a, a.sin()])'])
def test_einsum_of_one_or_three_tensors_agrees_with_plain_torch(call: str) -> None:
    code = HEAD + f"""torch.manual_seed(0)
a = torch.randn(3, 3, requires_grad=True)
v = torch.randn(3, requires_grad=True)
y = {call}
(y * y).sum().backward()
"""
    (theirs,) = by_name({"einsum": code}).values()
    ours = engine_side(code)
    assert theirs["error"] is None and agrees(ours, theirs) is None, agrees(ours, theirs)
    assert any(v != 0 for row in theirs["grads"]["a"] for v in row)


def test_einsum_of_four_tensors_is_refused_with_what_to_write() -> None:
    ours = engine_side(HEAD + """
a = torch.eye(3, requires_grad=True)
y = torch.einsum("ij,jk,kl,lm->im", a, a, a, a)
y.sum().backward()
""")
    assert "torch.einsum is read with one to three tensors, not 4" in ours.get("refused", ""), ours
