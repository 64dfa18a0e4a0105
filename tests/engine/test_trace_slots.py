"""Per-edge gradients come from the consumer's grad_fn hook (a slot of its grad_inputs), with
no alias node in the graph. Checked against two independent plain-torch computations:

- the old way, kept here only as a reference: every edge through its own `view_as` alias
  with a hook on it; the values must be the same tensors' values, edge by edge, call by call;
- plain torch with hooks on every grad_fn and leaf, no alias: the engine's event order must
  be exactly the order those hooks fire in.

And the GRADS level gives the numbers of the FULL level, with no events.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings

from engine import calls
from engine.document import Document, Edge
from engine.examples import example_path
from engine.fileformat import load
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.run import FULL, GRADS, make_tensor, run
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD, Run
from tests.engine.helpers import const, leaf, op
from tests.engine.test_random_dags import dags


def alias_reference(doc: Document, outputs: list[str], seeds: list[Any],
                    inputs: list[str] | None = None) -> dict[Edge, torch.Tensor]:
    """What each edge carries back, watched the old way: one alias per edge."""
    tensors: dict[str, Any] = {}
    carried: dict[Edge, torch.Tensor] = {}
    for node in doc.topological_nodes():
        if node.op in (LEAF, CONSTANT):
            tensors[node.id] = make_tensor(node.value, node.dtype,
                                           node.op == LEAF and node.requires_grad)
            continue
        args = []
        for port in get_op(node.op).inputs:
            edge = doc.in_edges(node.id)[port]
            source = doc.node(edge.source)
            t = tensors[edge.source]
            if source.op == CONSTANT and source.params.get(NUMBER):
                args.append(source.value)
            elif t.requires_grad:
                alias = t.view_as(t)
                watched = Edge(edge.source, node.id, port)
                alias.register_hook(lambda g, e=watched: carried.__setitem__(e, g.clone()))
                args.append(alias)
            else:
                args.append(t)
        tensors[node.id] = get_op(node.op).call(*args, **node.params)
    torch.autograd.backward([tensors[o] for o in outputs], grad_tensors=seeds,
                            inputs=None if inputs is None else [tensors[i] for i in inputs])
    return carried


def assert_same_edges(ours: dict[Edge, torch.Tensor], reference: dict[Edge, torch.Tensor]):
    assert ours.keys() == reference.keys()
    for edge, grad in reference.items():
        assert torch.equal(ours[edge], grad), edge


def hook_order(doc: Document, outputs: list[str], seeds: list[Any]) -> list[tuple]:
    """Plain torch with hooks on every grad_fn and leaf, no alias: (kind, what, grad) in the
    order they fire. Only for ops made of one autograd node whose slots follow the ports."""
    log: list[tuple] = []
    tensors: dict[str, torch.Tensor] = {}
    for node in doc.topological_nodes():
        if node.op == LEAF:
            t = make_tensor(node.value, node.dtype, node.requires_grad)
            t.register_hook(lambda g, i=node.id: log.append((NODE_GRAD, i, g)))
            t.register_post_accumulate_grad_hook(
                lambda t, i=node.id: log.append((ACCUMULATE, i, t.grad.clone())))
            tensors[node.id] = t
            continue
        edges = [doc.in_edges(node.id)[p] for p in get_op(node.op).inputs]
        out = get_op(node.op).call(*[tensors[e.source] for e in edges], **node.params)
        labels = [e if tensors[e.source].requires_grad else None for e in edges]
        assert len(out.grad_fn.next_functions) == len(labels)
        out.register_hook(lambda g, i=node.id: log.append((NODE_GRAD, i, g)))

        def after(grad_inputs, grad_outputs, i=node.id, labels=labels):
            log.append((GRAD_FN, i, None))
            log.extend((EDGE_GRAD, e, g) for e, g in zip(labels, grad_inputs, strict=True)
                       if e is not None)
        out.grad_fn.register_hook(after)
        tensors[node.id] = out
    torch.autograd.backward([tensors[o] for o in outputs], grad_tensors=seeds)
    return log


def engine_order(result: Run) -> list[tuple]:
    return [(e.kind, e.edge if e.kind == EDGE_GRAD else e.node_id, e.grad)
            for e in result.events]


def seeds_of(result: Run, outputs: list[str]) -> list[torch.Tensor | None]:
    """The gradient= tensors the run passed (the document's literal, as torch.tensor reads
    it, cast to the output's dtype)."""
    return [result.seeds[o] for o in outputs]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_random_dags_edge_values_and_order_equal_independent_torch(case):
    doc, outputs = case
    result = run(doc)
    assert result.error is None, result.error
    assert_same_edges(result.edge_grads, alias_reference(doc, outputs, seeds_of(result, outputs)))
    ours, theirs = engine_order(result), hook_order(doc, outputs, seeds_of(result, outputs))
    assert [(k, w) for k, w, _ in ours] == [(k, w) for k, w, _ in theirs]
    # plain torch without the engine's alias views may add a node's uses in another order:
    # the same numbers to the last bit or one (the values themselves are compared exactly
    # against torch with the same aliases just above)
    for (_, _, a), (_, _, b) in zip(ours, theirs, strict=True):
        assert (a is None) == (b is None) and (
            a is None or torch.allclose(a, b, rtol=1e-12, atol=1e-15))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_grads_level_gives_the_full_levels_numbers(case):
    doc, _ = case
    full, grads = run(doc, level=FULL), run(doc, level=GRADS)
    assert_same_numbers(full, grads)


def assert_same_numbers(full: Run, grads: Run) -> None:
    assert grads.events == [] and grads.autograd == [] and not grads.traced
    assert full.events and full.traced
    for mine, theirs in ((grads.leaf_grads, full.leaf_grads), (grads.node_grads, full.node_grads),
                         (grads.edge_grads, full.edge_grads)):
        assert mine.keys() == theirs.keys()
        for key, value in theirs.items():
            assert (value is None and mine[key] is None) or torch.equal(mine[key], value)
    assert len(grads.calls) == len(full.calls)
    for a, b in zip(grads.calls, full.calls, strict=True):
        assert a.ran == b.ran and a.error == b.error
        for mine, theirs in ((a.grads_after, b.grads_after), (a.node_grads, b.node_grads),
                             (a.edge_grads, b.edge_grads), (a.results, b.results)):
            assert mine.keys() == theirs.keys()
            for key, value in theirs.items():
                assert (value is None and mine[key] is None) or torch.equal(mine[key], value)


@pytest.mark.parametrize("name", ["tour_11_accumulate_then_zero_grad", "tour_12_retain_graph_error",
                                  "tour_13_grad_vs_backward", "tour_04_multilabel_bce",
                                  "tour_07_linear_layer", "seed_3_tensor_loss_with_gradient"])
def test_grads_level_on_the_examples(name):
    doc = load(example_path(name))
    assert_same_numbers(run(doc, level=FULL), run(doc, level=GRADS))


def special_ops() -> list[tuple[str, Document, list[str]]]:
    """Ops whose grad_fn does not have one slot per port."""
    cases = []
    doc = Document()  # x ** x: one node, two slots to the same place, different gradients
    x = leaf(doc, "x", [0.5, 1.5, 2.0])
    cases.append(("pow_same_source", doc, [op(doc, "pow", "p", x, x, is_output=True,
                                               seed=[1.0, -2.0, 0.5])]))
    doc = Document()  # a plain number: the grad_fn has fewer slots than ports
    x = leaf(doc, "x", [0.5, 1.5])
    three = doc.add_node("constant", "three", value=3.0, dtype="float64",
                         params={NUMBER: True}).id
    cases.append(("number", doc, [op(doc, "pow", "p", x, three, is_output=True,
                                     seed=[1.0, 2.0])]))
    doc = Document()  # a constant tensor: a None slot
    x = leaf(doc, "x", [0.5, 1.5])
    c = const(doc, "c", [2.0, 3.0])
    cases.append(("constant", doc, [op(doc, "mul", "m", c, x, is_output=True, seed=[1.0, 2.0])]))
    doc = Document()  # several autograd nodes per op; targets that require grad
    z = leaf(doc, "z", [[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]])
    t = leaf(doc, "t", [[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    cases.append(("cross_entropy_probs", doc, [op(doc, "cross_entropy", "ce", z, t,
                                                   is_output=True)]))
    doc = Document()
    z = leaf(doc, "z", [[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]])
    cases.append(("cross_entropy_same_source", doc, [op(doc, "cross_entropy", "ce", z, z,
                                                         is_output=True)]))
    doc = Document()
    v = leaf(doc, "v", [1.0, 2.0, 3.0])
    m = leaf(doc, "m", [[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]])
    cases.append(("matmul_vector", doc, [op(doc, "matmul", "vm", v, m, is_output=True,
                                             seed=[1.0, 0.5])]))
    doc = Document()
    m = leaf(doc, "m", [[1.0, 0.5], [2.0, -1.0]])
    cases.append(("matmul_same_source", doc, [op(doc, "matmul", "mm", m, m, is_output=True,
                                                 seed=[[1.0, 2.0], [3.0, 4.0]])]))
    doc = Document()
    y = leaf(doc, "y", [0.5, -1.0])
    cases.append(("bce_same_source", doc, [op(doc, "binary_cross_entropy_with_logits", "b",
                                              op(doc, "sigmoid", "s", y), y, is_output=True)]))
    doc = Document()
    y = leaf(doc, "y", [0.5, -1.0])
    r = op(doc, "reshape", "r", y, params={"shape": [2]})
    d = op(doc, "detach", "d", y)
    cases.append(("view_and_detach", doc, [op(doc, "mse_loss", "l", r, d, is_output=True)]))
    return cases


@pytest.mark.parametrize("case", special_ops(), ids=lambda c: c[0])
def test_special_ops_edge_values_equal_the_alias_reference(case):
    _, doc, outputs = case
    result = run(doc)
    assert result.error is None, result.error
    reference = alias_reference(doc, outputs, seeds_of(result, outputs))
    assert reference  # every case sends something back along an edge
    assert_same_edges(result.edge_grads, reference)
    # each edge's gradient is reported once, right after its consumer's node ran
    edge_events = [e for e in result.events if e.kind == EDGE_GRAD]
    assert len(edge_events) == len(reference)
    assert "ViewBackward0" not in [n.name for n in result.autograd] or "view" in case[0]
    assert_same_numbers(result, run(doc, level=GRADS))


def test_several_backward_calls_each_carry_their_own_edge_gradients():
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    w = leaf(doc, "w", [0.5, -1.0])
    h = op(doc, "mul", "h", x, w)
    loss = op(doc, "sum", "loss", op(doc, "mul", "hh", h, h), is_output=True)
    doc.set_options(retain_graph=True)
    doc.add_call(calls.backward([loss], [2.0], retain_graph=True, inputs=[w]))
    doc.add_call(calls.grad([loss], [x], [3.0]))
    result = run(doc)
    assert result.error is None, result.error
    first, second, third = result.calls
    assert_same_edges(first.edge_grads, alias_reference(doc, [loss], [None]))
    assert_same_edges(second.edge_grads, alias_reference(doc, [loss], [torch.tensor(2.0,
                      dtype=torch.float64)], inputs=[w]))
    # autograd.grad(inputs=[x]): only the edges on the way to x carried anything
    assert_same_edges(third.edge_grads, alias_reference(doc, [loss], [torch.tensor(
        3.0, dtype=torch.float64)], inputs=[x]))
    assert_same_numbers(result, run(doc, level=GRADS))


@pytest.mark.parametrize("name", ["seed_3_tensor_loss_with_gradient", "tour_06_softmax_jacobian",
                                  "tour_07_linear_layer", "seed_1_scalar_loss"])
def test_a_seed_edit_reuses_j_and_gets_the_lens_of_a_fresh_analysis(name):
    from engine.jacobian import analyse

    doc = load(example_path(name))
    before = run(doc)
    analyse(doc, before)
    out = doc.outputs()[0]
    shape = tuple(before.values[out.id].shape)
    doc.update_node(out.id, seed=(torch.arange(1, 1 + torch.Size(shape).numel(),
                                               dtype=torch.float64) * 0.5 - 1).reshape(shape)
                    .tolist() if shape else 2.5)
    reused, fresh = run(doc, level=GRADS), run(doc)
    analyse(doc, reused, basis=before)
    analyse(doc, fresh)
    assert reused.lens is not None and fresh.lens is not None
    assert reused.lens.jacobian is before.lens.jacobian  # not recomputed
    for field in ("jacobian", "v", "vjp", "contributions"):
        a, b = getattr(reused.lens, field), getattr(fresh.lens, field)
        assert (a is None and b is None) or torch.equal(a, b), field
    assert (reused.lens.matches, reused.lens.note) == (fresh.lens.matches, fresh.lens.note)
    assert reused.lens.matches is True
    assert reused.reference_grads.keys() == fresh.reference_grads.keys()
    for key, grad in fresh.reference_grads.items():
        assert torch.equal(reused.reference_grads[key], grad)
