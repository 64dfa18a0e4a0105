"""The replay shows real autograd's order and numbers, step by step.

Each test rebuilds the computation in plain torch, registers the same kinds of hooks on it
itself, and compares with what the engine recorded and what the replay shows.
"""

from __future__ import annotations

import pytest
import torch

from engine.document import Document
from engine.examples import example_path
from engine.fileformat import load
from engine.replay import Replay
from engine.run import run
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD


class HookLog:
    """Hooks of the four kinds on a plain torch computation, logged in call order."""

    def __init__(self) -> None:
        self.log: list[tuple] = []
        self.grads: list[torch.Tensor | None] = []

    def node(self, t: torch.Tensor, name: str) -> torch.Tensor:
        def hook(g):
            self.log.append((NODE_GRAD, name))
            self.grads.append(g.clone())
        t.register_hook(hook)
        if t.is_leaf:
            def acc(leaf):
                self.log.append((ACCUMULATE, name))
                self.grads.append(leaf.grad.clone())
            t.register_post_accumulate_grad_hook(acc)
        return t

    def fn(self, t: torch.Tensor, name: str, edges: tuple[str | None, ...] = ()) -> None:
        """GRAD_FN when t's grad_fn has run, then what it sent back along each labelled slot
        of its next_functions (None: a slot that is no edge of the document): real autograd
        hands a node's input gradients on all at once, in that order."""
        def hook(grad_inputs, grad_outputs):
            self.log.append((GRAD_FN, name, t.grad_fn.name()))
            self.grads.append(None)
            for label, g in zip(edges, grad_inputs, strict=True):
                if label is not None:
                    self.log.append((EDGE_GRAD, label))
                    self.grads.append(g.clone())
        t.grad_fn.register_hook(hook)


def engine_log(result) -> tuple[list[tuple], list]:
    names = result.names
    log, grads = [], []
    for e in result.events:
        if e.kind == EDGE_GRAD:
            log.append((EDGE_GRAD, f"{names[e.edge.source]}->{names[e.edge.target]}.{e.edge.port}"))
        elif e.kind == GRAD_FN:
            log.append((GRAD_FN, names[e.node_id], e.autograd_name))
        else:
            log.append((e.kind, names[e.node_id]))
        grads.append(e.grad)
    return log, grads


