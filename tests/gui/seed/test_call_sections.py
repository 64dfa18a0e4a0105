"""Several calls in the window, driven through the widgets: one section per call, torch's
error on the call that raised it, retain_graph fixing it, adding/removing/moving calls with
undo, the step list grouped by call, Explain reading one call. Every number is checked
against plain torch making the same calls."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QPoint, Qt

from engine.examples import example_path
from engine.fileformat import load

TOUR_11 = "tour_11_accumulate_then_zero_grad"
TOUR_12 = "tour_12_retain_graph_error"
TOUR_13 = "tour_13_grad_vs_backward"


@pytest.fixture
def open_example(qtbot):
    windows = []

    def opener(stem: str):
        from gui.main_window import MainWindow

        win = MainWindow(load(example_path(stem)))
        qtbot.addWidget(win)
        win.show()
        with qtbot.waitSignal(win.runner.finished, timeout=30_000):
            win.runner.run_now()
        windows.append(win)
        return win

    yield opener
    for win in windows:
        win.runner.shutdown()


def edit(qtbot, win, action):
    """Do `action` (a click, an undo) and wait for the run it causes."""
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        action()


def x_history(values, calls):
    """Plain torch: x.grad after each call of `calls` on loss = (x²).sum(); an exception
    stops the script. Returns ([x.grad list or None per call made], error or None)."""
    x = torch.tensor(values, requires_grad=True)
    loss = (x * x).sum()
    history = []
    try:
        for call in calls:
            call(x, loss)
            history.append(None if x.grad is None else x.grad.tolist())
    except RuntimeError as exc:
        return history, exc
    return history, None


def retained(x, loss):
    loss.backward(retain_graph=True)


def freed(x, loss):
    loss.backward()


def zero(x, loss):
    x.grad.zero_()


def shown(section):
    assert section.title.text().replace("\u200b", "") == section.heading_text
    return section.heading_text


def test_tour_11_sections_headings_and_results(open_example):
    win = open_example(TOUR_11)
    sections = win.program.sections
    assert [shown(s) for s in sections] == [
        "call 1: loss.backward(gradient=torch.ones_like(loss), retain_graph=True)",
        "call 2: loss.backward(retain_graph=True)",
        "call 3: x.grad.zero_()",
        "call 4: loss.backward()"]
    history, error = x_history([1.0, 2.0, 3.0], [retained, retained, zero, freed])
    assert error is None and history == [[2, 4, 6], [4, 8, 12], [0, 0, 0], [2, 4, 6]]
    for section, grad in zip(sections, history, strict=True):
        expected = "[" + ", ".join(f"{v:g}" for v in grad) + "]"
        assert section.result.text() == f"after this call: x.grad = {expected}"
    # the primary call's section holds the seed form's own block
    assert win.seed_form.primary.parent() is sections[0]
    assert win.seed_form.blocks and not win.banner.isVisible()


def test_tour_13_grad_call_shows_what_it_returns(open_example):
    win = open_example(TOUR_13)
    first, second = win.program.sections
    assert shown(first) == "call 1: torch.autograd.grad([loss], [x], retain_graph=True)"
    assert shown(second) == "call 2: loss.backward(gradient=torch.ones_like(loss))"
    x = torch.tensor([1.5, -0.5, 0.25], requires_grad=True)
    loss = (x * x).sum()
    (answer,) = torch.autograd.grad(loss, [x], retain_graph=True)
    assert x.grad is None
    assert answer.tolist() == [3.0, -1.0, 0.5]
    assert first.result.text() == "returns (tensor([3, -1, 0.5]),)  ·  .grad untouched"
    loss.backward()
    assert second.result.text() == "after this call: x.grad = [3, -1, 0.5]"
    assert x.grad.tolist() == [3.0, -1.0, 0.5]


def test_tour_12_error_on_call_2_then_retain_graph_fixes_it(qtbot, open_example):
    win = open_example(TOUR_12)
    history, error = x_history([0.5, -1.0, 2.0], [freed, freed])
    assert error is not None and history == [[1.0, -2.0, 4.0]]
    torch_text = f"RuntimeError: {error}"
    first, second = win.program.sections
    assert second.error.isVisible() and second.error.text() == torch_text
    assert not first.error.isVisible()
    assert win.banner.isVisible() and win.banner.text() == f"call 2: {torch_text}"
    # the seed panel scrolls (down, never sideways) until that error is in view
    form = win.seed_form

    def error_in_view():
        top = second.error.mapTo(form.viewport(), QPoint(0, 0)).y()
        return 0 <= top and top + second.error.height() <= form.viewport().height() + 1

    qtbot.waitUntil(error_in_view, timeout=15_000)
    assert form.horizontalScrollBar().value() == 0
    assert win.bars_heights() == pytest.approx(history[-1])  # call 1's .grad stays
    # a call after the failing one is not run, as in a script
    add = next(a for a in win.program.menu.actions() if a.text().startswith("zero_grad"))
    edit(qtbot, win, add.trigger)
    third = win.program.sections[2]
    assert third.result.text() == "not run: call 2 raised an error, and a script stops there"
    edit(qtbot, win, win.undo_stack.undo)
    assert len(win.program.sections) == 2
    # the fix: tick retain_graph on call 1, through its checkbox
    first = win.program.sections[0]
    edit(qtbot, win, first.fields["retain_graph"].click)
    assert win.doc.options.retain_graph is True
    history, error = x_history([0.5, -1.0, 2.0], [retained, freed])
    assert error is None and history == [[1.0, -2.0, 4.0], [2.0, -4.0, 8.0]]
    first, second = win.program.sections
    assert not win.banner.isVisible() and not second.error.isVisible()
    assert second.result.text() == "after this call: x.grad = [2, -4, 8]"
    assert win.bars_heights() == pytest.approx(history[-1])
    assert shown(first) == "call 1: loss.backward(gradient=torch.ones_like(loss), " \
        "retain_graph=True)"
    edit(qtbot, win, win.undo_stack.undo)
    assert win.program.sections[1].error.text() == torch_text


def test_add_move_remove_through_the_ui_and_undo_restores_the_calls(qtbot, open_example):
    win = open_example(TOUR_11)
    doc, stack = win.doc, win.undo_stack
    states = [list(doc.calls)]
    add = {a.text().split(" ")[0]: a for a in win.program.menu.actions()}
    edit(qtbot, win, add["torch.autograd.grad"].trigger)
    states.append(list(doc.calls))
    assert len(doc.calls) == 5 and doc.calls[4].kind == "grad"
    assert doc.calls[4].inputs == (doc.node_by_name("x").id,)
    edit(qtbot, win, win.program.sections[4].up.click)  # grad call to place 4
    states.append(list(doc.calls))
    assert [c.kind for c in doc.calls] == ["backward", "backward", "zero_grad", "grad",
                                           "backward"]
    edit(qtbot, win, win.program.sections[2].remove.click)  # the zero_grad
    states.append(list(doc.calls))
    assert [c.kind for c in doc.calls] == ["backward", "backward", "grad", "backward"]
    assert len(win.program.sections) == 4
    assert stack.count() == 3
    for state in reversed(states[:-1]):
        edit(qtbot, win, stack.undo)
        assert doc.calls == state
        assert len(win.program.sections) == len(state)
    for state in states[1:]:
        edit(qtbot, win, stack.redo)
        assert doc.calls == state


def test_a_refused_move_is_said_calmly_and_changes_nothing(qtbot, open_example):
    win = open_example(TOUR_11)
    before = list(win.doc.calls)
    second = win.program.sections[1]
    second.up.click()  # a backward before the document's own: the document refuses it
    assert win.doc.calls == before and win.undo_stack.count() == 0
    assert second.message.isVisible()
    assert second.message.text() == ("not changed: the document's own backward call "
                                     "(outputs marked on the graph) must be the first "
                                     "backward call")
    assert win.program.sections[1] is second  # nothing rebuilt: nothing changed
    with pytest.raises(Exception, match="first backward call"):
        win.doc.move_call(1, 0)  # the same refusal, straight from the document


def test_zero_grad_how_and_which_leaves_edit_the_call(qtbot, open_example):
    win = open_example(TOUR_11)
    section = win.program.sections[2]
    edit(qtbot, win, section.fields["set_to_none"].none.click)
    assert win.doc.calls[2].set_to_none is True
    section = win.program.sections[2]
    assert shown(section) == "call 3: x.grad = None"
    assert section.result.text() == "after this call: x.grad = None"
    edit(qtbot, win, win.undo_stack.undo)
    assert win.doc.calls[2].set_to_none is False


def test_typing_a_later_calls_gradient_is_one_undoable_edit(qtbot, open_example):
    win = open_example(TOUR_11)
    section = win.program.sections[1]
    (block,) = section.blocks
    assert block.title() == "loss  ·  gradient= in call 2"
    edit(qtbot, win, block.check.click)  # pass gradient=: starts from 1 (a scalar output)
    assert win.doc.calls[1].seeds == (1.0,)
    block = win.program.sections[1].blocks[0]
    cell = block.cells[0]
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        cell.setFocus()
        cell.selectAll()
        qtbot.keyClicks(cell, "3")
    assert win.doc.calls[1].seeds == (3.0,)
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward(torch.tensor(3.0), retain_graph=True)
    assert win.program.sections[1].result.text() == \
        "after this call: x.grad = [" + ", ".join(f"{v:g}" for v in x.grad.tolist()) + "]"
    assert shown(win.program.sections[1]) == \
        "call 2: loss.backward(gradient=torch.tensor(3.0), retain_graph=True)"
    edit(qtbot, win, win.undo_stack.undo)
    assert win.doc.calls[1].seeds == (1.0,)


def test_step_list_has_a_heading_per_call_and_steps_in_trace_order(open_example):
    win = open_example(TOUR_11)
    steps = win.backward_replay.controls.steps
    replay = win.replay.replay
    assert replay is not None
    headings = [r for r in steps.rows if r.heading]
    # in the seed panel's words, one per call of replay.groups()
    assert [r.text for r in headings] == [shown(s) for s in win.program.sections]
    assert [g.index for g in replay.groups()] == [0, 1, 2, 3]
    assert len(headings) == len(win.doc.calls) == 4
    order = [r.step for r in steps.rows if r.step is not None]
    assert order == list(range(len(replay) + 1))
    # each heading comes right before its call's first step
    for group in replay.groups():
        at = next(i for i, r in enumerate(steps.rows)
                  if r.heading and r.text.startswith(f"call {group.index + 1}:"))
        first = steps.rows[at + 1 + (group.index == 0)]
        assert first.step == group.steps.start
    # a heading row cannot be selected: clicking the list there goes nowhere
    assert not steps.item(0).flags() & Qt.ItemFlag.ItemIsSelectable
    # zero_grad's step reads as torch's words
    zero_rows = [r.text for r in steps.rows if r.step and "zero_()" in r.text]
    assert zero_rows == ["x.grad.zero_(): .grad = [0, 0, 0]"]


def test_replay_seed_tags_follow_the_call(qtbot, open_example):
    win = open_example(TOUR_13)
    animator = win.replay
    replay = animator.replay
    assert replay is not None
    animator.go_to(0)
    overlay = animator.overlay
    assert [t.text for t in overlay.seeds] == ["call 1: implicit 1 (no grad_outputs=)"]
    second = replay.groups()[1]
    animator.go_to(second.steps.start)
    assert replay.call_at(second.steps.start) == 1
    # the document's own call on a scalar output passes no gradient: torch uses 1
    assert [t.text for t in overlay.seeds] == ["call 2: bare backward()"]
    assert replay.seeds_at(second.steps.start) == {win.doc.node_by_name("loss").id: None}
    animator.go_to(len(replay))
    animator.leave()


def test_explain_reads_the_call_shown(qtbot, open_example):
    win = open_example(TOUR_11)
    x_id = win.doc.node_by_name("x").id
    win.explain.show_node(x_id)
    text = win.explain.plain_text()  # default: the last call
    assert "numbers of call 4" in text  # after the reset to zeros by call 3
    assert "x.grad = [0, 0, 0] + [2, 4, 6] = [2, 4, 6]" in text
    win.explain.show_call(1)
    text = win.explain.plain_text()
    assert "numbers of call 2" in text
    assert "x.grad = [2, 4, 6] + [2, 4, 6] = [4, 8, 12]" in text


def stacks(chart):
    """What the chart draws: {call index: [(x, y0, height), ...]} and the total bars."""
    drawn = {}
    for call, item in chart.segments.items():
        opts = item.opts
        drawn[call] = list(zip([float(v) for v in opts["x"]], [float(v) for v in opts["y0"]],
                               [float(v) for v in opts["height"]], strict=True))
    return drawn


def test_chart_stacks_each_calls_share_as_plain_torch_accumulates(qtbot, open_example):
    win = open_example(TOUR_11)
    chart = win.chart
    history, error = x_history([1.0, 2.0, 3.0], [retained, retained, zero, freed])
    assert error is None
    assert chart.shown_call() == 3  # by default: after the last call
    assert chart.selector.isVisible() and chart.selector.count() == 4
    xs = [s.x for s in chart.slots]
    for k, torch_grad in enumerate(history):
        chart.selector.setCurrentIndex(k)  # the user picks "after call k + 1"
        assert chart.shown_call() == k
        assert win.bars_heights() == pytest.approx(torch_grad)
        drawn = stacks(chart)
        # the shares since the last reset, each plain torch's .grad difference
        torch_before = [[0.0, 0.0, 0.0]] + history[:-1]
        live = {0: [0], 1: [0, 1], 2: [], 3: [3]}[k]  # call 3 reset, call 4 restarted
        assert sorted(drawn) == live
        for call in live:
            share = [a - b for a, b in zip(history[call], torch_before[call], strict=True)]
            assert [h for _, _, h in drawn[call]] == pytest.approx(share)
            assert [x for x, _, _ in drawn[call]] == xs
        # stacked: each segment starts where the previous call's ended; tops are .grad
        tops = [0.0] * 3
        for call in live:
            for i, (_, y0, h) in enumerate(drawn[call]):
                assert y0 == pytest.approx(tops[i])
                tops[i] += h
        assert tops == pytest.approx(torch_grad)
    # after zero_grad: no share, a reset marker, and the legend says so
    chart.selector.setCurrentIndex(2)
    assert stacks(chart) == {} and win.bars_heights() == [0.0, 0.0, 0.0]
    assert [m.toPlainText() for m in chart.reset_marks] == ["⟲ reset by call 3"]
    assert "call 3 reset" in chart.legend.text()
    chart.selector.setCurrentIndex(1)
    assert "call 1" in chart.legend.text() and "call 2" in chart.legend.text()
    assert chart.title.startswith("x.grad after call 2")


def test_chart_pick_drives_explain_and_one_call_keeps_the_plain_chart(qtbot, open_example):
    win = open_example(TOUR_11)
    win.explain.show_node(win.doc.node_by_name("x").id)
    win.chart.selector.setCurrentIndex(1)
    assert "numbers of call 2" in win.explain.plain_text()
    plain = open_example("seed_3_tensor_loss_with_gradient")
    assert not plain.chart.selector.isVisible() and plain.chart.segments == {}
    assert plain.chart.title.startswith("x.grad = vᵀJ")


def test_chart_after_the_fix_of_tour_12_matches_torch(qtbot, open_example):
    win = open_example(TOUR_12)
    assert sorted(stacks(win.chart)) == [0]  # call 2 raised: nothing added
    assert "call 2 raised" in win.chart.legend.text()
    edit(qtbot, win, win.program.sections[0].fields["retain_graph"].click)
    history, _ = x_history([0.5, -1.0, 2.0], [retained, freed])
    drawn = stacks(win.chart)
    assert [h for _, _, h in drawn[0]] == pytest.approx(history[0])
    assert [h for _, _, h in drawn[1]] == pytest.approx(
        [a - b for a, b in zip(history[1], history[0], strict=True)])
    assert win.bars_heights() == pytest.approx(history[1])


def test_opening_another_document_rebuilds_the_sections(qtbot, open_example):
    win = open_example(TOUR_11)
    form = win.seed_form
    edit(qtbot, win, lambda: win.doc.replace_with(load(example_path(
        "seed_3_tensor_loss_with_gradient"))))
    assert win.program.sections == []
    assert form.primary.parent() is form.widget()  # the blocks back in the plain form
    assert list(form.blocks) == [win.doc.node_by_name("loss").id]
    assert not win.chart.selector.isVisible()
    edit(qtbot, win, lambda: win.doc.replace_with(load(example_path(TOUR_12))))
    assert [shown(s) for s in win.program.sections] == [
        "call 1: loss.backward(gradient=torch.ones_like(loss))", "call 2: loss.backward()"]
    assert form.primary.parent() is win.program.sections[0]
    assert win.program.sections[1].error.text().startswith(
        "RuntimeError: Trying to backward through the graph a second time")


def test_a_grad_calls_outputs_and_inputs_are_toggles(qtbot, open_example):
    win = open_example(TOUR_13)
    section = win.program.sections[0]
    x_id = win.doc.node_by_name("x").id
    sq_id = win.doc.node_by_name("sq").id
    # also ask for sq's gradient: grad_outputs gets an entry for it (none given yet)
    box = section.fields["outputs"].boxes[section.fields["outputs"].ids.index(sq_id)]
    edit(qtbot, win, box.click)
    call = win.doc.calls[0]
    assert call.outputs == (sq_id, win.doc.node_by_name("loss").id)  # in graph order
    assert call.seeds == (None, None)
    section = win.program.sections[0]
    # sq is not a scalar: torch refuses a grad call with no grad_outputs for it, verbatim
    x = torch.tensor([1.5, -0.5, 0.25], requires_grad=True)
    sq = x * x
    with pytest.raises(RuntimeError) as raised:
        torch.autograd.grad([sq, sq.sum()], [x], retain_graph=True)
    assert section.error.text() == f"RuntimeError: {raised.value}"
    # giving sq a gradient through its block fixes it; the answer is plain torch's
    block = next(b for b in section.blocks if b.node_id == sq_id)
    edit(qtbot, win, block.check.click)  # pass grad_outputs=: ones of sq's shape
    assert win.doc.calls[0].seeds == ([1.0, 1.0, 1.0], None)
    (answer,) = torch.autograd.grad([sq, sq.sum()], [x], grad_outputs=[torch.ones(3), None],
                                    retain_graph=True)
    section = win.program.sections[0]
    expected = "[" + ", ".join(f"{v:g}" for v in answer.tolist()) + "]"
    assert section.result.text() == f"returns (tensor({expected}),)  ·  .grad untouched"
    assert win.doc.calls[0].inputs == (x_id,)


def test_replay_bars_grow_call_by_call_then_the_stack_returns(qtbot, open_example):
    win = open_example(TOUR_11)
    animator, replay, chart = win.replay, win.replay.replay, win.chart
    history, _ = x_history([1.0, 2.0, 3.0], [retained, retained, zero, freed])
    for group, grad in zip(replay.groups(), history, strict=True):
        animator.go_to(group.steps.stop - 1)  # the last step of each call
        assert chart.segments == {}  # the replay draws plain bars meanwhile
        assert win.bars_heights() == pytest.approx(grad)
    assert chart.title == "x.grad so far in the replay"  # names the real leaf
    animator.leave()
    assert sorted(chart.segments) == [3] and chart.title.startswith("x.grad after call 4")
