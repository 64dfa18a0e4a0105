"""Updates torch refuses on a leaf that requires grad (`c[:] += 1`, `c.index_copy_(...)`,
`torch.add(c, 1, out=c)`) raise torch's own words at their line, and a backward seeded with a
tensor of the graph (`y.backward(y)`) takes its numbers, each compared with plain torch run in
a subprocess."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

H = "import torch\ntorch.manual_seed(0)\nc = torch.randn(2, 3, requires_grad=True)\n"
SNIPPETS = {
    "slice_update_of_a_leaf": H + "c[:] += 1\n",
    "int_update_of_a_leaf": H + "c[0] -= c[1]\n",
    "mask_update_of_a_leaf": H + "c[c > 0] *= 2\n",
    "list_update_of_a_leaf": H + "c[[0, 1]] += 1\n",
    "slice_update_under_no_grad_then_backward": H + """with torch.no_grad():
    c[:, 0] += 1
(c * c).sum().backward()
""",
    "index_copy_on_a_leaf": H + "c.index_copy_(1, torch.tensor([0]), torch.randn(2, 1))\n",
    "clamp_on_a_leaf_caught_then_backward": H + """try:
    c.clamp_(0, 1)
except RuntimeError as e:
    print(e)
c.exp().sum().backward()
""",
    "out_argument_with_grad": H + "torch.add(c, 1, out=c)\n",
    "out_alias_with_grad": H + "torch.multiply(c, 2, out=torch.empty(2, 3))\n",
    "out_caught_then_backward": H + """try:
    torch.sigmoid(c, out=torch.empty(2, 3))
except RuntimeError:
    pass
torch.sigmoid(c).sum().backward()
""",
    "seed_is_the_output_itself": H + """y = c * 3 + 1
y.backward(y)
""",
    "seed_computed_from_another_branch": H + """y = c.sin()
z = c.cos()
torch.autograd.backward([y], grad_tensors=[z * 2])
""",
}


reference, test_matches_plain_torch = agreement_tests(SNIPPETS)


def test_the_errors_are_torchs_and_differ(reference: dict[str, dict[str, Any]]) -> None:
    view = reference["slice_update_of_a_leaf"]["error"]["message"]
    mask = reference["mask_update_of_a_leaf"]["error"]["message"]
    assert view.startswith("a view of a leaf Variable") and mask.startswith("a leaf Variable")
    out = reference["out_alias_with_grad"]["error"]["message"]
    assert out.startswith("mul(): functions with out=... arguments")
    assert reference["seed_is_the_output_itself"]["grads"]["c"] is not None


def test_out_argument_without_grad_is_refused_with_what_to_write() -> None:
    ours = engine_side("import torch\na = torch.ones(3)\ntorch.exp(a, out=a)\n")
    message = ours.get("refused", "")
    assert message.startswith("line 3, column 14: ") and "result = torch.exp(...)" in message
