"""Build the teaching examples (tour_*.json) with the engine's Document API.

Run from the repository root:  python resources/examples/make_examples.py
The seed article's three examples (seed_*.json) are kept as written by hand.
tests/engine/test_examples_numbers.py checks that these files are exactly what this
script builds, and checks every number against plain torch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from engine import calls  # noqa: E402
from engine.document import Document  # noqa: E402
from engine.fileformat import save  # noqa: E402
from engine.layout import apply_layout  # noqa: E402


def _doc(title: str, description: str) -> Document:
    doc = Document()
    doc.title, doc.description = title, description
    return doc


def _output(doc: Document, name: str, seed: object) -> None:
    node = doc.node_by_name(name)
    assert node is not None
    doc.update_node(node.id, is_output=True, seed=seed, seed_enabled=True)


def _op(doc: Document, op: str, name: str, inputs: dict[str, str], **params: object) -> None:
    node = doc.add_node(op, name, params=dict(params))
    for port, source in inputs.items():
        src = doc.node_by_name(source)
        assert src is not None
        doc.add_edge(src.id, node.id, port)


def multilabel_bce() -> Document:
    doc = _doc(
        "Multi-label loss: per-class losses weighted by the seed",
        "The seed article's multi-label case. binary_cross_entropy_with_logits with "
        "reduction='none' gives one loss per class, so loss is a vector and bare backward() "
        "fails. The seed v = [1, 2, 0.5] weights the classes: z.grad = v · (σ(z) − y). "
        "loss.backward(gradient=w) equals (loss * w).sum().backward(): the seed is the weight "
        "of each element in a weighted sum.")
    doc.add_node("leaf", "z", value=[1.2, -0.8, 0.3])
    doc.add_node("constant", "y", value=[1.0, 0.0, 1.0])
    _op(doc, "binary_cross_entropy_with_logits", "loss", {"input": "z", "target": "y"},
        reduction="none")
    _output(doc, "loss", [1.0, 2.0, 0.5])
    return doc


def fan_out() -> Document:
    doc = _doc(
        "Fan-out: gradients from every use add up",
        "x is used three times: by sin and twice by the product x·x. Backward sends a gradient "
        "along each edge and autograd adds them at x: x.grad = cos(x) + 2x. Watch the three "
        "edge gradients arrive and accumulate.")
    doc.add_node("leaf", "x", value=[0.5, -1.0, 2.0])
    _op(doc, "sin", "a", {"input": "x"})
    _op(doc, "mul", "b", {"input": "x", "other": "x"})
    _op(doc, "add", "c", {"input": "a", "other": "b"})
    _op(doc, "sum", "loss", {"input": "c"})
    _output(doc, "loss", None)
    return doc


def softmax_jacobian() -> Document:
    doc = _doc(
        "Softmax Jacobian, one row at a time",
        "softmax mixes every input into every output, so its Jacobian J is full: "
        "J[i, j] = p_i (δ_ij − p_j). A one-hot seed picks one row: with v = [0, 1, 0], "
        "z.grad = vᵀJ = J[1, :] = p_1 (e_1 − p). Move the 1 to read the other rows; "
        "the entries of each row sum to 0.")
    doc.add_node("leaf", "z", value=[1.0, 2.0, 0.5])
    _op(doc, "softmax", "p", {"input": "z"}, dim=-1)
    _output(doc, "p", [0.0, 1.0, 0.0])
    return doc


def linear_layer() -> Document:
    doc = _doc(
        "A linear layer W @ x + b",
        "y = W @ x + b with a 2×3 weight matrix W. For a seed v: W.grad = v xᵀ (an outer "
        "product, the shape of W), b.grad = v, and the constant x gets no gradient. "
        "With v = [1, −2], the second row of W.grad is −2·x.")
    doc.add_node("leaf", "W", value=[[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    doc.add_node("constant", "x", value=[1.0, 2.0, 3.0])
    doc.add_node("leaf", "b", value=[0.1, -0.2])
    _op(doc, "matmul", "Wx", {"input": "W", "other": "x"})
    _op(doc, "add", "y", {"input": "Wx", "other": "b"})
    _output(doc, "y", [1.0, -2.0])
    return doc


def broadcasting() -> Document:
    doc = _doc(
        "Broadcasting: the small operand's gradient is summed",
        "s has shape [3] and is broadcast over the 2 rows of x. Its one value per column is "
        "used twice, so its gradient sums over the broadcast rows: s.grad = Σ_rows v·x = "
        "[5, 7, 9] with v all ones. x.grad = v·s has x's shape [2, 3].")
    doc.add_node("leaf", "x", value=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    doc.add_node("leaf", "s", value=[0.5, 1.0, 2.0])
    _op(doc, "mul", "y", {"input": "x", "other": "s"})
    _output(doc, "y", [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    return doc


def detach_cuts() -> Document:
    doc = _doc(
        "detach cuts the flow",
        "loss = Σ detach(x·x) · x. The detached branch is a constant to autograd, so only the "
        "direct use of x carries a gradient: x.grad = x² = [1, 4, 9], not 3x² = [3, 12, 27] "
        "as it would be without detach.")
    doc.add_node("leaf", "x", value=[1.0, 2.0, 3.0])
    _op(doc, "mul", "h", {"input": "x", "other": "x"})
    _op(doc, "detach", "h_const", {"input": "h"})
    _op(doc, "mul", "y", {"input": "h_const", "other": "x"})
    _op(doc, "sum", "loss", {"input": "y"})
    _output(doc, "loss", None)
    return doc


def mean_vs_sum() -> Document:
    doc = _doc(
        "mean vs sum, as seeds",
        "y = x² has 4 elements. backward(gradient=ones) is the same as y.sum().backward(); "
        "backward(gradient=ones/4) — the seed here — is y.mean().backward(): every gradient "
        "is divided by n. x.grad = 2x/4 = [0.5, 1, 1.5, 2]. Set the seed to ones to get 2x.")
    doc.add_node("leaf", "x", value=[1.0, 2.0, 3.0, 4.0])
    _op(doc, "square", "y", {"input": "x"})
    _output(doc, "y", [0.25, 0.25, 0.25, 0.25])
    return doc


def _id(doc: Document, name: str) -> str:
    node = doc.node_by_name(name)
    assert node is not None
    return node.id


def _square_sum(doc: Document, value: list[float]) -> None:
    """loss = (x²).sum(): square saves x for its backward, so a freed graph is noticed."""
    doc.add_node("leaf", "x", value=value)
    _op(doc, "square", "sq", {"input": "x"})
    _op(doc, "sum", "loss", {"input": "sq"})
    _output(doc, "loss", None)


def accumulate_then_zero_grad() -> Document:
    doc = _doc(
        "Two backward calls add up; zero_grad starts over",
        "loss = (x²).sum(), so one backward gives x.grad = 2x = [2, 4, 6]. Call 1 keeps the "
        "graph (retain_graph=True) and call 2 runs backward again: autograd adds into .grad, "
        "it does not replace it, so x.grad = 4x = [4, 8, 12]. This is why training loops call "
        "zero_grad: call 3 runs x.grad.zero_() (x.grad = [0, 0, 0], not None), and call 4's "
        "backward gives 2x again. Step through the calls and watch AccumulateGrad add.")
    _square_sum(doc, [1.0, 2.0, 3.0])
    doc.set_options(retain_graph=True)
    loss, x = _id(doc, "loss"), _id(doc, "x")
    doc.add_call(calls.backward([loss], retain_graph=True))
    doc.add_call(calls.zero_grad([x]))
    doc.add_call(calls.backward([loss]))
    return doc


def retain_graph_error() -> Document:
    doc = _doc(
        "A second backward through a freed graph",
        "loss = (x²).sum(). Call 1, loss.backward(), frees the values autograd saved for the "
        "backward (square keeps x), so call 2, a second loss.backward(), raises torch's own "
        "error: 'Trying to backward through the graph a second time'. call 1's x.grad = 2x = "
        "[1, -2, 4] stays. The fix: tick retain_graph for call 1 (the run options); then "
        "call 2 runs and x.grad becomes 4x = [2, -4, 8], the two calls added up.")
    _square_sum(doc, [0.5, -1.0, 2.0])
    doc.add_call(calls.backward([_id(doc, "loss")]))
    return doc


def grad_vs_backward() -> Document:
    doc = _doc(
        "autograd.grad answers; backward writes .grad",
        "Same loss = (x²).sum(), two ways to ask for its gradient. Call 1, "
        "torch.autograd.grad(loss, x, retain_graph=True), returns (2x,) = ([3, -1, 0.5],) "
        "and leaves x.grad None: nothing is accumulated. Call 2, loss.backward(), writes "
        "x.grad = 2x. autograd.grad frees the graph too unless retain_graph=True: untick it "
        "on call 1 and call 2 fails.")
    _square_sum(doc, [1.5, -0.5, 0.25])
    doc.add_call(calls.grad([_id(doc, "loss")], [_id(doc, "x")], retain_graph=True), 0)
    return doc


BUILDERS: dict[str, Callable[[], Document]] = {
    "tour_04_multilabel_bce": multilabel_bce,
    "tour_05_fan_out": fan_out,
    "tour_06_softmax_jacobian": softmax_jacobian,
    "tour_07_linear_layer": linear_layer,
    "tour_08_broadcasting": broadcasting,
    "tour_09_detach": detach_cuts,
    "tour_10_mean_vs_sum": mean_vs_sum,
    "tour_11_accumulate_then_zero_grad": accumulate_then_zero_grad,
    "tour_12_retain_graph_error": retain_graph_error,
    "tour_13_grad_vs_backward": grad_vs_backward,
}


def build(stem: str) -> Document:
    doc = BUILDERS[stem]()
    apply_layout(doc)
    return doc


def main() -> None:
    for stem in BUILDERS:
        save(build(stem), HERE / f"{stem}.json")
        print(f"wrote {stem}.json")


if __name__ == "__main__":
    main()
