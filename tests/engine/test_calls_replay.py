"""The replay across calls: one trace, grouped by call; .grad carries over, what a call sends
through the graph is shown for that call only."""

from __future__ import annotations

import torch

from engine import calls
from engine.replay import Replay
from engine.run import run
from engine.trace import ACCUMULATE, NODE_GRAD, ZERO_GRAD
from tests.engine.test_calls_torch import square_sum


def program():
    doc, x, w, loss = square_sum()
    doc.set_options(retain_graph=True)
    doc.add_call(calls.backward([loss], [2.0], retain_graph=True))
    doc.add_call(calls.zero_grad([x]))
    doc.add_call(calls.grad([loss], [w]))
    result = run(doc)
    assert result.error is None, result.error
    return doc, result, Replay(result), x, w, loss


def test_groups_cover_every_event_once_in_order():
    doc, result, replay, x, w, loss = program()
    groups = replay.groups()
    assert [g.title for g in groups] == [
        "call 1: backward([loss], retain_graph=True)",
        "call 2: backward([loss], grad_tensors=[2.0], retain_graph=True)",
        "call 3: .grad.zero_() on x", "call 4: torch.autograd.grad([loss], [w])"]
    steps = [s for g in groups for s in g.steps]
    assert steps == list(range(1, len(replay) + 1))
    for g in groups:
        assert all(replay.call_at(s) == g.index for s in g.steps)
        assert g.ran and g.error is None
    assert [result.events[s - 1].kind for s in groups[2].steps] == [ZERO_GRAD]


def test_leaf_grads_at_the_end_of_each_call_are_that_calls_grads_after():
    doc, result, replay, x, w, loss = program()
    for call in result.calls:
        end = call.stop
        for leaf_id, grad in call.grads_after.items():
            shown = replay.leaf_grad_at(leaf_id, end)
            folded = replay.state(end).leaf_grads[leaf_id]
            if grad is None:
                assert shown is None and folded is None
            else:
                assert shown.equal(grad) and folded.equal(grad)
    # call 2 doubled its seed: x.grad went from g to 3g, then zero_() made it zeros
    first, second = result.calls[0].grads_after[x], result.calls[1].grads_after[x]
    torch.testing.assert_close(second, 3 * first)
    assert replay.leaf_grad_at(x, result.calls[2].stop).equal(torch.zeros(3, dtype=torch.float64))


def test_a_new_call_starts_with_nothing_sent_and_its_own_seed():
    doc, result, replay, x, w, loss = program()
    second = result.calls[1]
    end_of_first = second.start
    assert replay.node_grad_at(loss, end_of_first) is not None  # call 1's, at its end
    first_step = second.start + 1  # the first event of call 2 has arrived
    assert result.events[first_step - 1].kind == NODE_GRAD
    sq = doc.node_by_name("sq").id
    assert replay.node_grad_at(sq, first_step) is None  # call 1's value is not shown
    assert not replay.state(first_step).edge_grads
    seed = replay.contributions(loss, first_step)[0]
    assert seed[0] == "seed" and seed[1].item() == 2.0
    assert replay.contributions(loss, end_of_first)[0][1] is None  # call 1: bare backward()
    # the move from call 1 to call 2 tells every view to drop call 1's values
    assert ("node", sq) in replay.changed_keys(end_of_first, first_step)
    # the autograd.grad call writes no .grad: no AccumulateGrad in its events
    assert all(result.events[i].kind != ACCUMULATE for i in result.calls[3].events)


def test_value_at_equals_the_folded_state_at_every_step():
    doc, result, replay, x, w, loss = program()
    for step in range(len(replay) + 1):
        state = replay.state(step)
        for node_id in result.names:
            folded = state.node_grads.get(node_id)
            shown = replay.node_grad_at(node_id, step)
            assert (folded is None) == (shown is None) and (folded is None
                                                             or folded.equal(shown)), step


def test_a_call_that_failed_keeps_its_events_and_the_rest_have_none():
    doc, x, w, loss = square_sum()
    doc.add_call(calls.backward([loss]))
    doc.add_call(calls.zero_grad())
    replay = Replay(run(doc))
    first, failed, skipped = replay.groups()
    assert failed.error is not None and "second time" in failed.error.message
    assert not skipped.ran and len(skipped.steps) == 0
    assert replay.describe(0).startswith("call 1 of 3: backward() called")


def test_each_call_keeps_what_it_sent_and_the_run_keeps_the_first_backwards():
    doc, result, replay, x, w, loss = program()
    first, second, zeroing, answer = result.calls
    sq = doc.node_by_name("sq").id
    # call 2's seed is 2.0 where call 1's bare backward() used 1: twice every gradient
    assert second.node_grads[loss].item() == 2.0 and first.node_grads[loss].item() == 1.0
    torch.testing.assert_close(second.node_grads[sq], 2 * first.node_grads[sq])
    assert second.edge_grads.keys() == first.edge_grads.keys()
    for edge, grad in first.edge_grads.items():
        torch.testing.assert_close(second.edge_grads[edge], 2 * grad)
    assert zeroing.node_grads == {} and zeroing.edge_grads == {}
    assert result.node_grads is first.node_grads and result.edge_grads is first.edge_grads
    # what autograd.grad returned for w equals the gradient its edge into m carried back
    m = doc.node_by_name("m").id
    carried = [g for e, g in answer.edge_grads.items() if e.source == w and e.target == m]
    torch.testing.assert_close(answer.results[w], carried[0])
