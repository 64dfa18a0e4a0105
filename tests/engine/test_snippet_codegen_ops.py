"""`gradflow code` has a working spelling for every op of the registry: for each op, a small
document using it → generate → plain torch in a subprocess gives the engine's grads, and →
import gives back a document with the same leaves, the op, and the same grads."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import torch
from test_corpus import close
from torch_reference import in_subprocess

from engine import calls, cli
from engine.document import Document
from engine.grad_op import GRAD_OP
from engine.ops import CONSTANT, LEAF, OPS
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet

A = [[0.2, 0.7, 0.4], [0.9, 0.3, 0.6]]
B = [[0.5, 0.1, 0.8], [0.25, 0.6, 0.35]]
SPD = [[2.0, 0.5, 0.1], [0.5, 1.5, 0.4], [0.1, 0.4, 1.8]]
# The inputs of each op that needs more than A (and B): (name, value, dtype, requires_grad)
SPECIAL: dict[str, list[tuple[str, Any, str, bool]]] = {
    "matmul": [("a", A, "float32", True), ("w", [[1.0, -0.5], [0.3, 0.2], [0.7, 1.1]],
                                            "float32", True)],
    "linear": [("a", A, "float32", True), ("w", [[1.0, -0.5, 0.3], [0.2, 0.7, 1.1]],
                                            "float32", True), ("b", [0.1, -0.2], "float32", True)],
    "nll_loss": [("a", A, "float32", True), ("t", [2, 0], "int64", False)],
    "cross_entropy": [("a", A, "float32", True), ("t", [1, 2], "int64", False)],
    "pow": [("a", A, "float32", True), ("e", B, "float32", True)],
    "binary_cross_entropy": [("a", A, "float32", True), ("t", B, "float32", False)],
    "setitem": [("a", A, "float32", True), ("v", [1.0, -2.0, 0.5], "float32", True)],
    "layer_norm": [("a", A, "float32", True), ("w", [1.5, -0.5, 0.8], "float32", True),
                   ("b", [0.1, 0.0, -0.3], "float32", True)],
    "outer": [("a", A[0], "float32", True), ("b", B[0][:2], "float32", True)],
    "overwritten": [("a", A, "float32", True), ("v", B, "float32", False)],
    "margin_ranking_loss": [("a", A, "float32", True), ("b", B, "float32", True),
                            ("t", [[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]], "float32", True)],
    "poisson_nll_loss": [("a", A, "float32", True), ("t", [[0.0, 2.0, 1.0], [3.0, 1.0, 0.0]],
                                                      "float32", True)],
    # engine/loss_ops.py
    "triplet_margin_loss": [("a", A, "float32", True), ("p", B, "float32", True),
                            ("n", [[0.3, 0.9, 0.1], [0.7, 0.2, 0.9]], "float32", True)],
    "gaussian_nll_loss": [("a", A, "float32", True), ("t", B, "float32", True),
                          ("v", [[0.3, 0.5, 1.2], [0.8, 0.2, 0.6]], "float32", True)],
    "multilabel_margin_loss": [("a", A, "float32", True),
                               ("t", [[2, 0, -1], [1, -1, 0]], "int64", False)],
    "multi_margin_loss": [("a", A, "float32", True), ("t", [2, 0], "int64", False)],
    "soft_margin_loss": [("a", A, "float32", True),
                         ("t", [[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]], "float32", False)],
    "cosine_embedding_loss": [("a", A, "float32", True), ("b", B, "float32", True),
                              ("t", [1.0, -1.0], "float32", False)],
    "hinge_embedding_loss": [("a", A, "float32", True),
                             ("t", [[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]], "float32", False)],
    "multilabel_soft_margin_loss": [("a", A, "float32", True),
                                    ("t", [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], "float32", True)],
    "where": [("c", [[True, False, True], [False, True, True]], "bool", False),
              ("a", A, "float32", True), ("b", B, "float32", True)],
    # engine/more_ops.py's matrix functions take a square matrix
    **{name: [("a", [[2.0, 0.5, 0.1], [0.3, 1.5, 0.2], [0.1, 0.4, 1.8]], "float32", True)]
       for name in ("det", "inverse", "logdet")},
    # engine/science_ops.py's matrix functions: a symmetric positive-definite matrix
    **{name: [("a", SPD, "float32", True)]
       for name in ("linalg_cholesky", "linalg_eigvalsh", "matrix_exp")},
    "linalg_solve": [("s", SPD, "float32", True), ("b", A, "float32", True)],
}
PARAMS: dict[str, dict[str, Any]] = {
    "sum": {"dim": 1}, "mean": {"dim": 0, "keepdim": True}, "softmax": {"dim": 0},
    "reshape": {"shape": [3, 2]}, "index": {"index": "1, 0:2"}, "to": {"dtype": "float64"},
    "grad_hook": {"scale": -2.5}, "transpose": {"dim0": 1, "dim1": 0},
    "custom_backward": {"gradient": "g.clamp(-0.5, 0.5) * input + output", "function": "STE"},
    "mse_loss": {"reduction": "sum"}, "clamp": {"min": -0.3, "max": None},
    "permute": {"dims": [1, 0]}, "expand": {"size": [2, 2, 3]}, "repeat": {"repeats": [2, 1]},
    "kl_div": {"reduction": "batchmean", "log_target": True},
    "pad": {"pad": [1, 0, 0, 2], "value": 0.5}, "einsum": {"equation": "ij,ij->i"},
    "layer_norm": {"normalized_shape": [3], "eps": 1e-3},
    "cumprod": {"dim": 1},
    "cross_entropy": {"weight": [0.5, 2.0, 1.25], "label_smoothing": 0.2},
    "binary_cross_entropy_with_logits": {"pos_weight": [1.5, 0.5, 3.0]},
    "cumsum": {"dim": 1}, "flip": {"dims": [0, 1]}, "prod": {"dim": 0}, "triu": {"diagonal": 1},
    "triplet_margin_loss": {"margin": 2.0, "p": 1.0, "swap": True},
    "margin_ranking_loss": {"margin": 0.25},
    "gaussian_nll_loss": {"full": True, "reduction": "sum"},
    "multi_margin_loss": {"p": 2, "margin": 0.5, "weight": [1.0, 2.0, 0.5]},
    "cosine_embedding_loss": {"margin": -0.5, "reduction": "none"},
    "hinge_embedding_loss": {"margin": 0.5}, "multilabel_margin_loss": {"reduction": "none"},
    "multilabel_soft_margin_loss": {"weight": [1.0, 2.0, 0.5]},
    "addmm": {"beta": 0.5, "alpha": -2.0}, "addmv": {"alpha": 1.5},
    "baddbmm": {"beta": 2.0},
    # engine/science_ops.py: options away from their defaults (an order of inf as torch's)
    "linalg_solve": {"left": False}, "linalg_cholesky": {"upper": True},
    "linalg_eigvalsh": {"UPLO": "U"}, "cross": {"dim": 1}, "lerp": {"weight": 0.3},
    "diff": {"n": 2, "dim": 1}, "trapezoid": {"dx": 0.5, "dim": 0}, "trapezoid_x": {"dim": 0},
    "linalg_vector_norm": {"ord": math.inf, "dim": 1, "keepdim": True},
}


def _numbers(*shape: int) -> Any:
    """Distinct numbers of this shape, positive and negative, for the layer ops' inputs."""
    return torch.arange(math.prod(shape), dtype=torch.float32).mul(0.37).sin().reshape(
        shape).tolist()


