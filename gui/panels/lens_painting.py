"""Painting the Jacobian lens from its Layout: the shaded cells, the labels, the status lines.

J, v and vᵀJ are each shaded against their own largest entry; the one-hot row and the hovered
row are outlined; the status wraps to the lines the layout left for it and the check line is
green when vᵀJ matched what torch gave, vermillion when not.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from engine.lens import Lens
from gui import style
from gui.panels.lens_layout import MARGIN, Layout


def paint_lens(p: QPainter, lens: Lens, g: Layout, width: float, font: QFont,
               marked_rows: tuple[int | None, int | None], status: str, check: str) -> None:
    """Everything but the empty lens; `marked_rows` is (the one-hot row, the hovered row)."""
    assert lens.jacobian is not None
    text = style.text_colour()
    j = lens.jacobian.tolist()
    rows, cols = len(j), len(j[0]) if j else 0
    v = lens.v.tolist() if lens.v is not None else []
    vjp = lens.vjp.tolist() if lens.vjp is not None else []
    # J, v and vᵀJ each shaded against their own largest entry: a v of ones would
    # otherwise wash out a J of thousandths (the heatmap is all a large J shows)
    scale = _largest([x for r in j for x in r])
    v_scale, vjp_scale = _largest(v), _largest(vjp)
    p.drawText(QRectF(MARGIN, 0, width - 2 * MARGIN, g.title_h),
               Qt.AlignmentFlag.AlignCenter, g.title)
    p.setFont(g.font)
    _draw_labels(p, g)
    for r in range(rows):
        y = g.top + r * g.cell_h
        if lens.v is not None:
            _draw_cell(p, QRectF(g.v_left, y, g.cell_w, g.cell_h), v[r], v_scale,
                       g.v_texts[r] if g.numbers else "")
        for c in range(cols):
            _draw_cell(p, QRectF(g.left + c * g.cell_w, y, g.cell_w, g.cell_h),
                       j[r][c], scale, g.texts[r][c] if g.numbers else "")
    highlighted_row, hover_row = marked_rows
    for row, colour, pen_width in ((highlighted_row, style.PURPLE, 3),
                                   (hover_row, style.text_colour().name(), 2)):
        if row is not None:
            p.setPen(QPen(QColor(colour), pen_width))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(g.v_left, g.top + row * g.cell_h,
                              g.left - g.v_left + g.cell_w * cols, g.cell_h))
    p.setPen(text)
    for c, value in enumerate(vjp):
        _draw_cell(p, QRectF(g.left + c * g.cell_w, g.vjp_top, g.cell_w, g.cell_h),
                   value, vjp_scale, g.vjp_texts[c] if g.numbers else "")
    p.setPen(text)
    p.setFont(font)
    fm = QFontMetricsF(font)
    y = g.status_top
    for line in _wrap(status, fm, width - 2 * MARGIN, g.status_lines):
        p.drawText(QPointF(MARGIN, y + fm.ascent()), line)
        y += fm.height()
    if check:
        p.setPen(QColor(style.GREEN if lens.matches else style.VERMILLION))
        line = fm.elidedText(check, Qt.TextElideMode.ElideRight, width - 2 * MARGIN)
        p.drawText(QPointF(MARGIN, y + fm.ascent()), line)


def _draw_labels(p: QPainter, g: Layout) -> None:
    """Group names over their columns, column headers (turned on end if so laid out), row
    labels."""
    centre = Qt.AlignmentFlag.AlignCenter
    for rect, label in g.group_rects:
        p.drawText(rect, centre, label)
        p.drawLine(QPointF(rect.left() + 2, rect.bottom()),
                   QPointF(rect.right() - 2, rect.bottom()))
    for rect, label in g.header_rects:
        if g.rotated and label != "v":  # turned on end, reading upwards
            p.save()
            p.translate(rect.center())
            p.rotate(-90)
            p.drawText(QRectF(-rect.height() / 2, -rect.width() / 2, rect.height(),
                              rect.width()), centre, label)
            p.restore()
        else:
            p.drawText(rect, centre, label)
    for rect, label in g.row_label_rects:
        p.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)


def _draw_cell(p: QPainter, rect: QRectF, value: float, scale: float, label: str) -> None:
    background = style.canvas_background()
    if not math.isfinite(value):
        fill = QColor(style.VERMILLION)
    else:
        hue = QColor(style.POSITIVE if value >= 0 else style.NEGATIVE)
        fill = _mix(background, hue, min(abs(value) / scale, 1.0) * 0.85)
    p.setPen(QPen(QColor(style.GREY), 0.5))
    p.setBrush(fill)
    p.drawRect(rect)
    if label:
        p.setPen(QColor("#FFFFFF") if fill.lightness() < 120 else QColor("#1A1A1A"))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def _largest(values: list[float]) -> float:
    return max((abs(x) for x in values if math.isfinite(x)), default=1.0) or 1.0


def _wrap(text: str, fm: QFontMetricsF, width: float, lines: int) -> list[str]:
    """Greedy word wrap to at most `lines` lines; the last one elided if text remains."""
    out: list[str] = []
    words = text.split(" ")
    while words and len(out) < lines:
        line = words.pop(0)
        while words and fm.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        if len(out) == lines - 1 and words:
            line = fm.elidedText(f"{line} {' '.join(words)}", Qt.TextElideMode.ElideRight, width)
            words = []
        out.append(fm.elidedText(line, Qt.TextElideMode.ElideRight, width))
    return out
