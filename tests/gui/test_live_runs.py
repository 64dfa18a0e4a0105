"""Edits re-run the document at once, and the newest edit's numbers win."""

from __future__ import annotations

import pytest
import torch

from gui.canvas.commands import UpdateNodeCommand, push


def torch_grad(x_value, seed):
    x = torch.tensor(x_value, requires_grad=True)
    (x * x).backward(gradient=torch.tensor(seed))
    return x.grad.tolist()


def test_rapid_edits_and_undo_end_on_the_latest_document(qtbot, window):
    doc, stack = window.doc, window.undo_stack
    x, loss = doc.node_by_name("x").id, doc.node_by_name("loss").id
    for value in ([1.0, 1.0], [5.0, -2.0], [0.5, 7.0]):
        push(stack, UpdateNodeCommand(doc, x, "value", value=value))
    push(stack, UpdateNodeCommand(doc, loss, "seed", seed=[2.0, 1.0]))
    expected = torch_grad([0.5, 7.0], [2.0, 1.0])
    qtbot.waitUntil(lambda: window.bars_heights() == pytest.approx(expected), timeout=30_000)
    qtbot.wait(100)  # no late, stale result may overwrite it
    assert window.bars_heights() == pytest.approx(expected)

    stack.undo()
    stack.undo()
    expected = torch_grad([5.0, -2.0], [1.0, 0.5])
    qtbot.waitUntil(lambda: window.bars_heights() == pytest.approx(expected), timeout=30_000)
    # the canvas card shows the same gradient as the chart
    card = window.scene.nodes[x]
    assert any(role == "grad" and "[10, -2]" in text for text, role in card.lines)


def _lines(window) -> list[str]:
    steps = window.backward_replay.controls.steps
    return [steps.item(k).text() for k in range(steps.count())]


def test_seed_edit_with_the_replay_open_shows_only_the_new_runs_events(qtbot, window):
    from engine.replay import Replay
    from engine.run import GRADS

    loss = window.doc.node_by_name("loss").id
    assert window.runner.last.traced and _lines(window)
    old = _lines(window)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000) as numbers:
        push(window.undo_stack, UpdateNodeCommand(window.doc, loss, "seed", seed=[3.0, -1.0]))
    # the cards and bars get the new numbers at once, from a run without events ...
    assert numbers.args[0].level == GRADS and not numbers.args[0].events
    assert window.bars_heights() == pytest.approx(torch_grad([2.0, 3.0], [3.0, -1.0]))
    # ... and the step list shows no event of the old run meanwhile
    assert window.replay.replay is None and _lines(window) != old
    with qtbot.waitSignal(window.runner.traced, timeout=30_000) as traced:
        pass
    run = traced.args[0]
    assert run is window.runner.last and run.seeds[loss].tolist() == [3.0, -1.0]
    # the step list is this run's trace, line by line, and its numbers are the cards'
    replay = Replay(run)
    assert [line.strip().split(" ", 2)[-1] for line in _lines(window)] == \
        [replay.describe(k) for k in range(len(replay) + 1)]
    grad = torch_grad([2.0, 3.0], [3.0, -1.0])  # plain torch: [12, -6]
    assert _lines(window)[-1].endswith(f"AccumulateGrad (x): .grad = [{grad[0]:g}, {grad[1]:g}]")
    assert window.bars_heights() == pytest.approx(run.leaf_grads[
        window.doc.node_by_name("x").id].tolist())


def test_hidden_replay_asks_for_no_trace_until_shown(qtbot, window):
    loss = window.doc.node_by_name("loss").id
    window.backward_replay.dock.hide()
    window.backward_replay.autograd_dock.hide()
    traced = []
    window.runner.traced.connect(traced.append)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        push(window.undo_stack, UpdateNodeCommand(window.doc, loss, "seed", seed=[1.0, 2.0]))
    qtbot.wait(400)  # longer than the trace's typing pause
    assert traced == [] and not window.runner.last.traced
    with qtbot.waitSignal(window.runner.traced, timeout=30_000):
        window.backward_replay.dock.show()
    assert window.replay.replay.run is window.runner.last
    assert window.replay.replay.seeds[loss].tolist() == [1.0, 2.0]
