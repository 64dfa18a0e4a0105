"""A call torch refuses inside `try`/`except` (engine/snippets/caught.py): the script prints
torch's message and goes on, and so does the document's program. Each snippet is compared
with plain torch run in a subprocess: the grads after the last call and the error, if any."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

H = "import torch\ntorch.manual_seed(0)\n"
SNIPPETS = {
    "non_scalar_then_seeded": H + """x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
try:
    y.backward()
except Exception as e:
    print(e)
y.backward(gradient=torch.tensor([1.0, 1.0]))
""",
    "second_backward_caught_then_fresh_graph": H + """x = torch.randn(3, requires_grad=True)
y = (x * x).sum()
y.backward()
try:
    y.backward()
except RuntimeError as err:
    print("second call:", err)
z = (x ** 3).sum()
z.backward()
""",
    "calls_after_the_raise_never_happen": H + """w = torch.randn(2, 2, requires_grad=True)
out = w @ w
try:
    out.backward()
    out.sum().backward()
except RuntimeError:
    pass
else:
    print("not reached")
(w * 3).sum().backward()
""",
    "caught_in_the_first_try_only": H + """a = torch.tensor([1.0, 3.0], requires_grad=True)
b = a.sigmoid()
for k in range(3):
    try:
        (b * k).backward()
    except RuntimeError as e:
        print(k, e)
        b.sum().backward(retain_graph=True)
""",
    "handler_of_another_type_lets_it_through": H + """x = torch.ones(2, requires_grad=True)
y = x * 5
try:
    y.backward()
except TypeError:
    print("never")
print(x.grad)
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_caught_call_is_left_out_as_the_script_goes_on(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


def test_the_caught_calls_are_not_in_the_program(reference: dict[str, dict[str, Any]]) -> None:
    assert reference["calls_after_the_raise_never_happen"]["error"] is None
    ours = engine_side(SNIPPETS["calls_after_the_raise_never_happen"])
    assert [c["kind"] for c in ours["calls"]] == ["backward"]  # only (w * 3).sum()
    assert ours["grads"]["w"] == [[3.0, 3.0], [3.0, 3.0]]
    theirs = reference["handler_of_another_type_lets_it_through"]["error"]
    assert theirs["message"] == "grad can be implicitly created only for scalar outputs"


def test_a_backward_that_failed_half_way_is_refused_with_where_and_why() -> None:
    # torch leaves b.grad = [2, 2] and a.grad None here: part of the gradients accumulated
    ours = engine_side("""import torch
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0], requires_grad=True)
y = a.exp()
y.add_(1)
loss = (b * 2).sum() + y.sum()
try:
    loss.backward()
except RuntimeError as e:
    print(e)
""")
    message = ours.get("refused", "")
    assert message.startswith("line 8, column 5: ")
    assert "after changing some .grad or while it could have" in message
    assert "remove the try" in message
