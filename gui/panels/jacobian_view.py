"""The Jacobian lens: J as a heatmap, v beside it, vᵀJ under it, and the check against .grad.

Rows are output elements, columns leaf elements. Every number comes from the run's `lens`
(engine/jacobian.py, computed by torch in the run job). Hovering row i shows vᵢ·Jᵢ and a cell
its exact value; a one-hot seed outlines the row it selects. Every label is measured before it
is drawn: a number loses digits, then goes scientific, and when even that does not fit its cell
the lens stays a heatmap and its title says the values are on hover. Column headers go from
full labels to per-leaf groups with element indices, turned on end, then thinned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from engine.format import element_index, fitted_numbers, number, preview, shape_text
from engine.lens import Lens
from engine.trace import Run
from gui import style

CELL_FONT_PX = (12, 11, style.MIN_TEXT_PX)  # tried largest first for the numbers in cells
MAX_CELL_W, MAX_CELL_H = 64.0, 40.0
GAP = 6.0  # between v and J, and between J and vᵀJ
MARGIN = 6.0
TITLES = ("J  (rows: output elements · columns: leaf elements)",
          "J  (rows: outputs · columns: leaf elements)", "J  (rows: outputs · cols: leaves)", "J")


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
        self.run: Run | None = None
        self.call: int | None = None  # the call picked elsewhere (None: the first backward)
        self._layout_cache: tuple[tuple[int, int, int], Layout] | None = None

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(380, 300)

    # ---- data -----------------------------------------------------------------------------
    def show_run(self, run: Run | None) -> None:
        self.run = run
        lens = run.lens if run else None
        self.lens = lens.for_call(self.call) if lens is not None else None
        self.names = run.names if run else {}
        self.hover_row = None
        self.highlighted_row = self._one_hot_row()
        self.check_text = self._check()
        self.status_text = self._default_status()
        self._layout_cache = None
        self.update()

    def show_call(self, index: int | None) -> None:
        """J and v of call `index` (the chart's chosen call; a call with no J of its own, such
        as a zero_grad: the first backward call's)."""
        self.call = index
        self.show_run(self.run)

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
        return self.lens.check_line() if self.lens is not None else ""

    def _whole_j(self) -> bool:
        """The lens shows a jacobian call: J by its inputs, with no v and no vᵀJ."""
        return self.lens is not None and self.lens.whole_j

    def _default_status(self) -> str:
        lens = self.lens
        if lens is None:
            return "run the graph to see J"
        which = f"{lens.label} · " if lens.label else ""  # with several calls: which one
        if lens.jacobian is None:
            return which + lens.note
        if self.highlighted_row is not None:
            return (f"{which}v is one-hot at {lens.row_labels[self.highlighted_row]}: "
                    f"vᵀJ picks row {self.highlighted_row} of J")
        return which + (lens.note or "hover a row: vᵢ·Jᵢ is what that output element "
                        "contributes")

    def row_text(self, i: int) -> str:
        lens = self.lens
        assert lens is not None and lens.v is not None and lens.contributions is not None
        assert lens.jacobian is not None
        return (f"{lens.row_labels[i]}: v{_sub(i)}·J{_sub(i)} = {number(float(lens.v[i]))} · "
                f"{preview(lens.jacobian[i], 8)} = {preview(lens.contributions[i], 8)}")

    # ---- geometry -------------------------------------------------------------------------
    def placement(self) -> Layout:
        """Where everything goes at the current size (cached until the size or the run changes)."""
        lens = self.lens
        assert lens is not None and lens.jacobian is not None
        key = (self.width(), self.height(), id(lens))
        if self._layout_cache is None or self._layout_cache[0] != key:
            self._layout_cache = (key, self._compute_layout())
        return self._layout_cache[1]

    def _compute_layout(self) -> Layout:
        lens = self.lens
        assert lens is not None and lens.jacobian is not None
        line = QFontMetricsF(self.font()).height()
        has_check = bool(self.check_text)
        for px in CELL_FONT_PX:  # a one-line status before a smaller font
            for status_lines in (2, 1):
                bottom = line * (status_lines + has_check) + 2 * MARGIN
                grid = self._grid(px, bottom, status_lines)
                if grid.numbers:
                    return grid
        return self._grid(style.MIN_TEXT_PX, line * (2 + has_check) + 2 * MARGIN, 2)

    def _grid(self, px: int, bottom: float, status_lines: int) -> Layout:
        """The grid with cell text of `px` pixels, leaving `bottom` for the status lines."""
        lens = self.lens
        assert lens is not None and lens.jacobian is not None
        j = lens.jacobian.tolist()
        rows, cols = len(j), len(j[0]) if j else 0
        font = QFont(self.font())
        font.setPixelSize(px)
        fm = QFontMetricsF(font)
        out = Layout(font=font, status_lines=status_lines)
        out.title_h = QFontMetricsF(self.font()).height() + 4
        row_names = lens.row_labels + ["vᵀJ"]
        out.label_w = min(max(fm.horizontalAdvance(t) for t in row_names) + 8,
                          self.width() * 0.3)
        v_cols = 1 if lens.v is not None else 0
        avail_w = self.width() - out.label_w - 2 * MARGIN - (GAP if v_cols else 0)
        out.cell_w = max(3.0, min(MAX_CELL_W, avail_w / max(cols + v_cols, 1)))
        spare = avail_w - out.cell_w * (cols + v_cols)
        out.x0 = MARGIN + max(0.0, spare / 2)  # a small J sits in the middle
        out.v_left = out.x0 + out.label_w
        out.left = out.v_left + (out.cell_w + GAP if v_cols else 0)
        header_h = self._headers(out, fm)
        out.top = out.title_h + header_h
        avail_h = self.height() - out.top - bottom - GAP
        out.cell_h = max(3.0, min(MAX_CELL_H, out.cell_w, avail_h / (rows + 1)))
        out.vjp_top = out.top + rows * out.cell_h + GAP
        out.status_top = out.vjp_top + out.cell_h + MARGIN
        self._place_headers(out, fm)
        step = max(1, math.ceil(fm.height() / out.cell_h))  # thinned rows: no overlap
        for r in range(0, rows, step):
            text = fm.elidedText(lens.row_labels[r], Qt.TextElideMode.ElideLeft, out.label_w - 6)
            out.row_label_rects.append((self._label_rect(out, out.top + r * out.cell_h, fm),
                                        text))
        if not self._whole_j():  # a jacobian call has no vᵀJ row to name
            out.row_label_rects.append((self._label_rect(out, out.vjp_top, fm), "vᵀJ"))
        if fm.height() <= out.cell_h:
            def fits(text: str) -> bool:
                return fm.horizontalAdvance(text) <= out.cell_w - 4

            v = lens.v.tolist() if lens.v is not None else []
            vjp = lens.vjp.tolist() if lens.vjp is not None else []
            texts = fitted_numbers([x for row in j for x in row] + v + vjp, fits)
            if texts is not None:
                out.numbers = True
                out.texts = [texts[r * cols:(r + 1) * cols] for r in range(rows)]
                out.v_texts = texts[rows * cols:rows * cols + len(v)]
                out.vjp_texts = texts[rows * cols + len(v):]
        out.title = self._title(out.numbers, rows, cols)
        return out

    @staticmethod
    def _label_rect(out: Layout, row_top: float, fm: QFontMetricsF) -> QRectF:
        """A row label's box: centred on its row, at least one text line tall."""
        h = max(out.cell_h, fm.height())
        return QRectF(out.x0, row_top + (out.cell_h - h) / 2, out.label_w - 4, h)

    def _title(self, numbers: bool, rows: int, cols: int) -> str:
        fm = QFontMetricsF(self.font())
        room = self.width() - 2 * MARGIN
        choices: tuple[str, ...] = TITLES
        if self._whole_j():  # J by the call's inputs, whatever their requires_grad
            choices = tuple(t.replace("leaf elements", "input elements")
                            .replace("leaves", "inputs") for t in TITLES)
        if not numbers:  # a heatmap: say where the numbers went
            size = shape_text((rows, cols))
            choices = (f"J ({size}): hover a cell for its value", f"J {size}: values on hover",
                       "values on hover")
        return next((t for t in choices if fm.horizontalAdvance(t) <= room), choices[-1])

    def _headers(self, out: Layout, fm: QFontMetricsF) -> float:
        """Choose how column headers are written; returns the height they need."""
        lens = self.lens
        assert lens is not None
        full = lens.col_labels
        room = out.cell_w - 2
        if max((fm.horizontalAdvance(t) for t in full), default=0) <= room:
            out.col_headers = list(full)
            return fm.height() + 3
        out.col_headers = list(full)  # under a group header: `W[0,1]` → `0,1`
        for leaf_id, start, stop in lens.col_groups:
            name = self.names.get(leaf_id, "")
            for c in range(start, stop):
                out.col_headers[c] = element_index(full[c], name) or full[c]
        out.grouped = True
        widest = max((fm.horizontalAdvance(t) for t in out.col_headers), default=0)
        if widest > room and fm.height() <= room:
            out.rotated = True
            return fm.height() + widest + 6
        return 2 * fm.height() + 3

    def _place_headers(self, out: Layout, fm: QFontMetricsF) -> None:
        """Header rectangles, each as wide as its text (turned ones as tall), none overlapping:
        a header that would touch the one before it is left out (its column's tooltip has it)."""
        lens = self.lens
        assert lens is not None
        h = fm.height()
        bottom = out.top - 2
        placed: list[tuple[QRectF, str]] = []
        if lens.v is not None:
            placed.append((QRectF(out.v_left, bottom - h, out.cell_w, h), "v"))
        for c, label in enumerate(out.col_headers):
            centre = out.left + (c + 0.5) * out.cell_w
            width = fm.horizontalAdvance(label) + 2
            rect = QRectF(centre - h / 2, bottom - width, h, width) if out.rotated \
                else QRectF(centre - width / 2, bottom - h, width, h)
            if placed and placed[-1][0].right() + 2 > rect.left():
                continue
            placed.append((rect, label))
        out.header_rects = placed
        if not out.grouped:
            return
        for leaf_id, start, stop in lens.col_groups:
            name = self.names.get(leaf_id, "")
            if stop - start < 2 and lens.col_labels[start] == name:
                continue  # a scalar leaf: its column header is its name already
            width = (stop - start) * out.cell_w
            text = fm.elidedText(name, Qt.TextElideMode.ElideRight, width - 2)
            out.group_rects.append((QRectF(out.left + start * out.cell_w, out.title_h,
                                           width, h), text))

    def _cell(self) -> float:
        """The height of one row of J."""
        return self.placement().cell_h

    def _origin(self) -> tuple[float, float]:
        """The top-left corner of J's first cell."""
        geometry = self.placement()
        return geometry.left, geometry.top

    def _row_at(self, y: float) -> int | None:
        if self.lens is None or self.lens.jacobian is None:
            return None
        _, top = self._origin()
        i = math.floor((y - top) / self._cell())
        return i if 0 <= i < self.lens.jacobian.shape[0] else None

    def cell_tooltip(self, at: QPointF) -> str:
        """The exact value under the pointer: a J entry, a v entry or a vᵀJ entry."""
        lens = self.lens
        if lens is None or lens.jacobian is None:
            return ""
        g = self.placement()
        rows, cols = lens.jacobian.shape
        c = math.floor((at.x() - g.left) / g.cell_w)
        r = math.floor((at.y() - g.top) / g.cell_h)
        if 0 <= c < cols and 0 <= r < rows:
            return (f"J[{r}, {c}] = ∂{lens.row_labels[r]}/∂{lens.col_labels[c]} = "
                    f"{float(lens.jacobian[r, c])!r}")
        if lens.v is not None and 0 <= r < rows and g.v_left <= at.x() < g.v_left + g.cell_w:
            return f"v[{r}] (seed for {lens.row_labels[r]}) = {float(lens.v[r])!r}"
        if lens.vjp is not None and 0 <= c < cols and g.vjp_top <= at.y() < g.vjp_top + g.cell_h:
            return f"(vᵀJ)[{c}] for {lens.col_labels[c]} = {float(lens.vjp[c])!r}"
        if 0 <= c < cols and at.y() < g.top:
            return lens.col_labels[c]
        return ""

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        row = self._row_at(event.position().y())
        cell = self.cell_tooltip(event.position())
        if row != self.hover_row:
            self.hover_row = row
            ok = row is not None and self.lens is not None and self.lens.v is not None
            self.status_text = self.row_text(row) if ok and row is not None \
                else self._default_status()
            self.update()
        self.setToolTip(cell or (self.status_text if row is not None else ""))

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
        g = self.placement()
        j = lens.jacobian.tolist()
        rows, cols = len(j), len(j[0]) if j else 0
        v = lens.v.tolist() if lens.v is not None else []
        vjp = lens.vjp.tolist() if lens.vjp is not None else []
        # J, v and vᵀJ each shaded against their own largest entry: a v of ones would
        # otherwise wash out a J of thousandths (the heatmap is all a large J shows)
        scale = _largest([x for r in j for x in r])
        v_scale, vjp_scale = _largest(v), _largest(vjp)
        p.drawText(QRectF(MARGIN, 0, self.width() - 2 * MARGIN, g.title_h),
                   Qt.AlignmentFlag.AlignCenter, g.title)
        p.setFont(g.font)
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
        for r in range(rows):
            y = g.top + r * g.cell_h
            if lens.v is not None:
                self._draw_cell(p, QRectF(g.v_left, y, g.cell_w, g.cell_h), v[r], v_scale,
                                g.v_texts[r] if g.numbers else "")
            for c in range(cols):
                self._draw_cell(p, QRectF(g.left + c * g.cell_w, y, g.cell_w, g.cell_h),
                                j[r][c], scale, g.texts[r][c] if g.numbers else "")
        for row, colour, width in ((self.highlighted_row, style.PURPLE, 3),
                                   (self.hover_row, style.text_colour().name(), 2)):
            if row is not None:
                p.setPen(QPen(QColor(colour), width))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(g.v_left, g.top + row * g.cell_h,
                                  g.left - g.v_left + g.cell_w * cols, g.cell_h))
        p.setPen(text)
        for c, value in enumerate(vjp):
            self._draw_cell(p, QRectF(g.left + c * g.cell_w, g.vjp_top, g.cell_w, g.cell_h),
                            value, vjp_scale, g.vjp_texts[c] if g.numbers else "")
        p.setPen(text)
        p.setFont(self.font())
        fm = QFontMetricsF(self.font())
        y = g.status_top
        for line in _wrap(self.status_text, fm, self.width() - 2 * MARGIN, g.status_lines):
            p.drawText(QPointF(MARGIN, y + fm.ascent()), line)
            y += fm.height()
        if self.check_text:
            ok = self.lens is not None and self.lens.matches
            p.setPen(QColor(style.GREEN if ok else style.VERMILLION))
            line = fm.elidedText(self.check_text, Qt.TextElideMode.ElideRight,
                                 self.width() - 2 * MARGIN)
            p.drawText(QPointF(MARGIN, y + fm.ascent()), line)

    def _draw_cell(self, p: QPainter, rect: QRectF, value: float, scale: float,
                   label: str) -> None:
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


@dataclass
class Layout:
    """Where the lens draws what at one size; `texts` etc. are the cell labels when they fit."""

    font: QFont
    status_lines: int
    title: str = ""
    title_h: float = 0.0
    x0: float = 0.0  # the row labels' left edge
    label_w: float = 0.0
    left: float = 0.0  # J's first column
    top: float = 0.0  # J's first row
    v_left: float = 0.0
    vjp_top: float = 0.0
    status_top: float = 0.0
    cell_w: float = 0.0
    cell_h: float = 0.0
    col_headers: list[str] = field(default_factory=list)
    grouped: bool = False  # leaf names above, element indices below
    rotated: bool = False
    numbers: bool = False  # False: a heatmap, values on hover
    texts: list[list[str]] = field(default_factory=list)
    v_texts: list[str] = field(default_factory=list)
    vjp_texts: list[str] = field(default_factory=list)
    header_rects: list[tuple[QRectF, str]] = field(default_factory=list)
    group_rects: list[tuple[QRectF, str]] = field(default_factory=list)
    row_label_rects: list[tuple[QRectF, str]] = field(default_factory=list)


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


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
