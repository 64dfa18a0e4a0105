"""The seed panel driven as a user would: cells, presets, the switch, paste, undo."""

from __future__ import annotations

import math

import pytest
import torch
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from engine.document import Document


def _block(window):
    return window.seed_form.blocks[window.doc.node_by_name("loss").id]


def _type(qtbot, window, cell, text):
    """Replace a cell's text as typing would (textEdited), and wait for the run."""
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        cell.setFocus()
        cell.selectAll()
        qtbot.keyClicks(cell, text)


def _expected(seed):
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).backward(torch.tensor(seed))
    return x.grad.tolist()


def test_cells_drive_the_bars(qtbot, window):
    block = _block(window)
    assert [c.text() for c in block.cells] == ["1", "0.5"]
    assert window.bars_heights() == pytest.approx(_expected([1.0, 0.5]))  # [4, 3]
    _type(qtbot, window, block.cells[1], "1")
    assert window.doc.node_by_name("loss").seed == [1.0, 1.0]
    assert window.bars_heights() == pytest.approx(_expected([1.0, 1.0]))  # [4, 6]
    assert window.bars_heights() == pytest.approx([4.0, 6.0])
    assert block.code.text() == "loss.backward(\n    gradient=torch.tensor([1.0, 1.0]))"


def test_one_hot_picks_a_row_of_j(qtbot, window):
    block = _block(window)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        qtbot.mouseClick(block.one_hot_buttons[1], Qt.MouseButton.LeftButton)
    assert window.bars_heights() == pytest.approx([0.0, 6.0])
    assert window.jacobian.highlighted_row == 1
    assert "picks row 1" in window.jacobian.status_text


@pytest.mark.parametrize("preset, seed", [(0, [1.0, 1.0]), (1, [0.5, 0.5]), (3, [0.0, 0.0])])
def test_presets(qtbot, window, preset, seed):
    button = _block(window).presets.itemAt(preset).widget()
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.bars_heights() == pytest.approx(_expected(seed))


