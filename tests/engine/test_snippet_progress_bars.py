"""Progress bars (engine/snippets/progress_bars.py) read as the loops they wrap, against plain
torch in a subprocess (with a stand-in tqdm where it is not installed, as for matplotlib):
tqdm over a DataLoader with set_postfix, trange, enumerate(tqdm(...)), a bar updated by hand
in a with-block; and the outside libraries a learner's script imports beside them."""

from __future__ import annotations

import importlib.util
from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'tqdm_over_a_loader_with_a_postfix': """import torch
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm
torch.manual_seed(0)
X = torch.randn(12, 2)
y = X @ torch.tensor([1.5, -0.5])
w = torch.zeros(2, requires_grad=True)
loader = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True)
for epoch in range(2):
    loop = tqdm(loader, desc=f"epoch {epoch}", leave=False)
    for xb, yb in loop:
        loss = ((xb @ w - yb) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
        loop.set_postfix(loss=loss.item())
after = torch.randn(2, requires_grad=True)
(after * w).sum().backward()
print(w, after.grad)
""",
    'trange_and_enumerate': """import torch
from tqdm.auto import trange, tqdm
w = torch.tensor([1.0, -2.0], requires_grad=True)
for step in trange(3):
    loss = (w ** 2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.25 * w.grad
        w.grad.zero_()
total = 0
for i, v in enumerate(tqdm([1.0, 2.0, 3.0])):
    total = total + i * v * w.sum()
total.backward()
print(w.grad)
""",
    'a_bar_updated_by_hand': """import torch
import tqdm
x = torch.linspace(-1, 1, 5, requires_grad=True)
with tqdm.tqdm(total=3) as pbar:
    for k in range(3):
        y = (x * (k + 1)).sin().sum()
        y.backward()
        pbar.update(1)
        pbar.set_description(f"k={k}")
tqdm.tqdm.write("done")
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        assert reference[name]["error"] is None, name
    assert len(reference["a_bar_updated_by_hand"]["grads"]["x"]) == 5


def test_scikit_learn_is_outside_or_missing_as_for_the_script() -> None:
    ours = engine_side("""import torch
from sklearn.datasets import make_regression
X, y = make_regression(n_samples=20, n_features=2, random_state=0)
w = torch.zeros(2, requires_grad=True)
""")
    if importlib.util.find_spec("sklearn") is None:  # the script stops at its import here
        assert ours["error"]["type"] == "ModuleNotFoundError"
        assert ours["error"]["message"] == "No module named 'sklearn'"
    else:
        assert "scikit-learn (sklearn) are outside the computation" in ours["refused"]


def test_tensorboard_logging_is_refused_as_file_writing() -> None:
    refused = engine_side("""import torch
from torch.utils.tensorboard import SummaryWriter
writer = SummaryWriter()
""")["refused"]
    assert refused.startswith("line 3, column 10: SummaryWriter(): logging to TensorBoard "
                              "writes files, outside the computation Gradflow reads")
