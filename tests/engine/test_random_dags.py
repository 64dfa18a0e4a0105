"""Random DAGs from the registry: the engine's leaf grads equal vᵀJ computed independently."""

from __future__ import annotations

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.document import Document
from engine.ops import get_op
from engine.run import run

UNARY = ["neg", "exp", "sin", "cos", "tanh", "sigmoid", "square", "relu", "softmax",
         "log_softmax", "abs"]
BINARY = ["add", "sub", "mul"]


@st.composite
def dags(draw: st.DrawFn) -> tuple[Document, list[str]]:
    shape = draw(st.sampled_from([(3,), (2, 3), ()]))
    doc = Document()
    count = 1
    for n in shape:
        count *= n
    values = st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=count, max_size=count)

    def shaped(flat: list[float]):
        return torch.tensor(flat, dtype=torch.float64).reshape(shape).tolist()

    nodes = []
    for i in range(draw(st.integers(1, 3))):
        nodes.append(doc.add_node("leaf", f"x{i}", value=shaped(draw(values)),
                                  dtype="float64").id)
    for i in range(draw(st.integers(1, 7))):
        if draw(st.booleans()):
            name = draw(st.sampled_from(BINARY))
            a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            node = doc.add_node(name, f"n{i}")
            doc.add_edge(a, node.id, "input")
            doc.add_edge(b, node.id, "other")
        else:
            name = draw(st.sampled_from(UNARY if shape else [u for u in UNARY
                                                             if "softmax" not in u]))
            node = doc.add_node(name, f"n{i}")
            doc.add_edge(draw(st.sampled_from(nodes)), node.id, "input")
        nodes.append(node.id)
    op_nodes = nodes[len(nodes) - i - 1:]
    outputs = draw(st.lists(st.sampled_from(op_nodes), min_size=1, max_size=2, unique=True))
    for out in outputs:
        seed = draw(values)
        doc.update_node(out, is_output=True, seed=shaped(seed))
    return doc, outputs


def forward(doc: Document, leaves: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    values: dict[str, torch.Tensor] = dict(leaves)
    for node in doc.topological_nodes():
        if node.id in values:
            continue
        edges = doc.in_edges(node.id)
        spec = get_op(node.op)
        values[node.id] = spec.call(*[values[edges[p].source] for p in spec.inputs],
                                    **node.params)
    return values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_leaf_grads_equal_vjp_of_jacobian(case):
    doc, outputs = case
    result = run(doc)
    assert result.error is None, result.error
    leaf_ids = [n.id for n in doc.leaves()]
    start = {i: torch.tensor(doc.node(i).value, dtype=torch.float64) for i in leaf_ids}

    def outputs_of(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        values = forward(doc, dict(zip(leaf_ids, xs, strict=True)))
        return tuple(values[o] for o in outputs)

    jac = torch.func.jacrev(outputs_of, argnums=tuple(range(len(leaf_ids))))(
        *start.values())
    for k, leaf_id in enumerate(leaf_ids):
        expected = torch.zeros_like(start[leaf_id])
        for j, out in enumerate(outputs):
            # the seed as the program writes it, `gradient=torch.tensor(seed)`: float32,
            # which backward casts to the output's float64 (a float64 v differs by ~1e-7)
            v = torch.tensor(doc.node(out).seed).to(torch.float64)
            block = jac[j][k]  # shape: out.shape + leaf.shape
            expected = expected + torch.tensordot(v, block, dims=v.dim())
        grad = result.leaf_grads[leaf_id]
        if grad is None:  # the leaf does not reach any output: J is zero there
            assert torch.count_nonzero(expected) == 0
        else:
            torch.testing.assert_close(grad, expected)
