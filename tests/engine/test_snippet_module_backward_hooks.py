"""nn.Module full backward hooks that return a new grad_input (`return
(grad_input[0].clamp(-0.05, 0.05),)`), read as plain torch runs them (in a subprocess): inside
a Sequential, on a layer whose input has other uses (only the gradient the module sends back
changes), a call of the module after the hook's remove(); the code written back gives the
same numbers; a hook reading grad_output, or changing a grad_input that is None, is refused
saying so."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import close
from torch_reference import by_name

from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet
from engine.snippets.safety import ImportError_

_NET = """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
x = torch.randn(5, 3)
"""

SNIPPETS = {
    "clipped_in_a_sequential": _NET + """def clip(module, grad_input, grad_output):
    return (grad_input[0].clamp(-0.05, 0.05),)
net[1].register_full_backward_hook(clip)
net(x).pow(2).sum().backward()
""",
    "halved_where_the_input_has_other_uses": """import torch
import torch.nn as nn
torch.manual_seed(1)
layer = nn.Linear(3, 3)
x = torch.randn(2, 3, requires_grad=True)
layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))
y = layer(x) + x * 2
(y ** 2).sum().backward()
""",
    "a_call_after_the_remove_is_not_hooked": """import torch
import torch.nn as nn
torch.manual_seed(2)
layer = nn.Linear(2, 2)
x = torch.randn(3, 2, requires_grad=True)
def scaled(module, grad_input, grad_output):
    k = 10.0
    return [grad_input[0] * k]
h = layer.register_full_backward_hook(scaled)
first = layer(x)
h.remove()
second = layer(x)
(first.sum() + second.pow(2).sum()).backward()
""",
}

reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_hooks_change_what_torch_computes(reference: dict[str, Any]) -> None:
    unhooked = by_name({name: _unhooked(code) for name, code in SNIPPETS.items()})
    for name in SNIPPETS:
        assert not _same_leaf_grads(reference[name], unhooked[name]), name


def _same_leaf_grads(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Every leaf's .grad of one run matches one of the other's (module parameters have no
    name of the script's own: their grads are compared as a collection)."""
    mine, theirs = a["every_leaf_grad"], list(b["every_leaf_grad"])
    if len(mine) != len(theirs):
        return False
    for grad in mine:
        match = next((i for i, other in enumerate(theirs) if close(grad, other)), None)
        if match is None:
            return False
        theirs.pop(match)
    return True


def _unhooked(code: str) -> str:
    return "\n".join(line for line in code.splitlines()
                     if "register_full_backward_hook" not in line and "h.remove()" not in line)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_the_code_written_back_gives_torchs_numbers(name: str,
                                                    reference: dict[str, Any]) -> None:
    code = generate(import_snippet(SNIPPETS[name], layout=False))
    theirs = by_name({"written": code})["written"]
    assert theirs["error"] is None
    assert _same_leaf_grads(theirs, reference[name])


@pytest.mark.parametrize(("hook", "said"), [
    ("lambda m, gi, go: (go[0] * 2,)", "reads go[0]: a full backward hook is read when its "
                                       "new grad_input is an expression of grad_input alone"),
    ("lambda m, gi, go: (gi[0].cumsum(0),)", ".cumsum() (not among the torch operations"),
    ("lambda m, gi, go: gi[0] * 2", "returns a tuple of one gradient"),
])
def test_what_is_not_an_expression_of_grad_input_is_refused(hook: str, said: str) -> None:
    code = SNIPPETS["halved_where_the_input_has_other_uses"].replace(
        "lambda m, gi, go: (gi[0] * 0.5,)", hook)
    with pytest.raises(ImportError_) as raised:
        import_snippet(code, layout=False)
    assert said in str(raised.value), str(raised.value)


def test_a_grad_input_that_is_none_is_refused() -> None:
    code = _NET + """net[0].register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
net(x).sum().backward()
"""
    with pytest.raises(ImportError_, match=r"grad_input\[0\], which is None here"):
        import_snippet(code, layout=False)
