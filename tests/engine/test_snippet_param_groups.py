"""`optimizer.param_groups` (engine/snippets/optimizer_steps.py): the real optimizer's groups,
so learning-rate decay by hand changes the lr the next step uses exactly as in the script,
and reading an option gives torch's number. Against plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side

LOOP = """import torch
torch.manual_seed(3)
model = torch.nn.Linear(3, 1)
x = torch.randn(9, 3)
y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(9, 1)
"""
SNIPPETS = {
    "halved_every_epoch_with_minibatches": LOOP + """opt = torch.optim.SGD(model.parameters(),
                      lr=0.2)
for epoch in range(3):
    for i in range(0, 9, 4):
        loss = torch.nn.functional.mse_loss(model(x[i:i + 4]), y[i:i + 4])
        opt.zero_grad()
        loss.backward()
        opt.step()
    opt.param_groups[0]["lr"] *= 0.5
""",
    "set_in_every_group": """import torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
optimizer = torch.optim.Adam([{"params": net[0].parameters()},
                              {"params": net[2].parameters(), "lr": 0.05}], lr=0.1)
x = torch.randn(6, 2)
y = torch.randn(6, 1)
for epoch in range(4):
    new_lr = 0.1 / (1 + epoch)
    for g in optimizer.param_groups:
        g['lr'] = new_lr
    optimizer.zero_grad()
    loss = ((net(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
""",
    # the number read is torch's: it scales the graph the last backward goes through
    "read_after_a_scheduler": LOOP + """opt = torch.optim.SGD(model.parameters(), lr=0.3,
                      momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
for step in range(2):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    sched.step()
scale = torch.tensor([2.0, 3.0], requires_grad=True)
(scale * opt.param_groups[0]["lr"] * opt.param_groups[0]["momentum"]).sum().backward()
""",
    "state_dict_numbers": LOOP + """opt = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(3):
    opt.zero_grad()
    ((model(x) - y) ** 2).mean().backward()
    opt.step()
sd = opt.state_dict()
print(sd["param_groups"][0]["lr"], sd["state"][1]["exp_avg"])
w = torch.tensor([1.0, -1.0], requires_grad=True)
(w * sd["state"][0]["step"] * sd["state"][1]["exp_avg_sq"].sum()).sum().backward()
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_really_decays_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in ("halved_every_epoch_with_minibatches", "set_in_every_group"):
        assert reference[name]["error"] is None
        assert all(g is not None for g in reference[name]["every_leaf_grad"])
        without = engine_side(SNIPPETS[name].replace('opt.param_groups[0]["lr"] *= 0.5', "")
                              .replace("g['lr'] = new_lr", "pass"))
        assert agrees(without, reference[name]) is not None  # the decay changed the numbers
    # StepLR twice: 0.3 * 0.1 * 0.1, and SGD's momentum 0.9
    assert reference["read_after_a_scheduler"]["grads"]["scale"] == pytest.approx(
        [0.3 * 0.01 * 0.9] * 2)
    state = reference["state_dict_numbers"]
    assert state["error"] is None and state["stdout"].startswith("0.01 tensor(")
    # 3 steps times the sum of exp_avg_sq: one positive number for both
    assert state["grads"]["w"][0] > 0 and state["grads"]["w"][0] == state["grads"]["w"][1]


def test_the_params_of_a_group_are_not_replaced() -> None:
    code = SNIPPETS["set_in_every_group"] + "optimizer.param_groups[0]['params'] = []\n"
    assert "an optimizer's group is read with its options changed" in engine_side(
        code)["refused"]