def test_bare_backward_shows_torchs_error_and_none(qtbot, window):
    block = _block(window)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        block.check.click()
    assert window.doc.node_by_name("loss").seed_enabled is False
    assert "grad can be implicitly created only for scalar outputs" in window.banner.text()
    assert window.chart.none_leaves == ["x"]
    assert window.chart.labels == []
    assert block.code.text() == "loss.backward()"
    assert not block.cells[0].isEnabled()
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.undo_stack.undo()
    assert window.bars_heights() == pytest.approx([4.0, 3.0])


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "1e999", "[1, 2, 3]", "True", "2,,"])
def test_bad_cell_input_is_refused_and_the_seed_stays(qtbot, window, text):
    from PySide6.QtWidgets import QApplication

    block = _block(window)
    cell = block.cells[0]
    cell.setFocus()
    cell.selectAll()
    QApplication.clipboard().setText(text)
    qtbot.keyClick(cell, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # a real paste
    assert cell.text() == text
    qtbot.wait(30)
    assert window.doc.node_by_name("loss").seed == [1.0, 0.5]
    assert block.message.isVisible()
    assert "refused" in block.message.text()
    assert "[1.0, 0.5]" in block.message.text()
    assert window.bars_heights() == pytest.approx([4.0, 3.0])
    assert window.undo_stack.count() == 0
    assert "border" in cell.styleSheet()  # marked at the cell
    cell.clearFocus()  # leaving the cell shows the seed still in force
    assert cell.text() == "1"


def test_paste_a_list(qtbot, window):
    block = _block(window)
    block.paste.setText("[2, 0.25]")
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        qtbot.keyClick(block.paste, Qt.Key.Key_Return)
    assert window.bars_heights() == pytest.approx(_expected([2.0, 0.25]))
    block.paste.setText("[1, 2, 3]")
    qtbot.keyClick(block.paste, Qt.Key.Key_Return)
    assert "do not fit" in block.message.text()
    assert window.doc.node_by_name("loss").seed == [2.0, 0.25]


def test_list_pasted_into_a_cell(qtbot, window):
    _type(qtbot, window, _block(window).cells[0], "[0, 1]")
    assert window.bars_heights() == pytest.approx([0.0, 6.0])


def test_typing_is_one_undo_step(qtbot, window):
    cell = _block(window).cells[1]
    cell.setFocus()
    cell.selectAll()
    qtbot.keyClicks(cell, "0.25")  # "0", "0.", "0.2", "0.25": one merged command
    qtbot.waitUntil(lambda: window.bars_heights() == pytest.approx([4.0, 1.5]), timeout=5000)
    assert window.undo_stack.count() == 1
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.undo_stack.undo()
    assert window.doc.node_by_name("loss").seed == [1.0, 0.5]
    assert window.bars_heights() == pytest.approx([4.0, 3.0])
    assert [c.text() for c in _block(window).cells] == ["1", "0.5"]


def test_lens_shows_diag_4_6_and_the_row_product_on_hover(qtbot, window):
    lens = window.jacobian
    assert lens.matrix() == [[4.0, 0.0], [0.0, 6.0]]
    assert "✓" in lens.check_text
    lens.resize(400, 320)
    left, top = lens._origin()
    cell = lens._cell()
    # a real mouse-move event to the widget: QTest's cursor move is swallowed when an earlier
    # test left the (offscreen) cursor on the same spot
    at = QPointF(left + cell / 2, top + cell * 1.5)
    move = QMouseEvent(QEvent.Type.MouseMove, at, lens.mapToGlobal(at),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(lens, move)
    qtbot.waitUntil(lambda: lens.hover_row == 1, timeout=2000)
    assert lens.status_text == "loss[1]: v₁·J₁ = 0.5 · [0, 6] = [0, 3]"


def test_explain_follows_the_selection(qtbot, window):
    window.scene.nodes[window.doc.node_by_name("loss").id].setSelected(True)
    text = window.explain.plain_text()
    assert "loss = mul(x, x)" in text
    assert "= [1, 0.5] · [2, 3]" in text
    assert "= [2, 1.5]" in text


def _sqrt_window(qtbot, requires_grad_b=False):
    from gui.main_window import MainWindow

    doc = Document()
    x = doc.add_node("leaf", "x", value=[-1.0, 0.0, 4.0])
    doc.add_node("leaf", "b", value=[1.0, 1.0, 1.0], requires_grad=requires_grad_b)
    y = doc.add_node("sqrt", "y", is_output=True)
    doc.add_edge(x.id, y.id, "input")
    win = MainWindow(doc)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    return win


def test_nan_and_inf_grads_give_finite_axes_and_marked_bars(qtbot):
    win = _sqrt_window(qtbot)
    x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    x.sqrt().backward(torch.ones(3))
    expected = x.grad.tolist()  # [nan, inf, 0.25]
    heights = win.chart.heights.tolist()
    assert math.isnan(heights[0]) and math.isnan(expected[0])
    assert heights[1:] == expected[1:]
    assert all(math.isfinite(h) for h in win.bars_heights())
    (x0, x1), (y0, y1) = win.chart.getPlotItem().vb.viewRange()
    assert all(math.isfinite(v) for v in (x0, x1, y0, y1))
    assert 0.25 < y1 < 10
    assert "x[0]" in win.chart.warning and "x[1]" in win.chart.warning
    brushes = win.chart.bars.opts["brushes"]
    assert brushes[0].style() == Qt.BrushStyle.BDiagPattern
    assert brushes[2].style() == Qt.BrushStyle.SolidPattern
    assert "nan" in win.chart.tooltip_for(win.chart.slots[0])
    # requires_grad off: a labelled None slot, not a zero bar
    assert win.chart.none_leaves == ["b"]
    assert win.chart.labels == ["x[0]", "x[1]", "x[2]"]
    win.runner.shutdown()


def test_ghost_bars_are_the_ones_seed(qtbot, window):
    _type(qtbot, window, _block(window).cells[0], "0")
    assert window.bars_heights() == pytest.approx([0.0, 3.0])
    assert window.chart.reference.tolist() == pytest.approx(_expected([1.0, 1.0]))
    assert window.chart.ghosts.opts["height"].tolist() == pytest.approx([4.0, 6.0])
    assert window.chart.tooltip_for(window.chart.slots[1]) == \
        "x[1].grad = 3.0\nwith v = ones: 6.0"


def test_scalar_output_has_one_cell_with_the_implicit_one(qtbot):
    from engine.examples import example_path
    from engine.fileformat import load
    from gui.main_window import MainWindow

    win = MainWindow(load(example_path("seed_1_scalar_loss")))
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    block = next(iter(win.seed_form.blocks.values()))
    assert [c.text() for c in block.cells] == ["1.0"]
    assert block.code.text() == "loss.backward()"
    assert block.one_hot_buttons == []
    x = torch.tensor(2.0, requires_grad=True)
    (x * x * 3).backward()
    assert win.bars_heights() == pytest.approx([x.grad.item()])  # 12
    _type(qtbot, win, block.cells[0], "2")
    assert block.code.text() == "loss.backward(\n    gradient=torch.tensor(2.0))"
    assert win.bars_heights() == pytest.approx([2 * x.grad.item()])
    assert "loss = mul" in win.explain.plain_text()  # nothing selected: the output is explained
    win.runner.shutdown()


def test_hovering_a_bar_shows_the_exact_value(qtbot, window, monkeypatch):
    from gui.seed import grad_chart

    shown = []
    monkeypatch.setattr(grad_chart.QToolTip, "showText",
                        lambda pos, text, w=None: shown.append(text))
    chart = window.chart
    chart.resize(500, 300)
    qtbot.wait(20)
    vb = chart.getPlotItem().vb
    scene_pos = vb.mapViewToScene(QPointF(chart.slots[1].x + 0.2, 1.0))
    chart.scene().sigMouseMoved.emit(scene_pos)
    assert shown[-1] == "x[1].grad = 3.0\nwith v = ones: 6.0"


def test_one_over_n_on_an_empty_output_sets_an_empty_v(qtbot, window):
    """An output with no elements: 1/n has nothing to weight, and torch takes an empty v."""
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.doc.update_node(window.doc.node_by_name("x").id, value=[])
        window.doc.update_node(window.doc.node_by_name("loss").id, seed=None)
    button = _block(window).presets.itemAt(1).widget()
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.doc.node_by_name("loss").seed == []
    x = torch.tensor([], requires_grad=True)
    (x * x).backward(torch.tensor([]))
    assert window.chart.none_leaves == []
    assert window.runner.last is not None and window.runner.last.error is None
    x_id = window.doc.node_by_name("x").id
    assert window.runner.last.leaf_grads[x_id].tolist() == x.grad.tolist()


def test_a_leaf_of_many_elements_is_drawn_as_an_outline_with_the_same_numbers(qtbot, window):
    """One rectangle per element costs seconds a frame past a few thousand (a 10⁶-element leaf
    took minutes to export): the chart draws their outline instead, same numbers."""
    from gui.seed.grad_chart import MANY_BARS

    n = MANY_BARS + 1000
    values = [float(k % 7) - 3.0 for k in range(n)]
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.doc.update_node(window.doc.node_by_name("x").id, value=values)
        window.doc.update_node(window.doc.node_by_name("loss").id, seed=[1.0] * n)
    x = torch.tensor(values, requires_grad=True)
    (x * x).backward(torch.ones(n))
    chart = window.chart
    assert not chart.bars.isVisible() and chart.envelope.isVisible()
    drawn = chart.envelope.getOriginalDataset()[1]
    assert drawn is not None and drawn.tolist() == pytest.approx(x.grad.tolist())
    assert window.bars_heights() == pytest.approx(x.grad.tolist())
    # no dashed v = ones bars are drawn over an outline, so the title does not promise them
    assert "dashed" not in chart.title and chart.title.startswith("x.grad = vᵀJ")
