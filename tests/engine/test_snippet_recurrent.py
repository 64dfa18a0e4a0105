"""nn.RNN, nn.LSTM, nn.GRU and their cells, unrolled over time into the registry's ops
(engine/snippets/recurrent.py): parameters drawn by torch under the snippet's seed, every
form learners write (batch_first, two layers, a starting state, unbatched input, relu, no
bias, a cell stepped in a loop), each against plain torch in a subprocess. RNN and GRU
layers, which torch runs on the CPU with its own cells, agree to the last bit, so training
them for many steps stays with torch (a last-bit difference grows with every step)."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.snippets.reader import ImportError_, import_snippet

HEAD = "import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n"
SNIPPETS = {
    "rnn_batch_first_two_layers_with_h0": HEAD + """
rnn = nn.RNN(3, 4, num_layers=2, batch_first=True)
x = torch.randn(2, 5, 3, requires_grad=True)
h0 = torch.randn(2, 2, 4, requires_grad=True)
out, hn = rnn(x, h0)
(out.sum() + hn.pow(2).sum()).backward()
w = rnn.weight_hh_l1
""",
    "rnn_relu_unbatched_no_bias": HEAD + """rnn = nn.RNN(2, 3, nonlinearity='relu', bias=False)
x = torch.randn(4, 2)
out, hn = rnn(x)
out[-1].sum().backward()
w = rnn.weight_ih_l0
""",
    "lstm_with_start_state": HEAD + """lstm = nn.LSTM(input_size=3, hidden_size=2)
x = torch.randn(4, 1, 3)
h0, c0 = torch.zeros(1, 1, 2), torch.randn(1, 1, 2, requires_grad=True)
out, (hn, cn) = lstm(x, (h0, c0))
loss = (out ** 2).mean() + cn.sum()
loss.backward()
w = lstm.weight_ih_l0
""",
    "gru_two_layers_classifier": HEAD + """gru = nn.GRU(3, 4, 2, batch_first=True)
fc = nn.Linear(4, 2)
x = torch.randn(3, 6, 3)
out, h = gru(x)
logits = fc(out[:, -1, :])
loss = nn.CrossEntropyLoss()(logits, torch.tensor([0, 1, 1]))
loss.backward()
w0 = gru.weight_hh_l0
b1 = gru.bias_ih_l1
""",
    "cells_stepped_in_a_loop": HEAD + """cell = nn.LSTMCell(3, 2)
gcell = nn.GRUCell(2, 2)
x = torch.randn(5, 4, 3)
h = torch.zeros(4, 2)
c = torch.zeros(4, 2)
g = None
for t in range(5):
    h, c = cell(x[t], (h, c))
    g = gcell(h) if g is None else gcell(h, g)
g.sum().backward()
w = cell.weight_hh
u = gcell.bias_hh
""",
}
# MorvanZhou/PyTorch-Tutorial 403_RNN_regressor.py, shortened: sin predicts cos, the state
# carried across steps by .data, Adam; a last-bit difference per step had grown past 1e-5
TRAINED = HEAD + """import numpy as np
class RNN(nn.Module):
    def __init__(self):
        super(RNN, self).__init__()
        self.rnn = nn.KIND(input_size=1, hidden_size=32, num_layers=1, batch_first=True)
        self.out = nn.Linear(32, 1)

    def forward(self, x, h_state):
        r_out, h_state = self.rnn(x, h_state)
        outs = []
        for time_step in range(r_out.size(1)):
            outs.append(self.out(r_out[:, time_step, :]))
        return torch.stack(outs, dim=1), h_state

rnn = RNN()
optimizer = torch.optim.Adam(rnn.parameters(), lr=0.02)
loss_func = nn.MSELoss()
h_state = None
for step in range(30):
    start, end = step * np.pi, (step+1)*np.pi
    steps = np.linspace(start, end, 10, dtype=np.float32, endpoint=False)
    x = torch.from_numpy(np.sin(steps)[np.newaxis, :, np.newaxis])
    y = torch.from_numpy(np.cos(steps)[np.newaxis, :, np.newaxis])
    prediction, h_state = rnn(x, h_state)
    h_state = h_state.data
    loss = loss_func(prediction, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""
EXACT = {
    "rnn_trained_thirty_steps": TRAINED.replace("KIND", "RNN"),
    "gru_trained_thirty_steps": TRAINED.replace("KIND", "GRU"),
    "gru_unbatched_start_state_and_cell_without_one": HEAD + """gru = nn.GRU(3, 5, 2)
cell = nn.GRUCell(5, 4)
x = torch.randn(6, 3)
h0 = torch.randn(2, 5, requires_grad=True)
out, hn = gru(x, h0)
h = cell(out)
(h.pow(2).sum() + hn.sum()).backward()
""",
    "rnn_two_layers_batch_first_no_bias": HEAD + """rnn = nn.RNN(4, 6, 2, bias=False,
             batch_first=True)
x = torch.randn(3, 7, 4, requires_grad=True)
out, hn = rnn(x)
out.pow(2).mean().backward()
""",
}
SNIPPETS.update(EXACT)


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", SNIPPETS)
def test_read_as_plain_torch_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert len(reference["gru_two_layers_classifier"]["grads"]["w0"]) == 12  # 3 gates × 4
    assert reference["lstm_with_start_state"]["grads"]["c0"] is not None


def test_a_bidirectional_layer_is_refused_saying_so() -> None:
    with pytest.raises(ImportError_) as info:
        import_snippet(HEAD + "rnn = nn.LSTM(3, 4, bidirectional=True)\n")
    assert "bidirectional=, dropout= and proj_size= are not read" in str(info.value)


@pytest.mark.parametrize("name", EXACT)
def test_rnn_and_gru_grads_equal_torch_to_the_last_bit(
        name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    every = ours["grads"].values()
    for grad in reference[name]["every_leaf_grad"]:
        assert grad in every, f"torch's .grad {grad} is not, to the bit, any leaf's .grad"
