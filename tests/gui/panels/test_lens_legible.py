"""The Jacobian lens is readable in the first-start layout at 1366×768 and 1920×1080, and in a
narrower dock: every number fits its cell with its sign and equals torch's Jacobian to the
digits shown; headers never overlap; a J too big for numbers stays a heatmap that says so."""

from __future__ import annotations

import random

import pytest
import torch
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF

from engine.document import Document
from gui import style
from gui.panels import jacobian_view
from tests.gui.legibility import EXAMPLES, SCREENS, assert_shows, open_window

SIZES = [*SCREENS, "narrow"]  # narrow: the ~300×250 dock a user had at 1366×768


def _lens(qtbot, monkeypatch, stem, size):
    win = open_window(qtbot, monkeypatch, stem, SCREENS[0] if size == "narrow" else size)
    lens = win.jacobian
    if size == "narrow":
        lens.setParent(None)  # out of the dock, which would hold it at the dock's size
        qtbot.addWidget(lens)
        lens.resize(300, 250)
        lens.show()
        qtbot.wait(20)
    return win, lens


def _overlap(a: QRectF, b: QRectF) -> bool:
    """More than touching (shared edges of adjacent boxes differ by rounding only)."""
    common = a.intersected(b)
    return common.width() > 0.5 and common.height() > 0.5


def _inside(rect: QRectF, lens) -> bool:
    return rect.left() >= 0 and rect.top() >= 0 and rect.right() <= lens.width() + 0.5 \
        and rect.bottom() <= lens.height() + 0.5


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("stem", list(EXAMPLES))
def test_every_cell_shows_its_signed_value(qtbot, monkeypatch, stem, size):
    win, lens = _lens(qtbot, monkeypatch, stem, size)
    ref = EXAMPLES[stem]
    expected_j = ref.jacobian()
    expected_vjp = ref.v @ expected_j
    g = lens.placement()
    assert g.numbers, f"{stem} at {size}: no numbers in {lens.width()}×{lens.height()}"
    fm = QFontMetricsF(g.font)
    assert g.font.pixelSize() >= style.MIN_TEXT_PX
    assert fm.height() <= g.cell_h
    rows, cols = expected_j.shape
    assert [len(r) for r in g.texts] == [cols] * rows
    for r in range(rows):
        for c in range(cols):
            text = g.texts[r][c]
            assert fm.horizontalAdvance(text) <= g.cell_w, text
            assert_shows(text, float(expected_j[r, c]))
    for text, value in [*zip(g.v_texts, ref.v.tolist(), strict=True),
                        *zip(g.vjp_texts, expected_vjp.tolist(), strict=True)]:
        assert fm.horizontalAdvance(text) <= g.cell_w, text
        assert_shows(text, value)
    assert "✓" in lens.check_text
    # the whole grid, the status and the check line lie inside the widget
    line = QFontMetricsF(lens.font()).height()
    assert g.left + cols * g.cell_w <= lens.width()
    assert g.status_top + (g.status_lines + 1) * line <= lens.height() + 0.5
    image = lens.grab()  # paints every label without error at this size
    assert (image.width(), image.height()) == (lens.width(), lens.height())
    win.runner.shutdown()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("stem", list(EXAMPLES))
def test_headers_name_every_column_and_never_overlap(qtbot, monkeypatch, stem, size):
    win, lens = _lens(qtbot, monkeypatch, stem, size)
    g = lens.placement()
    fm = QFontMetricsF(g.font)
    labels = lens.lens.col_labels
    headers = [(rect, text) for rect, text in g.header_rects if text != "v"]
    assert len(headers) == len(labels)  # these small J name every column
    for (rect, text), label in zip(headers, labels, strict=True):
        assert label.endswith(text) or label.endswith(f"[{text}]")
        assert fm.horizontalAdvance(text) <= (rect.height() if g.rotated else rect.width())
        assert _inside(rect, lens)
    if g.grouped:  # the leaf names, each centred over its own columns
        assert [text for _, text in g.group_rects] == EXAMPLES[stem].names
    boxes = [rect for rect, _ in g.header_rects + g.group_rects + g.row_label_rects]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlap(a, b), (a, b)
    for rect, text in g.row_label_rects:
        assert fm.horizontalAdvance(text) <= rect.width()
    title = QFontMetricsF(lens.font()).horizontalAdvance(g.title)
    assert title <= lens.width() - 2 * jacobian_view.MARGIN
    win.runner.shutdown()


