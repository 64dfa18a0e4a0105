"""Numbers written through `.data` after the graph used a tensor and before its backward
(the ".data vs .detach()" lesson): torch changes the memory without bumping its version, so
forward's values stay and backward reads the new numbers wherever autograd saved the tensor.
Each snippet is compared with plain torch run in a subprocess; the document keeps the write
(Node.written), a file keeps it, and the generated code gives the same numbers."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

X = "import torch\nx = torch.ones(1, requires_grad=True)\n"
A = "import torch\na = torch.tensor([1., 2., 3.], requires_grad=True)\nout = a.sigmoid()\n"
SNIPPETS = {
    "leaf_times_constant": X + "y = 2 * x\nx.data *= 100\ny.backward()\nprint(x, x.grad)\n",
    "leaf_times_itself": X + "y = x * x\nx.data *= 100\ny.backward()\nprint(x, x.grad)\n",
    "leaf_through_a_data_name": X + "y = x * x\nd = x.data\nd.mul_(3)\ny.backward()\n",
    "leaf_item_through_data": "import torch\nx = torch.tensor([1., 2.], requires_grad=True)\n"
                              "y = (x * x).sum()\nx.data[0] = 5.\ny.backward()\n",
    "leaf_data_assigned": X + "y = x.exp() * x\nx.data = torch.tensor([3.])\ny.backward()\n",
    "leaf_used_again_after_the_write": X + "y = x * x\nx.data *= 100\nz = y + x * x\n"
                                       "z.backward()\nprint(z, x.grad)\n",
    "leaf_written_twice_with_a_use_between": X + "y = x * x\nx.data *= 2\nz = y * x\n"
                                             "x.data += 1\nw = z * x\nw.backward()\n",
    "sigmoid_data_zero_through_a_name": A + "c = out.data\nc.zero_()\nprint(out)\n"
                                        "out.sum().backward()\nprint(a.grad)\n",
    "sigmoid_data_zero_directly": A + "out.data.zero_()\nout.sum().backward()\n",
    "sigmoid_data_scaled_then_backward_on_it": A + "out.data *= 2\n"
                                               "out.backward(torch.ones(3))\n",
    "second_backward_with_retain_graph": X + "y = x * x\nx.data *= 100\n"
                                         "y.backward(retain_graph=True)\ny.backward()\n",
    "write_then_training_update": X + "y = x * x\nx.data *= 10\ny.backward()\n"
                                  "x.data -= 0.1 * x.grad\nz = x * x\nz.backward()\n",
    "constant_written_after_use": "import torch\nw = torch.tensor([2., 3.], requires_grad=True)\n"
                                  "c = torch.ones(2)\ny = (w * c).sum()\nc.data.fill_(4.)\n"
                                  "y.backward()\n",
    # torch's own check: detach shares the version counter, .data does not
    "detach_zero_raises_torchs_error": A + "d = out.detach()\nd.zero_()\n"
                                       "out.sum().backward()\n",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_numbers_are_torchs_own(reference: dict[str, dict[str, Any]]) -> None:
    """The lesson's numbers, as plain torch gives them: not what forward's numbers give."""
    assert reference["leaf_times_constant"]["grads"]["x"] == [2.0]
    assert reference["leaf_times_itself"]["grads"]["x"] == [200.0]
    assert reference["sigmoid_data_zero_through_a_name"]["grads"]["a"] == [0.0, 0.0, 0.0]
    assert reference["second_backward_with_retain_graph"]["grads"]["x"] == [400.0]
    assert "modified by an inplace operation" in \
        reference["detach_zero_raises_torchs_error"]["error"]["message"]
