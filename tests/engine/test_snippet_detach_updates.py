"""`m = torch.softmax(z, 1).detach(); m[range(3), t] -= 1` (checking cross-entropy's gradient
by hand): an in-place update of a detach of a tensor nothing else uses is read, and agrees
with plain torch; computing with that tensor again afterwards (it would see the changed
numbers) is refused, saying why."""

from __future__ import annotations

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.snippets.reader import ImportError_, import_snippet

BY_HAND = """import torch
import torch.nn.functional as F
torch.manual_seed(0)
logits = torch.randn(3, 5, requires_grad=True)
targets = torch.tensor([1, 0, 4])
loss = F.cross_entropy(logits, targets)
loss.backward()
manual = torch.softmax(logits, dim=1).detach()
manual[range(3), targets] -= 1
manual /= 3
same = torch.allclose(manual, logits.grad)
assert same
"""


def test_the_gradient_checked_by_hand_agrees_with_plain_torch() -> None:
    theirs = by_name({"by_hand": BY_HAND})["by_hand"]
    assert theirs["error"] is None  # the hand-made gradient equals torch's: the assert holds
    assert agrees(engine_side(BY_HAND), theirs) is None


def test_computing_again_with_the_changed_tensor_is_refused() -> None:
    code = ("import torch\nz = torch.tensor([1., 2.], requires_grad=True)\ns = z * 2\n"
            "m = s.detach()\nm[0] -= 1\ny = (s * 3).sum()\n")
    with pytest.raises(ImportError_) as info:
        import_snippet(code)
    assert str(info.value).startswith("line 6, column 6: s had its numbers changed in place "
                                      "through m")
