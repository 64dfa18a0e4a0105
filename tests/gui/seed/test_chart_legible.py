"""The input-gradient chart is readable in the first-start layout at 1366×768 and 1920×1080,
and in a narrower dock: plain-number axis, a title naming the real leaves, a label per bar (or a
sensible thinning) and a name per leaf, every bar inside the plot, and signed values on the bars
that equal the grads plain torch computes."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetricsF

from engine.document import Document
from tests.gui.legibility import EXAMPLES, SCREENS, assert_shows, open_window

SIZES = [*SCREENS, "narrow"]  # narrow: the ~300×250 dock a user had at 1366×768
GHOST_HALF_WIDTH = 0.41  # the dashed bars are the widest (0.82)


def _chart(qtbot, monkeypatch, stem, size):
    win = open_window(qtbot, monkeypatch, stem, SCREENS[0] if size == "narrow" else size)
    chart = win.chart
    if size == "narrow":
        chart.setParent(None)  # out of the dock, which would hold it at the dock's size
        qtbot.addWidget(chart)
        chart.resize(300, 250)
        chart.show()
        qtbot.wait(20)
    return win, chart


def _bar_ticks(chart) -> list[tuple[float, str]]:
    return [(x, t) for x, t in chart.tick_texts if not t.startswith("\n")]


def _group_ticks(chart) -> list[tuple[float, str]]:
    return [(x, t[1:]) for x, t in chart.tick_texts if t.startswith("\n")]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("stem", list(EXAMPLES))
def test_chart_reads_plainly(qtbot, monkeypatch, stem, size):
    win, chart = _chart(qtbot, monkeypatch, stem, size)
    ref = EXAMPLES[stem]
    grads = ref.grads()  # plain torch: out.backward(gradient=v)
    left = chart.getAxis("left")
    assert left.autoSIPrefixScale == 1.0
    assert "x0." not in left.labelString() and "x1e" not in left.labelString()
    # the title names the real leaves
    for name in ref.names:
        assert f"{name}.grad" in chart.title
    assert chart.getPlotItem().titleLabel.text == chart.title
    # one group label per leaf, centred under its bars
    groups = _group_ticks(chart)
    assert [t for _, t in groups] == ref.names
    bars_x = chart.bars.opts["x"].tolist()
    start = 0
    for (x, _), name in zip(groups, ref.names, strict=True):
        xs = bars_x[start:start + len(grads[name])]
        assert x == pytest.approx((xs[0] + xs[-1]) / 2)
        start += len(grads[name])
    # every bar and every label inside the plot, no two bar labels touching
    (x0, x1), _ = chart.getPlotItem().vb.viewRange()
    assert all(x0 <= x - GHOST_HALF_WIDTH and x + GHOST_HALF_WIDTH <= x1 for x in bars_x)
    fm = QFontMetricsF(chart.tick_font)
    assert chart.tick_font.pixelSize() >= 10
    ppu = chart.getPlotItem().vb.width() / (x1 - x0)
    for x, text in chart.tick_texts:
        half = fm.horizontalAdvance(text.strip()) / 2
        assert (x - x0) * ppu >= half and (x1 - x) * ppu >= half, text
    ticks = _bar_ticks(chart)
    assert len(ticks) == len(bars_x)  # these examples have room for every bar's label
    for (xa, a), (xb, b) in zip(ticks, ticks[1:], strict=False):
        assert (xb - xa) * ppu >= (fm.horizontalAdvance(a) + fm.horizontalAdvance(b)) / 2
    # signed values on the bars, equal to plain torch's grads to the digits shown
    expected = [g for name in ref.names for g in grads[name]]
    assert len(chart.value_texts) == len(expected)
    value_fm = QFontMetricsF(chart.font())
    for text, value in zip(chart.value_texts, expected, strict=True):
        assert_shows(text, value)
        assert value_fm.horizontalAdvance(text) <= ppu
    drawn = [label.toPlainText() for label in chart.value_labels if label.isVisible()]
    assert drawn == chart.value_texts
    assert chart.getPlotItem().geometry().width() <= chart.width()  # nothing beyond the edge
    image = chart.grab()
    assert (image.width(), image.height()) == (chart.width(), chart.height())
    win.runner.shutdown()


def test_axis_text_follows_the_theme(qtbot, monkeypatch):
    from gui import style
    from gui.files.theme import apply_theme

    win, chart = _chart(qtbot, monkeypatch, "tour_07_linear_layer", (1366, 768))
    try:
        for theme in ("dark", "light"):
            apply_theme(theme, win.refresh_colours)
            qtbot.wait(20)
            expected = style.text_colour()
            assert style.is_dark() == (theme == "dark")
            assert chart.getAxis("bottom").textPen().color() == expected
            visible = [label for label in chart.value_labels if label.isVisible()]
            assert visible and all(label.color == expected for label in visible)
    finally:
        apply_theme("light")
        win.runner.shutdown()


def test_softmax_axis_is_not_scaled_by_an_si_prefix(qtbot, monkeypatch):
    """The report: `gradient (x0.001)` with ticks 600, −200 while the bars read 0.2335."""
    win, chart = _chart(qtbot, monkeypatch, "tour_06_softmax_jacobian", (1366, 768))
    left = chart.getAxis("left")
    lo, hi = chart.getPlotItem().vb.viewRange()[1]
    assert hi - lo < 1  # small values: pyqtgraph's automatic prefix would scale these

    def tick_strings() -> list[str]:
        levels = left.tickValues(lo, hi, left.height())
        return [text for spacing, values in levels
                for text in left.tickStrings(values, left.autoSIPrefixScale * left.scale,
                                             spacing)]

    assert tick_strings() and all(lo - 1e-9 <= float(t) <= hi + 1e-9 for t in tick_strings())
    assert "(x" not in left.labelString()
    left.enableAutoSIPrefix(True)  # what the chart had: the same check then fails
    assert "(x0.001)" in left.labelString()
    assert any(float(t) > hi for t in tick_strings())
    win.runner.shutdown()


def _chain_window(qtbot, names: list[str]):
    """out = n0 * n1 * … elementwise, with a seed; leaves named `names`."""
    from gui.main_window import MainWindow

    doc = Document()
    leaves = [doc.add_node("leaf", n, value=[0.5 + i, -1.25]) for i, n in enumerate(names)]
    prev = leaves[0]
    for i, leaf in enumerate(leaves[1:]):
        last = i == len(leaves) - 2
        node = doc.add_node("mul", f"m{i}", is_output=last, seed=[1.0, -0.5] if last else None)
        doc.add_edge(prev.id, node.id, "input")
        doc.add_edge(leaf.id, node.id, "other")
        prev = node
    win = MainWindow(doc)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    return win


def test_many_leaves_abbreviate_the_title_and_keep_a_name_per_leaf(qtbot):
    names = ["alpha", "beta", "gamma", "delta", "epsilon"]
    win = _chain_window(qtbot, names)
    chart = win.chart
    chart.setParent(None)
    qtbot.addWidget(chart)
    chart.resize(300, 250)
    chart.show()
    qtbot.wait(20)
    title = chart.getPlotItem().titleLabel
    assert title.item.boundingRect().width() <= chart.getPlotItem().vb.width() + 16
    assert "vᵀJ" in chart.title and ("5 leaves" in chart.title or "epsilon" in chart.title)
    groups = [t for _, t in _group_ticks(chart)]
    assert len(groups) == len(names)
    for shown, name in zip(groups, names, strict=True):  # the name, or its start and "…"
        assert shown == name or (shown.endswith("…") and name.startswith(shown[:-1]))
    assert chart.getPlotItem().geometry().width() <= chart.width()
    win.runner.shutdown()


FROZEN_FIRST_LAYER = """import torch
import torch.nn as nn
torch.manual_seed(0)
fc1 = nn.Linear(10, 20)
fc2 = nn.Linear(20, 1)
fc1.weight.requires_grad = False
fc1.bias.requires_grad = False
x = torch.randn(1, 10)
loss = fc2(torch.relu(fc1(x))).sum()
loss.backward()
"""


@pytest.mark.parametrize("width", [400, 1000])
def test_a_leaf_whose_grad_is_none_is_labelled_inside_its_slot(qtbot, width):
    """Frozen layers beside 20 bars: each None slot says so (over two lines, upwards, or
    "None" upwards, as its width allows) without running into the next one."""
    from engine.snippets.reader import import_snippet
    from gui.launch import open_offscreen

    win = open_offscreen(import_snippet(FROZEN_FIRST_LAYER))
    qtbot.addWidget(win)
    chart = win.chart
    chart.setParent(None)
    qtbot.addWidget(chart)
    chart.resize(width, 260)
    chart.show()
    qtbot.wait(20)
    assert chart.none_names == ["fc1_weight", "fc1_bias"]
    unit = chart.px_per_unit()
    shown = [label for label in chart.none_labels[:2] if label.isVisible()]
    assert len(shown) == 2
    view = chart.getPlotItem().vb
    for label, name in zip(shown, chart.none_names, strict=True):
        assert "None" in label.textItem.toPlainText()
        if width == 1000:  # room for the name
            assert name in label.textItem.toPlainText()
        box = view.mapSceneToView(label.sceneBoundingRect()).boundingRect()
        assert box.center().x() == pytest.approx(label.pos().x(), abs=0.1)  # on its own slot
        # across the slot: two lines' widths, or upwards a line's height ("None" alone: its
        # letters' height, having no descender)
        fm = QFontMetricsF(label.textItem.font())
        text = label.textItem.toPlainText()
        if label.angle == 0:
            across = max(fm.horizontalAdvance(t) for t in text.split("\n"))
        else:
            across = fm.capHeight() if text == "None" else fm.height()
        assert across <= unit
    win.runner.shutdown()
