"""The Jacobian lens: J as a heatmap, v beside it, vᵀJ under it, and the check against .grad.

Rows are output elements, columns leaf elements. Every number comes from the run's `lens`
(engine/jacobian.py, computed by torch in the run job). Hovering row i shows vᵢ·Jᵢ; a one-hot
seed outlines the row it selects.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from engine.format import number, preview
from engine.lens import Lens
from engine.trace import Run
from gui import style

LABEL_W = 70
HEADER_H = 22


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


class JacobianView(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setMouseTracking(True)
        self.setMinimumSize(260, 180)
        self.lens: Lens | None = None
        self.names: dict[str, str] = {}
        self.hover_row: int | None = None
        self.highlighted_row: int | None = None
        self.check_text = ""
        self.status_text = "run the graph to see J"

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(380, 300)

    # ---- data -----------------------------------------------------------------------------
    def show_run(self, run: Run | None) -> None:
        self.lens = run.lens if run else None
        self.names = run.names if run else {}
        self.hover_row = None
        self.highlighted_row = self._one_hot_row()
        self.check_text = self._check()
        self.status_text = self._default_status()
        self.update()

    def matrix(self) -> list[list[float]] | None:
        lens = self.lens
        return None if lens is None or lens.jacobian is None else lens.jacobian.tolist()

    def _one_hot_row(self) -> int | None:
        lens = self.lens
        if lens is None or lens.v is None:
            return None
        v = lens.v.tolist()
        nonzero = [i for i, x in enumerate(v) if x != 0]
        return nonzero[0] if len(nonzero) == 1 and len(v) > 1 and v[nonzero[0]] == 1 else None

    def _check(self) -> str:
        lens = self.lens
        if lens is None or lens.vjp is None or lens.matches is None:
            return ""
        if lens.matches:
            return "vᵀJ = .grad of the backward run  ✓"
        where = lens.col_labels[lens.worst_column] if lens.worst_column is not None else "?"
        return f"vᵀJ ≠ .grad: largest difference {number(lens.max_difference)} at {where}"

    def _default_status(self) -> str:
        lens = self.lens
        if lens is None:
            return "run the graph to see J"
        if lens.jacobian is None:
            return lens.note
        if self.highlighted_row is not None:
            return (f"v is one-hot at {lens.row_labels[self.highlighted_row]}: "
                    f"vᵀJ picks row {self.highlighted_row} of J")
        return lens.note or "hover a row: vᵢ·Jᵢ is what that output element contributes"

    def row_text(self, i: int) -> str:
        lens = self.lens
        assert lens is not None and lens.v is not None and lens.contributions is not None
        assert lens.jacobian is not None
        return (f"{lens.row_labels[i]}: v{_sub(i)}·J{_sub(i)} = {number(float(lens.v[i]))} · "
                f"{preview(lens.jacobian[i], 8)} = {preview(lens.contributions[i], 8)}")

    # ---- geometry -------------------------------------------------------------------------
    def _cell(self) -> float:
        lens = self.lens
        assert lens is not None and lens.jacobian is not None
        rows, cols = lens.jacobian.shape
        width = (self.width() - LABEL_W - 16) / (cols + 1.4)
        height = (self.height() - HEADER_H - 70) / (rows + 1.6)
        return max(4.0, min(56.0, width, height))

    def _origin(self) -> tuple[float, float]:
        return LABEL_W + self._cell() * 1.4, HEADER_H + 18

    def _row_at(self, y: float) -> int | None:
        if self.lens is None or self.lens.jacobian is None:
            return None
        _, top = self._origin()
        i = math.floor((y - top) / self._cell())
        return i if 0 <= i < self.lens.jacobian.shape[0] else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        row = self._row_at(event.position().y())
        if row != self.hover_row:
            self.hover_row = row
            ok = row is not None and self.lens is not None and self.lens.v is not None
            self.status_text = self.row_text(row) if ok and row is not None \
                else self._default_status()
            self.setToolTip(self.status_text if row is not None else "")
            self.update()

    def leaveEvent(self, event) -> None:  # noqa: N802, ANN001
        self.hover_row = None
        self.status_text = self._default_status()
        self.update()

    # ---- painting -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = style.text_colour()
        p.setPen(text)
        lens = self.lens
        if lens is None or lens.jacobian is None:
            p.drawText(self.rect().adjusted(10, 10, -10, -10), Qt.TextFlag.TextWordWrap,
                       self.status_text)
            return
        j = lens.jacobian.tolist()
        rows, cols = len(j), len(j[0]) if j else 0
        cell = self._cell()
        left, top = self._origin()
        values = [x for r in j for x in r]
        if lens.v is not None:
            values += lens.v.tolist()
        if lens.vjp is not None:
            values += lens.vjp.tolist()
        scale = max((abs(x) for x in values if math.isfinite(x)), default=1.0) or 1.0
        p.drawText(QRectF(0, 0, self.width(), HEADER_H), Qt.AlignmentFlag.AlignCenter,
                   "J  (rows: output elements · columns: leaf elements)")
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, min(9.0, cell / 4.2)))
        p.setFont(small)
        show_numbers = cell >= 30
        # column labels and the v header
        for c in range(cols):
            p.drawText(QRectF(left + c * cell, top - 18, cell, 16), Qt.AlignmentFlag.AlignCenter,
                       lens.col_labels[c] if cell >= 26 else "")
        p.drawText(QRectF(left - cell * 1.3, top - 18, cell, 16), Qt.AlignmentFlag.AlignCenter,
                   "v")
        for r in range(rows):
            y = top + r * cell
            p.setPen(text)
            p.drawText(QRectF(2, y, LABEL_W - 6 - cell * 0.1, cell),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       lens.row_labels[r])
            if lens.v is not None:
                self._draw_cell(p, QRectF(left - cell * 1.3, y, cell, cell),
                                float(lens.v[r]), scale, show_numbers)
            for c in range(cols):
                self._draw_cell(p, QRectF(left + c * cell, y, cell, cell), j[r][c], scale,
                                show_numbers)
        for row, colour, width in ((self.highlighted_row, style.PURPLE, 3),
                                   (self.hover_row, style.text_colour().name(), 2)):
            if row is not None:
                p.setPen(QPen(QColor(colour), width))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(left - cell * 1.3, top + row * cell, cell * (cols + 1.3), cell))
        y = top + rows * cell + cell * 0.3
        p.setPen(text)
        p.drawText(QRectF(2, y, LABEL_W - 6, cell),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "vᵀJ")
        if lens.vjp is not None:
            for c, value in enumerate(lens.vjp.tolist()):
                self._draw_cell(p, QRectF(left + c * cell, y, cell, cell), value, scale,
                                show_numbers)
        p.setPen(text)
        base = y + cell + 6
        p.setFont(self.font())
        status = QRectF(8, base, self.width() - 16, self.height() - base)
        p.drawText(status, Qt.TextFlag.TextWordWrap, self.status_text)
        if self.check_text:
            ok = self.lens is not None and self.lens.matches
            p.setPen(QColor(style.GREEN if ok else style.VERMILLION))
            p.drawText(status.adjusted(0, 36, 0, 0), Qt.TextFlag.TextWordWrap, self.check_text)

    def _draw_cell(self, p: QPainter, rect: QRectF, value: float, scale: float,
                   show_number: bool) -> None:
        background = style.canvas_background()
        if not math.isfinite(value):
            fill = QColor(style.VERMILLION)
        else:
            hue = QColor(style.POSITIVE if value >= 0 else style.NEGATIVE)
            fill = _mix(background, hue, min(abs(value) / scale, 1.0) * 0.85)
        p.setPen(QPen(QColor(style.GREY), 0.5))
        p.setBrush(fill)
        p.drawRect(rect)
        if show_number:
            p.setPen(QColor("#FFFFFF") if fill.lightness() < 120 else QColor("#1A1A1A"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, number(value, 3))


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
