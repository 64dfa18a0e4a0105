"""The Jacobian lens: J as a heatmap, v beside it, vᵀJ under it, and the check against .grad.

Rows are output elements, columns leaf elements. Every number comes from the run's `lens`
(engine/jacobian.py, computed by torch in the run job). Hovering row i shows vᵢ·Jᵢ and a cell
its exact value; a one-hot seed outlines the row it selects. This module holds the lens's
state, its status and hover text; where things go is gui/panels/lens_layout.py, drawing them
gui/panels/lens_painting.py.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from engine.format import number, preview
from engine.lens import Lens
from engine.trace import Run
from gui import style
from gui.panels.lens_layout import MARGIN, Layout, LensGeometry
from gui.panels.lens_painting import paint_lens

__all__ = ["MARGIN", "JacobianView"]  # MARGIN: the lens's edge, read by its tests from here


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
            geometry = LensGeometry(lens, self.names, self.font(), self.width(), self.height(),
                                    bool(self.check_text))
            self._layout_cache = (key, geometry.layout())
        return self._layout_cache[1]

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
        p.setPen(style.text_colour())
        lens = self.lens
        if lens is None or lens.jacobian is None:
            p.drawText(self.rect().adjusted(10, 10, -10, -10), Qt.TextFlag.TextWordWrap,
                       self.status_text)
            return
        paint_lens(p, lens, self.placement(), self.width(), self.font(),
                   (self.highlighted_row, self.hover_row), self.status_text, self.check_text)



def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
