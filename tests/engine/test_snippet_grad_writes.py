"""Changes made to a .grad after backward, in place, each against plain torch in a
subprocess: methods on its indexed places, on its .data and on detach(), torch.nn.init's
functions, a name bound to it, `.data =`. Each was read as if nothing had changed before
(the document showed the .grad unwritten); a backward after such a change stays refused,
saying so (test_a_backward_after_a_change_is_refused)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

_START = """import torch
w = torch.ones(2, 3, requires_grad=True)
(w * torch.arange(6.).reshape(2, 3)).sum().backward()
"""

CHANGES = {
    'a_row_of_a_grad_zeroed': 'w.grad[0].zero_()',
    'a_row_filled_through_data': 'w.grad.data[0].fill_(0)',
    'init_zeros_of_a_grad': 'torch.nn.init.zeros_(w.grad)',
    'a_masked_fill_of_a_grad': 'w.grad.masked_fill_(w.grad > 2, 0)',
    'a_column_scaled_in_place': 'w.grad[:, 1].mul_(10)',
    'a_name_for_the_grad_written_through': 'g = w.grad; g[0, 0] = 100',
    'data_of_a_grad_assigned': 'w.grad.data = w.grad.data * 0.5',
    'a_copy_into_the_data_of_a_grad': 'w.grad.data.copy_(torch.zeros(2, 3))',
    'index_fill_of_a_grad': 'w.grad.index_fill_(1, torch.tensor([0]), -1)',
    'the_mean_taken_off_a_grad': 'w.grad.sub_(w.grad.mean())',
    'detach__then_scaled': 'w.grad.detach_().mul_(2)',
    'requires_grad__then_scaled': 'w.grad.requires_grad_(False).mul_(2)',
    'a_grad_scaled_under_no_grad': 'with torch.no_grad(): w.grad *= 2',
    'an_advanced_index_scaled_in_place_changes_a_copy': 'w.grad[[0, 1]].mul_(0)',
}
SNIPPETS = {name: f"{_START}{line}\nprint(w.grad)\n" for name, line in CHANGES.items()}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    grads = {name: reference[name]["grads"]["w"] for name in SNIPPETS}
    assert grads["a_row_of_a_grad_zeroed"] == [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]]
    assert grads["init_zeros_of_a_grad"] == [[0.0] * 3] * 2
    assert grads["data_of_a_grad_assigned"] == [[0.0, 0.5, 1.0], [1.5, 2.0, 2.5]]
    assert grads["an_advanced_index_scaled_in_place_changes_a_copy"] == [
        [0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_a_backward_after_a_change_is_refused() -> None:
    refused = engine_side(_START + "w.grad[0].zero_()\n(w * 2).sum().backward()\n")["refused"]
    assert "a backward after a .grad was changed in place" in refused


def test_a_change_not_read_is_refused_not_dropped() -> None:
    for change in ("w.grad.t_().mul_(2)", "w.grad.view(-1).mul_(2)"):
        refused = engine_side(f"{_START}{change}\n")["refused"]
        assert "changes a .grad in a way Gradflow does not read" in refused