def same_grads(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            continue  # grad_fn events carry grads_in/out, compared elsewhere
        assert torch.equal(x, y)


def test_example_3_order_equals_plain_torch_hooks():
    result = run(load(example_path()))
    assert result.error is None
    h = HookLog()
    x = h.node(torch.tensor([2.0, 3.0], requires_grad=True), "x")
    loss = x * x  # two slots of one MulBackward0, one per edge
    h.node(loss, "loss")
    h.fn(loss, "loss", ("x->loss.input", "x->loss.other"))
    loss.backward(torch.tensor([1.0, 0.5]))
    log, grads = engine_log(result)
    assert log == h.log
    same_grads(grads, h.grads)
    assert x.grad.tolist() == [4.0, 3.0]


def fan_out_doc() -> Document:
    doc = Document()
    x = doc.add_node("leaf", "x", value=[1.0, 2.0])
    w = doc.add_node("leaf", "w", value=[3.0, -1.0])
    c = doc.add_node("constant", "c", value=2.0)
    a = doc.add_node("mul", "a")
    b = doc.add_node("sin", "b")
    d = doc.add_node("mul", "d")
    g = doc.add_node("detach", "g")
    s = doc.add_node("add", "s")
    t = doc.add_node("add", "t")
    u = doc.add_node("add", "u")
    out = doc.add_node("sum", "out", is_output=True)
    for src, dst, port in [(x, a, "input"), (w, a, "other"), (x, b, "input"), (x, d, "input"),
                           (c, d, "other"), (a, g, "input"), (a, s, "input"), (b, s, "other"),
                           (s, t, "input"), (d, t, "other"), (t, u, "input"), (g, u, "other"),
                           (u, out, "input")]:
        doc.add_edge(src.id, dst.id, port)
    return doc


def test_fan_out_order_equals_plain_torch_hooks():
    result = run(fan_out_doc())
    assert result.error is None
    h = HookLog()
    # the same forward order as the document's topological order (by id)
    x = h.node(torch.tensor([1.0, 2.0], requires_grad=True), "x")
    w = h.node(torch.tensor([3.0, -1.0], requires_grad=True), "w")
    c = torch.tensor(2.0)
    a = h.node(x * w, "a")
    b = h.node(torch.sin(x), "b")
    d = h.node(x * c, "d")
    g = torch.detach(a)  # the edge a -> g never carries a gradient
    s = h.node(a + b, "s")
    t = h.node(s + d, "t")
    u = h.node(t + g, "u")
    out = h.node(torch.sum(u), "out")
    # each grad_fn's next_functions slots, labelled with the document edge they stand for
    for tensor, name, edges in [(a, "a", ("x->a.input", "w->a.other")),
                                (b, "b", ("x->b.input",)),
                                (d, "d", ("x->d.input", None)),  # c needs no gradient
                                (s, "s", ("a->s.input", "b->s.other")),
                                (t, "t", ("s->t.input", "d->t.other")),
                                (u, "u", ("t->u.input", None)),
                                (out, "out", ("u->out.input",))]:
        h.fn(tensor, name, edges)
    out.backward()
    log, grads = engine_log(result)
    assert log == h.log
    same_grads(grads, h.grads)
    # x fans out to three consumers: its three edge gradients add up to its total
    replay = Replay(result)
    x_id = next(i for i, n in result.names.items() if n == "x")
    parts = replay.contributions(x_id, len(replay))
    assert len(parts) == 3
    assert torch.allclose(sum(g for _, g in parts), replay.node_grad_at(x_id, len(replay)))
    assert torch.allclose(replay.node_grad_at(x_id, len(replay)), x.grad)
    # the constant and the detached branch never receive a gradient
    dark = set(result.names) - replay.gradient_nodes
    assert {result.names[i] for i in dark} == {"c", "g"}


@pytest.mark.parametrize("doc", [load(example_path()), load(example_path("seed_1_scalar_loss")),
                                 fan_out_doc()], ids=["example3", "example1", "fan_out"])
def test_every_step_shows_what_has_arrived(doc):
    result = run(doc)
    replay = Replay(result)
    n = len(replay)
    start = replay.state(0)
    assert start.node_grads == {} and start.edge_grads == {} and not start.finished_fns
    assert all(g is None for g in start.leaf_grads.values())
    for k in range(n + 1):
        state = replay.state(k)
        for leaf in result.leaf_grads:
            # independently: the leaf's contributions are the edge gradients out of it; its
            # .grad is their sum once AccumulateGrad has run, nothing before
            edges = [e.grad for e in result.events[:k]
                     if e.kind == EDGE_GRAD and e.edge.source == leaf]
            accumulated = any(e.kind == ACCUMULATE and e.node_id == leaf
                              for e in result.events[:k])
            shown = replay.leaf_grad_at(leaf, k)
            assert torch.equal(shown, state.leaf_grads[leaf]) if shown is not None else True
            if accumulated:
                assert torch.allclose(shown, sum(edges))
            else:
                assert shown is None
        for key in replay.changed_keys(0, k):
            kind, what = key
            if kind == "node":
                assert _same(replay.node_grad_at(what, k), state.node_grads.get(what))
            elif kind == "edge":
                assert _same(replay.edge_grad_at(what, k), state.edge_grads.get(what))
    end = replay.state(n)
    for leaf, grad in result.leaf_grads.items():
        assert torch.equal(end.leaf_grads[leaf], grad)
    assert end.node_grads.keys() == result.node_grads.keys()
    for node_id, grad in result.node_grads.items():
        assert torch.equal(end.node_grads[node_id], grad)


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and torch.equal(a, b))


def test_stepping_back_restores_the_earlier_state_exactly():
    replay = Replay(run(fan_out_doc()))
    n = len(replay)
    for k in range(n):
        before = replay.state(k)
        # walk forward to the end, then back through the changed keys only
        keys = replay.changed_keys(n, k)
        for key in keys:
            kind, what = key
            value = replay.value_at(key, k)
            if kind == "node":
                assert _same(value, before.node_grads.get(what))
            elif kind == "edge":
                assert _same(value, before.edge_grads.get(what))
            elif kind == "leaf":
                assert _same(value, before.leaf_grads.get(what))
            elif kind == "fn":
                assert replay.fn_done_at(what, k) == (what in before.finished_fns)


def test_accumulating_runs_start_from_the_previous_grad():
    doc = load(example_path())
    doc.set_options(accumulate=True)
    first = run(doc)
    second = run(doc, previous=first)
    replay = Replay(second)
    x_id = next(iter(second.leaf_grads))
    assert torch.equal(replay.leaf_grad_at(x_id, 0), first.leaf_grads[x_id])
    assert replay.leaf_grad_at(x_id, len(replay)).tolist() == [8.0, 6.0]


def test_step_zero_names_the_seed_and_steps_name_autograd_nodes():
    replay = Replay(run(load(example_path())))
    assert replay.describe(0) == "backward() called; seed loss ← [1, 0.5]"
    lines = [replay.describe(k) for k in range(1, len(replay) + 1)]
    assert lines[1] == "MulBackward0 (loss): in [1, 0.5] → out [2, 1.5], [2, 1.5]"
    assert lines[-1] == "AccumulateGrad (x): .grad = [4, 3]"
    bare = Replay(run(load(example_path("seed_1_scalar_loss"))))
    assert bare.describe(0) == "backward() called; seed loss ← none (bare backward())"
