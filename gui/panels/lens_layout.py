"""Where the Jacobian lens draws what at one size: cells, row labels, column headers, title.

Every label is measured before it is placed: a number loses digits, then goes scientific, and
when even that does not fit its cell the lens stays a heatmap and its title says the values are
on hover. Column headers go from full labels to per-leaf groups with element indices, turned on
end, then thinned. Nothing here paints; gui/panels/lens_painting.py draws what this places.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF

from engine.format import element_index, fitted_numbers, shape_text
from engine.lens import Lens
from gui import style

CELL_FONT_PX = (12, 11, style.MIN_TEXT_PX)  # tried largest first for the numbers in cells
MAX_CELL_W, MAX_CELL_H = 64.0, 40.0
GAP = 6.0  # between v and J, and between J and vᵀJ
MARGIN = 6.0
TITLES = ("J  (rows: output elements · columns: leaf elements)",
          "J  (rows: outputs · columns: leaf elements)", "J  (rows: outputs · cols: leaves)", "J")


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


class LensGeometry:
    """Lays out one lens (with a J) in a widget of `width` × `height` drawn in `font`."""

    def __init__(self, lens: Lens, names: dict[str, str], font: QFont, width: float,
                 height: float, has_check: bool) -> None:
        self.lens = lens
        self.names = names
        self.font = font
        self.width = width
        self.height = height
        self.has_check = has_check  # a check line under the status takes a line

    def layout(self) -> Layout:
        """The largest cell font whose numbers fit, else a heatmap with the smallest one."""
        lens = self.lens
        assert lens.jacobian is not None
        line = QFontMetricsF(self.font).height()
        has_check = self.has_check
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
        assert lens.jacobian is not None
        j = lens.jacobian.tolist()
        rows, cols = len(j), len(j[0]) if j else 0
        font = QFont(self.font)
        font.setPixelSize(px)
        fm = QFontMetricsF(font)
        out = Layout(font=font, status_lines=status_lines)
        out.title_h = QFontMetricsF(self.font).height() + 4
        row_names = lens.row_labels + ["vᵀJ"]
        out.label_w = min(max(fm.horizontalAdvance(t) for t in row_names) + 8,
                          self.width * 0.3)
        v_cols = 1 if lens.v is not None else 0
        avail_w = self.width - out.label_w - 2 * MARGIN - (GAP if v_cols else 0)
        out.cell_w = max(3.0, min(MAX_CELL_W, avail_w / max(cols + v_cols, 1)))
        spare = avail_w - out.cell_w * (cols + v_cols)
        out.x0 = MARGIN + max(0.0, spare / 2)  # a small J sits in the middle
        out.v_left = out.x0 + out.label_w
        out.left = out.v_left + (out.cell_w + GAP if v_cols else 0)
        header_h = self._headers(out, fm)
        out.top = out.title_h + header_h
        avail_h = self.height - out.top - bottom - GAP
        out.cell_h = max(3.0, min(MAX_CELL_H, out.cell_w, avail_h / (rows + 1)))
        out.vjp_top = out.top + rows * out.cell_h + GAP
        out.status_top = out.vjp_top + out.cell_h + MARGIN
        self._place_headers(out, fm)
        step = max(1, math.ceil(fm.height() / out.cell_h))  # thinned rows: no overlap
        for r in range(0, rows, step):
            text = fm.elidedText(lens.row_labels[r], Qt.TextElideMode.ElideLeft, out.label_w - 6)
            out.row_label_rects.append((self._label_rect(out, out.top + r * out.cell_h, fm),
                                        text))
        if not self.lens.whole_j:  # a jacobian call has no vᵀJ row to name
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
        fm = QFontMetricsF(self.font)
        room = self.width - 2 * MARGIN
        choices: tuple[str, ...] = TITLES
        if self.lens.whole_j:  # J by the call's inputs, whatever their requires_grad
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
