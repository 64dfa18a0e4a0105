"""Learning-rate schedulers in a training loop (engine/snippets/schedulers.py): torch's own,
on the real optimizer, so the weights each step leaves (and the last step's .grad) are the
script's. Against plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side

LOOP = """import torch
torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
x = torch.randn(8, 3)
y = torch.randn(8, 1)
"""
SNIPPETS = {
    "step_lr_halves_every_two_epochs": LOOP + """opt = torch.optim.SGD(model.parameters(), lr=0.5)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
for epoch in range(5):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    sched.step()
    print(epoch, sched.get_last_lr())
""",
    "lambda_lr_of_the_epoch": LOOP + """opt = torch.optim.SGD(model.parameters(), lr=0.3,
                      momentum=0.9)
scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lambda e: 1.0 / (1 + e))
for epoch in range(4):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    scheduler.step()
""",
    "plateau_takes_the_loss": LOOP + """opt = torch.optim.Adam(model.parameters(), lr=0.2)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=0)
for epoch in range(4):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    plateau.step(loss)
""",
    "a_missing_option_is_torchs_error": LOOP + """opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt)
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_trains_with_the_schedule(reference: dict[str, dict[str, Any]]) -> None:
    """The last step's grads are compared through the model's parameters; with a constant lr
    they would be other numbers."""
    assert reference["a_missing_option_is_torchs_error"]["error"]["message"] == (
        "StepLR.__init__() missing 1 required positional argument: 'step_size'")
    for name in ("step_lr_halves_every_two_epochs", "lambda_lr_of_the_epoch",
                 "plateau_takes_the_loss"):
        assert len(reference[name]["every_leaf_grad"]) == 2 and reference[name]["error"] is None
    assert "0 [0.5]\n1 [0.25]\n2 [0.25]\n3 [0.125]" in reference[
        "step_lr_halves_every_two_epochs"]["stdout"]
    constant = engine_side(SNIPPETS["step_lr_halves_every_two_epochs"].replace(
        "    sched.step()\n", ""))
    scheduled = reference["step_lr_halves_every_two_epochs"]
    assert agrees(constant, scheduled) is not None


def test_other_scheduler_methods_are_refused_with_what_is_read() -> None:
    code = SNIPPETS["step_lr_halves_every_two_epochs"] + "sched.state_dict()\n"
    message = engine_side(code)["refused"]
    assert "a scheduler is read with .step(), .get_last_lr(), .get_lr()" in message