def test_linear_layer_headers_are_grouped_not_run_together(qtbot, monkeypatch):
    """The report: `W[0,0W[0,1…` at 1366×768. Now W and b head their columns' indices."""
    win, lens = _lens(qtbot, monkeypatch, "tour_07_linear_layer", (1366, 768))
    g = lens.placement()
    assert g.grouped
    assert [t for _, t in g.header_rects] == ["v", "0,0", "0,1", "0,2", "1,0", "1,1", "1,2",
                                              "0", "1"]
    win.runner.shutdown()


def test_hovering_a_cell_gives_its_exact_value(qtbot, monkeypatch):
    win, lens = _lens(qtbot, monkeypatch, "tour_06_softmax_jacobian", (1366, 768))
    expected = EXAMPLES["tour_06_softmax_jacobian"].jacobian()
    g = lens.placement()
    at = QRectF(g.left + 2 * g.cell_w, g.top, g.cell_w, g.cell_h).center()  # J[0, 2]
    text = lens.cell_tooltip(at)
    assert text.startswith("J[0, 2] = ∂p[0]/∂z[2] = ")
    assert float(text.rsplit("= ", 1)[1]) == pytest.approx(float(expected[0, 2]), rel=1e-6)
    assert float(text.rsplit("= ", 1)[1]) < 0
    win.runner.shutdown()


def _matmul_window(qtbot, n: int, m: int):
    from gui.main_window import MainWindow

    random.seed(7)
    w_value = [[round(random.uniform(-1, 1), 4) for _ in range(m)] for _ in range(n)]
    x_value = [round(random.uniform(-1, 1), 4) for _ in range(m)]
    doc = Document()
    w = doc.add_node("leaf", "weights", value=w_value)
    x = doc.add_node("leaf", "x", value=x_value)
    y = doc.add_node("matmul", "y", is_output=True, seed=[1.0] * n)
    doc.add_edge(w.id, y.id, "input")
    doc.add_edge(x.id, y.id, "other")
    win = MainWindow(doc)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    return win, torch.tensor(w_value), torch.tensor(x_value)


def test_a_large_j_stays_a_heatmap_with_values_on_hover(qtbot):
    win, w, x = _matmul_window(qtbot, 12, 12)
    lens = win.jacobian
    lens.setParent(None)
    qtbot.addWidget(lens)
    lens.resize(400, 180)
    lens.show()
    qtbot.wait(20)
    g = lens.placement()
    assert not g.numbers and g.texts == []
    assert "hover" in g.title and "12×156" in g.title
    parts = torch.autograd.functional.jacobian(lambda a, b: a @ b, (w, x))
    expected = torch.cat([p.reshape(12, -1) for p in parts], dim=1)
    at = QRectF(g.left + 150 * g.cell_w, g.top + 3 * g.cell_h, g.cell_w, g.cell_h).center()
    text = lens.cell_tooltip(at)
    assert text.startswith("J[3, 150] = ∂y[3]/∂x[6] = ")
    assert float(text.rsplit("= ", 1)[1]) == pytest.approx(float(expected[3, 150]), rel=1e-6)
    fm = QFontMetricsF(g.font)
    boxes = [rect for rect, _ in g.header_rects + g.group_rects + g.row_label_rects]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlap(a, b), (a, b)
    assert all(fm.horizontalAdvance(t) <= r.width() for r, t in g.row_label_rects)
    lens.grab()
    win.runner.shutdown()