# engine/addmm_ops.py: a bias that broadcasts, then the two factors of the product
SPECIAL.update({
    "addmm": [("b", B[0], "float32", True), ("a", A, "float32", True),
              ("w", [[1.0, -0.5, 0.3], [0.2, 0.7, 1.1], [0.4, -0.9, 0.6]], "float32", True)],
    "addmv": [("b", [0.3], "float32", True), ("a", A, "float32", True),
              ("v", B[0], "float32", True)],
    "baddbmm": [("b", A, "float32", True), ("p", [A, B], "float32", True),
                ("q", _numbers(2, 3, 3), "float32", True)],
})
# the layer ops (engine/ops_layers.py): an image batch, a kernel, a bias per output channel
SPECIAL.update({
    "conv1d": [("a", _numbers(1, 2, 5), "float32", True), ("w", _numbers(3, 2, 2), "float32",
                                                              True), ("b", B[0], "float32", True)],
    "conv2d": [("a", _numbers(1, 2, 4, 4), "float32", True),
               ("w", _numbers(2, 1, 3, 3), "float32", True), ("b", B[0][:2], "float32", True)],
    "conv_transpose1d": [("a", _numbers(1, 2, 4), "float32", True),
                         ("w", _numbers(2, 2, 3), "float32", True),
                         ("b", B[0][:2], "float32", True)],
    "conv_transpose2d": [("a", _numbers(1, 2, 3, 3), "float32", True),
                         ("w", _numbers(2, 1, 2, 3), "float32", True),
                         ("b", B[0][:2], "float32", True)],
    **{op: [("a", _numbers(1, 2, 4, 4), "float32", True)]
       for op in ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d")},
    **{op: [("a", _numbers(1, 2, 5), "float32", True)] for op in ("max_pool1d", "avg_pool1d")},
    "batch_norm": [("a", _numbers(3, 2), "float32", True), ("w", [1.5, -0.5], "float32", True),
                   ("b", [0.1, 0.3], "float32", True)],
    "einsum_one": [("a", _numbers(3, 3), "float32", True)],
    GRAD_OP: [("a", A, "float32", True), ("b", B, "float32", True)],
    "clamp_tensors": [("a", A, "float32", True),  # cut below, above, and bounds crossed
                      ("lo", [[0.3, 0.1, 0.5], [0.5, 0.0, 0.65]], "float32", True),
                      ("hi", [[0.8, 0.6, 0.9], [0.7, 0.25, 0.5]], "float32", True)],
    "einsum_three": [("a", A, "float32", True), ("b", _numbers(3, 2), "float32", True),
                     ("c", _numbers(2, 2), "float32", True)],
})
PARAMS.update({
    "conv1d": {"stride": [2], "padding": [1]},
    "conv2d": {"groups": 2, "padding_same": True, "dilation": [1, 2]},
    "conv_transpose1d": {"stride": [2], "padding": [1], "output_padding": [1],
                         "dilation": [2]},
    "conv_transpose2d": {"groups": 2, "stride": [2, 2], "output_padding": [1, 0]},
    "max_pool2d": {"kernel_size": [3, 3], "stride": [1, 2], "padding": [1, 1]},
    "avg_pool2d": {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
                   "ceil_mode": True, "count_include_pad": False},
    "max_pool1d": {"kernel_size": [2], "stride": [1], "dilation": [2]},
    "avg_pool1d": {"kernel_size": [3], "stride": [1]},
    "adaptive_avg_pool2d": {"output_size": [3, 2]},
    "adaptive_max_pool2d": {"output_size": [2, 3]},
    "batch_norm": {"training": False, "running_mean": [0.1, -0.2], "running_var": [1.5, 0.5]},
    "einsum_one": {"equation": "ij->j"},
})
OP_NAMES = sorted(n for n in OPS if n not in (LEAF, CONSTANT))


def document_with(op: str) -> Document:
    """leaves → op → (.sum() when not scalar) as the output; one backward."""
    doc = Document()
    spec = OPS[op]
    inputs = SPECIAL.get(op) or [("a", A, "float32", True), ("b", B, "float32", True)][
        :len(spec.inputs)]
    ids = [doc.add_node(LEAF if grad else CONSTANT, name, value=value, dtype=dtype,
                        requires_grad=grad).id for name, value, dtype, grad in inputs]
    node = doc.add_node(op, "y", params=PARAMS.get(op, {}))
    if op == "contiguous":  # of a contiguous tensor torch gives the tensor itself: transpose
        turned = doc.add_node("transpose", "at", params={"dim0": 1, "dim1": 0})
        doc.add_edge(ids[0], turned.id, "input")
        ids = [turned.id]
    if op == GRAD_OP:  # ∂(Σ a·a·b)/∂a = 2ab, kept as a graph: loss's grads are 2b and 2a
        square = doc.add_node("mul", "aa")
        doc.add_edge(ids[0], square.id, "input")
        doc.add_edge(ids[0], square.id, "other")
        times = doc.add_node("mul", "aab")
        doc.add_edge(square.id, times.id, "input")
        doc.add_edge(ids[1], times.id, "other")
        total = doc.add_node("sum", "s")
        doc.add_edge(times.id, total.id, "input")
        seed = doc.add_node(CONSTANT, "v", value=1.0, dtype="float32")
        ids = [total.id, ids[0], seed.id]
    for port, source in zip(spec.inputs, ids, strict=True):
        doc.add_edge(source, node.id, port)
    if op == "detach":  # nothing flows back through y: b's use of it makes the output
        b = doc.add_node(LEAF, "b", value=B, dtype="float32", requires_grad=True)
        product = doc.add_node("mul", "z")
        doc.add_edge(node.id, product.id, "input")
        doc.add_edge(b.id, product.id, "other")
        node = product
    out = doc.add_node("sum", "loss")
    doc.add_edge(node.id, out.id, "input")
    doc.update_node(out.id, is_output=True)
    return doc


# ops torch has no derivative for: a backward through them is torch's error
NO_DERIVATIVE = {"heaviside": "derivative for aten::heaviside is not implemented"}


@pytest.fixture(scope="module")
def plain_torch() -> dict[str, dict[str, Any]]:
    codes = [generate(document_with(op)) for op in OP_NAMES]
    return dict(zip(OP_NAMES, in_subprocess(codes), strict=True))


def engine_grads(doc: Document) -> dict[str, Any]:
    data = json.loads(json.dumps(cli.report(doc, run(doc))))
    assert data["error"] is None, data["error"]
    return data["grads"]


def test_every_registry_op_is_covered() -> None:
    assert len(OP_NAMES) == len(OPS) - 2 and "grad_hook" in OP_NAMES and "index" in OP_NAMES


@pytest.mark.parametrize("op", OP_NAMES)
def test_generated_code_runs_in_torch_with_the_engines_grads(
        op: str, plain_torch: dict[str, dict[str, Any]]) -> None:
    doc = document_with(op)
    if op in NO_DERIVATIVE:  # backward raises in torch and in the engine, in torch's words
        mine = cli.report(doc, run(doc))["error"]
        assert mine is not None and plain_torch[op]["error"] is not None
        assert mine["message"] == plain_torch[op]["error"]["message"] == NO_DERIVATIVE[op]
        return
    ours, theirs = engine_grads(doc), plain_torch[op]
    assert theirs["error"] is None, (generate(doc), theirs["error"])
    assert set(theirs["grads"]) == set(ours)
    for name, grad in theirs["grads"].items():
        # detach's input, and a custom backward's forward ops (its output port), get none
        assert grad is not None or (op, name) in (("detach", "a"), ("custom_backward", "a")), \
            name
        assert close(ours[name], grad), (name, ours[name], grad)


@pytest.mark.parametrize("op", OP_NAMES)
def test_generated_code_imports_back_to_an_equivalent_document(op: str) -> None:
    doc = document_with(op)
    again = import_snippet(generate(doc))
    assert op in {n.op for n in again.nodes()}
    assert {n.name: n.value for n in again.leaves()} == {n.name: n.value for n in doc.leaves()}
    assert [n.name for n in again.outputs()] == ["loss"]
    if op in NO_DERIVATIVE:
        assert cli.report(again, run(again))["error"]["message"] == NO_DERIVATIVE[op]
        return
    ours, back = engine_grads(doc), engine_grads(again)
    assert set(back) == set(ours)
    for name, grad in ours.items():
        assert close(back[name], grad), (name, back[name], grad)


def test_a_program_of_calls_round_trips_through_code() -> None:
    doc = document_with("mul")
    a, b = (n.id for n in doc.leaves())
    loss = doc.outputs()[0].id
    y = doc.node_by_name("y")
    assert y is not None
    doc.update_node(loss, seed_enabled=True)
    doc.set_options(retain_graph=True)
    doc.set_calls([calls.PRIMARY, calls.zero_grad([a]),
                   calls.grad([y.id], [b], [[[1.0, 0.0, 2.0], [0.5, 0.5, 0.5]]],
                              retain_graph=True),
                   calls.backward([loss], [3.0], inputs=[b]),
                   calls.zero_grad([a, b], set_to_none=True), calls.backward([loss])])
    again = import_snippet(generate(doc))
    assert [c.kind for c in again.calls] == [c.kind for c in doc.calls]
    first, second = cli.report(doc, run(doc)), cli.report(again, run(again))
    assert json.dumps(first["calls"]) == json.dumps(second["calls"])
    assert second["error"] is not None  # the last backward runs through freed buffers
