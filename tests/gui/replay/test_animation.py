"""The replay on screen shows, at every step, exactly what real autograd had produced."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from engine.examples import example_path
from engine.fileformat import load
from engine.trace import ACCUMULATE, EDGE_GRAD


def open_window(qtbot, stem: str):
    from gui.main_window import MainWindow

    win = MainWindow(load(example_path(stem)))
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    return win


def expected_bars(run, k: int) -> list[float]:
    """Independently from the events: a leaf's bars are 0 until AccumulateGrad has run,
    then the sum of the gradients its edges carried back."""
    heights: list[float] = []
    for leaf, final in run.leaf_grads.items():
        if final is None:
            continue
        done = any(e.kind == ACCUMULATE and e.node_id == leaf for e in run.events[:k])
        if not done:
            heights.extend([0.0] * final.numel())
            continue
        parts = [e.grad for e in run.events[:k] if e.kind == EDGE_GRAD and e.edge.source == leaf]
        heights.extend(torch.stack(parts).sum(0).reshape(-1).tolist())
    return heights


def screen(win) -> tuple:
    """Everything the replay puts on screen that carries a number."""
    scene = win.scene
    cards = {i: tuple(item.lines) for i, item in scene.nodes.items()}
    labels = {e: t.text for e, t in win.replay.overlay.labels.items() if t.isVisible()}
    sums = {i: t.text for i, t in win.replay.overlay.sums.items() if t.isVisible()}
    halos = {i: (h.isVisible(), h.current) for i, h in win.replay.overlay.halos.items()}
    return cards, labels, sums, halos, tuple(win.bars_heights())


@pytest.mark.parametrize("stem", ["seed_3_tensor_loss_with_gradient", "seed_1_scalar_loss"])
def test_chart_at_every_step_is_the_sum_of_what_arrived(qtbot, stem):
    win = open_window(qtbot, stem)
    run = win.runner.last
    n = win.replay.steps()
    assert n == len(run.events) > 0
    for k in range(n + 1):
        win.replay.go_to(k)
        assert win.bars_heights() == pytest.approx(expected_bars(run, k))
    final = [v for g in run.leaf_grads.values() if g is not None for v in g.reshape(-1).tolist()]
    assert win.bars_heights() == pytest.approx(final)
    win.runner.shutdown()


def test_fan_in_shows_contributions_adding_up(window):
    win = window
    x = win.doc.node_by_name("x").id
    loss = win.doc.node_by_name("loss").id
    win.replay.go_to(0)
    assert win.scene.nodes[loss].lines[-1] == ("seed [1, 0.5]", "grad")
    assert not any(t.isVisible() for t in win.replay.overlay.labels.values())  # none yet
    win.replay.go_to(4)  # both edges of x * x have carried x·v back
    texts = sorted(t.text for t in win.replay.overlay.labels.values() if t.isVisible())
    assert texts == ["[2, 1.5]", "[2, 1.5]"]
    assert win.replay.overlay.sums[x].text == "Σ [2, 1.5]\n+ [2, 1.5]\n+ …"
    win.replay.go_to(5)  # x's tensor hook: the total
    assert win.replay.overlay.sums[x].text == "Σ [2, 1.5]\n+ [2, 1.5]\n= [4, 3]"
    assert win.scene.nodes[x].lines[-1] == ("∇ [4, 3] → .grad next", "grad")
    win.replay.go_to(6)
    assert win.scene.nodes[x].lines[-1] == (".grad [4, 3]", "grad")


def test_stepping_back_restores_the_earlier_screen_exactly(window):
    win = window
    n = win.replay.steps()
    seen = []
    for k in range(n + 1):
        win.replay.go_to(k)
        seen.append(screen(win))
    for k in range(n, -1, -1):
        win.replay.go_to(k)
        assert screen(win) == seen[k]
    win.replay.go_to(2)
    win.replay.go_to(n)
    assert screen(win) == seen[n]


def test_nodes_without_gradient_stay_dimmed(qtbot):
    win = open_window(qtbot, "seed_1_scalar_loss")
    three = win.doc.node_by_name("three").id
    win.replay.go_to(0)
    assert win.scene.nodes[three].opacity() < 0.5
    assert win.scene.nodes[win.doc.node_by_name("x").id].opacity() == 1.0
    win.replay.go_to(win.replay.steps())
    assert win.scene.nodes[three].opacity() < 0.5
    win.runner.shutdown()


def test_play_runs_to_the_end_and_an_edit_stops_it_for_the_new_run(qtbot, window):
    win = window
    win.replay.set_speed(4.0)
    win.replay.play()
    assert win.replay.is_playing()
    qtbot.waitUntil(lambda: win.replay.step == win.replay.steps(), timeout=10_000)
    qtbot.waitUntil(lambda: not win.replay.is_playing(), timeout=2_000)
    assert win.bars_heights() == pytest.approx([4.0, 3.0])
    win.replay.play()
    qtbot.waitUntil(lambda: win.replay.step >= 1, timeout=5_000)
    loss = win.doc.node_by_name("loss").id
    # a seed edit: the cards get the numbers first, the replay then gets that run's events
    with qtbot.waitSignal(win.runner.traced, timeout=30_000):
        win.doc.update_node(loss, seed=[0.0, 1.0])
        assert not win.replay.is_playing()
        assert win.replay.replay is None  # stale replay dropped at once
        assert not win.backward_replay.controls.play_action.isEnabled()
    assert win.replay.replay.seeds[loss].tolist() == [0.0, 1.0]
    win.replay.go_to(0)
    win.replay.go_to(win.replay.steps())
    assert win.bars_heights() == pytest.approx([0.0, 6.0])


def test_step_list_click_jumps_and_follows(window):
    win = window
    steps = win.backward_replay.controls.steps
    assert steps.count() == win.replay.steps() + 1
    assert "MulBackward0" in steps.item(2).text()
    assert "AccumulateGrad" in steps.item(6).text()
    steps.step_clicked.emit(3)
    assert win.replay.step == 3
    assert win.backward_replay.controls.slider.value() == 3
    win.backward_replay.controls.slider.setValue(1)
    assert win.replay.step == 1 and steps.currentRow() == 1


def test_autograd_view_lights_in_step(window):
    win = window
    view = win.backward_replay.autograd_view
    names = sorted(b.fn.name for b in view.boxes.values())
    assert names == ["AccumulateGrad", "MulBackward0"]
    mul = next(b for b in view.boxes.values() if b.fn.name == "MulBackward0")
    acc = next(b for b in view.boxes.values() if b.fn.name == "AccumulateGrad")
    win.replay.go_to(1)
    assert not mul.done and not acc.done
    win.replay.go_to(2)
    assert mul.done and mul.current and not acc.done
    win.replay.go_to(6)
    assert acc.done and acc.current and not mul.current


def test_space_plays_from_the_canvas_but_not_from_a_text_field(qtbot, window):
    win = window
    field = QLineEdit()
    win.add_dock("Scratch", field, Qt.DockWidgetArea.LeftDockWidgetArea)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=2_000)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=2_000)
    qtbot.keyClick(field, Qt.Key.Key_Space)
    qtbot.keyClick(field, Qt.Key.Key_Home)
    assert field.text() == " "
    assert not win.replay.is_playing() and win.replay.step == win.replay.steps()
    win.view.setFocus()
    qtbot.waitUntil(win.view.hasFocus, timeout=2_000)
    qtbot.keyClick(win.view, Qt.Key.Key_Home)
    assert win.replay.step == 0
    qtbot.keyClick(win.view, Qt.Key.Key_Right)
    assert win.replay.step == 1
    qtbot.keyClick(win.view, Qt.Key.Key_Space)
    assert win.replay.is_playing()
    qtbot.keyClick(win.view, Qt.Key.Key_Space)
    assert not win.replay.is_playing()
